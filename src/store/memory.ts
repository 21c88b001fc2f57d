import type { ChannelLink, Store } from './types.js';

/** In-process store: for the console, tests and runs without DATA_DIR persistence. */
export function createMemoryStore(options: { now?: () => number } = {}): Store {
  const now = options.now ?? Date.now;
  const links = new Map<string, ChannelLink>();
  const blobs = new Map<string, string>();
  const conditional = new Map<string, { etag: string; body: string }>();
  const events = new Map<string, number>();
  return {
    links: {
      get: (channelId) => links.get(channelId),
      set: (link) => {
        links.set(link.channelId, { ...link });
      },
      remove: (channelId) => links.delete(channelId),
      list: () => [...links.values()].sort((a, b) => a.channelId.localeCompare(b.channelId)),
    },
    blobs: {
      get: (sha) => blobs.get(sha),
      set: (sha, text) => {
        // A sha names one content forever: the first write wins, like the SQLite store.
        if (!blobs.has(sha)) blobs.set(sha, text);
      },
    },
    conditional: {
      get: (key) => conditional.get(key),
      set: (key, etag, body) => {
        conditional.set(key, { etag, body });
      },
    },
    events: {
      claim: (eventId, ttlMs) => {
        const current = now();
        const expiresAt = events.get(eventId);
        if (expiresAt !== undefined && expiresAt > current) return false;
        events.set(eventId, current + ttlMs);
        if (events.size > 10_000) {
          for (const [id, expiry] of events) if (expiry <= current) events.delete(id);
        }
        return true;
      },
    },
    close: () => undefined,
  };
}
