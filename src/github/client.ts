/**
 * The GitHub edge: one Octokit (@octokit/rest + throttling + retry plugins) per identity, the
 * allowlist in front of every request, ETag revalidation and immutable caches behind them, and the
 * repository/PR readers built on top. `createGitHub` is what main.ts calls.
 */
import { createAppAuth } from '@octokit/auth-app';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import { Octokit } from '@octokit/rest';
import Bottleneck from 'bottleneck';
import { initParser } from '../engine/index.js';
import { AppError } from '../errors.js';
import { createAllowlist, type Allowlist } from './allowlist.js';
import { createLayeredBlobCache } from './caches.js';
import { installConditionalRequests } from './conditional.js';
import { translateGitHubError } from './errors.js';
import { getPullRequest, listPullRequestFiles, loadReviewContext } from './pull-request.js';
import { findPullRequestRefs, parsePullRequestRef, parseRepoSpec, webHostOfApiUrl } from './refs.js';
import { listMigrationFiles, readBlobs, readFile, type ReadFileResult } from './repo-reader.js';
import type {
  GitHubCaches,
  GitHubRequestStats,
  ListMigrationFilesInput,
  LoadReviewContextOptions,
  MigrationTree,
  PullRequestFile,
  PullRequestInfo,
  PullRequestRef,
  RateLimitBudget,
  ReadFileInput,
  ReadResult,
  RepoRef,
  ReviewContext,
  SkippedFile,
} from './types.js';

export const GitHubOctokit = Octokit.plugin(throttling, retry);
export type GitHubOctokit = InstanceType<typeof GitHubOctokit>;

/** The logger methods we use (pino's shape). */
export interface GitHubLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface GitHubLimits {
  /** Wait for a rate-limit reset at most this long (once); longer waits fail with github_rate_limited. */
  maxRateLimitWaitSeconds?: number;
  /** Retries for 5xx and network errors (plugin-retry). */
  retries?: number;
  /** Multiplier for retry waits in ms (plugins' retryAfterBaseValue); tests make it small. */
  retryBaseMs?: number;
  /** Per-request timeout. */
  requestTimeoutMs?: number;
  /**
   * Least time between two GraphQL queries of this client: the throttling plugin sends GraphQL (a
   * POST) one at a time with this spacing, against secondary limits. Defaults to the plugin's own spacing.
   */
  graphqlIntervalMs?: number;
}

/** How blob contents are read in bulk. */
export interface GitHubGraphQLOptions {
  /**
   * Read uncached blobs in batches through the GraphQL API (aliased `object(oid:)` selections): one
   * query per batch instead of one REST call per file. Default true. Anonymous clients always use REST
   * (GitHub's GraphQL needs a token); a server without GraphQL (404) makes the client fall back to REST.
   */
  enabled?: boolean;
  /** Blobs per query. */
  blobsPerQuery?: number;
  /** Stop filling a query once the blobs' sizes (as the tree gives them) add up to this. */
  bytesPerQuery?: number;
}

export interface CreateGitHubOptions {
  token?: string;
  appId?: number | string;
  privateKey?: string;
  /** API base URL: GitHub Enterprise Server (`https://ghe.example.com/api/v3`) or a test server. */
  baseUrl?: string;
  allowedRepos: readonly string[];
  allowedOrgs: readonly string[];
  caches: GitHubCaches;
  logger?: GitHubLogger;
  userAgent?: string;
  /** Largest file read (bytes). Default DEFAULT_MAX_FILE_BYTES. */
  maxFileBytes?: number;
  /** Memory LRU in front of `caches.blobs`, in characters. */
  blobMemoryChars?: number;
  limits?: GitHubLimits;
  graphql?: GitHubGraphQLOptions;
  /** Another fetch (tests and the benchmark count with it); default globalThis.fetch. */
  fetch?: typeof fetch;
}

export type AuthMode = 'token' | 'app' | 'anonymous';

