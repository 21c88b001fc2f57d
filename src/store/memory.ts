import type { BlobStore, CacheStore, ChannelLink, ConditionalStore, EventLedger, Store } from './types.js';

interface LedgerEntry {
  /** null once answered. */
  owner: string | null;
  expiresAt: number;
}

/**
 * An in-process event ledger, bounded: the oldest ids are forgotten first once `maxEntries` is
 * reached (a Map keeps insertion order, so its first key is the oldest claim).
 */
export function createMemoryEventLedger(options: { maxEntries?: number; now?: () => number } = {}): EventLedger {
  const maxEntries = options.maxEntries ?? 10_000;
  const now = options.now ?? Date.now;
  const entries = new Map<string, LedgerEntry>();
  const put = (eventId: string, entry: LedgerEntry) => {
    entries.delete(eventId);
    entries.set(eventId, entry);
    while (entries.size > maxEntries) entries.delete(entries.keys().next().value as string);
  };
  return {
    claim: async (eventId, owner, leaseMs) => {
      const current = now();
      const entry = entries.get(eventId);
      if (entry !== undefined && entry.expiresAt > current) return entry.owner === null ? 'answered' : 'busy';
      put(eventId, { owner, expiresAt: current + leaseMs });
      return 'claimed';
    },
    renew: async (eventId, owner, leaseMs) => {
      const entry = entries.get(eventId);
      if (entry === undefined || entry.owner !== owner || entry.expiresAt <= now()) return false;
      entry.expiresAt = now() + leaseMs;
      return true;
    },
    complete: async (eventId, ttlMs) => {
      put(eventId, { owner: null, expiresAt: now() + ttlMs });
    },
  };
}

/** In-process store and caches: for the console, tests and runs without DATA_DIR persistence. */
export function createMemoryStore(options: { now?: () => number } = {}): Store & CacheStore {
  const links = new Map<string, ChannelLink>();
  return {
    kind: 'memory',
    links: {
      get: async (channelId) => {
        const link = links.get(channelId);
        return link === undefined ? undefined : { ...link };
      },
      set: async (link) => {
        links.set(link.channelId, { ...link });
      },
      remove: async (channelId) => links.delete(channelId),
      list: async () => [...links.values()].sort((a, b) => a.channelId.localeCompare(b.channelId)).map((link) => ({ ...link })),
    },
    events: createMemoryEventLedger(options),
    ...createMemoryCacheStore(),
    ping: async () => undefined,
    close: async () => undefined,
  };
}

export function createMemoryCacheStore(): CacheStore {
  const blobs = new Map<string, string>();
  const conditional = new Map<string, { etag: string; body: string }>();
  const blobStore: BlobStore = {
    get: (sha) => blobs.get(sha),
    set: (sha, text) => {
      // A sha names one content forever: the first write wins, like the SQLite store.
      if (!blobs.has(sha)) blobs.set(sha, text);
    },
  };
  const conditionalStore: ConditionalStore = {
    get: (key) => conditional.get(key),
    set: (key, etag, body) => {
      conditional.set(key, { etag, body });
    },
  };
  return { blobs: blobStore, conditional: conditionalStore };
}
