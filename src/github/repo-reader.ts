/**
 * Reading a repository's migrations with as few rate-limited requests as GitHub allows:
 *   - ref → commit sha: one conditional request (a 304 when the branch has not moved is free);
 *   - every migration folder: ONE recursive git-tree request at that sha, cached forever (a tree by sha
 *     never changes); GitHub truncates very large trees, and then we walk subtrees instead;
 *   - file contents: git blobs by sha, through the blob cache (memory LRU + the persistent store),
 *     so a file is downloaded once, ever; uncached blobs are read many per request through GraphQL
 *     (graphql-blobs.ts), with one REST call per blob as the fallback.
 */
import { parseAppConfigLabel } from '../engine/index.js';
import { AppError } from '../errors.js';
import type { GitHubOctokit, GitHubTransport } from './transport.js';
import { isHttpError } from './errors.js';
import { readBlobsByGraphQL, rememberOutcome, type BlobOutcome, type BlobWanted } from './graphql-blobs.js';
import { appPathOf, appsPyPathOf, folderLabelOf, isMigrationPath, isSkippedDir, isUnder, migrationNameOf } from './paths.js';
import type { AppFolder, ListMigrationFilesInput, MigrationEntry, MigrationTree, ReadFileInput, ReadResult, RepoFile, RepoRef, SkippedFile } from './types.js';

interface TreeEntry {
  path: string;
  type: string;
  sha: string;
  size?: number;
}

const SHA = /^[0-9a-f]{40}$/i;

export type ReadFileResult = { ok: true; file: RepoFile } | { ok: false; skipped: SkippedFile };

