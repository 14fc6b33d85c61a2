// js-yaml 4 under an npm alias: Wazuh's spec.yaml has multi-line quoted scalars that js-yaml 5 (the project's
// runtime YAML parser) rejects but PyYAML, which Wazuh uses, and js-yaml 4 accept. Only the loader is used.
declare module 'js-yaml-v4' {
  export const CORE_SCHEMA: unknown;
  export function load(source: string, options?: { schema?: unknown; filename?: string }): unknown;
}
