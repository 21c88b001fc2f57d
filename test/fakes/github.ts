/**
 * A loopback fake of the GitHub REST API for tests and the benchmark (node:http on 127.0.0.1, port 0).
 *
 * Repositories are scripted as files by path per branch; commits, trees and blobs get real git object
 * ids (sha1 of `blob <len>\0…`, tree and commit objects), so blob shas match what GitHub would give.
 * Served: repos, commits/{ref} (sha media type), git trees (recursive, optionally truncated), git
 * blobs (base64), contents, pulls and pull files (Link pagination), the GitHub App endpoints
 * (JWT checked against the app's public key, installation tokens), /rate_limit, and `POST /graphql`
 * for blob reads: `repository(owner:, name:)` with aliased `object(oid: …)` / `object(expression:
 * "<rev>:<path>")` selections and `... on Blob { … }` fields, answered in GitHub's shape (per-object
 * nulls, `errors` with `type` and `path`, RATE_LIMITED with 200), one request and one unit per query.
 * Every JSON answer has an ETag; `If-None-Match` gets a 304 that costs no rate-limit unit, like
 * GitHub. Counts: requests, 304s, rate-limit units, by route. Private repos answer 404 unless the
 * caller's token or installation can see them; an exhausted budget answers 403 with
 * `x-ratelimit-remaining: 0` and the reset time.
 */
import { createHash, createHmac, createVerify } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

type FileContent = string | Buffer;

interface TreeItem {
  mode: string;
  type: 'blob' | 'tree';
  name: string;
  sha: string;
  size?: number;
}

interface FakeRepo {
  owner: string;
  repo: string;
  private: boolean;
  defaultBranch: string;
  branches: Map<string, string>;
  blobs: Map<string, Buffer>;
  trees: Map<string, TreeItem[]>;
  commits: Map<string, { tree: string; parent: string | null; files: Map<string, string> }>;
  pulls: Map<number, FakePull>;
  /** Issue and PR conversation comments by issue number. */
  comments: Map<number, FakeComment[]>;
  checkRuns: FakeCheckRun[];
}

export interface FakeComment {
  id: number;
  body: string;
  /** Who wrote it: the token or installation that posted, `someone-else` for seeded ones. */
  author: string;
}

export interface FakeCheckRun {
  id: number;
  name: string;
  head_sha: string;
  status?: string;
  conclusion?: string;
  output?: { title?: string; summary?: string; text?: string; annotations?: Array<Record<string, unknown>> };
  /** Annotations of every create and update request, in order (GitHub appends them). */
  annotations: Array<Record<string, unknown>>;
  /** How many annotations each request carried (GitHub refuses more than 50). */
  annotationBatches: number[];
}

interface FakePull {
  number: number;
  title: string;
  state: 'open' | 'closed';
  baseRef: string;
  baseSha: string;
  headRef: string;
  author: string;
}

export interface FakeFailure {
  method?: string;
  path: RegExp;
  status: number;
  message?: string;
  headers?: Record<string, string>;
  /** How many matching requests fail (default 1). */
  times?: number;
}

export interface FakeRequestRecord {
  method: string;
  path: string;
  route: string;
  status: number;
  identity: string;
  ifNoneMatch: boolean;
}

export interface FakeCounts {
  requests: number;
  notModified: number;
  /** Rate-limit units consumed (a 304 costs 0; a GraphQL query 1, however many objects it reads). */
  units: number;
  byRoute: Record<string, number>;
  /** Objects selected by GraphQL queries (blobs read in bulk). */
  graphqlObjects: number;
}

/** A scripted GraphQL error: for the whole query, or (with `oid`) for the selections of that object only. */
export interface FakeGraphQLFailure {
  type: string;
  message?: string;
  oid?: string;
  headers?: Record<string, string>;
  /** How many matching queries fail (default 1). */
  times?: number;
}

export interface FakeGitHubOptions {
  /** GitHub App accepted for JWTs: id and PEM public key. */
  app?: { id: number; publicKey: string };
  /** Recursive trees with more entries than this come back truncated. */
  truncateTreesOver?: number;
  /** Rate limit per window (default 5000). */
  rateLimit?: number;
  /** GraphQL `Blob.text` longer than this many bytes comes back cut, with `isTruncated: true`. Default: never cut. */
  graphqlTextLimit?: number;
}

export interface FakeGitHub {
  /** API base URL (what GITHUB_API_URL would be). */
  url: string;
  requests: FakeRequestRecord[];
  counts(): FakeCounts;
  resetCounts(): void;
  addRepo(spec: { owner: string; repo: string; private?: boolean; defaultBranch?: string }): void;
  /** New commit on `branch` (created from `from`, default the default branch, when missing): files to set; null deletes. Returns the commit sha. */
  commit(owner: string, repo: string, branch: string, files: Record<string, FileContent | null>, options?: { from?: string }): string;
  /** A pull request from `head` into `base`; its base sha is the base branch tip now. */
  addPullRequest(owner: string, repo: string, spec: { number: number; base: string; head: string; title?: string; state?: 'open' | 'closed'; author?: string }): void;
  blobSha(content: FileContent): string;
  /** A personal token that can see these private repos (`*` = all). */
  addToken(token: string, repos: string[] | '*'): void;
  addInstallation(spec: { id: number; account: string; repos: string[] }): void;
  /** Installation tokens issued so far. */
  issuedTokens(): string[];
  setRateLimit(spec: { remaining: number; resetAt?: Date; limit?: number }): void;
  fail(failure: FakeFailure): void;
  /** Conversation comments on an issue or PR, oldest first. */
  comments(owner: string, repo: string, issue: number): FakeComment[];
  /** A comment written by someone else (to fill pages before ours). */
  seedComment(owner: string, repo: string, issue: number, body: string): void;
  checkRuns(owner: string, repo: string): FakeCheckRun[];
  failGraphQL(failure: FakeGraphQLFailure): void;
  /**
   * Hold the next request whose path matches until `release()` (a slow GitHub, without timers):
   * `reached` resolves when that request has arrived and is being held.
   */
  hold(path: RegExp): { reached: Promise<void>; release(): void };
  close(): Promise<void>;
}

