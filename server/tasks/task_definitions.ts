/**
 * Task Manager task types and their fixed-id schedules. Each run is a thin shell over a `TaskRunner` from the
 * services; `maxConcurrency: 1` and a timeout keep scoring from overlapping or starving the Kibana process.
 */
import { z } from 'zod';
import { PLUGIN_ID } from '../../common/api';
import type { AptDetectionConfig } from '../config';
import type { Logger, TaskDefinition, TaskInstanceToSchedule } from '../kibana_types';
import type { ServicesAccessor, TaskState } from '../services';

export const TASK_TYPES = {
  detectWinlogbeat: `${PLUGIN_ID}:detect-winlogbeat`,
  detectWazuh: `${PLUGIN_ID}:detect-wazuh`,
  detectIntake: `${PLUGIN_ID}:detect-intake`,
  housekeeping: `${PLUGIN_ID}:housekeeping`,
  trainBaselines: `${PLUGIN_ID}:train-baselines`,
} as const;

export type TaskType = (typeof TASK_TYPES)[keyof typeof TASK_TYPES];

/** Task state is JSON the runner owns; the schema only checks it is an object so bad state fails loudly. */
const stateSchema = {
  validate: (value: unknown): Record<string, unknown> => z.record(z.unknown()).parse(value ?? {}),
};

export function taskDefinitions(
  config: AptDetectionConfig,
  services: ServicesAccessor,
  logger: Logger,
): Record<string, TaskDefinition> {
  const def = (type: TaskType, title: string, description: string): TaskDefinition => ({
    title,
    description,
    timeout: config.schedule.taskTimeout,
    maxAttempts: config.schedule.maxAttempts,
    maxConcurrency: 1,
    stateSchemaByVersion: { 1: { schema: stateSchema, up: (s) => s } },
    createTaskRunner: ({ taskInstance }) => {
      const abort = new AbortController();
      return {
        run: async () => {
          const runner = services().taskRunners[type];
          if (!runner) throw new Error(`no runner for task type ${type}`);
          const state = await runner(taskInstance.state as TaskState, abort.signal);
          return { state };
        },
        cancel: async () => {
          logger.warn(`task ${taskInstance.id} cancelled (timeout ${config.schedule.taskTimeout})`);
          abort.abort();
        },
      };
    },
  });
  return {
    [TASK_TYPES.detectWinlogbeat]: def(
      TASK_TYPES.detectWinlogbeat,
      'APT Detection: Winlogbeat',
      'Reads new Winlogbeat / Elastic Agent Windows events, runs the detection pipeline and writes alerts',
    ),
    [TASK_TYPES.detectWazuh]: def(
      TASK_TYPES.detectWazuh,
      'APT Detection: Wazuh alerts',
      'Reads new Wazuh 4.x alerts, runs the detection pipeline and writes alerts',
    ),
    [TASK_TYPES.detectIntake]: def(
      TASK_TYPES.detectIntake,
      'APT Detection: ingest API intake',
      'Runs the detection pipeline over documents accepted by the ingest API',
    ),
    [TASK_TYPES.trainBaselines]: def(
      TASK_TYPES.trainBaselines,
      'APT Detection: behaviour baselines',
      'Retrains the per-entity Isolation Forest baselines from each entity history window',
    ),
    [TASK_TYPES.housekeeping]: def(
      TASK_TYPES.housekeeping,
      'APT Detection: housekeeping',
      'Drops expired exactly-once marker indices and old intake documents',
    ),
  };
}

/** The schedules `start` ensures, with fixed ids so every Kibana instance converges on one task each. */
export function taskSchedules(config: AptDetectionConfig): TaskInstanceToSchedule[] {
  const s = (taskType: TaskType, interval: string, enabled = true): TaskInstanceToSchedule[] =>
    enabled ? [{ id: `${taskType}:1`, taskType, schedule: { interval }, params: {}, state: {} }] : [];
  return [
    ...s(TASK_TYPES.detectWinlogbeat, config.schedule.detectionInterval, config.sources.winlogbeat.enabled),
    ...s(TASK_TYPES.detectWazuh, config.schedule.detectionInterval, config.sources.wazuh.enabled),
    ...s(TASK_TYPES.detectIntake, config.schedule.detectionInterval),
    ...s(TASK_TYPES.housekeeping, config.schedule.housekeepingInterval),
    ...s(TASK_TYPES.trainBaselines, config.schedule.baselineInterval, config.models.baselines.enabled),
  ];
}
