import * as fs from 'fs';
import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { CORE_SCHEMA, load } from 'js-yaml-v4';
import { datasetPath } from '../../../scripts/lib/datasets';

/**
 * Validates HTTP exchanges against Wazuh's own OpenAPI spec (wazuh/wazuh v4.14.7 api/api/spec/spec.yaml, read in
 * place from the shared datasets). Used by the fake Wazuh API so that the fake cannot drift from the real API,
 * and so that the client's requests (query parameters, bodies) are checked against the spec too.
 */
const SPEC_ID = 'wazuh-spec';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function escapePointer(part: string): string {
  return part.replace(/~/g, '~0').replace(/\//g, '~1');
}

// Wazuh's custom `format:` checks, translated from api/api/validator.py (v4.14.x). Python's \w is Unicode-aware,
// JavaScript's is ASCII; the fake only emits ASCII so the difference does not matter here.
const PATHS = /^[\w\-.\\/:]+$/;
const noTraversal = (v: string) => !['../', '..\\', '/..', '\\..'].some((p) => v.includes(p));
const WAZUH_FORMATS: Record<string, RegExp | ((v: string) => boolean)> = {
  alphanumeric: /^[\w,\-.+\s:]+$/,
  alphanumeric_symbols: /^[\w,*<>!\-.+\s:/()[\]'"|=~#]+$/,
  base64: /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/,
  group_names: /^(?!^(\.{1,2}|all)$)[A-Za-z0-9.\-_]+$/,
  group_names_or_all: /^(?!^\.{1,2}$)[A-Za-z0-9.\-_]+$/,
  hash: /^(?:[\da-fA-F]{32})?$|(?:[\da-fA-F]{40})?$|(?:[\da-fA-F]{56})?$|(?:[\da-fA-F]{64})?$|(?:[\da-fA-F]{96})?$|(?:[\da-fA-F]{128})?$/,
  names: /^[\w\-.%]+$/,
  numbers: /^\d+$/,
  numbers_or_all: /^(\d+|all)$/,
  wazuh_key: /[a-zA-Z0-9]+$/,
  wazuh_version: /^(?:wazuh |)v?\d+\.\d+\.\d+$/i,
  paths: PATHS,
  path: (v) => noTraversal(v) && PATHS.test(v),
  active_response_command: (v) => noTraversal(v) && /^!?[\w\-.\\/:]+$/.test(v),
  cdb_filename_path: /^[-\w]+$/,
  xml_filename: /^[\w-]+\.xml(,[\w-]+\.xml)*$/,
  xml_filename_path: /^[\w-]+\.xml$/,
  query: /^[\w.-]+(?:=|!=|<|>|~)[\w.\- ]+(?:[;,][\w.-]+(?:=|!=|<|>|~)[\w.\- ]+)*$/,
  range: /[\d]+$|^[\d]{1,2}-[\d]{1,2}$/,
  search: /^[^;|&^*>]+$/,
  sort: /^[\w_\-,\s+.]+$/,
  timeframe: /^(\d+[dhms]?)$/,
  wpk_path: /^[\w\-.\\/:\s]*[^/]\.wpk$/,
};

export interface SpecCheck {
  ok: boolean;
  errors: string[];
}

export class WazuhSpecValidator {
  private static cached?: WazuhSpecValidator;
  private readonly ajv: Ajv;
  private readonly compiled = new Map<string, ValidateFunction>();
  readonly version: string;

  private constructor(private readonly spec: JsonObject) {
    this.version = String(isObject(spec.info) ? spec.info.version : 'unknown');
    this.ajv = new Ajv({
      // OpenAPI 3.0 schemas carry `example`, `x-*` and other non-JSON-Schema keys; ignore them, but never
      // silently ignore an unknown `format` (the warning is turned into an error).
      strict: false,
      allErrors: true,
      validateSchema: false,
      logger: {
        log: () => undefined,
        warn: (...args: unknown[]) => {
          throw new Error(`spec validator: ${args.map(String).join(' ')}`);
        },
        error: (...args: unknown[]) => {
          throw new Error(`spec validator: ${args.map(String).join(' ')}`);
        },
      },
    });
    addFormats(this.ajv);
    for (const [name, check] of Object.entries(WAZUH_FORMATS)) {
      this.ajv.addFormat(name, typeof check === 'function' ? { validate: check } : check);
    }
    this.ajv.addSchema(spec, SPEC_ID);
  }

  /** Loads (once per process) the spec from the shared datasets, or from `specPath`. */
  static load(specPath?: string): WazuhSpecValidator {
    if (specPath === undefined && WazuhSpecValidator.cached) return WazuhSpecValidator.cached;
    const file = specPath ?? datasetPath('wazuh', 'api', 'spec.yaml');
    const spec = load(fs.readFileSync(file, 'utf8'), { schema: CORE_SCHEMA, filename: file });
    if (!isObject(spec) || !isObject(spec.paths)) throw new Error(`${file} is not an OpenAPI document`);
    const validator = new WazuhSpecValidator(spec);
    if (specPath === undefined) WazuhSpecValidator.cached = validator;
    return validator;
  }

  /** Validates a response body for `method pathTemplate` (spec path, e.g. `/agents`) and status. */
  validateResponse(
    method: string,
    pathTemplate: string,
    status: number,
    contentType: string,
    body: unknown,
  ): SpecCheck {
    const op = this.operation(method, pathTemplate);
    if (!op.ok) return op;
    const responses = op.node.responses;
    if (!isObject(responses)) return fail(`${method} ${pathTemplate} documents no responses`);
    let pointer = `${op.pointer}/responses`;
    let response: Json | undefined = responses[String(status)];
    if (response === undefined) {
      response = responses.default;
      pointer += '/default';
    } else {
      pointer += `/${status}`;
    }
    if (response === undefined) return fail(`${method} ${pathTemplate}: status ${status} is not documented`);
    // Shared responses are `$ref: '#/components/responses/...'`.
    if (isObject(response) && typeof response.$ref === 'string') {
      pointer = response.$ref.slice(1);
      response = this.resolve(pointer);
    }
    if (!isObject(response)) return fail(`${method} ${pathTemplate}: unresolvable response at ${pointer}`);
    const content = response.content;
    if (!isObject(content)) return pass(); // e.g. 204-like responses without a body schema
    const mediaType = contentType.split(';')[0].trim().toLowerCase();
    // Wazuh sends errors as application/problem+json (api/api/error_handler.py) but its spec documents them as
    // application/json; validate the body against the documented schema either way.
    const documented =
      mediaType in content
        ? mediaType
        : mediaType === 'application/problem+json'
          ? 'application/json'
          : undefined;
    if (documented === undefined || !(documented in content)) {
      return fail(`${method} ${pathTemplate} ${status}: content type ${mediaType} is not documented`);
    }
    const media = content[documented];
    if (!isObject(media) || media.schema === undefined) return pass();
    return this.check(`${pointer}/content/${escapePointer(documented)}/schema`, body);
  }

  /** Validates a JSON request body against the operation's documented requestBody schema. */
  validateRequestBody(method: string, pathTemplate: string, body: unknown): SpecCheck {
    const op = this.operation(method, pathTemplate);
    if (!op.ok) return op;
    const rb = op.node.requestBody;
    if (!isObject(rb) || !isObject(rb.content) || !isObject(rb.content['application/json'])) {
      return body === undefined ? pass() : fail(`${method} ${pathTemplate} documents no JSON request body`);
    }
    return this.check(`${op.pointer}/requestBody/content/application~1json/schema`, body);
  }

  /**
   * Validates query parameters against the operation's documented parameters. Undocumented parameters are
   * errors (they would be rejected with 400 by the real API's connexion layer). Arrays are comma-separated.
   */
  validateQuery(method: string, pathTemplate: string, query: URLSearchParams): SpecCheck {
    const op = this.operation(method, pathTemplate);
    if (!op.ok) return op;
    const params = Array.isArray(op.node.parameters) ? op.node.parameters : [];
    const known = new Map<string, { pointer: string; schema: JsonObject; required: boolean }>();
    params.forEach((p, i) => {
      let pointer = `${op.pointer}/parameters/${i}`;
      let node: Json | undefined = p;
      if (isObject(p) && typeof p.$ref === 'string') {
        pointer = p.$ref.slice(1);
        node = this.resolve(pointer);
      }
      if (isObject(node) && node.in === 'query' && typeof node.name === 'string' && isObject(node.schema)) {
        known.set(node.name, {
          pointer: `${pointer}/schema`,
          schema: node.schema,
          required: node.required === true,
        });
      }
    });
    const errors: string[] = [];
    for (const name of new Set(query.keys())) {
      const param = known.get(name);
      if (!param) {
        errors.push(`query parameter '${name}' is not documented for ${method} ${pathTemplate}`);
        continue;
      }
      const value = coerceQueryValue(query.get(name) ?? '', param.schema, (p) => this.resolve(p));
      const result = this.check(param.pointer, value);
      errors.push(...result.errors.map((e) => `query '${name}': ${e}`));
    }
    for (const [name, param] of known) {
      if (param.required && !query.has(name)) errors.push(`required query parameter '${name}' is missing`);
    }
    return { ok: errors.length === 0, errors };
  }

  private operation(
    method: string,
    pathTemplate: string,
  ): { ok: true; node: JsonObject; pointer: string; errors: string[] } | (SpecCheck & { ok: false }) {
    const paths = this.spec.paths;
    const pathNode = isObject(paths) ? paths[pathTemplate] : undefined;
    const node = isObject(pathNode) ? pathNode[method.toLowerCase()] : undefined;
    if (!isObject(node)) return { ok: false, errors: [`${method} ${pathTemplate} is not in the Wazuh spec`] };
    return {
      ok: true,
      node,
      pointer: `/paths/${escapePointer(pathTemplate)}/${method.toLowerCase()}`,
      errors: [],
    };
  }

  private resolve(pointer: string): Json | undefined {
    let node: Json | undefined = this.spec;
    for (const raw of pointer.split('/').slice(1)) {
      const part = raw.replace(/~1/g, '/').replace(/~0/g, '~');
      node = isObject(node) ? node[part] : Array.isArray(node) ? node[Number(part)] : undefined;
    }
    return node;
  }

  private check(pointer: string, value: unknown): SpecCheck {
    let validate = this.compiled.get(pointer);
    if (!validate) {
      validate = this.ajv.compile({ $ref: `${SPEC_ID}#${pointer}` });
      this.compiled.set(pointer, validate);
    }
    if (validate(value)) return pass();
    return {
      ok: false,
      errors: (validate.errors ?? []).map((e) => `${e.instancePath || '(root)'} ${e.message ?? e.keyword}`),
    };
  }
}

function pass(): SpecCheck {
  return { ok: true, errors: [] };
}

function fail(message: string): SpecCheck {
  return { ok: false, errors: [message] };
}

/** Query strings are text; turn them into the JSON types the parameter schema describes before validating. */
function coerceQueryValue(
  raw: string,
  schema: JsonObject,
  resolve: (p: string) => Json | undefined,
): unknown {
  const target = typeof schema.$ref === 'string' ? resolve(schema.$ref.slice(1)) : schema;
  const type = isObject(target) ? target.type : undefined;
  if (type === 'array') {
    const items = isObject(target) && isObject(target.items) ? target.items : {};
    return raw.split(',').map((v) => coerceQueryValue(v, items, resolve));
  }
  if (type === 'integer' || type === 'number') return /^-?\d+(\.\d+)?$/.test(raw) ? Number(raw) : raw;
  if (type === 'boolean') return raw === 'true' ? true : raw === 'false' ? false : raw;
  return raw;
}