const WRITE_ROUTES = new Set(['issues.comments', 'issues.comment', 'checks.create', 'checks.update']);

function sha1(data: Buffer | string): string {
  return createHash('sha1').update(data).digest('hex');
}

function gitBlobSha(content: Buffer): string {
  return sha1(Buffer.concat([Buffer.from(`blob ${content.length}\0`), content]));
}

function toBuffer(content: FileContent): Buffer {
  return typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
}

function base64Lines(content: Buffer): string {
  // GitHub wraps base64 content at 60 characters.
  return (content.toString('base64').match(/.{1,60}/g) ?? []).join('\n') + '\n';
}

function decodeBase64Url(part: string): Buffer {
  return Buffer.from(part.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
}

export async function createFakeGitHub(options: FakeGitHubOptions = {}): Promise<FakeGitHub> {
  const repos = new Map<string, FakeRepo>();
  const tokens = new Map<string, string[] | '*'>();
  const installations = new Map<number, { id: number; account: string; repos: string[] }>();
  const installationTokens = new Map<string, { installationId: number; expiresAt: number }>();
  const failures: FakeFailure[] = [];
  const holds: Array<{ path: RegExp; arrived(): void; released: Promise<void> }> = [];
  const graphqlFailures: FakeGraphQLFailure[] = [];
  const requests: FakeRequestRecord[] = [];
  let counts: FakeCounts = { requests: 0, notModified: 0, units: 0, byRoute: {}, graphqlObjects: 0 };
  const limit = { limit: options.rateLimit ?? 5000, remaining: options.rateLimit ?? 5000, resetAt: Date.now() + 3600_000 };
  let commitCounter = 0;
  let tokenCounter = 0;
  let baseUrl = '';

  const repoKey = (owner: string, repo: string) => `${owner}/${repo}`.toLowerCase();
  const findRepo = (owner: string, repo: string) => repos.get(repoKey(owner, repo));

  function storeTree(repo: FakeRepo, files: Map<string, string>): string {
    // Build nested tree objects bottom-up from a flat path → blob sha map.
    interface Dir {
      dirs: Map<string, Dir>;
      files: Map<string, string>;
    }
    const root: Dir = { dirs: new Map(), files: new Map() };
    for (const [path, blob] of files) {
      const parts = path.split('/');
      let dir = root;
      for (const part of parts.slice(0, -1)) {
        let next = dir.dirs.get(part);
        if (!next) {
          next = { dirs: new Map(), files: new Map() };
          dir.dirs.set(part, next);
        }
        dir = next;
      }
      dir.files.set(parts[parts.length - 1] as string, blob);
    }
    const write = (dir: Dir): string => {
      const items: TreeItem[] = [];
      for (const [name, sub] of dir.dirs) items.push({ mode: '40000', type: 'tree', name, sha: write(sub) });
      for (const [name, blob] of dir.files) items.push({ mode: '100644', type: 'blob', name, sha: blob, size: repo.blobs.get(blob)?.length ?? 0 });
      // Git sorts entries by name, comparing trees as if their name ended with '/'.
      const sortKey = (item: TreeItem) => (item.type === 'tree' ? `${item.name}/` : item.name);
      items.sort((a, b) => (sortKey(a) < sortKey(b) ? -1 : sortKey(a) > sortKey(b) ? 1 : 0));
      const body = Buffer.concat(items.map((item) => Buffer.concat([Buffer.from(`${item.mode} ${item.name}\0`), Buffer.from(item.sha, 'hex')])));
      const sha = sha1(Buffer.concat([Buffer.from(`tree ${body.length}\0`), body]));
      repo.trees.set(sha, items);
      return sha;
    };
    return write(root);
  }

  let objectCounter = 0;
  const commentsOf = (repo: FakeRepo, issue: number): FakeComment[] => {
    let list = repo.comments.get(issue);
    if (!list) repo.comments.set(issue, (list = []));
    return list;
  };

  const api: FakeGitHub = {
    url: '',
    comments: (owner, repoName, issue) => [...(findRepo(owner, repoName)?.comments.get(issue) ?? [])].map((comment) => ({ ...comment })),
    seedComment(owner, repoName, issue, body) {
      const repo = findRepo(owner, repoName);
      if (!repo) throw new Error(`fake GitHub: no repo ${owner}/${repoName}`);
      commentsOf(repo, issue).push({ id: ++objectCounter, body, author: 'someone-else' });
    },
    checkRuns: (owner, repoName) => structuredClone(findRepo(owner, repoName)?.checkRuns ?? []),
    requests,
    counts: () => ({ ...counts, byRoute: { ...counts.byRoute } }),
    resetCounts: () => {
      counts = { requests: 0, notModified: 0, units: 0, byRoute: {}, graphqlObjects: 0 };
      requests.length = 0;
    },
    addRepo(spec) {
      repos.set(repoKey(spec.owner, spec.repo), {
        owner: spec.owner,
        repo: spec.repo,
        private: spec.private ?? false,
        defaultBranch: spec.defaultBranch ?? 'main',
        branches: new Map(),
        blobs: new Map(),
        trees: new Map(),
        commits: new Map(),
        pulls: new Map(),
        comments: new Map(),
        checkRuns: [],
      });
    },
    commit(owner, repoName, branch, files, commitOptions = {}) {
      const repo = findRepo(owner, repoName);
      if (!repo) throw new Error(`fake GitHub: no repo ${owner}/${repoName}`);
      const parent = repo.branches.get(branch) ?? repo.branches.get(commitOptions.from ?? repo.defaultBranch) ?? null;
      const current = new Map(parent ? repo.commits.get(parent)!.files : []);
      for (const [path, content] of Object.entries(files)) {
        if (content === null) current.delete(path);
        else {
          const bytes = toBuffer(content);
          const sha = gitBlobSha(bytes);
          repo.blobs.set(sha, bytes);
          current.set(path, sha);
        }
      }
      const tree = storeTree(repo, current);
      commitCounter += 1;
      const text = `tree ${tree}\n${parent ? `parent ${parent}\n` : ''}author Fake <fake@example.com> ${commitCounter} +0000\ncommitter Fake <fake@example.com> ${commitCounter} +0000\n\ncommit ${commitCounter}\n`;
      const sha = sha1(`commit ${Buffer.byteLength(text)}\0${text}`);
      repo.commits.set(sha, { tree, parent, files: current });
      repo.branches.set(branch, sha);
      return sha;
    },
    addPullRequest(owner, repoName, spec) {
      const repo = findRepo(owner, repoName);
      const baseSha = repo?.branches.get(spec.base);
      if (!repo || !baseSha || !repo.branches.has(spec.head)) throw new Error(`fake GitHub: PR needs existing repo and branches ${spec.base}, ${spec.head}`);
      repo.pulls.set(spec.number, { number: spec.number, title: spec.title ?? `PR ${spec.number}`, state: spec.state ?? 'open', baseRef: spec.base, baseSha, headRef: spec.head, author: spec.author ?? 'dev' });
    },
    blobSha: (content) => gitBlobSha(toBuffer(content)),
    addToken: (token, access) => void tokens.set(token, access),
    addInstallation: (spec) => void installations.set(spec.id, spec),
    issuedTokens: () => [...installationTokens.keys()],
    setRateLimit(spec) {
      limit.remaining = spec.remaining;
      if (spec.limit !== undefined) limit.limit = spec.limit;
      if (spec.resetAt) limit.resetAt = spec.resetAt.getTime();
    },
    fail: (failure) => void failures.push({ times: 1, ...failure }),
    hold(path) {
      let arrived!: () => void;
      let release!: () => void;
      const reached = new Promise<void>((resolve) => (arrived = resolve));
      const released = new Promise<void>((resolve) => (release = resolve));
      holds.push({ path, arrived, released });
      return { reached, release };
    },
    failGraphQL: (failure) => void graphqlFailures.push({ times: 1, ...failure }),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Clients keep connections alive; close them so the server stops at once.
        server.closeAllConnections();
      }),
  };

  type Identity = { kind: 'anonymous' } | { kind: 'token'; token: string } | { kind: 'installation'; installationId: number } | { kind: 'jwt' } | { kind: 'invalid'; why: string };

  function identify(request: IncomingMessage): Identity {
    const header = request.headers.authorization;
    if (!header) return { kind: 'anonymous' };
    const match = /^(token|bearer)\s+(.+)$/i.exec(header);
    if (!match) return { kind: 'invalid', why: 'Bad credentials' };
    const credential = match[2] as string;
    const parts = credential.split('.');
    if (parts.length === 3 && options.app) {
      const verifier = createVerify('RSA-SHA256');
      verifier.update(`${parts[0]}.${parts[1]}`);
      if (!verifier.verify(options.app.publicKey, decodeBase64Url(parts[2] as string))) return { kind: 'invalid', why: 'A JSON web token could not be decoded' };
      const claims = JSON.parse(decodeBase64Url(parts[1] as string).toString('utf8')) as { iss?: unknown; exp?: number };
      if (String(claims.iss) !== String(options.app.id) || (claims.exp ?? 0) * 1000 < Date.now()) return { kind: 'invalid', why: "'Expiration time' claim ('exp') is invalid" };
      return { kind: 'jwt' };
    }
    const installation = installationTokens.get(credential);
    if (installation) return installation.expiresAt > Date.now() ? { kind: 'installation', installationId: installation.installationId } : { kind: 'invalid', why: 'Bad credentials' };
    if (tokens.has(credential)) return { kind: 'token', token: credential };
    return { kind: 'invalid', why: 'Bad credentials' };
  }

  function canSee(identity: Identity, repo: FakeRepo): boolean {
    if (!repo.private) return identity.kind !== 'jwt';
    const name = `${repo.owner}/${repo.repo}`.toLowerCase();
    if (identity.kind === 'token') {
      const access = tokens.get(identity.token);
      return access === '*' || (access ?? []).some((item) => item.toLowerCase() === name);
    }
    if (identity.kind === 'installation') return (installations.get(identity.installationId)?.repos ?? []).some((item) => item.toLowerCase() === name);
    return false;
  }

  function resolveCommit(repo: FakeRepo, ref: string): string | undefined {
    if (ref === 'HEAD') return repo.branches.get(repo.defaultBranch);
    if (repo.commits.has(ref)) return ref;
    return repo.branches.get(ref.replace(/^refs\/heads\//, ''));
  }

  function recursiveEntries(repo: FakeRepo, treeSha: string, prefix = ''): Array<TreeItem & { path: string }> {
    const out: Array<TreeItem & { path: string }> = [];
    for (const item of repo.trees.get(treeSha) ?? []) {
      const path = prefix === '' ? item.name : `${prefix}/${item.name}`;
      out.push({ ...item, path });
      if (item.type === 'tree') out.push(...recursiveEntries(repo, item.sha, path));
    }
    return out;
  }

  /** GitHub diffs a PR from the merge base of base and head (three-dot), not from the base tip. */
  function mergeBase(repo: FakeRepo, baseSha: string, headSha: string): string {
    const ancestors = new Set<string>();
    for (let sha: string | null = baseSha; sha !== null; sha = repo.commits.get(sha)?.parent ?? null) ancestors.add(sha);
    for (let sha: string | null = headSha; sha !== null; sha = repo.commits.get(sha)?.parent ?? null) if (ancestors.has(sha)) return sha;
    return baseSha;
  }

  function diffFiles(repo: FakeRepo, baseTip: string, headSha: string) {
    const baseSha = mergeBase(repo, baseTip, headSha);
    const base = repo.commits.get(baseSha)!.files;
    const head = repo.commits.get(headSha)!.files;
    const lines = (sha: string | undefined) => (sha ? (repo.blobs.get(sha)?.toString('utf8').split('\n').length ?? 0) : 0);
    const removed = [...base.keys()].filter((path) => !head.has(path));
    const added = [...head.keys()].filter((path) => !base.has(path));
    const files: Array<Record<string, unknown>> = [];
    const renamedFrom = new Map<string, string>();
    for (const path of added) {
      const from = removed.find((old) => base.get(old) === head.get(path) && ![...renamedFrom.values()].includes(old));
      if (from) renamedFrom.set(path, from);
    }
    const all = [...new Set([...base.keys(), ...head.keys()])].sort();
    for (const path of all) {
      const before = base.get(path);
      const after = head.get(path);
      if (before === after) continue;
      if (before === undefined) {
        const from = renamedFrom.get(path);
        if (from) files.push({ sha: after, filename: path, previous_filename: from, status: 'renamed', additions: 0, deletions: 0, changes: 0 });
        else files.push({ sha: after, filename: path, status: 'added', additions: lines(after), deletions: 0, changes: lines(after) });
      } else if (after === undefined) {
        if (![...renamedFrom.values()].includes(path)) files.push({ sha: before, filename: path, status: 'removed', additions: 0, deletions: lines(before), changes: lines(before) });
      } else files.push({ sha: after, filename: path, status: 'modified', additions: lines(after), deletions: lines(before), changes: lines(after) + lines(before) });
    }
    return files;
  }

  function rateHeaders(): Record<string, string> {
    if (Date.now() > limit.resetAt) {
      limit.remaining = limit.limit;
      limit.resetAt = Date.now() + 3600_000;
    }
    return {
      'x-ratelimit-limit': String(limit.limit),
      'x-ratelimit-remaining': String(limit.remaining),
      'x-ratelimit-used': String(limit.limit - limit.remaining),
      'x-ratelimit-reset': String(Math.ceil(limit.resetAt / 1000)),
      'x-ratelimit-resource': 'core',
    };
  }

  type Send = (status: number, body: unknown, extra?: Record<string, string>, options?: { free?: boolean; contentType?: string }) => void;

  /** A GraphQL string literal or `$variable`, resolved. */
  function graphqlValue(token: string, variables: Record<string, unknown>): string | undefined {
    if (token.startsWith('$')) {
      const value = variables[token.slice(1)];
      return typeof value === 'string' ? value : undefined;
    }
    return JSON.parse(token) as string;
  }

  const BLOB_FIELDS = new Set(['__typename', 'oid', 'abbreviatedOid', 'byteSize', 'isBinary', 'isTruncated', 'text']);

  function blobNode(content: Buffer, sha: string, fields: string[]): Record<string, unknown> {
    const binary = content.includes(0);
    const cap = options.graphqlTextLimit;
    const truncated = !binary && cap !== undefined && content.length > cap;
    const node: Record<string, unknown> = {};
    for (const field of fields) {
      if (field === '__typename') node[field] = 'Blob';
      if (field === 'oid') node[field] = sha;
      if (field === 'abbreviatedOid') node[field] = sha.slice(0, 7);
      if (field === 'byteSize') node[field] = content.length;
      if (field === 'isBinary') node[field] = binary;
      if (field === 'isTruncated') node[field] = truncated;
      // Like GitHub: null for binary blobs; bytes that are not UTF-8 become U+FFFD.
      if (field === 'text') node[field] = binary ? null : (truncated ? content.subarray(0, cap) : content).toString('utf8');
    }
    return node;
  }

  function answerGraphQL(identity: Identity, method: string, body: Buffer, send: Send): void {
    const graphqlRate = { 'x-ratelimit-resource': 'graphql' };
    if (method !== 'POST') return send(404, { message: 'Not Found' });
    if (identity.kind === 'anonymous' || identity.kind === 'jwt') return send(401, { message: 'This endpoint requires you to be authenticated.', documentation_url: 'https://docs.github.com/graphql' }, graphqlRate, { free: true });
    if (limit.remaining <= 0 && Date.now() <= limit.resetAt) {
      return send(200, { errors: [{ type: 'RATE_LIMITED', message: 'API rate limit exceeded for user ID 1.' }] }, graphqlRate, { free: true });
    }
    let payload: { query?: unknown; variables?: unknown };
    try {
      payload = JSON.parse(body.toString('utf8')) as typeof payload;
    } catch {
      return send(400, { message: 'Problems parsing JSON' }, graphqlRate, { free: true });
    }
    const query = typeof payload.query === 'string' ? payload.query : '';
    const variables = (typeof payload.variables === 'object' && payload.variables !== null ? payload.variables : {}) as Record<string, unknown>;
    const whole = graphqlFailures.find((item) => item.oid === undefined && (item.times ?? 1) > 0);
    if (whole) {
      whole.times = (whole.times ?? 1) - 1;
      return send(200, { data: null, errors: [{ type: whole.type, message: whole.message ?? `scripted ${whole.type}` }] }, { ...graphqlRate, ...whole.headers }, { free: whole.type === 'RATE_LIMITED' });
    }
    const value = String.raw`("(?:[^"\\]|\\.)*"|\$\w+)`;
    const repoMatch = new RegExp(String.raw`repository\s*\(\s*owner\s*:\s*${value}\s*,\s*name\s*:\s*${value}\s*\)\s*\{`).exec(query);
    if (!repoMatch) return send(200, { errors: [{ message: 'migrate-help fake GitHub only answers repository { object(...) } queries', extensions: { code: 'unsupported' } }] }, graphqlRate);
    const owner = graphqlValue(repoMatch[1] as string, variables) ?? '';
    const name = graphqlValue(repoMatch[2] as string, variables) ?? '';
    const repo = findRepo(owner, name);
    if (!repo || !canSee(identity, repo)) {
      return send(200, { data: { repository: null }, errors: [{ type: 'NOT_FOUND', path: ['repository'], locations: [{ line: 2, column: 3 }], message: `Could not resolve to a Repository with the name '${owner}/${name}'.` }] }, graphqlRate);
    }
    const selection = new RegExp(String.raw`(?:(\w+)\s*:\s*)?object\s*\(\s*(oid|expression)\s*:\s*${value}\s*\)\s*\{\s*\.\.\.\s*on\s+Blob\s*\{([^}]*)\}\s*\}`, 'g');
    const data: Record<string, unknown> = {};
    const errors: Array<Record<string, unknown>> = [];
    for (const match of query.slice(repoMatch.index + repoMatch[0].length).matchAll(selection)) {
      const alias = match[1] ?? 'object';
      const fields = (match[4] as string).split(/[\s,]+/).filter((field) => field !== '');
      const unknown = fields.find((field) => !BLOB_FIELDS.has(field));
      if (unknown !== undefined) return send(200, { errors: [{ message: `Field '${unknown}' doesn't exist on type 'Blob'`, extensions: { code: 'undefinedField', typeName: 'Blob', fieldName: unknown } }] }, graphqlRate);
      counts.graphqlObjects += 1;
      const argument = graphqlValue(match[3] as string, variables) ?? '';
      let sha: string | undefined;
      let isTree = false;
      if (match[2] === 'oid') sha = repo.blobs.has(argument) ? argument : undefined;
      else {
        const colon = argument.indexOf(':');
        const commitSha = resolveCommit(repo, argument.slice(0, colon));
        const filePath = argument.slice(colon + 1).replace(/\/+$/, '');
        const files = commitSha === undefined ? undefined : repo.commits.get(commitSha)!.files;
        sha = files?.get(filePath);
        isTree = sha === undefined && files !== undefined && [...files.keys()].some((key) => key.startsWith(`${filePath}/`));
      }
      const scripted = graphqlFailures.find((item) => item.oid !== undefined && item.oid === sha && (item.times ?? 1) > 0);
      if (scripted) {
        scripted.times = (scripted.times ?? 1) - 1;
        data[alias] = null;
        errors.push({ type: scripted.type, path: ['repository', alias], message: scripted.message ?? `scripted ${scripted.type}` });
        continue;
      }
      // A tree matches no `... on Blob` fields: an empty object, as GitHub answers.
      data[alias] = isTree ? {} : sha === undefined ? null : blobNode(repo.blobs.get(sha)!, sha, fields);
    }
    send(200, { data: { repository: data }, ...(errors.length > 0 ? { errors } : {}) }, graphqlRate);
  }

  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', async () => {
      const pathname = new URL(request.url ?? '/', 'http://fake.github').pathname;
      const held = holds.findIndex((item) => item.path.test(pathname));
      if (held !== -1) {
        const [hold] = holds.splice(held, 1);
        hold!.arrived();
        await hold!.released;
      }
      try {
        handle(request, response, Buffer.concat(chunks));
      } catch (error) {
        response.writeHead(500, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ message: `fake GitHub error: ${(error as Error).message}` }));
      }
    });
  });

  function handle(request: IncomingMessage, response: ServerResponse, body: Buffer): void {
    const method = (request.method ?? 'GET').toUpperCase();
    const url = new URL(request.url ?? '/', 'http://fake.github');
    const path = url.pathname;
    const identity = identify(request);
    const record: FakeRequestRecord = { method, path, route: 'unknown', status: 0, identity: identity.kind, ifNoneMatch: request.headers['if-none-match'] !== undefined };
    counts.requests += 1;
    requests.push(record);

    const send = (status: number, body: unknown, extra: Record<string, string> = {}, options: { free?: boolean; contentType?: string } = {}) => {
      record.status = status;
      counts.byRoute[record.route] = (counts.byRoute[record.route] ?? 0) + 1;
      const text = typeof body === 'string' ? body : JSON.stringify(body);
      const etag = `"${sha1(text)}"`;
      const headers: Record<string, string> = { ...extra };
      const billable = !options.free && identity.kind !== 'jwt' && record.route !== 'rate_limit';
      if (method === 'GET' && status === 200) {
        headers.etag = etag;
        if (request.headers['if-none-match'] === etag) {
          counts.notModified += 1;
          record.status = 304;
          response.writeHead(304, { ...rateHeaders(), ...headers });
          response.end();
          return;
        }
      }
      if (billable && status !== 403) {
        limit.remaining = Math.max(0, limit.remaining - 1);
        counts.units += 1;
      }
      // Scripted headers (a failure's x-ratelimit-*) win over the live budget.
      response.writeHead(status, { 'content-type': options.contentType ?? 'application/json; charset=utf-8', ...rateHeaders(), ...headers });
      response.end(text);
    };
    const notFound = () => send(404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' });

    let match: RegExpExecArray | null;
    const routes: Array<[string, RegExp]> = [
      ['rate_limit', /^\/rate_limit$/],
      ['app.installations', /^\/app\/installations$/],
      ['app.access_tokens', /^\/app\/installations\/(\d+)\/access_tokens$/],
      ['repos.installation', /^\/repos\/([^/]+)\/([^/]+)\/installation$/],
      ['commits.get', /^\/repos\/([^/]+)\/([^/]+)\/commits\/(.+)$/],
      ['git.trees', /^\/repos\/([^/]+)\/([^/]+)\/git\/trees\/(.+)$/],
      ['git.blobs', /^\/repos\/([^/]+)\/([^/]+)\/git\/blobs\/([0-9a-f]+)$/],
      ['contents', /^\/repos\/([^/]+)\/([^/]+)\/contents\/(.*)$/],
      ['issues.comments', /^\/repos\/([^/]+)\/([^/]+)\/issues\/(\d+)\/comments$/],
      ['issues.comment', /^\/repos\/([^/]+)\/([^/]+)\/issues\/comments\/(\d+)$/],
      ['checks.create', /^\/repos\/([^/]+)\/([^/]+)\/check-runs$/],
      ['checks.update', /^\/repos\/([^/]+)\/([^/]+)\/check-runs\/(\d+)$/],
      ['pulls.files', /^\/repos\/([^/]+)\/([^/]+)\/pulls\/(\d+)\/files$/],
      ['pulls.get', /^\/repos\/([^/]+)\/([^/]+)\/pulls\/(\d+)$/],
      ['repos.get', /^\/repos\/([^/]+)\/([^/]+)$/],
      // GitHub.com serves it at /graphql; Enterprise Server at /api/graphql.
      ['graphql', /^(?:\/api)?\/graphql$/],
    ];
    let groups: string[] = [];
    for (const [route, pattern] of routes) {
      match = pattern.exec(path);
      if (match) {
        record.route = route;
        groups = match.slice(1).map((part) => decodeURIComponent(part));
        break;
      }
    }

    const failure = failures.find((item) => item.path.test(path) && (item.method === undefined || item.method === method) && (item.times ?? 1) > 0);
    if (failure) {
      failure.times = (failure.times ?? 1) - 1;
      send(failure.status, { message: failure.message ?? `scripted ${failure.status}` }, failure.headers ?? {});
      return;
    }
    if (identity.kind === 'invalid') {
      send(401, { message: identity.why, documentation_url: 'https://docs.github.com/rest' }, {}, { free: true });
      return;
    }
    if (record.route === 'graphql') {
      answerGraphQL(identity, method, body, send);
      return;
    }
    if (limit.remaining <= 0 && Date.now() <= limit.resetAt && identity.kind !== 'jwt' && record.route !== 'rate_limit') {
      send(403, { message: 'API rate limit exceeded for this token.', documentation_url: 'https://docs.github.com/rest/overview/resources-in-the-rest-api#rate-limiting' });
      return;
    }

    if (record.route === 'rate_limit') {
      const core = rateHeaders();
      send(200, { resources: { core: { limit: Number(core['x-ratelimit-limit']), remaining: Number(core['x-ratelimit-remaining']), reset: Number(core['x-ratelimit-reset']) } } }, {}, { free: true });
      return;
    }
    if (record.route.startsWith('app.') || record.route === 'repos.installation') {
      if (identity.kind !== 'jwt') {
        send(401, { message: 'A JSON web token could not be decoded' }, {}, { free: true });
        return;
      }
      if (record.route === 'app.installations') {
        send(200, [...installations.values()].map((item) => ({ id: item.id, account: { login: item.account } })));
        return;
      }
      if (record.route === 'repos.installation') {
        const name = `${groups[0]}/${groups[1]}`.toLowerCase();
        const installation = [...installations.values()].find((item) => item.repos.some((repo) => repo.toLowerCase() === name));
        if (!installation) return notFound();
        send(200, { id: installation.id, account: { login: installation.account }, app_id: options.app?.id });
        return;
      }
      const installation = installations.get(Number(groups[0]));
      if (!installation || method !== 'POST') return notFound();
      tokenCounter += 1;
      const token = `ghs_fakeinstallation${String(tokenCounter).padStart(20, '0')}`;
      const expiresAt = Date.now() + 3600_000;
      installationTokens.set(token, { installationId: installation.id, expiresAt });
      send(201, { token, expires_at: new Date(expiresAt).toISOString(), permissions: { contents: 'read', pull_requests: 'read', metadata: 'read' }, repository_selection: 'selected' });
      return;
    }
    if (identity.kind === 'jwt') {
      send(401, { message: 'This endpoint requires an installation token, not a JWT.' }, {}, { free: true });
      return;
    }

    const repo = groups.length >= 2 ? findRepo(groups[0] as string, groups[1] as string) : undefined;
    if (repo && WRITE_ROUTES.has(record.route)) return answerWrite(repo, record.route, method, groups, url, identity, body, send, notFound);
    if (!repo || !canSee(identity, repo) || method !== 'GET') return notFound();

    switch (record.route) {
      case 'repos.get':
        return send(200, { full_name: `${repo.owner}/${repo.repo}`, private: repo.private, default_branch: repo.defaultBranch });
      case 'commits.get': {
        const sha = resolveCommit(repo, groups[2] as string);
        if (!sha) return send(422, { message: `No commit found for SHA: ${groups[2]}` });
        if (String(request.headers.accept ?? '').includes('sha')) return send(200, sha, {}, { contentType: 'application/vnd.github.sha; charset=utf-8' });
        return send(200, { sha, commit: { tree: { sha: repo.commits.get(sha)!.tree } } });
      }
      case 'git.trees': {
        const ref = groups[2] as string;
        const commitSha = resolveCommit(repo, ref);
        const treeSha = commitSha ? repo.commits.get(commitSha)!.tree : repo.trees.has(ref) ? ref : undefined;
        if (!treeSha) return notFound();
        if (url.searchParams.has('recursive')) {
          let entries = recursiveEntries(repo, treeSha);
          const cap = options.truncateTreesOver;
          const truncated = cap !== undefined && entries.length > cap;
          if (truncated) entries = entries.slice(0, cap);
          return send(200, { sha: treeSha, tree: entries.map(({ path: entryPath, mode, type, sha, size }) => ({ path: entryPath, mode, type, sha, ...(size === undefined ? {} : { size }) })), truncated });
        }
        const items = repo.trees.get(treeSha)!;
        return send(200, { sha: treeSha, tree: items.map(({ name, mode, type, sha, size }) => ({ path: name, mode, type, sha, ...(size === undefined ? {} : { size }) })), truncated: false });
      }
      case 'git.blobs': {
        const content = repo.blobs.get(groups[2] as string);
        if (!content) return notFound();
        return send(200, { sha: groups[2], size: content.length, encoding: 'base64', content: base64Lines(content) });
      }
      case 'contents': {
        const ref = url.searchParams.get('ref') ?? 'HEAD';
        const commitSha = resolveCommit(repo, ref);
        if (!commitSha) return send(404, { message: `No commit found for the ref ${ref}` });
        const files = repo.commits.get(commitSha)!.files;
        const filePath = (groups[2] as string).replace(/\/+$/, '');
        const blob = files.get(filePath);
        if (blob) {
          const content = repo.blobs.get(blob)!;
          const name = filePath.slice(filePath.lastIndexOf('/') + 1);
          const inline = content.length <= 1024 * 1024;
          return send(200, { type: 'file', name, path: filePath, sha: blob, size: content.length, encoding: inline ? 'base64' : 'none', content: inline ? base64Lines(content) : '' });
        }
        const prefix = `${filePath}/`;
        const children = new Map<string, string>();
        for (const key of files.keys()) {
          if (!key.startsWith(prefix)) continue;
          const rest = key.slice(prefix.length);
          const slash = rest.indexOf('/');
          children.set(slash === -1 ? rest : rest.slice(0, slash), slash === -1 ? 'file' : 'dir');
        }
        if (children.size === 0) return notFound();
        return send(200, [...children].map(([name, type]) => ({ name, type, path: `${filePath}/${name}` })));
      }
      case 'pulls.get':
      case 'pulls.files': {
        const pull = repo.pulls.get(Number(groups[2]));
        if (!pull) return notFound();
        const headSha = repo.branches.get(pull.headRef)!;
        if (record.route === 'pulls.get') {
          const full = `${repo.owner}/${repo.repo}`;
          return send(200, {
            number: pull.number,
            title: pull.title,
            state: pull.state,
            merged: false,
            merged_at: null,
            draft: false,
            user: { login: pull.author },
            html_url: `https://github.com/${full}/pull/${pull.number}`,
            base: { ref: pull.baseRef, sha: pull.baseSha, repo: { full_name: full } },
            head: { ref: pull.headRef, sha: headSha, repo: { full_name: full } },
          });
        }
        const all = diffFiles(repo, pull.baseSha, headSha);
        const perPage = Math.min(100, Math.max(1, Number(url.searchParams.get('per_page') ?? 30)));
        const page = Math.max(1, Number(url.searchParams.get('page') ?? 1));
        const last = Math.max(1, Math.ceil(all.length / perPage));
        const pageUrl = (n: number) => `${baseUrl}${path}?per_page=${perPage}&page=${n}`;
        const links: string[] = [];
        if (page < last) links.push(`<${pageUrl(page + 1)}>; rel="next"`, `<${pageUrl(last)}>; rel="last"`);
        if (page > 1) links.push(`<${pageUrl(1)}>; rel="first"`, `<${pageUrl(page - 1)}>; rel="prev"`);
        return send(200, all.slice((page - 1) * perPage, page * perPage), links.length > 0 ? { link: links.join(', ') } : {});
      }
      default:
        return notFound();
    }
  }

  /** Who may write: a token or installation that was given the repository (public repos are readable, not writable, by anyone). */
  function canWrite(identity: Identity, repo: FakeRepo): boolean {
    const name = `${repo.owner}/${repo.repo}`.toLowerCase();
    if (identity.kind === 'token') {
      const access = tokens.get(identity.token);
      return access === '*' || (access ?? []).some((item) => item.toLowerCase() === name);
    }
    if (identity.kind === 'installation') return (installations.get(identity.installationId)?.repos ?? []).some((item) => item.toLowerCase() === name);
    return false;
  }

  function authorOf(identity: Identity): string {
    return identity.kind === 'token' ? `token:${identity.token.slice(0, 8)}` : identity.kind === 'installation' ? `installation:${identity.installationId}` : identity.kind;
  }

  function pageLinks(path: string, perPage: number, page: number, total: number): Record<string, string> {
    const last = Math.max(1, Math.ceil(total / perPage));
    const pageUrl = (n: number) => `${baseUrl}${path}?per_page=${perPage}&page=${n}`;
    const links: string[] = [];
    if (page < last) links.push(`<${pageUrl(page + 1)}>; rel="next"`, `<${pageUrl(last)}>; rel="last"`);
    if (page > 1) links.push(`<${pageUrl(1)}>; rel="first"`, `<${pageUrl(page - 1)}>; rel="prev"`);
    return links.length > 0 ? { link: links.join(', ') } : {};
  }

  /** Issue comments (list, create, update, delete) and check runs (create, update). */
  function answerWrite(repo: FakeRepo, route: string, method: string, groups: string[], url: URL, identity: Identity, body: Buffer, send: Send, notFound: () => void): void {
    if (!(method === 'GET' ? canSee(identity, repo) : canWrite(identity, repo))) return notFound();
    const input = (body.length > 0 ? JSON.parse(body.toString('utf8')) : {}) as Record<string, unknown>;
    const commentJson = (comment: FakeComment, issue: number) => ({ id: comment.id, body: comment.body, user: { login: comment.author }, html_url: `https://github.com/${repo.owner}/${repo.repo}/pull/${issue}#issuecomment-${comment.id}` });
    if (route === 'issues.comments') {
      const issue = Number(groups[2]);
      const list = commentsOf(repo, issue);
      if (method === 'POST') {
        if (typeof input['body'] !== 'string' || input['body'].length === 0) return send(422, { message: 'Validation Failed: body is missing' });
        if (input['body'].length > 65_536) return send(422, { message: 'Validation Failed: body is too long (maximum is 65536 characters)' });
        const comment: FakeComment = { id: ++objectCounter, body: input['body'], author: authorOf(identity) };
        list.push(comment);
        return send(201, commentJson(comment, issue));
      }
      if (method !== 'GET') return notFound();
      const perPage = Math.min(100, Math.max(1, Number(url.searchParams.get('per_page') ?? 30)));
      const page = Math.max(1, Number(url.searchParams.get('page') ?? 1));
      return send(200, list.slice((page - 1) * perPage, page * perPage).map((comment) => commentJson(comment, issue)), pageLinks(url.pathname, perPage, page, list.length));
    }
    if (route === 'issues.comment') {
      const id = Number(groups[2]);
      for (const [issue, list] of repo.comments) {
        const index = list.findIndex((comment) => comment.id === id);
        if (index === -1) continue;
        const comment = list[index] as FakeComment;
        if (method === 'DELETE') {
          list.splice(index, 1);
          return send(204, '');
        }
        if (method !== 'PATCH' && method !== 'GET') return notFound();
        if (method === 'PATCH') {
          if (comment.author !== authorOf(identity)) return send(403, { message: 'Resource not accessible by integration' });
          if (typeof input['body'] !== 'string' || input['body'].length > 65_536) return send(422, { message: 'Validation Failed: body' });
          comment.body = input['body'];
        }
        return send(200, commentJson(comment, issue));
      }
      return notFound();
    }
    const annotationsOf = (output: unknown): Array<Record<string, unknown>> => ((output as { annotations?: Array<Record<string, unknown>> } | undefined)?.annotations ?? []);
    if (route === 'checks.create' && method === 'POST') {
      const annotations = annotationsOf(input['output']);
      if (annotations.length > 50) return send(422, { message: 'Validation Failed: only 50 annotations per request' });
      if (typeof input['name'] !== 'string' || typeof input['head_sha'] !== 'string') return send(422, { message: 'Validation Failed: name and head_sha are required' });
      const run: FakeCheckRun = { ...(input as object), id: ++objectCounter, name: input['name'], head_sha: input['head_sha'], annotations: [...annotations], annotationBatches: [annotations.length] } as FakeCheckRun;
      repo.checkRuns.push(run);
      return send(201, { id: run.id, name: run.name, head_sha: run.head_sha, status: run.status ?? 'queued', conclusion: run.conclusion ?? null, html_url: `https://github.com/${repo.owner}/${repo.repo}/runs/${run.id}` });
    }
    if (route === 'checks.update' && method === 'PATCH') {
      const run = repo.checkRuns.find((item) => item.id === Number(groups[2]));
      if (!run) return notFound();
      const annotations = annotationsOf(input['output']);
      if (annotations.length > 50) return send(422, { message: 'Validation Failed: only 50 annotations per request' });
      Object.assign(run, { ...input, output: { ...run.output, ...(input['output'] as object | undefined) } });
      run.annotations.push(...annotations);
      run.annotationBatches.push(annotations.length);
      return send(200, { id: run.id, name: run.name, head_sha: run.head_sha, status: run.status, conclusion: run.conclusion ?? null });
    }
    return notFound();
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  api.url = baseUrl;
  return api;
}

/* ---- Scripted Django repositories (tests and bench) ---- */

/** A migration file as makemigrations writes it: dependencies plus one AddField/CreateModel. */
export function migrationSource(spec: { dependencies: Array<[string, string]>; operations?: string }): string {
  const deps = spec.dependencies.map(([app, name]) => `        ('${app}', '${name}'),`).join('\n');
  const operations =
    spec.operations ??
    `        migrations.AddField(
            model_name='item',
            name='note',
            field=models.CharField(blank=True, default='', max_length=20),
        ),`;
  return `from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
${deps}
    ]

    operations = [
${operations}
    ]
`;
}

export function appsPySource(name: string, label?: string): string {
  const className = `${name.charAt(0).toUpperCase()}${name.slice(1).replace(/_(\w)/g, (_m, c: string) => c.toUpperCase())}Config`;
  return `from django.apps import AppConfig


class ${className}(AppConfig):
    name = '${name}'
${label === undefined ? '' : `    label = '${label}'\n`}`;
}

/** `0001_initial`, `0002_auto`, … */
export function migrationName(index: number): string {
  return index === 1 ? '0001_initial' : `${String(index).padStart(4, '0')}_step_${index}`;
}

/**
 * Files of a Django project: `apps` apps under `project/`, each with apps.py, models.py and a linear
 * chain of `perApp` migrations. `labels` maps app folder names to an apps.py label.
 */
export function djangoProjectFiles(spec: { apps: number; perApp: number; labels?: Record<string, string> }): Record<string, string> {
  const files: Record<string, string> = { 'README.md': '# project\n', 'manage.py': 'import sys\n' };
  for (let a = 0; a < spec.apps; a++) {
    const folder = `app_${String(a).padStart(2, '0')}`;
    const label = spec.labels?.[folder] ?? folder;
    files[`project/${folder}/__init__.py`] = '';
    files[`project/${folder}/apps.py`] = appsPySource(folder, spec.labels?.[folder]);
    files[`project/${folder}/models.py`] = 'from django.db import models\n';
    files[`project/${folder}/migrations/__init__.py`] = '';
    for (let m = 1; m <= spec.perApp; m++) {
      const dependencies: Array<[string, string]> = m === 1 ? [] : [[label, migrationName(m - 1)]];
      const operations =
        m === 1
          ? `        migrations.CreateModel(
            name='Item',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False)),
            ],
            options={'db_table': '${folder}_item'},
        ),`
          : undefined;
      files[`project/${folder}/migrations/${migrationName(m)}.py`] = migrationSource({ dependencies, ...(operations === undefined ? {} : { operations }) });
    }
  }
  return files;
}

/** A `pull_request` `opened` webhook as GitHub delivers it: JSON body signed with the webhook secret (X-Hub-Signature-256). */
export function postPullRequestWebhook(url: string, secret: string, pr: { owner: string; repo: string; number: number; headSha: string; title: string; installationId: number }): Promise<Response> {
  const body = JSON.stringify({
    action: 'opened',
    number: pr.number,
    pull_request: { number: pr.number, title: pr.title, html_url: `https://github.com/${pr.owner}/${pr.repo}/pull/${pr.number}`, head: { sha: pr.headSha, ref: `pr-${pr.number}` }, base: { sha: 'x', ref: 'main' } },
    repository: { name: pr.repo, full_name: `${pr.owner}/${pr.repo}`, owner: { login: pr.owner } },
    installation: { id: pr.installationId },
  });
  const signature = `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-github-event': 'pull_request', 'x-github-delivery': `delivery-${pr.owner}-${pr.repo}-${pr.number}`, 'x-hub-signature-256': signature },
    body,
  });
}
