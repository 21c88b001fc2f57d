import type {
  AnswerFeedback,
  AnswerRef,
  AskedQuestion,
  AssistantThreadContextRecord,
  BlobStore,
  CacheStore,
  ChannelLink,
  ConditionalStore,
  EventLedger,
  InstallationRecord,
  LinkStore,
  Store,
} from './types.js';
import { RECENT_QUESTIONS_KEPT } from './types.js';

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
  /** team id → channel id → record. */
  const links = new Map<string, Map<string, ChannelLink>>();
  const feedback = new Map<string, AnswerFeedback>();
  const questions = new Map<string, AskedQuestion[]>();
  const installations = new Map<string, InstallationRecord>();
  const contexts = new Map<string, AssistantThreadContextRecord>();

  const teamLinks = (teamId: string): Map<string, ChannelLink> => {
    let map = links.get(teamId);
    if (map === undefined) {
      map = new Map();
      links.set(teamId, map);
    }
    return map;
  };
  const forTeam = (teamId: string): LinkStore => ({
    get: async (channelId) => {
      const link = links.get(teamId)?.get(channelId);
      return link === undefined ? undefined : { ...link };
    },
    set: async (link) => {
      teamLinks(teamId).set(link.channelId, { ...link });
    },
    remove: async (channelId) => links.get(teamId)?.delete(channelId) ?? false,
    list: async () => [...(links.get(teamId)?.values() ?? [])].map((link) => ({ ...link })).sort((a, b) => a.channelId.localeCompare(b.channelId)),
  });
  const answerKey = (answer: AnswerRef) => `${answer.teamId}\u0000${answer.channelId}\u0000${answer.messageTs}`;
  const feedbackKey = (answer: AnswerRef, userId: string) => `${answerKey(answer)}\u0000${userId}`;
  const contextKey = (teamId: string, channelId: string, threadTs: string) => `${teamId}\u0000${channelId}\u0000${threadTs}`;

  return {
    kind: 'memory',
    links: {
      forTeam,
      linkedTo: async (repo) =>
        [...links.entries()]
          .flatMap(([teamId, map]) => [...map.values()].filter((link) => link.repo !== '' && link.repo.toLowerCase() === repo.toLowerCase()).map((link) => ({ teamId, link: { ...link } })))
          .sort((a, b) => a.teamId.localeCompare(b.teamId) || a.link.channelId.localeCompare(b.link.channelId)),
    },
    events: createMemoryEventLedger(options),
    ...createMemoryCacheStore(),
    feedback: {
      rate: async (rating) => {
        const key = feedbackKey(rating, rating.userId);
        feedback.set(key, { ...rating, comment: feedback.get(key)?.comment ?? null });
      },
      comment: async (answer, userId, comment) => {
        const existing = feedback.get(feedbackKey(answer, userId));
        if (existing === undefined) return false;
        existing.comment = comment;
        return true;
      },
      forAnswer: async (answer) => [...feedback.values()].filter((entry) => answerKey(entry) === answerKey(answer)).map((entry) => ({ ...entry })),
      counts: async (teamId) => {
        const counts = { helpful: 0, not_helpful: 0 };
        for (const entry of feedback.values()) if (entry.teamId === teamId) counts[entry.rating] += 1;
        return counts;
      },
    },
    questions: {
      record: async (question) => {
        const list = questions.get(question.teamId) ?? [];
        list.unshift({ ...question });
        questions.set(question.teamId, list.slice(0, RECENT_QUESTIONS_KEPT));
      },
      recent: async (teamId, limit) => (questions.get(teamId) ?? []).slice(0, limit).map((entry) => ({ ...entry })),
    },
    installations: {
      save: async (record) => {
        installations.set(record.key, { ...record });
      },
      get: async (key) => {
        const record = installations.get(key);
        return record === undefined ? undefined : { ...record };
      },
      remove: async (key) => installations.delete(key),
    },
    assistantContexts: {
      get: async (teamId, channelId, threadTs) => {
        const context = contexts.get(contextKey(teamId, channelId, threadTs));
        return context === undefined ? undefined : { ...context };
      },
      save: async (teamId, channelId, threadTs, context) => {
        contexts.set(contextKey(teamId, channelId, threadTs), { ...context });
      },
    },
    workspaces: {
      adoptUnscoped: async (teamId) => {
        const unscoped = links.get('');
        if (unscoped === undefined || teamId === '') return 0;
        links.delete('');
        // A channel the workspace already has a record for keeps it, as in the SQLite store.
        const target = teamLinks(teamId);
        let moved = 0;
        for (const link of unscoped.values()) {
          if (target.has(link.channelId)) continue;
          target.set(link.channelId, link);
          moved += 1;
        }
        return moved;
      },
      purge: async (teamId) => {
        links.delete(teamId);
        questions.delete(teamId);
        installations.delete(`T:${teamId}`);
        for (const [key, entry] of feedback) if (entry.teamId === teamId) feedback.delete(key);
        for (const key of contexts.keys()) if (key.startsWith(`${teamId}\u0000`)) contexts.delete(key);
      },
    },
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
