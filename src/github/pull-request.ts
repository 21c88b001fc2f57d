/**
 * Pull requests: the PR, its changed files, and the review context the engine runs on.
 *
 * Request budget for a cold review (token auth): get PR and list files (one call per page of files, sent
 * together) + the base tree at the base sha (one call) + the contents of the PR's migration files and of the
 * touched apps' base migrations, read together in GraphQL queries of many uncached blobs each
 * (graphql-blobs.ts); `npm run bench:github` prints what that comes to per PR size. App
 * labels come from the migrations' own dependencies (`('accounts', '0041_x')` next to `0041_x.py`
 * names the label); the apps.py files that may be needed instead ride along in the same query, so a
 * lone `0001_initial` costs nothing more. Where GraphQL is unavailable each blob is one REST call.
 * Blobs are cached by sha, so each is downloaded once, ever. A warm review (nothing changed) is two
 * 304s (PR, files) and cache hits, which cost no rate limit.
 */
import { parseMigration } from '../engine/index.js';
import type { GitHubOctokit, GitHubTransport } from './transport.js';
import { appPathOf, appsPyPathOf, folderLabelOf, isMigrationPath, migrationNameOf } from './paths.js';
import { listMigrationFiles, readAppsPyLabels, readBlobs, setAppLabel } from './repo-reader.js';
import type {
  AppFolder,
  GitHubRequestStats,
  LoadReviewContextOptions,
  MigrationEntry,
  MigrationTree,
  PullRequestFile,
  PullRequestFileStatus,
  PullRequestInfo,
  PullRequestRef,
  RepoFile,
  ReviewContext,
  ReviewFile,
  SkippedFile,
} from './types.js';

const DEFAULT_MAX_BASE_FILES_PER_APP = 300;

function prName(ref: PullRequestRef): string {
  return `pull request ${ref.owner}/${ref.repo}#${ref.number}`;
}

export async function getPullRequest(t: GitHubTransport, ref: PullRequestRef): Promise<PullRequestInfo> {
  const octokit = await t.octokitFor(ref);
  try {
    const { data } = await octokit.request('GET /repos/{owner}/{repo}/pulls/{pull_number}', { owner: ref.owner, repo: ref.repo, pull_number: ref.number });
    return {
      owner: ref.owner,
      repo: ref.repo,
      number: data.number,
      title: data.title,
      state: data.state === 'closed' ? 'closed' : 'open',
      merged: data.merged === true || (data.merged_at ?? null) !== null,
      draft: data.draft === true,
      author: data.user?.login ?? null,
      url: data.html_url,
      base: { ref: data.base.ref, sha: data.base.sha, repo: data.base.repo?.full_name ?? `${ref.owner}/${ref.repo}` },
      head: { ref: data.head.ref, sha: data.head.sha, repo: data.head.repo?.full_name ?? `${ref.owner}/${ref.repo}` },
    };
  } catch (error) {
    throw t.translate(error, { repo: ref, notFound: prName(ref) });
  }
}

async function paginateFiles(octokit: GitHubOctokit, ref: PullRequestRef): Promise<PullRequestFile[]> {
  // GitHub caps the files it lists per PR; the largest page keeps the number of requests small.
  const files = await octokit.paginate('GET /repos/{owner}/{repo}/pulls/{pull_number}/files', { owner: ref.owner, repo: ref.repo, pull_number: ref.number, per_page: 100 });
  return files.map((file) => ({
    path: file.filename,
    status: file.status as PullRequestFileStatus,
    previousPath: file.previous_filename ?? null,
    sha: file.sha || null,
    additions: file.additions,
    deletions: file.deletions,
  }));
}

export async function listPullRequestFiles(t: GitHubTransport, ref: PullRequestRef): Promise<PullRequestFile[]> {
  const octokit = await t.octokitFor(ref);
  try {
    return await paginateFiles(octokit, ref);
  } catch (error) {
    throw t.translate(error, { repo: ref, notFound: prName(ref) });
  }
}

/** The PR's migration files: any status, including renames into or out of a migrations folder. */
export function pickMigrationFiles(files: readonly PullRequestFile[]): PullRequestFile[] {
  return files.filter((file) => isMigrationPath(file.path) || (file.previousPath !== null && isMigrationPath(file.previousPath)));
}

