/**
 * The GitHub edge's contract: what callers (main.ts, Slack commands, model tools, PR review) get
 * back. Plain data; the Octokit instances stay inside src/github.
 */

/** Immutable text addressed by git blob sha (same shape as the store's BlobStore). */
export interface BlobCache {
  get(sha: string): string | undefined;
  set(sha: string, text: string): void;
}

/** Bodies of conditional GET requests, keyed by request (same shape as the store's ConditionalStore). */
export interface ConditionalCache {
  get(key: string): { etag: string; body: string } | undefined;
  set(key: string, etag: string, body: string): void;
}

export interface GitHubCaches {
  blobs: BlobCache;
  conditional: ConditionalCache;
}

/** Which identity reads: a token, a GitHub App (per-installation tokens) or nobody. */
export type AuthMode = 'token' | 'app' | 'anonymous';

/** The logger methods we use (pino's shape). */
export interface GitHubLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface RepoRef {
  owner: string;
  repo: string;
}

export interface PullRequestRef extends RepoRef {
  number: number;
}

/** The last `x-ratelimit-*` headers GitHub sent (for the `status` command). */
export interface RateLimitBudget {
  limit: number;
  remaining: number;
  used: number | null;
  /** When the window resets (ISO 8601). */
  resetAt: string;
  /** `core`, `search`, … as GitHub names it; null when absent. */
  resource: string | null;
  /** When these headers were seen (ISO 8601). */
  observedAt: string;
}

/** What this process asked GitHub, counted at the HTTP layer (retries and token requests included). */
export interface GitHubRequestStats {
  /** HTTP requests sent. */
  requests: number;
  /** Of which answered 304 Not Modified (free: they do not count against the rate limit). */
  notModified: number;
  /** Answers served from a cache without any request (immutable trees, blobs by sha). */
  cacheHits: number;
  /** Requests that could have cost rate limit: sent and not answered 304. */
  billable: number;
  /** Of `requests`, GraphQL queries (each reads up to a batch of blobs; one point of the GraphQL budget). */
  graphqlQueries: number;
}

/** One migration file found in a tree. */
export interface MigrationEntry {
  /** Path in the repository (POSIX). */
  path: string;
  /** The app folder: the folder holding `migrations/` (`shop` for `shop/migrations/0001_initial.py`). */
  appPath: string;
  /** App label: the apps.py `label` when it was read, otherwise the folder name. */
  app: string;
  /** File name without `.py`. */
  name: string;
  /** Blob sha. */
  sha: string;
  /** Size in bytes as the tree reports it. */
  size: number;
}

/** A folder with a `migrations/` package. */
export interface AppFolder {
  /** Folder path in the repository (`''` for a migrations folder at the root). */
  path: string;
  /** Folder name: Django's default label. */
  folderLabel: string;
  /** The label in effect: from apps.py when read and declared, otherwise the folder name. */
  label: string;
  /** Where the label came from. */
  labelSource: 'folder' | 'apps.py' | 'dependency';
  /** The app's apps.py, when the tree has one. */
  appsPy: { path: string; sha: string; size: number } | null;
  /** Migration files in the folder. */
  migrations: number;
}

/** Files the reader did not return, with why. */
export interface SkippedFile {
  path: string;
  reason: 'binary' | 'too-large' | 'not-utf8' | 'unreadable';
  /** One sentence for people (and the model). */
  note: string;
}

export interface RepoFile {
  path: string;
  sha: string;
  text: string;
  /** Size in bytes (UTF-8). */
  size: number;
}

export interface ReadResult {
  files: RepoFile[];
  skipped: SkippedFile[];
}

export interface ListMigrationFilesInput extends RepoRef {
  /** Branch, tag or commit sha; default: the repository's default branch. */
  ref?: string;
  /** Only look under this folder. */
  path?: string;
  /** Read apps.py files to apply `label` (one blob read per app not yet cached). Default true. */
  readLabels?: boolean;
}

