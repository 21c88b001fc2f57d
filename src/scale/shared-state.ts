/**
 * Hot state shared by replicas. With REDIS_URL: one ioredis client holds the event ledger (leases
 * with SET NX PX) and carries bottleneck's Redis clustering for the model and per-user limits and
 * the per-workspace budget for Slack's streaming calls. Without it: the same limits in-process.
 */
import Bottleneck from 'bottleneck';
import { Redis } from 'ioredis';
import { AppError } from '../errors.js';
import type { ClaimResult, EventLedger } from '../store/types.js';

/** Value of a ledger key once its event was answered (owners are `replica:uuid`, never this). */
const ANSWERED = '=answered';

/** Extend a lease only when it is still the caller's: compare and extend in one step. */
const RENEW_SCRIPT = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;

/** A live answer longer than this loses its slot; Slack ends a stream after about five minutes anyway. */
export const DEFAULT_SLOT_EXPIRATION_MS = 10 * 60_000;

export interface StreamBudget {
  /**
   * Take one `chat.startStream` call from the workspace's budget now, or return false when it is
   * spent (the caller answers with post + update instead of waiting).
   */
  tryTake(teamId: string | undefined): Promise<boolean>;
  /** Slack answered 429 for this workspace: spend what is left until the window refills. */
  exhaust(teamId: string | undefined): Promise<void>;
}

export interface Limits {
  /** Model calls in flight, across all users (and replicas, with Redis). */
  model: Bottleneck;
  /** One question at a time per user. */
  users: Bottleneck.Group;
  streams: StreamBudget;
  /** With Redis: how long a slot held by a replica that died stays taken (see answer-service.ts). */
  slotExpirationMs?: number;
}

export interface SharedState {
  /** `redis` or `local`, for logs and /readyz. */
  readonly kind: 'redis' | 'local';
  limits: Limits;
  /** The Redis event ledger; undefined without Redis (the store's ledger is used). */
  events?: EventLedger;
  /** Resolves when Redis answers (immediately without Redis). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface SharedStateOptions {
  redisUrl?: string;
  /** Prefix of every key and bottleneck id, so deployments (and test runs) sharing a Redis stay apart. */
  keyPrefix: string;
  maxConcurrent: number;
  /** `chat.startStream` calls per workspace per minute. */
  streamsPerMinute: number;
  /** Upper bound on one answer's hold on a model or user slot (frees a dead replica's slots). */
  slotExpirationMs?: number;
}

function streamLimiterOptions(perMinute: number): Bottleneck.ConstructorOptions {
  return {
    reservoir: perMinute,
    reservoirRefreshAmount: perMinute,
    reservoirRefreshInterval: 60_000,
    // highWater 0 with OVERFLOW: a call that cannot start at once is dropped, not queued (see tryTake).
    highWater: 0,
    strategy: Bottleneck.strategy.OVERFLOW,
  };
}

function budgetOver(group: Bottleneck.Group): StreamBudget {
  const limiterFor = (teamId: string | undefined) => group.key(teamId ?? 'default');
  return {
    async tryTake(teamId) {
      try {
        await limiterFor(teamId).schedule(async () => undefined);
        return true;
      } catch (error) {
        if (error instanceof Bottleneck.BottleneckError) return false;
        throw error;
      }
    },
    async exhaust(teamId) {
      await limiterFor(teamId).updateSettings({ reservoir: 0 });
    },
  };
}

export function createLocalSharedState(options: Omit<SharedStateOptions, 'redisUrl' | 'keyPrefix' | 'slotExpirationMs'>): SharedState {
  const model = new Bottleneck({ maxConcurrent: options.maxConcurrent });
  const users = new Bottleneck.Group({ maxConcurrent: 1 });
  const streams = new Bottleneck.Group(streamLimiterOptions(options.streamsPerMinute));
  return {
    kind: 'local',
    limits: { model, users, streams: budgetOver(streams) },
    ping: async () => undefined,
    close: async () => {
      await model.disconnect();
    },
  };
}

/** Connect to Redis (failing with a readable AppError) and build the clustered limits and the ledger on it. */
export async function connectSharedState(options: SharedStateOptions & { redisUrl: string }): Promise<SharedState> {
  // Not lazyConnect: bottleneck duplicates this client for its subscriber, and a duplicate of a lazy client never connects.
  const redis = new Redis(options.redisUrl, { maxRetriesPerRequest: 2, connectTimeout: 5_000 });
  // Reconnection is ioredis's job; an error event without a listener would crash the process.
  redis.on('error', () => undefined);
  try {
    await redis.ping();
  } catch (error) {
    redis.disconnect();
    throw new AppError('store_error', `I could not reach Redis at REDIS_URL (${error instanceof Error ? error.message : String(error)}). Check the URL and that the server is up.`, { cause: error });
  }
  redis.defineCommand('mhRenewLease', { numberOfKeys: 1, lua: RENEW_SCRIPT });
  const prefix = options.keyPrefix;
  const connection = new Bottleneck.IORedisConnection({ client: redis });
  connection.on('error', () => undefined);
  const clustered = { datastore: 'ioredis' as const, clearDatastore: false, connection };
  const model = new Bottleneck({ ...clustered, id: `${prefix}model`, maxConcurrent: options.maxConcurrent });
  const users = new Bottleneck.Group({ ...clustered, id: `${prefix}user`, maxConcurrent: 1 });
  const streams = new Bottleneck.Group({ ...clustered, id: `${prefix}stream`, ...streamLimiterOptions(options.streamsPerMinute) });
  // A second replica starting with another LLM_MAX_CONCURRENT wins: settings live in Redis, so write ours.
  await model.updateSettings({ maxConcurrent: options.maxConcurrent });
  await model.ready();

  const eventKey = (eventId: string) => `${prefix}event:${eventId}`;
  const events: EventLedger = {
    async claim(eventId, owner, leaseMs): Promise<ClaimResult> {
      if ((await redis.set(eventKey(eventId), owner, 'PX', leaseMs, 'NX')) === 'OK') return 'claimed';
      const holder = await redis.get(eventKey(eventId));
      return holder === ANSWERED ? 'answered' : 'busy';
    },
    async renew(eventId, owner, leaseMs) {
      const renewed = (await (redis as Redis & { mhRenewLease(key: string, owner: string, ms: number): Promise<number> }).mhRenewLease(eventKey(eventId), owner, leaseMs)) === 1;
      return renewed;
    },
    async complete(eventId, ttlMs) {
      await redis.set(eventKey(eventId), ANSWERED, 'PX', ttlMs);
    },
  };

  return {
    kind: 'redis',
    limits: { model, users, streams: budgetOver(streams), slotExpirationMs: options.slotExpirationMs ?? DEFAULT_SLOT_EXPIRATION_MS },
    events,
    ping: async () => {
      await redis.ping();
    },
    close: async () => {
      // The connection owns the client: disconnecting it quits both the client and bottleneck's subscriber.
      await connection.disconnect(true);
    },
  };
}