function diffStats(after: GitHubRequestStats, before: GitHubRequestStats): GitHubRequestStats {
  return {
    requests: after.requests - before.requests,
    notModified: after.notModified - before.notModified,
    cacheHits: after.cacheHits - before.cacheHits,
    billable: after.billable - before.billable,
    graphqlQueries: after.graphqlQueries - before.graphqlQueries,
  };
}

/**
 * The label a folder's migrations use for themselves: a dependency `(label, name)` where `name` is a
 * migration in the same folder. Returns null when they disagree or say nothing (then apps.py decides).
 */
function labelFromDependencies(texts: readonly RepoFile[], namesInFolder: ReadonlySet<string>): string | null {
  const votes = new Map<string, number>();
  for (const file of texts) {
    const parsed = parseMigration(file.text, { path: file.path });
    for (const dependency of parsed.dependencies) {
      if (!('app' in dependency) || !namesInFolder.has(dependency.name)) continue;
      votes.set(dependency.app, (votes.get(dependency.app) ?? 0) + 1);
    }
  }
  const ranked = [...votes.entries()].sort((a, b) => b[1] - a[1]);
  const [first, second] = ranked;
  if (first === undefined) return null;
  // A foreign dependency can share a name with one of ours (`('auth', '0001_initial')`): only a clear majority counts.
  if (second !== undefined && first[1] < second[1] * 2) return null;
  return first[0];
}

/** Head dependencies on first-party apps that name no known migration (by name, across the whole base tree). */
function findUnresolvedDependencies(headFiles: readonly ReviewFile[], base: readonly MigrationEntry[]): ReviewContext['unresolvedDependencies'] {
  const known = new Set<string>();
  const firstParty = new Set<string>();
  for (const entry of [...base, ...headFiles]) {
    known.add(`${entry.app}\u0000${entry.name}`);
    firstParty.add(entry.app);
  }
  const unresolved: ReviewContext['unresolvedDependencies'] = [];
  for (const file of headFiles) {
    for (const dependency of parseMigration(file.text, { path: file.path, appLabel: file.app }).dependencies) {
      if (!('app' in dependency) || dependency.name === '__first__' || dependency.name === '__latest__') continue;
      if (!firstParty.has(dependency.app) || known.has(`${dependency.app}\u0000${dependency.name}`)) continue;
      unresolved.push({ path: file.path, line: dependency.line, app: dependency.app, name: dependency.name });
    }
  }
  return unresolved;
}

/** Where an app's apps.py is, as the PR leaves it (null when the PR removes it or there is none). */
type AppsPyBlob = { appPath: string; path: string; sha: string; size?: number };
type AppLabels = Map<string, { label: string; source: AppFolder['labelSource'] }>;