function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
  if (bytes >= 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${bytes} bytes`;
}

function skippedNote(path: string, reason: SkippedFile['reason'], detail: { size?: number; maxBytes?: number } = {}): SkippedFile {
  const notes: Record<SkippedFile['reason'], string> = {
    binary: `${path} looks like a binary file (it contains NUL bytes), so I did not read it.`,
    'too-large': `${path} is ${formatBytes(detail.size ?? 0)}, over the ${formatBytes(detail.maxBytes ?? 0)} limit for reading a file, so I did not read it.`,
    'not-utf8': `${path} is not valid UTF-8 text, so I did not read it.`,
    unreadable: `${path} could not be read from GitHub (it may have been removed), so I skipped it.`,
  };
  return { path, reason, note: notes[reason] };
}

/** Bytes → text, or why not. */
function decodeText(bytes: Buffer): { text: string } | { reason: 'binary' | 'not-utf8' } {
  if (bytes.includes(0)) return { reason: 'binary' };
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(bytes) };
  } catch {
    return { reason: 'not-utf8' };
  }
}

/** Branch, tag or sha → commit sha. A sha is returned as is (no request). */
async function resolveCommitSha(t: GitHubTransport, octokit: GitHubOctokit, ref: RepoRef, gitRef: string): Promise<string> {
  if (SHA.test(gitRef)) return gitRef.toLowerCase();
  try {
    // The sha media type answers with just the 40 characters, and supports ETags.
    const { data } = await octokit.request('GET /repos/{owner}/{repo}/commits/{ref}', { owner: ref.owner, repo: ref.repo, ref: gitRef, headers: { accept: 'application/vnd.github.sha' } });
    const sha = String(data).trim();
    if (!SHA.test(sha)) throw new AppError('github_unavailable', `GitHub gave an unexpected answer for ${ref.owner}/${ref.repo}@${gitRef}; try again in a minute.`);
    return sha.toLowerCase();
  } catch (error) {
    const notFound = gitRef === 'HEAD' ? undefined : `a branch, tag or commit named "${gitRef}" in ${ref.owner}/${ref.repo}`;
    throw t.translate(error, { repo: ref, ...(notFound === undefined ? {} : { notFound }) });
  }
}

async function fetchTree(octokit: GitHubOctokit, ref: RepoRef, sha: string, recursive: boolean): Promise<{ entries: TreeEntry[]; truncated: boolean }> {
  const { data } = await octokit.request('GET /repos/{owner}/{repo}/git/trees/{tree_sha}', {
    owner: ref.owner,
    repo: ref.repo,
    tree_sha: sha,
    // GitHub treats any value of `recursive` as true, so non-recursive requests leave it out.
    ...(recursive ? { recursive: '1' } : {}),
    request: { cache: 'immutable' },
  });
  return { entries: data.tree.map((entry) => ({ path: entry.path ?? '', type: entry.type ?? '', sha: entry.sha ?? '', ...(entry.size === undefined ? {} : { size: entry.size }) })), truncated: data.truncated };
}

/**
 * All blob entries under `folder` at `rootSha`: one recursive request, or a walk of subtrees when
 * GitHub truncates (each subtree tried recursively first, walked level by level only if it too is
 * truncated). Hidden folders, virtualenvs and node_modules are not walked.
 */
async function collectEntries(octokit: GitHubOctokit, ref: RepoRef, rootSha: string, folder: string | undefined): Promise<{ entries: TreeEntry[]; walked: boolean }> {
  const first = await fetchTree(octokit, ref, rootSha, true);
  if (!first.truncated) return { entries: first.entries, walked: false };
  const entries: TreeEntry[] = [];
  const relevant = (dirPath: string): boolean => isUnder(dirPath, folder) || isUnder(folder ?? '', dirPath);
  const walk = async (sha: string, prefix: string): Promise<void> => {
    const level = await fetchTree(octokit, ref, sha, false);
    const subdirs: Array<{ sha: string; path: string }> = [];
    for (const entry of level.entries) {
      const path = prefix === '' ? entry.path : `${prefix}/${entry.path}`;
      if (entry.type === 'tree') {
        if (!isSkippedDir(entry.path) && relevant(path)) subdirs.push({ sha: entry.sha, path });
      } else entries.push({ ...entry, path });
    }
    await Promise.all(
      subdirs.map(async (dir) => {
        const sub = await fetchTree(octokit, ref, dir.sha, true);
        if (sub.truncated) return walk(dir.sha, dir.path);
        for (const entry of sub.entries) entries.push({ ...entry, path: `${dir.path}/${entry.path}` });
      }),
    );
  };
  await walk(rootSha, '');
  return { entries, walked: true };
}

function buildTree(ref: RepoRef, gitRef: string, commitSha: string, entries: TreeEntry[], walked: boolean, folder: string | undefined): MigrationTree {
  const blobs = new Map<string, TreeEntry>();
  for (const entry of entries) if (entry.type === 'blob') blobs.set(entry.path, entry);
  const migrations: MigrationEntry[] = [];
  const apps = new Map<string, AppFolder>();
  for (const entry of blobs.values()) {
    if (!isMigrationPath(entry.path) || !isUnder(entry.path, folder)) continue;
    const appPath = appPathOf(entry.path);
    let app = apps.get(appPath);
    if (app === undefined) {
      const appsPy = blobs.get(appsPyPathOf(appPath));
      const folderLabel = folderLabelOf(appPath);
      app = { path: appPath, folderLabel, label: folderLabel, labelSource: 'folder', appsPy: appsPy ? { path: appsPy.path, sha: appsPy.sha, size: appsPy.size ?? 0 } : null, migrations: 0 };
      apps.set(appPath, app);
    }
    app.migrations += 1;
    migrations.push({ path: entry.path, appPath, app: app.label, name: migrationNameOf(entry.path), sha: entry.sha, size: entry.size ?? 0 });
  }
  migrations.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const appList = [...apps.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { owner: ref.owner, repo: ref.repo, ref: gitRef, commitSha, migrations, apps: appList, walked, skipped: [] };
}

/** Apply a new label to an app folder and its migrations. */
export function setAppLabel(tree: MigrationTree, app: AppFolder, label: string, source: AppFolder['labelSource']): void {
  app.label = label;
  app.labelSource = source;
  for (const migration of tree.migrations) if (migration.appPath === app.path) migration.app = label;
}

/**
 * The `label` each apps.py declares (null when it declares none or could not be read), read by blob
 * sha through the cache. Keys are app folder paths.
 */
export async function readAppsPyLabels(
  t: GitHubTransport,
  ref: RepoRef,
  appsPys: ReadonlyArray<{ appPath: string; path: string; sha: string; size?: number }>,
  skipped: SkippedFile[],
): Promise<Map<string, string | null>> {
  const labels = new Map<string, string | null>();
  if (appsPys.length === 0) return labels;
  const read = await readBlobs(t, ref, appsPys);
  skipped.push(...read.skipped);
  if (read.files.length > 0) await t.parserReady();
  const textByPath = new Map(read.files.map((file) => [file.path, file.text]));
  for (const appsPy of appsPys) {
    const text = textByPath.get(appsPy.path);
    labels.set(appsPy.appPath, text === undefined ? null : parseAppConfigLabel(text));
  }
  return labels;
}

/** Read the apps.py of `apps` and apply each declared `label` to the tree. */
async function applyAppsPyLabels(t: GitHubTransport, tree: MigrationTree, apps: readonly AppFolder[]): Promise<void> {
  const appsPys = apps.flatMap((app) => (app.appsPy === null ? [] : [{ appPath: app.path, ...app.appsPy }]));
  const labels = await readAppsPyLabels(t, tree, appsPys, tree.skipped);
  for (const app of apps) {
    const label = labels.get(app.path);
    if (label !== undefined && label !== null && label !== app.folderLabel) setAppLabel(tree, app, label, 'apps.py');
  }
}

/** Built trees kept per client: each question re-resolves the ref, but an unchanged commit is not rebuilt. */
const MAX_BUILT_TREES = 16;

export async function listMigrationFiles(t: GitHubTransport, input: ListMigrationFilesInput): Promise<MigrationTree> {
  const ref: RepoRef = { owner: input.owner, repo: input.repo };
  const octokit = await t.octokitFor(ref);
  const gitRef = input.ref ?? 'HEAD';
  const commitSha = await resolveCommitSha(t, octokit, ref, gitRef);
  // Copies in and out: callers relabel apps in place (setAppLabel).
  const key = [`${ref.owner}/${ref.repo}`.toLowerCase(), commitSha, input.path ?? '', input.readLabels !== false].join('\u0000');
  const built = t.builtTrees.get(key);
  if (built !== undefined) return { ...structuredClone(built), owner: ref.owner, repo: ref.repo, ref: gitRef };
  const tree = await buildMigrationTree(t, octokit, ref, gitRef, commitSha, input);
  // A tree with an unread apps.py may label differently next time: build it again then.
  if (tree.skipped.length === 0) t.builtTrees.set(key, structuredClone(tree));
  for (const oldest of t.builtTrees.keys()) {
    if (t.builtTrees.size <= MAX_BUILT_TREES) break;
    t.builtTrees.delete(oldest);
  }
  return tree;
}

async function buildMigrationTree(t: GitHubTransport, octokit: GitHubOctokit, ref: RepoRef, gitRef: string, commitSha: string, input: ListMigrationFilesInput): Promise<MigrationTree> {
  let collected: { entries: TreeEntry[]; walked: boolean };
  try {
    collected = await collectEntries(octokit, ref, commitSha, input.path);
  } catch (error) {
    throw t.translate(error, { repo: ref });
  }
  const tree = buildTree(ref, gitRef, commitSha, collected.entries, collected.walked, input.path);
  if (input.readLabels !== false) await applyAppsPyLabels(t, tree, tree.apps);
  return tree;
}

/** One blob through REST (`GET …/git/blobs/{sha}`): the fallback where GraphQL cannot serve it. */
async function readBlobByRest(t: GitHubTransport, octokit: GitHubOctokit, ref: RepoRef, sha: string, maxBytes: number): Promise<BlobOutcome> {
  let bytes: Buffer;
  try {
    const { data } = await octokit.request('GET /repos/{owner}/{repo}/git/blobs/{file_sha}', { owner: ref.owner, repo: ref.repo, file_sha: sha, request: { cache: 'none' } });
    bytes = Buffer.from(data.content, data.encoding === 'base64' ? 'base64' : 'utf8');
  } catch (error) {
    if (isHttpError(error) && (error.status === 404 || error.status === 422)) return { kind: 'missing' };
    throw t.translate(error, { repo: ref });
  }
  if (bytes.length > maxBytes) return { kind: 'skip', reason: 'too-large', size: bytes.length };
  const decoded = decodeText(bytes);
  if ('reason' in decoded) return { kind: 'skip', reason: decoded.reason, size: bytes.length };
  return { kind: 'text', text: decoded.text, size: bytes.length };
}

type BlobEntry = { path: string; sha: string; size?: number };

/**
 * File contents by blob sha, in the order given. Cached blobs cost nothing; files over `maxBytes`
 * (known from the tree's size) are skipped before any request; the rest are read in batched GraphQL
 * queries (one per `blobsPerQuery` files), or one REST call each where GraphQL is not available.
 * Binary and non-UTF-8 files are skipped with a note. Auth and rate-limit failures throw; a single
 * unreadable blob is skipped.
 *
 * `alongside`: blobs worth having in the cache (e.g. apps.py files a label may need) that are read
 * only when they fit into a query sent anyway; they are not part of the result.
 */
export async function readBlobs(
  t: GitHubTransport,
  ref: RepoRef,
  entries: ReadonlyArray<BlobEntry>,
  options: { maxBytes?: number; alongside?: ReadonlyArray<BlobEntry> } = {},
): Promise<ReadResult> {
  t.allowlist.check(ref);
  const maxBytes = options.maxBytes ?? t.maxFileBytes;
  const { results, wanted } = answerFromCache(t, entries, maxBytes);
  if (wanted.size > 0) {
    const outcomes = await downloadBlobs(t, ref, wanted, options.alongside ?? [], maxBytes);
    for (const [index, entry] of entries.entries()) {
      if (results[index] !== undefined) continue;
      const outcome = outcomes.get(entry.sha) ?? { kind: 'missing' };
      if (outcome.kind === 'text') results[index] = { file: { path: entry.path, sha: entry.sha, text: outcome.text, size: outcome.size } };
      else if (outcome.kind === 'skip') results[index] = { skipped: skippedNote(entry.path, outcome.reason, { size: outcome.size, maxBytes }) };
      else results[index] = { skipped: skippedNote(entry.path, 'unreadable') };
    }
  }
  const files: RepoFile[] = [];
  const skipped: SkippedFile[] = [];
  for (const result of results) {
    if (result?.file) files.push(result.file);
    if (result?.skipped) skipped.push(result.skipped);
  }
  return { files, skipped };
}

type BlobResult = { file?: RepoFile; skipped?: SkippedFile };

/** Blobs known not to be text; one too large for a smaller cap may still fit this one. */
function knownSkip(t: GitHubTransport, entry: BlobEntry, maxBytes: number) {
  const skip = t.skippedBlobs.get(entry.sha);
  return skip !== undefined && (skip.reason !== 'too-large' || skip.size > maxBytes) ? skip : undefined;
}

/** What is known without a request (too large by the tree's size, cached, known not to be text), and the shas left to download. */
function answerFromCache(t: GitHubTransport, entries: ReadonlyArray<BlobEntry>, maxBytes: number): { results: BlobResult[]; wanted: Map<string, BlobWanted> } {
  const results: BlobResult[] = [];
  // Read each sha once, however many paths share it.
  const wanted = new Map<string, BlobWanted>();
  for (const [index, entry] of entries.entries()) {
    if (entry.size !== undefined && entry.size > maxBytes) {
      results[index] = { skipped: skippedNote(entry.path, 'too-large', { size: entry.size, maxBytes }) };
      continue;
    }
    const cached = t.blobs.get(entry.sha);
    if (cached !== undefined) {
      t.counters.cacheHits += 1;
      results[index] = { file: { path: entry.path, sha: entry.sha, text: cached, size: Buffer.byteLength(cached) } };
      continue;
    }
    const skip = knownSkip(t, entry, maxBytes);
    if (skip !== undefined) {
      results[index] = { skipped: skippedNote(entry.path, skip.reason, { size: skip.size, maxBytes }) };
      continue;
    }
    if (!wanted.has(entry.sha)) wanted.set(entry.sha, { sha: entry.sha, ...(entry.size === undefined ? {} : { size: entry.size }) });
  }
  return { results, wanted };
}

/** GraphQL first where usable (with `alongside` blobs filling spare room), REST for whatever it leaves. */
async function downloadBlobs(t: GitHubTransport, ref: RepoRef, wanted: Map<string, BlobWanted>, alongside: ReadonlyArray<BlobEntry>, maxBytes: number): Promise<Map<string, BlobOutcome>> {
  const octokit = await t.octokitFor(ref);
  const extras = alongside.filter((entry) => !wanted.has(entry.sha) && !(entry.size !== undefined && entry.size > maxBytes) && knownSkip(t, entry, maxBytes) === undefined && t.blobs.get(entry.sha) === undefined);
  const outcomes = (t.graphql.usable() ? await readBlobsByGraphQL(t, octokit, ref, [...wanted.values()], extras, maxBytes) : null) ?? new Map<string, BlobOutcome>();
  const viaRest = [...wanted.keys()].filter((sha) => (outcomes.get(sha) ?? { kind: 'rest' }).kind === 'rest');
  await Promise.all(
    viaRest.map(async (sha) => {
      const outcome = await readBlobByRest(t, octokit, ref, sha, maxBytes);
      outcomes.set(sha, outcome);
      rememberOutcome(t, sha, outcome);
    }),
  );
  return outcomes;
}

interface ContentsFile {
  type: string;
  path: string;
  sha: string;
  size: number;
  content?: string;
  encoding?: string;
}

/** One file for the model's read tool: size-capped, text only, with clear errors. */
export async function readFile(t: GitHubTransport, input: ReadFileInput): Promise<ReadFileResult> {
  const ref: RepoRef = { owner: input.owner, repo: input.repo };
  const path = input.path.replace(/^\/+/, '').replace(/\/+$/, '');
  const maxBytes = input.maxBytes ?? t.maxFileBytes;
  const at = input.ref === undefined ? '' : ` at ${input.ref}`;
  if (path === '' || path.split('/').some((part) => part === '..' || part === '.')) {
    throw new AppError('github_not_found', `"${input.path}" is not a file path in ${ref.owner}/${ref.repo}; give a path like app/migrations/0001_initial.py.`);
  }
  const octokit = await t.octokitFor(ref);
  let data: unknown;
  try {
    ({ data } = await octokit.request('GET /repos/{owner}/{repo}/contents/{path}', { owner: ref.owner, repo: ref.repo, path, ...(input.ref === undefined ? {} : { ref: input.ref }) }));
  } catch (error) {
    throw t.translate(error, { repo: ref, notFound: `${path}${at} in ${ref.owner}/${ref.repo}` });
  }
  if (Array.isArray(data)) {
    const names = data.slice(0, 30).map((item: { name?: string; type?: string }) => `${item.name ?? '?'}${item.type === 'dir' ? '/' : ''}`);
    throw new AppError('github_not_found', `${path} is a folder in ${ref.owner}/${ref.repo}, not a file. It holds: ${names.join(', ')}${data.length > 30 ? ', …' : ''}.`);
  }
  const file = data as ContentsFile;
  if (file.type !== 'file') return { ok: false, skipped: skippedNote(path, 'unreadable') };
  if (file.size > maxBytes) return { ok: false, skipped: skippedNote(path, 'too-large', { size: file.size, maxBytes }) };
  const cached = t.blobs.get(file.sha);
  if (cached !== undefined) return { ok: true, file: { path, sha: file.sha, text: cached, size: Buffer.byteLength(cached) } };
  if (file.encoding !== 'base64' || file.content === undefined) {
    // Contents over 1 MB come without inline content; the blob endpoint still serves them.
    const read = await readBlobs(t, ref, [{ path, sha: file.sha, size: file.size }], { maxBytes });
    if (read.files[0]) return { ok: true, file: read.files[0] };
    return { ok: false, skipped: read.skipped[0] ?? skippedNote(path, 'unreadable') };
  }
  const decoded = decodeText(Buffer.from(file.content, 'base64'));
  if ('reason' in decoded) return { ok: false, skipped: skippedNote(path, decoded.reason) };
  t.blobs.set(file.sha, decoded.text);
  return { ok: true, file: { path, sha: file.sha, text: decoded.text, size: Buffer.byteLength(decoded.text) } };
}
