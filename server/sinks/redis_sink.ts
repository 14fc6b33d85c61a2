/**
 * Publishes alerts to Redis for the live view and for other processes: a capped stream of recent alerts, a pub/sub
 * channel, and each host's and user's latest risk.
 *
 * Best-effort by design: Elasticsearch is the record, Redis only makes things fast and live. A Redis outage must
 * never block or fail the alert write, so every write is bounded (a timeout per attempt, few attempts), a client
 * that is not connected fails fast instead of queueing commands in ioredis' offline queue (which would grow without
 * bound during an outage and replay stale alerts later), and failures are counted and logged, never thrown.
 */
import Redis, { type RedisOptions } from 'ioredis';
import { backoffDelay, sleep, withTimeout, type BackoffOptions } from './retry';
import {
  alertTimestamp,
  emptyResult,
  errorMessage,
  type AlertSink,
  type SinkAlert,
  type SinkBatch,
  type SinkLogger,
  type SinkWriteResult,
} from './types';

export type EntityType = 'host' | 'user';

export interface RedisKeys {
  /** Stream of recent alerts, capped at about `streamMaxLength` entries (`XADD MAXLEN ~`). */
  stream: string;
  /** Pub/sub channel for the live view; one message per alert. */
  channel: string;
  /** Sorted set per entity type: member = entity name, score = its latest risk score (top-N views use ZREVRANGE). */
  risk(entity: EntityType): string;
  /** Hash per entity type: field = entity name, value = JSON of the alert that set the latest risk. */
  riskLatest(entity: EntityType): string;
}

/**
 * Key names from the configured prefix. The `{host}` / `{user}` hash tags put a sorted set and its hash in the same
 * Redis Cluster slot, which the latest-risk script needs (it touches both keys atomically).
 */
export function redisKeys(prefix: string): RedisKeys {
  return {
    stream: `${prefix}alerts:stream`,
    channel: `${prefix}alerts:live`,
    risk: (entity) => `${prefix}risk:{${entity}}`,
    riskLatest: (entity) => `${prefix}risk:{${entity}}:latest`,
  };
}

/**
 * Sets an entity's risk only if this alert is not older than the one already stored, so a late or replayed batch
 * cannot overwrite a newer risk. KEYS: sorted set, hash. ARGV: entity, score, timestamp ms, JSON.
 */
const SET_LATEST_RISK = `
local cur = redis.call('HGET', KEYS[2], ARGV[1])
if cur then
  local ok, old = pcall(cjson.decode, cur)
  if ok and type(old) == 'table' and tonumber(old.ts) and tonumber(old.ts) > tonumber(ARGV[3]) then
    return 0
  end
end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[4])
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
return 1
`;

/** What the live view receives on the channel: enough to render a row, not the whole document. */
export interface LiveAlertMessage {
  id: string;
  timestamp: string;
  severity: SinkAlert['severity'];
  riskScore: number;
  ruleName?: string;
  host?: string;
  user?: string;
  incidentId?: string;
}

export interface LatestRisk {
  riskScore: number;
  severity: SinkAlert['severity'];
  alertId: string;
  incidentId?: string;
  timestamp: string;
  /** Milliseconds since the epoch of `timestamp` (what the script compares). */
  ts: number;
}

export interface RedisSinkStats {
  batches: number;
  written: number;
  failed: number;
  lastError?: string;
  lastErrorAt?: string;
}

export interface RedisAlertSinkOptions {
  redis: Redis;
  logger: SinkLogger;
  keyPrefix?: string;
  streamMaxLength?: number;
  /** Upper bound for one attempt (connect wait + pipeline). */
  timeoutMs?: number;
  backoff?: Partial<BackoffOptions>;
}

function ruleName(doc: Record<string, unknown>): string | undefined {
  const rule = doc.rule;
  if (typeof rule !== 'object' || rule === null) return undefined;
  const name = (rule as { name?: unknown }).name;
  return typeof name === 'string' ? name : undefined;
}

export function liveMessage(alert: SinkAlert): LiveAlertMessage {
  return {
    id: alert.id,
    timestamp: alertTimestamp(alert),
    severity: alert.severity,
    riskScore: alert.riskScore,
    ruleName: ruleName(alert.doc),
    host: alert.host,
    user: alert.user,
    incidentId: alert.incidentId,
  };
}

export class RedisAlertSink implements AlertSink {
  readonly name = 'redis';
  readonly keys: RedisKeys;
  private readonly redis: Redis;
  private readonly logger: SinkLogger;
  private readonly streamMaxLength: number;
  private readonly timeoutMs: number;
  private readonly backoff: BackoffOptions;
  private readonly counters: RedisSinkStats = { batches: 0, written: 0, failed: 0 };

  constructor(opts: RedisAlertSinkOptions) {
    this.redis = opts.redis;
    this.logger = opts.logger;
    this.keys = redisKeys(opts.keyPrefix ?? 'apt:');
    this.streamMaxLength = opts.streamMaxLength ?? 10000;
    this.timeoutMs = opts.timeoutMs ?? 2000;
    this.backoff = { maxAttempts: 2, initialDelayMs: 100, maxDelayMs: 500, ...opts.backoff };
  }

  stats(): RedisSinkStats {
    return { ...this.counters };
  }