/** What the readers need from the client. */
export interface GitHubTransport {
  readonly authMode: AuthMode;
  readonly maxFileBytes: number;
  readonly blobs: GitHubCaches['blobs'];
  /** Blobs known not to be text (binary, not UTF-8, too large), so they are not downloaded again. */
  readonly skippedBlobs: Map<string, { reason: SkippedFile['reason']; size: number }>;
  /** Migration trees already built, by repository, commit sha, folder and labelling (a few, newest kept). */
  readonly builtTrees: Map<string, MigrationTree>;
  readonly allowlist: Allowlist;
  /** Checks the allowlist (before anything is sent), then returns the Octokit for the repo's identity. */
  octokitFor(ref: RepoRef): Promise<GitHubOctokit>;
  /** Counters, shared with the conditional-request hook. */
  readonly counters: GitHubRequestStats;
  translate(error: unknown, context: { repo?: RepoRef; notFound?: string }): AppError;
  /** The engine's parser (for apps.py labels and dependencies), initialised once. */
  parserReady(): Promise<void>;
  logger: GitHubLogger;
  readonly graphql: GraphQLBlobReads;
}

/** Batched blob reads through GraphQL, and whether they can be used. */
export interface GraphQLBlobReads {
  readonly blobsPerQuery: number;
  readonly bytesPerQuery: number;
  /** True while GraphQL is enabled, the client is authenticated and the server has not refused it. */
  usable(): boolean;
  /** The server has no GraphQL API: warn once and read blobs through REST from now on. */
  markUnavailable(detail: { status: number }): void;
}

export interface GitHub {
  readonly authMode: AuthMode;
  readonly allowlist: Allowlist;
  /** Web host for GHES URLs (null for github.com). */
  readonly webHost: string | null;
  parseRepo(text: string): RepoRef | null;
  parsePullRequest(text: string): PullRequestRef | null;
  findPullRequests(text: string): PullRequestRef[];
  listMigrationFiles(input: ListMigrationFilesInput): Promise<MigrationTree>;
  readBlobs(ref: RepoRef, entries: ReadonlyArray<{ path: string; sha: string; size?: number }>, options?: { maxBytes?: number }): Promise<ReadResult>;
  readFile(input: ReadFileInput): Promise<ReadFileResult>;
  getPullRequest(ref: PullRequestRef): Promise<PullRequestInfo>;
  listPullRequestFiles(ref: PullRequestRef): Promise<PullRequestFile[]>;
  loadReviewContext(ref: PullRequestRef, options?: LoadReviewContextOptions): Promise<ReviewContext>;
  /** The last rate-limit headers seen (core resource preferred); null before the first response. */
  rateLimit(): RateLimitBudget | null;
  /** Ask GitHub for the budget now (`GET /rate_limit` costs no unit), as the identity that reads `ref`. */
  checkRateLimit(ref: RepoRef): Promise<RateLimitBudget>;
  /** Cumulative request counters since start. */
  stats(): GitHubRequestStats;
}

const SILENT: GitHubLogger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

export const DEFAULT_MAX_FILE_BYTES = 1024 * 1024;