export async function loadReviewContext(t: GitHubTransport, ref: PullRequestRef, options: LoadReviewContextOptions = {}): Promise<ReviewContext> {
  const before = { ...t.counters };
  const [pullRequest, changedFiles] = await Promise.all([getPullRequest(t, ref), listPullRequestFiles(t, ref)]);
  const migrationChanges = pickMigrationFiles(changedFiles);
  const skipped: SkippedFile[] = [];
  if (migrationChanges.length === 0) return noMigrationsContext(pullRequest, changedFiles, skipped, diffStats(t.counters, before));

  const headChanges = migrationChanges.filter((file) => file.status !== 'removed' && isMigrationPath(file.path));
  for (const file of headChanges) if (file.sha === null) skipped.push({ path: file.path, reason: 'unreadable', note: `GitHub gave no content id for ${file.path}, so I did not read it.` });
  const baseTree = await listMigrationFiles(t, { owner: ref.owner, repo: ref.repo, ref: options.baseAt === 'branch-tip' ? pullRequest.base.ref : pullRequest.base.sha, readLabels: false });
  const replaced = replacedBasePaths(migrationChanges);
  const touchedPaths = new Set(migrationChanges.flatMap((file) => [file.path, ...(file.previousPath === null ? [] : [file.previousPath])]).filter(isMigrationPath).map(appPathOf));
  const { toRead, baseNamesOnly } = chooseBaseReads(baseTree.migrations, replaced, touchedPaths, options);

  const appsByPath = new Map<string, AppFolder>(baseTree.apps.map((app) => [app.path, app]));
  const appsPyOf = appsPyLocator(changedFiles, appsByPath);
  const headEntries = headChanges.flatMap((file) => (file.sha === null ? [] : [{ path: file.path, sha: file.sha }]));
  const { headRead, baseRead } = await readHeadAndBase(t, ref, headEntries, toRead, labelCandidates(touchedPaths, baseTree, options).flatMap((appPath) => appsPyOf(appPath) ?? []), skipped);

  await t.parserReady();
  const labels = await resolveAppLabels(t, ref, { baseTree, replaced, touchedPaths, headRead, baseRead, appsPyOf, readAllAppLabels: options.readAllAppLabels === true, skipped });
  const labelOf = (appPath: string): string => labels.get(appPath)?.label ?? folderLabelOf(appPath);
  for (const [appPath, { label, source }] of labels) {
    const app = appsByPath.get(appPath);
    if (app !== undefined && label !== app.folderLabel) setAppLabel(baseTree, app, label, source);
  }
  const toReview = (file: RepoFile): ReviewFile => {
    const appPath = appPathOf(file.path);
    return { ...file, appPath, app: labelOf(appPath), name: migrationNameOf(file.path) };
  };
  const headFiles = headRead.map(toReview);
  const baseFiles = baseRead.map(toReview);

  return {
    pullRequest,
    changedFiles,
    migrationChanges,
    headFiles,
    baseTree,
    baseFiles,
    baseNamesOnly,
    touchedApps: [...new Set([...touchedPaths].map(labelOf))].sort(),
    unresolvedDependencies: findUnresolvedDependencies(headFiles, baseTree.migrations.filter((entry) => !replaced.has(entry.path))),
    skipped,
    engineInput: { sources: engineSources([...baseFiles, ...headFiles]), targets: headFiles.map((file) => file.path) },
    requests: diffStats(t.counters, before),
  };
}

function noMigrationsContext(pullRequest: PullRequestInfo, changedFiles: PullRequestFile[], skipped: SkippedFile[], requests: GitHubRequestStats): ReviewContext {
  return {
    pullRequest,
    changedFiles,
    migrationChanges: [],
    headFiles: [],
    baseTree: null,
    baseFiles: [],
    baseNamesOnly: [],
    touchedApps: [],
    unresolvedDependencies: [],
    skipped,
    engineInput: { sources: [], targets: [] },
    requests,
  };
}

/** Base paths the PR rewrites, removes or renames away: the head version (or nothing) replaces them. */
function replacedBasePaths(migrationChanges: readonly PullRequestFile[]): Set<string> {
  const replaced = new Set<string>();
  for (const file of migrationChanges) {
    replaced.add(file.path);
    if (file.previousPath !== null) replaced.add(file.previousPath);
  }
  return replaced;
}

/** Base migrations whose contents are read (the touched apps', newest first, up to the per-app cap) and those known by name only. */
function chooseBaseReads(
  migrations: readonly MigrationEntry[],
  replaced: ReadonlySet<string>,
  touchedPaths: ReadonlySet<string>,
  options: LoadReviewContextOptions,
): { toRead: MigrationEntry[]; baseNamesOnly: MigrationEntry[] } {
  const baseContents = options.baseContents ?? 'touched-apps';
  const maxPerApp = options.maxBaseFilesPerApp ?? DEFAULT_MAX_BASE_FILES_PER_APP;
  const baseNamesOnly: MigrationEntry[] = [];
  const toRead: MigrationEntry[] = [];
  const perApp = new Map<string, MigrationEntry[]>();
  for (const entry of migrations) {
    if (replaced.has(entry.path)) continue;
    if (baseContents === 'touched-apps' && touchedPaths.has(entry.appPath)) {
      const list = perApp.get(entry.appPath) ?? [];
      list.push(entry);
      perApp.set(entry.appPath, list);
    } else baseNamesOnly.push(entry);
  }
  for (const list of perApp.values()) {
    // Newest first: the leaves and their parents matter most for conflicts and state near the PR.
    list.sort((a, b) => (a.name < b.name ? 1 : a.name > b.name ? -1 : 0));
    toRead.push(...list.slice(0, maxPerApp));
    baseNamesOnly.push(...list.slice(maxPerApp));
  }
  return { toRead, baseNamesOnly };
}

