/**
 * The standalone host's logger: Kibana's Logger interface (levels, child contexts) printing one line per record.
 * Secrets never reach it: configuration is redacted before it is logged.
 */
import type { Logger } from '../../server/kibana_types';

const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;
type Level = (typeof LEVELS)[number];

export function createLogger(context: string, minLevel: Level = 'info', json = false): Logger {
  const min = LEVELS.indexOf(minLevel);
  const write = (level: Level, message: string | Error, meta?: object): void => {
    if (LEVELS.indexOf(level) < min) return;
    const text = message instanceof Error ? (message.stack ?? message.message) : message;
    const ts = new Date().toISOString();
    const line = json
      ? JSON.stringify({ '@timestamp': ts, log: { level, logger: context }, message: text, ...(meta ?? {}) })
      : `[${ts}][${level.toUpperCase().padEnd(5)}][${context}] ${text}`;
    (LEVELS.indexOf(level) >= LEVELS.indexOf('warn') ? process.stderr : process.stdout).write(line + '\n');
  };
  return {
    trace: (m, meta) => write('trace', m, meta),
    debug: (m, meta) => write('debug', m, meta),
    info: (m, meta) => write('info', m, meta),
    warn: (m, meta) => write('warn', m, meta),
    error: (m, meta) => write('error', m, meta),
    fatal: (m, meta) => write('fatal', m, meta),
    get: (...parts) => createLogger([context, ...parts].join('.'), minLevel, json),
  };
}