  /** Never throws: failures are in the result and in `stats()`. */
  async write(batch: SinkBatch): Promise<SinkWriteResult> {
    const started = Date.now();
    const result = emptyResult(this.name, batch.alerts.length);
    if (batch.alerts.length === 0) return result;
    this.counters.batches++;
    let lastErr: unknown;
    for (let attempt = 1; attempt <= this.backoff.maxAttempts; attempt++) {
      try {
        await withTimeout(this.writeOnce(batch.alerts), this.timeoutMs, 'Redis alert write');
        result.written = batch.alerts.length;
        this.counters.written += result.written;
        result.durationMs = Date.now() - started;
        return result;
      } catch (err) {
        lastErr = err;
        if (attempt < this.backoff.maxAttempts) await sleep(backoffDelay(attempt, this.backoff));
      }
    }
    const reason = errorMessage(lastErr);
    result.failed = batch.alerts.length;
    result.errors.push({ type: 'redis_unavailable', reason, retriable: true });
    this.counters.failed += result.failed;
    this.counters.lastError = reason;
    this.counters.lastErrorAt = new Date().toISOString();
    this.logger.warn(`Redis alert stream skipped ${result.failed} alerts (best-effort): ${reason}`);
    result.durationMs = Date.now() - started;
    return result;
  }

  private async ready(): Promise<void> {
    const status = this.redis.status;
    if (status === 'ready') return;
    if (status === 'wait') {
      // lazyConnect client not connected yet: connect now (bounded by the caller's timeout).
      await this.redis.connect();
      return;
    }
    if (status === 'connecting' || status === 'connect') {
      await this.waitReady();
      return;
    }
    // 'reconnecting' means an outage is in progress; 'close'/'end' a closed client. Fail fast either way.
    throw new Error(`Redis is not connected (status ${status})`);
  }

  private waitReady(): Promise<void> {
    return new Promise((resolve, reject) => {
      const done = (err?: Error) => {
        clearTimeout(timer);
        this.redis.off('ready', onReady);
        this.redis.off('error', onError);
        if (err) reject(err);
        else resolve();
      };
      const onReady = () => done();
      const onError = (err: Error) => done(err);
      const timer = setTimeout(() => done(new Error('Redis did not become ready')), this.timeoutMs);
      this.redis.once('ready', onReady);
      this.redis.once('error', onError);
    });
  }

  private async writeOnce(alerts: SinkAlert[]): Promise<void> {
    await this.ready();
    const pipeline = this.redis.pipeline();
    // Oldest first, so within a batch the newest alert ends up as an entity's latest risk even without the script.
    const ordered = [...alerts].sort((a, b) => Date.parse(alertTimestamp(a)) - Date.parse(alertTimestamp(b)));
    for (const alert of ordered) {
      const timestamp = alertTimestamp(alert);
      pipeline.xadd(
        this.keys.stream,
        'MAXLEN',
        '~',
        String(this.streamMaxLength),
        '*',
        'id',
        alert.id,
        'severity',
        alert.severity,
        'alert',
        JSON.stringify(alert.doc),
      );
      pipeline.publish(this.keys.channel, JSON.stringify(liveMessage(alert)));
      const ts = Date.parse(timestamp);
      const latest: LatestRisk = {
        riskScore: alert.riskScore,
        severity: alert.severity,
        alertId: alert.id,
        incidentId: alert.incidentId,
        timestamp,
        ts: Number.isFinite(ts) ? ts : Date.now(),
      };
      for (const [entity, name] of [
        ['host', alert.host],
        ['user', alert.user],
      ] as const) {
        if (!name) continue;
        pipeline.eval(
          SET_LATEST_RISK,
          2,
          this.keys.risk(entity),
          this.keys.riskLatest(entity),
          name,
          String(alert.riskScore),
          String(latest.ts),
          JSON.stringify(latest),
        );
      }
    }
    const replies = (await pipeline.exec()) ?? [];
    const failed = replies.find(([err]) => err);
    if (failed?.[0]) throw failed[0];
  }

  /** The `n` riskiest entities of a type by their latest risk (for the entities view and other processes). */
  async topRisk(entity: EntityType, n: number): Promise<Array<{ name: string; riskScore: number }>> {
    const flat = await this.redis.zrevrange(this.keys.risk(entity), 0, n - 1, 'WITHSCORES');
    const out: Array<{ name: string; riskScore: number }> = [];
    for (let i = 0; i + 1 < flat.length; i += 2) out.push({ name: flat[i]!, riskScore: Number(flat[i + 1]) });
    return out;
  }

  async latestRisk(entity: EntityType, name: string): Promise<LatestRisk | undefined> {
    const raw = await this.redis.hget(this.keys.riskLatest(entity), name);
    return raw ? (JSON.parse(raw) as LatestRisk) : undefined;
  }
}

/**
 * An ioredis client set up for a best-effort sink: connects lazily, gives up on a command quickly instead of
 * retrying it 20 times, does not queue commands while disconnected, keeps reconnecting in the background, and
 * logs connection errors (an ioredis client without an `error` listener prints them to stderr).
 */
export function createSinkRedis(url: string, logger: SinkLogger, overrides: RedisOptions = {}): Redis {
  const client = new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2000,
    commandTimeout: 2000,
    retryStrategy: (times) => Math.min(200 * times, 5000),
    ...overrides,
  });
  let lastLogged = 0;
  client.on('error', (err: Error) => {
    // One line per 30 s at most: an outage would otherwise log on every reconnect attempt.
    if (Date.now() - lastLogged > 30000) {
      lastLogged = Date.now();
      logger.warn(`Redis connection error (alerts still go to Elasticsearch): ${err.message}`);
    }
  });
  return client;
}
