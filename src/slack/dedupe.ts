/**
 * Slack redelivers an event up to 3 more times when it thinks the first delivery failed; each
 * event id must be answered once. The ledger interface matches the store's, so a SQLite ledger
 * (shared by several instances) can replace this in-memory one.
 */

export interface EventLedger {
  /** True the first time an id is claimed within `ttlMs`; false for a duplicate. */
  claim(eventId: string, ttlMs: number): boolean;
}

/** How long an event id is remembered: Slack's last retry comes about 5 minutes after the first try. */
export const EVENT_TTL_MS = 60 * 60_000;

/** A bounded TTL set: the oldest ids are forgotten first once `maxEntries` is reached. */
export function createMemoryEventLedger(options: { maxEntries?: number; now?: () => number } = {}): EventLedger {
  const maxEntries = options.maxEntries ?? 10_000;
  const now = options.now ?? Date.now;
  // Map keeps insertion order, so the first key is always the oldest claim.
  const expiries = new Map<string, number>();
  return {
    claim(eventId, ttlMs) {
      const current = now();
      const expiresAt = expiries.get(eventId);
      if (expiresAt !== undefined && expiresAt > current) return false;
      expiries.delete(eventId);
      expiries.set(eventId, current + ttlMs);
      while (expiries.size > maxEntries) {
        const oldest = expiries.keys().next().value as string;
        expiries.delete(oldest);
      }
      return true;
    },
  };
}
