/**
 * What the bot keeps between restarts. Interfaces first so tests and deployments can swap storage.
 *
 * Two kinds of state, two interfaces:
 * - `Store`: state every replica must agree on (each workspace's channel links, feedback, recent
 *   questions, installations and assistant contexts; which Slack events were answered).
 *   Asynchronous, because one implementation is a PostgreSQL server shared by many replicas.
 * - `CacheStore`: GitHub response caches (blobs by sha, ETag bodies). Always local to a process
 *   (SQLite under DATA_DIR, or memory): content-addressed or revalidated entries are correct in any
 *   replica, and the hot path of reading a repository stays synchronous and off the network.
 */

import type { AssistantContexts, FeedbackStore, InstallationRecords, QuestionLog, Workspaces } from '../workspace-records.js';

export interface ChannelLink {
  channelId: string;
  /** `owner/repo`, lower-cased for lookups but stored as typed. */
  repo: string;
  /** Branch to read; null = the repository's default branch. */
  branch: string | null;
  /** Folder inside the repo to look under; null = the whole repo. */
  path: string | null;
  /** Target database for this channel's engine runs (null = the bot's default). */
  database: string | null;
  databaseVersion: string | null;
  linkedBy: string;
  linkedAt: string;
}

/** One workspace's channel records. */
export interface LinkStore {
  get(channelId: string): Promise<ChannelLink | undefined>;
  set(link: ChannelLink): Promise<void>;
  /** True when a link existed. */
  remove(channelId: string): Promise<boolean>;
  list(): Promise<ChannelLink[]>;
}

/** Immutable content addressed by git blob sha. */
export interface BlobStore {
  get(sha: string): string | undefined;
  set(sha: string, text: string): void;
}

/** Bodies of conditional GET requests, keyed by request (method + URL), for ETag revalidation. */
export interface ConditionalStore {
  get(key: string): { etag: string; body: string } | undefined;
  set(key: string, etag: string, body: string): void;
}

/**
 * `claimed`: the caller now holds the event for the lease and must answer it; `answered`: someone
 * finished it already (a redelivery to drop); `busy`: someone else holds a live lease on it.
 */
export type ClaimResult = 'claimed' | 'answered' | 'busy';

/**
 * Slack event ids, so each accepted question is answered exactly once across redeliveries and
 * replicas. A claim is a lease owned by one answerer: renewed while it answers and marked answered
 * at the end. A lease that lapses (its process died) lets the next redelivery answer instead.
 */
export interface EventLedger {
  claim(eventId: string, owner: string, leaseMs: number): Promise<ClaimResult>;
  /** Extend the owner's lease; false when the lease is no longer the owner's. */
  renew(eventId: string, owner: string, leaseMs: number): Promise<boolean>;
  /** Remember the event as answered for `ttlMs` (Slack's redeliveries come within minutes). */
  complete(eventId: string, ttlMs: number): Promise<void>;
}

/** Channel records of every workspace; each workspace (Slack team id) sees only its own. */
export interface WorkspaceLinks {
  forTeam(teamId: string): LinkStore;
  /** Every channel, in any workspace, linked to `owner/repo` (case-insensitive): who hears about its pull requests. */
  linkedTo(repo: string): Promise<Array<{ teamId: string; link: ChannelLink }>>;
}

// Per-workspace records the Slack edge uses too: defined in the neutral src/workspace-records.ts.

export type { FeedbackRating, AnswerRef, AnswerFeedback, FeedbackStore, AskedQuestion, QuestionLog, InstallationRecord, InstallationRecords, AssistantThreadContextRecord, AssistantContexts, Workspaces } from '../workspace-records.js';

export interface Store {
  /** `sqlite`, `postgres` or `memory`, for logs and /readyz. */
  readonly kind: string;
  links: WorkspaceLinks;
  events: EventLedger;
  feedback: FeedbackStore;
  questions: QuestionLog;
  installations: InstallationRecords;
  assistantContexts: AssistantContexts;
  workspaces: Workspaces;
  /** Resolves when the backing database answers (for /readyz). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface CacheStore {
  blobs: BlobStore;
  conditional: ConditionalStore;
}

/** App Home lists this many recent questions; the log keeps no more per workspace. */
export const RECENT_QUESTIONS_KEPT = 20;
