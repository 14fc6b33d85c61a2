import type { WazuhFailedItem } from './types';

/**
 * Typed errors of the Wazuh REST client. Each says what failed and what to do about it; none carries the
 * request configuration (axios keeps credentials there), so logging or inspecting an error cannot leak secrets.
 */
export class WazuhApiError extends Error {
  override readonly name: string = 'WazuhApiError';
  constructor(
    message: string,
    /** HTTP status when the server answered, undefined for transport failures. */
    readonly status?: number,
    /** Wazuh error code from a problem+json body (`error` field), when present. */
    readonly wazuhCode?: number,
  ) {
    super(message);
  }
}

/** Login rejected, or a request still answered 401 after one re-login. */
export class WazuhAuthError extends WazuhApiError {
  override readonly name = 'WazuhAuthError';
}

/** No usable HTTP answer: connection refused, TLS verification failed, timeout. */
export class WazuhTransportError extends WazuhApiError {
  override readonly name = 'WazuhTransportError';
  constructor(
    message: string,
    /** Node/axios error code such as ECONNREFUSED, ECONNABORTED, DEPTH_ZERO_SELF_SIGNED_CERT. */
    readonly code?: string,
  ) {
    super(message);
  }
}

/** The envelope said `error: 1`: nothing was done. `failedItems` lists why, per item. */
export class WazuhRequestFailedError extends WazuhApiError {
  override readonly name = 'WazuhRequestFailedError';
  constructor(
    message: string,
    readonly failedItems: WazuhFailedItem[],
  ) {
    super(message, 200);
  }
}

/** The answer did not have the shape the Wazuh 4.x spec promises (wrong envelope, missing fields). */
export class WazuhResponseShapeError extends WazuhApiError {
  override readonly name = 'WazuhResponseShapeError';
}

/** The client refused to send a request because it would be unsafe (for example active response to all agents). */
export class WazuhRefusedError extends WazuhApiError {
  override readonly name = 'WazuhRefusedError';
}

/**
 * A paged read finished, but some pages reported `error: 2` and the caller gave no `onFailedItems` handler.
 * Thrown after every successful item was yielded, so partial failures are never silently dropped.
 */
export class WazuhPartialFailureError extends WazuhApiError {
  override readonly name = 'WazuhPartialFailureError';
  constructor(
    message: string,
    readonly failedItems: WazuhFailedItem[],
  ) {
    super(message, 200);
  }
}
