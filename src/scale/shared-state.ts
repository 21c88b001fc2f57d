/**
 * Hot state shared by replicas. With REDIS_URL: one ioredis client holds the event ledger (leases
 * with SET NX PX) and carries bottleneck's Redis clustering for the model and per-user limits and
 * the per-workspace budget for Slack's streaming calls; a second client subscribes to the stop relay
 * (a Stop click that reaches another replica than the one writing the answer). Without it: the same
 * limits in-process, and no relay.
 */
import { randomUUID } from 'node:crypto';
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

/** What a Stop click achieved: the answer ended, it runs nowhere, or it is someone else's. */
export type StopResult = 'stopped' | 'not_running' | 'not_yours';

/** Carries Stop clicks between replicas: the one that got the click asks, the one running the answer stops it. */
export interface StopRelay {
  /** Ask the other replicas to stop an answer; `not_running` when none runs it (or none answers in time). */
  request(key: string, userId: string): Promise<StopResult>;
  /** How this replica answers the others' requests (its own running answers). */
  serve(handler: (key: string, userId: string) => StopResult): void;
}

export interface SharedState {
  /** `redis` or `local`, for logs and /readyz. */
  readonly kind: 'redis' | 'local';
  limits: Limits;
  /** The Redis event ledger; undefined without Redis (the store's ledger is used). */
  events?: EventLedger;
  /** Stop clicks across replicas; undefined without Redis (every answer runs in this process). */
  stops?: StopRelay;
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

  const stops = await connectStopRelay(redis, prefix);

  return {
    kind: 'redis',
    limits: { model, users, streams: budgetOver(streams), slotExpirationMs: options.slotExpirationMs ?? DEFAULT_SLOT_EXPIRATION_MS },
    events,
    stops: stops.relay,
    ping: async () => {
      await redis.ping();
    },
    close: async () => {
      stops.close();
      // The connection owns the client: disconnecting it quits both the client and bottleneck's subscriber.
      await connection.disconnect(true);
    },
  };
}

/** How long a Stop click waits for the other replicas' replies before saying the answer runs nowhere. */
const STOP_REPLY_TIMEOUT_MS = 2_000;

interface StopRequestMessage {
  requestId: string;
  key: string;
  userId: string;
  replyTo: string;
}

interface PendingStop {
  replies: StopResult[];
  /** Replicas that heard the request, once PUBLISH said so (replies can arrive before that). */
  expected?: number;
  settle(result: StopResult): void;
}

/** Settle once a replica stopped (or refused) the answer, or every replica that heard the request said it is not theirs. */
function decide(entry: PendingStop): void {
  const decisive = entry.replies.find((result) => result !== 'not_running');
  if (decisive !== undefined) entry.settle(decisive);
  else if (entry.expected !== undefined && entry.replies.length >= entry.expected) entry.settle('not_running');
}

/** Publish one Stop request and resolve with the decisive reply, `not_running` when every listener said so, or the timeout. */
function askReplicas(redis: Redis, channel: string, message: StopRequestMessage, pending: Map<string, PendingStop>): Promise<StopResult> {
  let timer: NodeJS.Timeout | undefined;
  return new Promise<StopResult>((resolve) => {
    const entry: PendingStop = {
      replies: [],
      settle: (result) => {
        clearTimeout(timer);
        pending.delete(message.requestId);
        resolve(result);
      },
    };
    // Registered before publishing: replies arrive on the subscriber, possibly before PUBLISH returns.
    pending.set(message.requestId, entry);
    timer = setTimeout(() => entry.settle('not_running'), STOP_REPLY_TIMEOUT_MS);
    redis.publish(channel, JSON.stringify(message)).then(
      (listeners) => {
        // Our own subscriber is one of the listeners and does not reply.
        entry.expected = Math.max(0, listeners - 1);
        decide(entry);
      },
      () => entry.settle('not_running'),
    );
  });
}

/**
 * Request and reply over pub/sub: a request goes to `<prefix>stop`; every replica answers on the
 * asker's own `<prefix>stop-reply:<id>` channel. PUBLISH returns how many replicas heard it, so the
 * asker knows when all have answered and only waits the timeout for one that went away.
 */
async function connectStopRelay(redis: Redis, prefix: string): Promise<{ relay: StopRelay; close(): void }> {
  const requestChannel = `${prefix}stop`;
  const replyChannel = `${prefix}stop-reply:${randomUUID()}`;
  // A client in subscriber mode runs no other commands, so the relay listens on its own connection.
  const subscriber = redis.duplicate();
  subscriber.on('error', () => undefined);
  const pending = new Map<string, PendingStop>();
  let handler: (key: string, userId: string) => StopResult = () => 'not_running';

  subscriber.on('message', (channel: string, text: string) => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return; // Not ours: someone else publishing on a shared Redis must not crash the replica.
    }
    if (channel === replyChannel) {
      const reply = parsed as { requestId: string; result: StopResult };
      const entry = pending.get(reply.requestId);
      if (entry === undefined) return;
      entry.replies.push(reply.result);
      decide(entry);
      return;
    }
    const request = parsed as StopRequestMessage;
    // This replica already looked at its own answers before asking.
    if (request.replyTo === replyChannel) return;
    const result = handler(request.key, request.userId);
    void redis.publish(request.replyTo, JSON.stringify({ requestId: request.requestId, result })).catch(() => undefined);
  });
  await subscriber.subscribe(requestChannel, replyChannel);

  const relay: StopRelay = {
    serve(serveWith) {
      handler = serveWith;
    },
    request: (key, userId) => askReplicas(redis, requestChannel, { requestId: randomUUID(), key, userId, replyTo: replyChannel }, pending),
  };
  return {
    relay,
    close() {
      for (const entry of pending.values()) entry.settle('not_running');
      subscriber.disconnect();
    },
  };
}