/** An app's apps.py as the PR leaves it: the PR's version when it changes the file, the base tree's otherwise. */
function appsPyLocator(changedFiles: readonly PullRequestFile[], appsByPath: ReadonlyMap<string, AppFolder>): (appPath: string) => AppsPyBlob | null {
  return (appPath) => {
    const changed = changedFiles.find((file) => file.path === appsPyPathOf(appPath));
    if (changed !== undefined) return changed.status === 'removed' || changed.sha === null ? null : { appPath, path: changed.path, sha: changed.sha };
    const appsPy = appsByPath.get(appPath)?.appsPy;
    return appsPy ? { appPath, ...appsPy } : null;
  };
}

/** Apps whose apps.py may be needed for a label: the touched ones, and all of them when asked. */
function labelCandidates(touchedPaths: ReadonlySet<string>, baseTree: MigrationTree, options: LoadReviewContextOptions): string[] {
  return [...touchedPaths, ...(options.readAllAppLabels === true ? baseTree.apps.map((app) => app.path).filter((path) => !touchedPaths.has(path)) : [])];
}

/**
 * Head files and base history in one read: with GraphQL, one query per batch of uncached files. The
 * apps.py files a label may need ride along when there is room in a query anyway.
 */
async function readHeadAndBase(
  t: GitHubTransport,
  ref: PullRequestRef,
  headEntries: ReadonlyArray<{ path: string; sha: string }>,
  toRead: readonly MigrationEntry[],
  alongside: AppsPyBlob[],
  skipped: SkippedFile[],
): Promise<{ headRead: RepoFile[]; baseRead: RepoFile[] }> {
  const read = await readBlobs(t, ref, [...headEntries, ...toRead], { alongside });
  skipped.push(...read.skipped);
  const headPaths = new Set(headEntries.map((entry) => entry.path));
  return { headRead: read.files.filter((file) => headPaths.has(file.path)), baseRead: read.files.filter((file) => !headPaths.has(file.path)) };
}

/** App labels of the touched folders: dependencies first, apps.py (base, or as the PR changes it) otherwise. */
async function resolveAppLabels(
  t: GitHubTransport,
  ref: PullRequestRef,
  input: {
    baseTree: MigrationTree;
    replaced: ReadonlySet<string>;
    touchedPaths: ReadonlySet<string>;
    headRead: readonly RepoFile[];
    baseRead: readonly RepoFile[];
    appsPyOf: (appPath: string) => AppsPyBlob | null;
    readAllAppLabels: boolean;
    skipped: SkippedFile[];
  },
): Promise<AppLabels> {
  const { baseTree, replaced, touchedPaths, headRead, baseRead } = input;
  const labels: AppLabels = new Map();
  const needAppsPy: AppsPyBlob[] = [];
  for (const appPath of touchedPaths) {
    const names = new Set<string>([
      ...baseTree.migrations.filter((entry) => entry.appPath === appPath && !replaced.has(entry.path)).map((entry) => entry.name),
      ...headRead.filter((file) => appPathOf(file.path) === appPath).map((file) => migrationNameOf(file.path)),
    ]);
    const texts = [...headRead, ...baseRead].filter((file) => appPathOf(file.path) === appPath);
    const inferred = labelFromDependencies(texts, names);
    if (inferred !== null) {
      labels.set(appPath, { label: inferred, source: inferred === folderLabelOf(appPath) ? 'folder' : 'dependency' });
      continue;
    }
    const appsPy = input.appsPyOf(appPath);
    if (appsPy !== null) needAppsPy.push(appsPy);
  }
  if (input.readAllAppLabels) {
    for (const app of baseTree.apps) if (!touchedPaths.has(app.path) && app.appsPy !== null) needAppsPy.push({ appPath: app.path, ...app.appsPy });
  }
  // Usually cache hits: they came with the migrations.
  const declared = await readAppsPyLabels(t, ref, needAppsPy, input.skipped);
  for (const [appPath, label] of declared) if (label !== null) labels.set(appPath, { label, source: 'apps.py' });
  return labels;
}

/** What the engine reads: each file, with its app label where it differs from the folder name. */
function engineSources(files: readonly ReviewFile[]): ReviewContext['engineInput']['sources'] {
  return files.map((file) => ({
    path: file.path,
    text: file.text,
    ...(file.app === folderLabelOf(file.appPath) ? {} : { appLabel: file.app }),
  }));
}