export interface MigrationTree extends RepoRef {
  /** The ref as asked (`HEAD` when none was given). */
  ref: string;
  /** The commit the ref resolved to. */
  commitSha: string;
  migrations: MigrationEntry[];
  apps: AppFolder[];
  /** True when GitHub truncated the recursive tree and we walked subtrees instead. */
  walked: boolean;
  /** apps.py files that could not be read for their label. */
  skipped: SkippedFile[];
}

export interface ReadFileInput extends RepoRef {
  /** Branch, tag or commit sha; default: the repository's default branch. */
  ref?: string;
  path: string;
  /** Refuse files larger than this (default: the client's maxFileBytes). */
  maxBytes?: number;
}

export type PullRequestFileStatus = 'added' | 'modified' | 'removed' | 'renamed' | 'copied' | 'changed' | 'unchanged';

export interface PullRequestFile {
  path: string;
  status: PullRequestFileStatus;
  /** For renames: the path on the base branch. */
  previousPath: string | null;
  /** Blob sha at the head commit (null when GitHub gives none, e.g. removed files). */
  sha: string | null;
  additions: number;
  deletions: number;
}

export interface PullRequestInfo extends PullRequestRef {
  title: string;
  state: 'open' | 'closed';
  merged: boolean;
  draft: boolean;
  author: string | null;
  url: string;
  base: { ref: string; sha: string; repo: string };
  head: { ref: string; sha: string; repo: string };
}

/** A migration file of the review, with its text and app label. */
export interface ReviewFile extends RepoFile {
  app: string;
  name: string;
  appPath: string;
}

export interface LoadReviewContextOptions {
  /**
   * Base-branch migration contents to read besides the names from the tree:
   * `touched-apps` (default) reads every base migration of the apps the PR touches (bounded by
   * `maxBaseFilesPerApp`, newest first), so graph and state replay see those apps' history; `none`
   * reads names only. Contents are read together with the PR's own migration files in batched GraphQL
   * queries (one per `blobsPerQuery` files not yet cached; REST per file where GraphQL is unavailable),
   * and blobs are cached by sha, so each file is downloaded once, ever.
   */
  baseContents?: 'none' | 'touched-apps';
  /** At most this many base migrations are read per touched app, newest first. */
  maxBaseFilesPerApp?: number;
  /**
   * Also read the apps.py of apps the PR does not touch, so their labels are exact (one blob per app,
   * once: apps.py is cached by sha). Without it, untouched apps go by folder name. Default false.
   */
  readAllAppLabels?: boolean;
  /**
   * Which base to compare with: the PR's `base.sha` (default; no extra call), or the base branch's
   * current tip (one more conditional call: a 304 when it has not moved), which also sees migrations
   * merged into the base branch after the PR was last updated.
   */
  baseAt?: 'pr-base-sha' | 'branch-tip';
}

export interface ReviewContext {
  pullRequest: PullRequestInfo;
  /** Every file the PR changes. */
  changedFiles: PullRequestFile[];
  /** The PR's migration files (any status). */
  migrationChanges: PullRequestFile[];
  /** Contents at the head sha of the PR's added/modified/renamed migration files. */
  headFiles: ReviewFile[];
  /** The base branch's migration tree at the PR's base sha (null when the PR has no migration changes). */
  baseTree: MigrationTree | null;
  /** Base migration contents read per `baseContents` (files the PR changes or removes excluded). */
  baseFiles: ReviewFile[];
  /** Base migrations known by name only (not read). */
  baseNamesOnly: MigrationEntry[];
  /** Apps the PR's migrations belong to, by label. */
  touchedApps: string[];
  /**
   * Dependencies of the head files on a first-party app (one with migrations in the base tree or the
   * PR) naming a migration that exists in neither: Django's NodeNotFoundError after merge. Checked by
   * name against the whole base tree, so it holds for apps whose contents were not read.
   */
  unresolvedDependencies: Array<{ path: string; line: number; app: string; name: string }>;
  skipped: SkippedFile[];
  /**
   * Ready for the engine's `analyzeSources`: base files (as the PR leaves them) plus the head files,
   * with app labels; lint `targets` only.
   */
  engineInput: { sources: Array<{ path: string; text: string; appLabel?: string }>; targets: string[] };
  /** Requests made for this context: sent, 304s, cache hits. */
  requests: GitHubRequestStats;
}
