/**
 * What the Slack listeners need, built once by createSlackApp from what main.ts passes in.
 */
import type { Logger } from 'pino';
import type { SafeVersionService } from '../pipeline/safe-version.js';
import type { AnswerService } from '../pipeline/types.js';
import type { StopRegistry } from './answer-controls.js';
import type { EventLedger } from './dedupe.js';
import type { IncidentChannels } from './incident.js';
import type { FeedbackRating, SlackStore } from './records.js';
import type { StreamingAvailability, ThreadSink } from './stream-sink.js';

export interface BotIdentity {
  botUserId: string;
  botId: string;
  teamId: string;
}

export interface SinkSettings {
  /** Characters the chat stream helper buffers before each Slack call. */
  bufferSize?: number;
  /** Minimum gap between two chat.update calls of the fallback. */
  updateIntervalMs?: number;
  /** An answer still running after this long offers its asker a Stop button (default 8 s). */
  stopButtonAfterMs?: number;
}

/** The bot user in the workspace a request came from (per installation in OAuth mode). */
export interface BotUser {
  botUserId: string;
  botId: string;
}

/** What a feedback click reports, for metrics. */
export interface FeedbackEvent {
  teamId: string;
  rating: FeedbackRating;
}

export type { SlackStore } from './records.js';

/** What a `link` did, for the reply in the channel. */
export interface LinkSummary {
  repo: string;
  /** null = the repository's default branch. */
  branch: string | null;
  path: string | null;
  commitSha: string;
  migrations: number;
  apps: number;
  database: string;
  databaseVersion: string;
}

export interface ChannelStatus {
  link: { repo: string; branch: string | null; path: string | null; linkedBy: string; linkedAt: string } | null;
  database: string;
  databaseVersion: string;
  /** `channel` when set with `db`; `default` when it comes from the bot's configuration. */
  databaseSource: 'channel' | 'default';
  github: {
    /** `off` when neither GITHUB_TOKEN nor a GitHub App is configured. */
    mode: 'token' | 'app' | 'anonymous' | 'off';
    /** The last rate-limit headers seen, if any. */
    rateLimit: { limit: number; remaining: number; resetAt: string; observedAt: string } | null;
    allowedRepos: string[];
    allowedOrgs: string[];
  };
  /** The expert model's name, or null when ANTHROPIC_API_KEY is not set. */
  model: string | null;
}

/**
 * Channel settings and repository features behind `/migrate-help link|unlink|status|db|review`,
 * implemented in main.ts over the store and the GitHub edge. Failures throw AppError (shown ephemerally).
 */
export interface ChannelFeatures {
  /** False when GitHub is not configured: `link` and `review` say what to set. */
  readonly githubConfigured: boolean;
  /** The checks of `link` that need no request to GitHub (format, allowlist); throws AppError saying what to fix. */
  validateLink(input: { repo: string; branch: string | null; path: string | null }): void;
  link(input: { teamId: string; channelId: string; userId: string; repo: string; branch: string | null; path: string | null }): Promise<LinkSummary>;
  /** The repository that was unlinked, or null when none was. */
  unlink(teamId: string, channelId: string): Promise<{ repo: string } | null>;
  status(teamId: string, channelId: string): Promise<ChannelStatus>;
  /** Throws AppError for an unknown database or unreadable version. */
  setDatabase(input: { teamId: string; channelId: string; userId: string; database: string; version: string | null }): Promise<{ database: string; databaseVersion: string }>;
  /** `owner/repo#N` for a PR URL or reference, or null when the text is not one. */
  parsePullRequest(text: string): string | null;
  /**
   * "Post to PR": writes the sticky review comment on `owner/repo#N` (allowlisted and linked to a channel
   * of the workspace only). Throws AppError saying what to fix.
   */
  postToPullRequest(input: { teamId: string; channelId: string; ref: string }): Promise<PostedComment>;
  /** Every channel of the workspace with a link or a database setting (App Home). */
  list(teamId: string): Promise<ChannelOverview[]>;
  /** The databases `db` accepts. */
  readonly databases: readonly string[];
}

/** What "Post to PR" did: `none` when the PR has no risks and never had a comment. */
export type PostedComment = { action: 'created' | 'updated' | 'unchanged'; url: string } | { action: 'none' };

export interface ChannelOverview {
  channelId: string;
  repo: string | null;
  branch: string | null;
  path: string | null;
  database: string;
  databaseVersion: string;
  databaseSource: 'channel' | 'default';
}

export interface SlackDeps {
  answers: AnswerService;
  /** Absent: the repository subcommands explain that they are not set up. */
  channels?: ChannelFeatures;
  /** "Show the safe version": the fix engine over migrations read again; absent, the click says it is not available. */
  safeVersions?: SafeVersionService;
  /** SLACK_ADMIN_USER_IDS: when non-empty, only these users may link, unlink or set the database. */
  adminUserIds: readonly string[];
  /** Hosts the bot token may be sent to when downloading shared files (Slack's file host, SLACK_API_URL's host). */
  fileHosts: readonly string[];
  logger: Logger;
  events: EventLedger;
  streaming: StreamingAvailability;
  identity: BotIdentity;
  /** The slash command as registered in the manifest. */
  commandName: string;
  sink: SinkSettings;
  /** Resolves when the receiver has acknowledged what is arriving (see ack-gate.ts). */
  ackFirst(): Promise<void>;
  /** Names this process in event leases. */
  replicaId: string;
  /** How long a claim on an event outlives its replica (see dedupe.ts). */
  eventLeaseMs: number;
  /** Answers being written, so a drain can end those its grace period did not see finish. */
  openSinks: Set<ThreadSink>;
  /** Keeps a running answer known to the app, so shutdown can wait for it. */
  track<T>(work: Promise<T>): Promise<T>;
  store: SlackStore;
  stops: StopRegistry;
  incidents: IncidentChannels;
  /** Called for each feedback click (the metrics counter). */
  onFeedback?(event: FeedbackEvent): void;
}
