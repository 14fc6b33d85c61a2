/**
 * The fields of an Elastic Security detection rule as `POST /api/detection_engine/rules/_import` accepts them
 * (Kibana security_solution rule schema; elastic/security-docs rules-api-create.asciidoc): the subset we emit,
 * validated strictly so a typo in the exporter cannot produce a file Kibana would reject.
 */
import { z } from 'zod';

const reference = z.string().url();
const threatEntry = z
  .object({
    framework: z.literal('MITRE ATT&CK'),
    tactic: z.object({ id: z.string().regex(/^TA\d{4}$/), name: z.string().min(1), reference }).strict(),
    technique: z
      .array(
        z
          .object({
            id: z.string().regex(/^T\d{4}$/),
            name: z.string().min(1),
            reference,
            subtechnique: z
              .array(
                z
                  .object({ id: z.string().regex(/^T\d{4}\.\d{3}$/), name: z.string().min(1), reference })
                  .strict(),
              )
              .optional(),
          })
          .strict(),
      )
      .optional(),
  })
  .strict();

const common = {
  rule_id: z.string().min(1),
  name: z.string().min(1),
  description: z.string().min(1),
  risk_score: z.number().int().min(0).max(100),
  severity: z.enum(['low', 'medium', 'high', 'critical']),
  index: z.array(z.string().min(1)).min(1),
  query: z.string().min(1),
  from: z.string().regex(/^now-\d+[smhd]$/),
  interval: z.string().regex(/^\d+[smhd]$/),
  enabled: z.boolean(),
  version: z.number().int().min(1),
  author: z.array(z.string()),
  license: z.string(),
  tags: z.array(z.string()),
  references: z.array(z.string()),
  false_positives: z.array(z.string()),
  max_signals: z.number().int().min(1),
  threat: z.array(threatEntry),
  note: z.string().optional(),
};

export const elasticEqlRuleSchema = z
  .object({ ...common, type: z.literal('eql'), language: z.literal('eql') })
  .strict();

export const elasticThresholdRuleSchema = z
  .object({
    ...common,
    type: z.literal('threshold'),
    language: z.literal('kuery'),
    threshold: z
      .object({
        field: z.array(z.string()),
        value: z.number().int().min(1),
        cardinality: z
          .array(z.object({ field: z.string(), value: z.number().int().min(1) }).strict())
          .optional(),
      })
      .strict(),
  })
  .strict();

export const elasticRuleSchema = z.discriminatedUnion('type', [
  elasticEqlRuleSchema,
  elasticThresholdRuleSchema,
]);
export type ElasticRule = z.infer<typeof elasticRuleSchema>;
