/**
 * The GitHub edge: one Octokit (@octokit/rest + throttling + retry plugins) per identity, the
 * allowlist in front of every request, ETag revalidation and immutable caches behind them, and the
 * repository/PR readers built on top. `createGitHub` is what main.ts calls.
 */
import { createAppAuth } from '@octokit/auth-app';
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
import { GitHubOctokit, type GitHubTransport, type GraphQLBlobReads } from './transport.js';
import type {
  AuthMode,
  GitHubCaches,
  GitHubLogger,
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
} from './types.js';

/** Each limit left out takes its value from DEFAULT_LIMITS. */
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
  /** The Octokit of the identity that reaches `ref` (allowlist checked first), for writes: check runs, the sticky comment. */
  octokitFor(ref: RepoRef): Promise<GitHubOctokit>;
}

const SILENT: GitHubLogger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

export const DEFAULT_MAX_FILE_BYTES = 1024 * 1024;

type Limits = Required<GitHubLimits>;
const DEFAULT_LIMITS: Limits = { maxRateLimitWaitSeconds: 20, retries: 2, retryBaseMs: 1000, requestTimeoutMs: 30_000, graphqlIntervalMs: 1000 };
const DEFAULT_BLOBS_PER_QUERY = 100;
const DEFAULT_BYTES_PER_QUERY = 4 * 1024 * 1024;
type Translate = GitHubTransport['translate'];
type OctokitFor = GitHubTransport['octokitFor'];
type BuildOctokit = (auth: { authStrategy?: unknown; auth?: unknown }) => GitHubOctokit;

export function createGitHub(options: CreateGitHubOptions): GitHub {
  const logger = options.logger ?? SILENT;
  const limits: Limits = { ...DEFAULT_LIMITS, ...options.limits };
  const allowlist = createAllowlist({ repos: options.allowedRepos, orgs: options.allowedOrgs });
  const webHost = webHostOfApiUrl(options.baseUrl);
  const hosts = webHost === null ? [] : [webHost];
  const authMode = authModeOf(options);
  const counters: GitHubRequestStats = { requests: 0, notModified: 0, cacheHits: 0, billable: 0, graphqlQueries: 0 };
  const rateLimits = createRateLimitTracker();
  const countingFetch = createCountingFetch(options.fetch ?? globalThis.fetch, limits.requestTimeoutMs, counters, rateLimits.observe);
  const build = createOctokitBuilder(options, limits, logger, counters, countingFetch);
  const translate: Translate = (error, context) => translateGitHubError(error, { ...context, auth: authMode });
  const octokitFor = authMode === 'app' ? createAppOctokitFor(options, build, allowlist, translate) : createSingleOctokitFor(options, build, allowlist);
  const transport = createTransport(options, { authMode, allowlist, octokitFor, counters, translate, logger });

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
    rateLimit: rateLimits.current,
    checkRateLimit: (ref) => fetchRateLimit(octokitFor, translate, ref),
    stats: () => ({ ...counters }),
    octokitFor,
  };
}

function authModeOf(options: CreateGitHubOptions): AuthMode {
  const hasApp = options.appId !== undefined && options.privateKey !== undefined;
  return hasApp ? 'app' : options.token !== undefined ? 'token' : 'anonymous';
}

