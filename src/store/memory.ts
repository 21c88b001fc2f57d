import type { AnswerFeedback, AnswerRef, AskedQuestion, AssistantThreadContextRecord, ChannelLink, InstallationRecord, LinkStore, Store } from './types.js';
import { RECENT_QUESTIONS_KEPT } from './types.js';

/** In-process store: for the console, tests and runs without DATA_DIR persistence. */
export function createMemoryStore(options: { now?: () => number } = {}): Store {
  const now = options.now ?? Date.now;
  /** team id → channel id → record. */
  const links = new Map<string, Map<string, ChannelLink>>();
  const blobs = new Map<string, string>();
  const conditional = new Map<string, { etag: string; body: string }>();
  const events = new Map<string, number>();
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
    get: (channelId) => {
      const link = links.get(teamId)?.get(channelId);
      return link === undefined ? undefined : { ...link };
    },
    set: (link) => {
      teamLinks(teamId).set(link.channelId, { ...link });
    },
    remove: (channelId) => links.get(teamId)?.delete(channelId) ?? false,
    list: () => [...(links.get(teamId)?.values() ?? [])].map((link) => ({ ...link })).sort((a, b) => a.channelId.localeCompare(b.channelId)),
  });
  const answerKey = (answer: AnswerRef) => `${answer.teamId}\u0000${answer.channelId}\u0000${answer.messageTs}`;
  const feedbackKey = (answer: AnswerRef, userId: string) => `${answerKey(answer)}\u0000${userId}`;
  const contextKey = (teamId: string, channelId: string, threadTs: string) => `${teamId}\u0000${channelId}\u0000${threadTs}`;

  return {
    links: { forTeam },
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
      get: async (teamId, channelId, threadTs) => contexts.get(contextKey(teamId, channelId, threadTs)),
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
    close: () => undefined,
  };
}
