import { FakeWazuhApi, type FakeExchange, type FakeWazuhApiOptions } from './fake_server';
import { WazuhSpecValidator } from './spec_validator';

/**
 * Starts the fake Wazuh API with every exchange checked against Wazuh's OpenAPI spec: the response body for its
 * status and content type, and the client's query parameters and JSON body. Tests assert `violations` is empty.
 */
export interface ValidatedFake {
  fake: FakeWazuhApi;
  violations: string[];
  exchanges: FakeExchange[];
}

export async function startValidatedFake(options: FakeWazuhApiOptions = {}): Promise<ValidatedFake> {
  const spec = WazuhSpecValidator.load();
  const violations: string[] = [];
  const exchanges: FakeExchange[] = [];
  const fake = await FakeWazuhApi.start({
    ...options,
    onExchange: (e) => {
      exchanges.push(e);
      options.onExchange?.(e);
      violations.push(...checkExchange(spec, e));
    },
  });
  return { fake, violations, exchanges };
}

export function checkExchange(spec: WazuhSpecValidator, e: FakeExchange): string[] {
  // Unknown paths are answered 404 like the real server, but there is nothing in the spec to check them against;
  // injected 5xx are not documented by Wazuh's spec at all.
  if (e.pathTemplate === undefined || e.injected) return [];
  const label = `${e.method} ${e.pathTemplate} ${e.status}`;
  const checks = [
    spec.validateResponse(e.method, e.pathTemplate, e.status, e.contentType, e.body),
    spec.validateQuery(e.method, e.pathTemplate, e.query),
    ...(e.requestBody !== undefined
      ? [spec.validateRequestBody(e.method, e.pathTemplate, e.requestBody)]
      : []),
  ];
  return checks.flatMap((c) => c.errors.map((err) => `${label}: ${err}`));
}