/** The newest `x-ratelimit-*` headers per resource, as responses arrive. */
function createRateLimitTracker(): { observe(headers: Headers): void; current(): RateLimitBudget | null } {
  const budgets = new Map<string, RateLimitBudget>();
  let lastBudget: RateLimitBudget | null = null;
  const observe = (headers: Headers): void => {
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
  return { observe, current: () => budgets.get('core') ?? lastBudget };
}

/** Counting at the fetch layer sees every HTTP request, including plugin retries and token exchanges. */
function createCountingFetch(baseFetch: typeof fetch, requestTimeoutMs: number, counters: GitHubRequestStats, observeRateLimit: (headers: Headers) => void): typeof fetch {
  return async (input, init) => {
    const timeout = AbortSignal.timeout(requestTimeoutMs);
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
}

/** Octokits with the throttling and retry plugins, our logger, counting fetch and conditional requests. */
function createOctokitBuilder(options: CreateGitHubOptions, limits: Limits, logger: GitHubLogger, counters: GitHubRequestStats, countingFetch: typeof fetch): BuildOctokit {
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

  return (auth) => {
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
}

/** A token or no identity: one Octokit for every allowlisted repository. */
function createSingleOctokitFor(options: CreateGitHubOptions, build: BuildOctokit, allowlist: Allowlist): OctokitFor {
  const octokit = build(options.token === undefined ? {} : { auth: options.token });
  return async (ref) => {
    allowlist.check(ref);
    return octokit;
  };
}

/** A GitHub App: the installation on each repository is looked up once, and one Octokit kept per installation. */
function createAppOctokitFor(options: CreateGitHubOptions, build: BuildOctokit, allowlist: Allowlist, translate: Translate): OctokitFor {
  const appOctokit = build({ authStrategy: createAppAuth, auth: { appId: Number(options.appId), privateKey: options.privateKey } });
  const installationByRepo = new Map<string, number>();
  const octokitByInstallation = new Map<number, Promise<GitHubOctokit>>();

  const installationOf = async (ref: RepoRef): Promise<number> => {
    const key = `${ref.owner}/${ref.repo}`.toLowerCase();
    const known = installationByRepo.get(key);
    if (known !== undefined) return known;
    let installationId: number;
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
    return installationId;
  };

  return async (ref) => {
    allowlist.check(ref);
    const installationId = await installationOf(ref);
    let octokit = octokitByInstallation.get(installationId);
    if (octokit === undefined) {
      // auth-app's factory hands the new Octokit the same token cache: installation tokens are reused until shortly before they expire.
      octokit = appOctokit.auth({ type: 'installation', installationId, factory: (auth: unknown) => build({ authStrategy: createAppAuth, auth }) }) as Promise<GitHubOctokit>;
      octokitByInstallation.set(installationId, octokit);
    }
    return octokit;
  };
}

function createGraphQLBlobReads(options: CreateGitHubOptions, authMode: AuthMode, logger: GitHubLogger): GraphQLBlobReads {
  let graphqlUnavailable = false;
  const graphqlEnabled = options.graphql?.enabled !== false && authMode !== 'anonymous';
  return {
    blobsPerQuery: Math.max(1, Math.floor(options.graphql?.blobsPerQuery ?? DEFAULT_BLOBS_PER_QUERY)),
    bytesPerQuery: Math.max(1, options.graphql?.bytesPerQuery ?? DEFAULT_BYTES_PER_QUERY),
    usable: () => graphqlEnabled && !graphqlUnavailable,
    markUnavailable: ({ status }) => {
      if (graphqlUnavailable) return;
      graphqlUnavailable = true;
      logger.warn({ module: 'github', status }, 'GitHub GraphQL API is not available here; reading file contents with one REST request per file from now on');
    },
  };
}

function createTransport(
  options: CreateGitHubOptions,
  parts: Pick<GitHubTransport, 'authMode' | 'allowlist' | 'octokitFor' | 'counters' | 'translate' | 'logger'>,
): GitHubTransport {
  let parser: Promise<void> | undefined;
  return {
    ...parts,
    maxFileBytes: options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES,
    blobs: createLayeredBlobCache(options.caches.blobs, options.blobMemoryChars),
    skippedBlobs: new Map(),
    builtTrees: new Map(),
    parserReady: () => (parser ??= initParser()),
    graphql: createGraphQLBlobReads(options, parts.authMode, parts.logger),
  };
}

/** `GET /rate_limit` costs no unit; asked as the identity that reads `ref`. */
async function fetchRateLimit(octokitFor: OctokitFor, translate: Translate, ref: RepoRef): Promise<RateLimitBudget> {
  const octokit = await octokitFor(ref);
  try {
    const { data } = await octokit.request('GET /rate_limit', { request: { cache: 'none' } });
    const core = data.resources.core;
    return { limit: core.limit, remaining: core.remaining, used: core.used ?? null, resetAt: new Date(core.reset * 1000).toISOString(), resource: 'core', observedAt: new Date().toISOString() };
  } catch (error) {
    throw translate(error, { repo: ref });
  }
}