export function createGitHub(options: CreateGitHubOptions): GitHub {
  const logger = options.logger ?? SILENT;
  const limits = { maxRateLimitWaitSeconds: 20, retries: 2, retryBaseMs: 1000, requestTimeoutMs: 30_000, graphqlIntervalMs: 1000, ...options.limits };
  const allowlist = createAllowlist({ repos: options.allowedRepos, orgs: options.allowedOrgs });
  const webHost = webHostOfApiUrl(options.baseUrl);
  const hosts = webHost === null ? [] : [webHost];
  const hasApp = options.appId !== undefined && options.privateKey !== undefined;
  const authMode: AuthMode = hasApp ? 'app' : options.token !== undefined ? 'token' : 'anonymous';
  const counters: GitHubRequestStats = { requests: 0, notModified: 0, cacheHits: 0, billable: 0, graphqlQueries: 0 };
  const budgets = new Map<string, RateLimitBudget>();
  let lastBudget: RateLimitBudget | null = null;
  const baseFetch = options.fetch ?? globalThis.fetch;

  const observeRateLimit = (headers: Headers): void => {
    const limit = headers.get('x-ratelimit-limit');
    const remaining = headers.get('x-ratelimit-remaining');
    const reset = headers.get('x-ratelimit-reset');
    if (limit === null || remaining === null || reset === null) return;
    const used = headers.get('x-ratelimit-used');
    const resource = headers.get('x-ratelimit-resource');
    const budget: RateLimitBudget = {
      limit: Number(limit),
      remaining: Number(remaining),
      used: used === null ? null : Number(used),
      resetAt: new Date(Number(reset) * 1000).toISOString(),
      resource,
      observedAt: new Date().toISOString(),
    };
    budgets.set(resource ?? 'core', budget);
    lastBudget = budget;
  };

  // Counting at the fetch layer sees every HTTP request, including plugin retries and token exchanges.
  const countingFetch: typeof fetch = async (input, init) => {
    const timeout = AbortSignal.timeout(limits.requestTimeoutMs);
    const signal = init?.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
    counters.requests += 1;
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    if (/\/graphql$/.test(new URL(url).pathname)) counters.graphqlQueries += 1;
    const response = await baseFetch(input, { ...init, signal });
    if (response.status === 304) counters.notModified += 1;
    else counters.billable += 1;
    observeRateLimit(response.headers);
    return response;
  };

  const onLimit = (kind: 'primary' | 'secondary') => (retryAfter: number, request: { method: string; url: string }, _octokit: unknown, retryCount: number) => {
    const retrying = retryCount === 0 && retryAfter <= limits.maxRateLimitWaitSeconds;
    logger.warn({ module: 'github', kind, retryAfter, method: request.method, url: request.url, retrying }, 'GitHub rate limit hit');
    return retrying;
  };

  const octokitLog = {
    debug: (message: string) => logger.debug({ module: 'github' }, String(message)),
    info: (message: string) => logger.info({ module: 'github' }, String(message)),
    warn: (message: string) => logger.warn({ module: 'github' }, String(message)),
    error: (message: string) => logger.error({ module: 'github' }, String(message)),
  };

  // The plugin's own group for POSTs is shared by every Octokit in the process with a fixed spacing; ours is per client and configurable.
  const graphqlQueue = new Bottleneck.Group({ maxConcurrent: 1, minTime: limits.graphqlIntervalMs });

  const build = (auth: { authStrategy?: unknown; auth?: unknown }): GitHubOctokit => {
    const octokit = new GitHubOctokit({
      ...auth,
      ...(options.baseUrl === undefined ? {} : { baseUrl: options.baseUrl.replace(/\/+$/, '') }),
      userAgent: options.userAgent ?? 'migrate-help',
      log: octokitLog,
      request: { fetch: countingFetch },
      throttle: {
        onRateLimit: onLimit('primary'),
        onSecondaryRateLimit: onLimit('secondary'),
        retryAfterBaseValue: limits.retryBaseMs,
        write: graphqlQueue,
      },
      // 429 is the throttling plugin's to handle; retrying it here too would double the waits.
      retry: { retries: limits.retries, retryAfterBaseValue: limits.retryBaseMs, doNotRetry: [400, 401, 403, 404, 410, 422, 429, 451] },
    });
    installConditionalRequests(octokit, options.caches.conditional, counters);
    return octokit;
  };

  const translate = (error: unknown, context: { repo?: RepoRef; notFound?: string }): AppError => translateGitHubError(error, { ...context, auth: authMode });

  let octokitFor: (ref: RepoRef) => Promise<GitHubOctokit>;
  if (authMode === 'app') {
    const appOctokit = build({ authStrategy: createAppAuth, auth: { appId: Number(options.appId), privateKey: options.privateKey } });
    const installationByRepo = new Map<string, number>();
    const octokitByInstallation = new Map<number, Promise<GitHubOctokit>>();
    octokitFor = async (ref) => {
      allowlist.check(ref);
      const key = `${ref.owner}/${ref.repo}`.toLowerCase();
      let installationId = installationByRepo.get(key);
      if (installationId === undefined) {
        try {
          const { data } = await appOctokit.request('GET /repos/{owner}/{repo}/installation', { owner: ref.owner, repo: ref.repo });
          installationId = data.id;
        } catch (error) {
          const translated = translate(error, { repo: ref });
          if (translated.code === 'github_not_found') {
            throw new AppError('github_not_found', `The GitHub App is not installed on ${ref.owner}/${ref.repo} (or cannot see it): ask an admin to install it on that repository.`, { cause: error });
          }
          throw translated;
        }
        installationByRepo.set(key, installationId);
      }
      let octokit = octokitByInstallation.get(installationId);
      if (octokit === undefined) {
        // auth-app's factory hands the new Octokit the same token cache: installation tokens are reused until shortly before they expire.
        octokit = appOctokit.auth({ type: 'installation', installationId, factory: (auth: unknown) => build({ authStrategy: createAppAuth, auth }) }) as Promise<GitHubOctokit>;
        octokitByInstallation.set(installationId, octokit);
      }
      return octokit;
    };
  } else {
    const octokit = build(options.token === undefined ? {} : { auth: options.token });
    octokitFor = async (ref) => {
      allowlist.check(ref);
      return octokit;
    };
  }

  let graphqlUnavailable = false;
  const graphqlEnabled = options.graphql?.enabled !== false && authMode !== 'anonymous';
  const graphql: GraphQLBlobReads = {
    blobsPerQuery: Math.max(1, Math.floor(options.graphql?.blobsPerQuery ?? 100)),
    bytesPerQuery: Math.max(1, options.graphql?.bytesPerQuery ?? 4 * 1024 * 1024),
    usable: () => graphqlEnabled && !graphqlUnavailable,
    markUnavailable: ({ status }) => {
      if (graphqlUnavailable) return;
      graphqlUnavailable = true;
      logger.warn({ module: 'github', status }, 'GitHub GraphQL API is not available here; reading file contents with one REST request per file from now on');
    },
  };

  let parser: Promise<void> | undefined;
  const transport: GitHubTransport = {
    authMode,
    maxFileBytes: options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES,
    blobs: createLayeredBlobCache(options.caches.blobs, options.blobMemoryChars),
    skippedBlobs: new Map(),
    builtTrees: new Map(),
    allowlist,
    octokitFor,
    counters,
    translate,
    parserReady: () => (parser ??= initParser()),
    logger,
    graphql,
  };

  return {
    authMode,
    allowlist,
    webHost,
    parseRepo: (text) => parseRepoSpec(text, { hosts }),
    parsePullRequest: (text) => parsePullRequestRef(text, { hosts }),
    findPullRequests: (text) => findPullRequestRefs(text, { hosts }),
    listMigrationFiles: (input) => listMigrationFiles(transport, input),
    readBlobs: (ref, entries, readOptions) => readBlobs(transport, ref, entries, readOptions),
    readFile: (input) => readFile(transport, input),
    getPullRequest: (ref) => getPullRequest(transport, ref),
    listPullRequestFiles: (ref) => listPullRequestFiles(transport, ref),
    loadReviewContext: (ref, reviewOptions) => loadReviewContext(transport, ref, reviewOptions),
    rateLimit: () => budgets.get('core') ?? lastBudget,
    checkRateLimit: async (ref) => {
      const octokit = await octokitFor(ref);
      try {
        const { data } = await octokit.request('GET /rate_limit', { request: { cache: 'none' } });
        const core = data.resources.core;
        return { limit: core.limit, remaining: core.remaining, used: core.used ?? null, resetAt: new Date(core.reset * 1000).toISOString(), resource: 'core', observedAt: new Date().toISOString() };
      } catch (error) {
        throw translate(error, { repo: ref });
      }
    },
    stats: () => ({ ...counters }),
  };
}
