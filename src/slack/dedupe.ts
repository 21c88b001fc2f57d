/**
 * Each Slack event is answered once, across Slack's redeliveries and across replicas, and none is
 * lost when the replica answering it dies: the answerer holds a lease on the event id (renewed while
 * it works) and marks the event answered at the end. A redelivery that finds a live lease waits
 * about one lease: if the holder finishes, the redelivery is dropped; if the holder died, its lease
 * lapses and the redelivery answers instead.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';

/**
 * `claimed`: the caller now holds the event for the lease and must answer it; `answered`: someone
 * finished it already (a redelivery to drop); `busy`: someone else holds a live lease on it.
 */
export type ClaimResult = 'claimed' | 'answered' | 'busy';

/**
 * What this edge needs from a ledger. Declared here (src/slack does not import src/store); the
 * store's and the Redis ledger have the same shape and main.ts passes one in.
 */
export interface EventLedger {
  claim(eventId: string, owner: string, leaseMs: number): Promise<ClaimResult>;
  /** Extend the owner's lease; false when the lease is no longer the owner's. */
  renew(eventId: string, owner: string, leaseMs: number): Promise<boolean>;
  /** Remember the event as answered for `ttlMs`. */
  complete(eventId: string, ttlMs: number): Promise<void>;
}

/** How long an answered event id is remembered: Slack's last retry comes about 5 minutes after the first try. */
export const EVENT_TTL_MS = 60 * 60_000;
/** Default lease: long enough for a few missed renewals, short enough that a dead replica's event is answered by Slack's next retry. */
export const DEFAULT_EVENT_LEASE_MS = 30_000;

export interface OnceOptions {
  ledger: EventLedger;
  /** Names this process in lease owners (logs and debugging). */
  replicaId: string;
  leaseMs: number;
  logger: Logger;
}

const delay = (ms: number) =>
  new Promise<void>((resolve) => {
    setTimeout(resolve, ms).unref();
  });

/**
 * Run `work` unless this event was (or is being) answered elsewhere. Returns false for a duplicate.
 * A ledger that cannot be reached must not turn a question into silence: then it answers anyway.
 */
export async function answerOnce(options: OnceOptions, eventId: string, work: () => Promise<void>): Promise<boolean> {
  const { ledger, leaseMs, logger } = options;
  const owner = `${options.replicaId}:${randomUUID()}`;
  let claimed: boolean;
  try {
    claimed = await claimOrWait(ledger, eventId, owner, leaseMs);
  } catch (error) {
    logger.error({ err: error }, 'could not record the event id; answering without the duplicate check');
    await work();
    return true;
  }
  if (!claimed) return false;

  const renewal = setInterval(() => {
    ledger.renew(eventId, owner, leaseMs).then(
      (held) => {
        if (!held) logger.warn('lost the lease on an event while answering it (the ledger was unreachable for longer than the lease)');
      },
      (error: unknown) => logger.warn({ err: error }, 'could not renew the lease on an event'),
    );
  }, Math.max(50, Math.floor(leaseMs / 3)));
  renewal.unref();
  try {
    await work();
  } finally {
    clearInterval(renewal);
    await ledger.complete(eventId, EVENT_TTL_MS).catch((error: unknown) => logger.warn({ err: error }, 'could not mark the event answered'));
  }
  return true;
}

/** Claim now, or poll a held claim for about one lease until it is answered (false) or lapses (claim it). */
async function claimOrWait(ledger: EventLedger, eventId: string, owner: string, leaseMs: number): Promise<boolean> {
  const deadline = Date.now() + leaseMs + leaseMs / 2;
  for (;;) {
    const result = await ledger.claim(eventId, owner, leaseMs);
    if (result === 'claimed') return true;
    if (result === 'answered' || Date.now() >= deadline) return false;
    await delay(Math.max(50, Math.floor(leaseMs / 4)));
  }
}
