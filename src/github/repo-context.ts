/**
 * A repository "in play" for one answer: the channel's linked repo (branch, folder) or a pull
 * request's head. Reads go through the GitHub client (allowlist, caches by sha, ETags); the tree is
 * listed once per scope and shared by the tools, the grounders and the graph.
 */
import { buildGraph, initParser, parseMigration } from '../engine/index.js';
import type { GraphReport, MigrationFile } from '../engine/index.js';
import { AppError } from '../errors.js';
import type { GitHub } from './client.js';
import { isMigrationPath } from './paths.js';
import { formatRepo } from './refs.js';
import type { MigrationEntry, MigrationTree, PullRequestFile, RepoFile, RepoRef, ReviewFile, SkippedFile } from './types.js';

/** Most migrations read for one graph or analysis (newest first per app); blobs are cached by sha. */
const MAX_FILES_PER_APP = 300;

export interface PullRequestScope {
  number: number;
  title: string;
  baseRef: string;
  baseSha: string;
  headSha: string;
  migrationChanges: PullRequestFile[];
  headFiles: ReviewFile[];
}

export interface RepoScope {
  repo: RepoRef;
  /** Branch, tag or sha to read; undefined = the default branch. */
  ref?: string;
  /** Folder to look under; undefined = the whole repository. */
  path?: string;
  /** For people and the model: `acme/shop@main`, `acme/shop#7 (head)`. */
  label: string;
  pullRequest?: PullRequestScope;
}

/** A repository link as the channel stores it. */
export interface LinkedRepo {
  repo: string;
  branch: string | null;
  path: string | null;
}

export interface LinkCheck {
  repo: RepoRef;
  /** As typed, or null for the default branch. */
  branch: string | null;
  path: string | null;
  commitSha: string;
  migrations: number;
  apps: number;
}

/** A scope for a stored link; null when the stored text is not a repository. */
export function scopeForLink(github: GitHub, link: LinkedRepo): RepoScope | null {
  const repo = github.parseRepo(link.repo);
  if (repo === null) return null;
  return {
    repo,
    ...(link.branch === null ? {} : { ref: link.branch }),
    ...(link.path === null ? {} : { path: link.path }),
    label: `${formatRepo(repo)}${link.branch === null ? '' : `@${link.branch}`}${link.path === null ? '' : ` (${link.path})`}`,
  };
}

/** A `link` request read and allowlisted, before any request to GitHub. Throws AppError saying what to fix. */
export function parseLinkRequest(github: GitHub, input: { repo: string; branch: string | null; path: string | null }): { repo: RepoRef; branch: string | null; path: string | null } {
  const repo = github.parseRepo(input.repo);
  if (repo === null) {
    throw new AppError('github_not_found', `"${input.repo}" is not a GitHub repository; write it as owner/repo (or paste its URL).`);
  }
  github.allowlist.check(repo);
  const path = input.path === null ? null : input.path.replace(/^\/+|\/+$/g, '');
  return { repo, branch: input.branch, path: path || null };
}

/**
 * Validate a `link` request: parse and allowlist it, then prove the repo and branch are readable by
 * listing the migration tree at that ref (the commit lookup plus one recursive tree call; the tree is
 * cached by sha, so the first question after linking reuses it).
 */
export async function checkLink(github: GitHub, input: { repo: string; branch: string | null; path: string | null }): Promise<LinkCheck> {
  const { repo, branch, path } = parseLinkRequest(github, input);
  const tree = await github.listMigrationFiles({ ...repo, ...(branch === null ? {} : { ref: branch }), ...(path === null ? {} : { path }), readLabels: false });
  return { repo, branch, path, commitSha: tree.commitSha, migrations: tree.migrations.length, apps: tree.apps.length };
}

/**
 * The targets parsed with the rest of their apps (and of `apps`) as context; targets beyond the newest
 * files of a long app are read too, so each target is always among the files.
 */
export async function parsedWithContext(
  reader: ScopeReader,
  targets: readonly MigrationEntry[],
  apps: readonly string[] = [],
): Promise<{ files: MigrationFile[]; skipped: SkippedFile[]; truncated: string[] }> {
  const context = await reader.parsedApps([...targets.map((entry) => entry.app), ...apps]);
  const missing = targets.filter((entry) => !context.files.some((file) => file.path === entry.path));
  const extra = missing.length > 0 ? await reader.readEntries(missing) : { files: [], skipped: [] };
  const files = [...context.files, ...extra.files.map((file) => parseMigration(file.text, { path: file.path, appLabel: file.app }))];
  return { files, skipped: [...context.skipped, ...extra.skipped], truncated: context.truncated };
}

/** Memoised reads of one scope, for one answer. */
export interface ScopeReader {
  readonly scope: RepoScope;
  tree(): Promise<MigrationTree>;
  /** Tree entries of an app, by label or folder path (case-insensitive). */
  appEntries(app: string): Promise<MigrationEntry[]>;
  /** A migration by path, `app/name`, `app.name` or bare name (when unique). */
  findMigration(reference: string): Promise<MigrationEntry | undefined>;
  /** Contents by blob sha (cached forever). */
  readEntries(entries: readonly MigrationEntry[]): Promise<{ files: Array<RepoFile & { app: string }>; skipped: SkippedFile[] }>;
  /** Parsed migrations of these apps (newest MAX_FILES_PER_APP each) for the graph and state replay. */
  parsedApps(apps: readonly string[]): Promise<{ files: MigrationFile[]; skipped: SkippedFile[]; truncated: string[] }>;
  /** Graph of these apps (all apps when none given). */
  graph(apps?: readonly string[]): Promise<GraphReport>;
}

export function createScopeReader(github: GitHub, scope: RepoScope): ScopeReader {
  const tree = memoisedTree(github, scope);
  const parse = memoisedParse();

  const appEntries = async (app: string): Promise<MigrationEntry[]> => {
    const wanted = app.trim().toLowerCase();
    const { migrations } = await tree();
    return migrations.filter((entry) => entry.app.toLowerCase() === wanted || entry.appPath.toLowerCase() === wanted);
  };

  const readEntries: ScopeReader['readEntries'] = async (entries) => {
    const read = await github.readBlobs(scope.repo, entries.map((entry) => ({ path: entry.path, sha: entry.sha, size: entry.size })));
    const appByPath = new Map(entries.map((entry) => [entry.path, entry.app]));
    return { files: read.files.map((file) => ({ ...file, app: appByPath.get(file.path) ?? '' })), skipped: read.skipped };
  };

  const parsedApps: ScopeReader['parsedApps'] = async (apps) => {
    const entries: MigrationEntry[] = [];
    const truncated: string[] = [];
    for (const app of new Set(apps)) {
      const ofApp = (await appEntries(app)).sort((a, b) => (a.name < b.name ? 1 : a.name > b.name ? -1 : 0));
      if (ofApp.length > MAX_FILES_PER_APP) truncated.push(app);
      entries.push(...ofApp.slice(0, MAX_FILES_PER_APP));
    }
    const read = await readEntries(entries);
    await initParser();
    return { files: read.files.map(parse), skipped: read.skipped, truncated };
  };

  return {
    scope,
    tree,
    appEntries,
    findMigration: async (reference) => findMigrationIn((await tree()).migrations, reference),
    readEntries,
    parsedApps,
    async graph(apps) {
      const { migrations } = await tree();
      const wanted = apps === undefined || apps.length === 0 ? [...new Set(migrations.map((entry) => entry.app))] : apps;
      const { files } = await parsedApps(wanted);
      return buildGraph(files).report();
    },
  };
}

/** The scope's migration tree, listed once; a failed read is not remembered, so the next tool call may succeed. */
function memoisedTree(github: GitHub, scope: RepoScope): () => Promise<MigrationTree> {
  let treePromise: Promise<MigrationTree> | undefined;
  return () => {
    if (treePromise === undefined) {
      const listing = github.listMigrationFiles({ ...scope.repo, ...(scope.ref === undefined ? {} : { ref: scope.ref }), ...(scope.path === undefined ? {} : { path: scope.path }) });
      treePromise = listing;
      listing.catch(() => {
        if (treePromise === listing) treePromise = undefined;
      });
    }
    return treePromise;
  };
}

/** Parsed migrations by path: the graph, app_graph and analyze_migrations of one answer parse each file once. */
function memoisedParse(): (file: { path: string; text: string; app: string }) => MigrationFile {
  const parsedByPath = new Map<string, MigrationFile>();
  return (file) => {
    let parsed = parsedByPath.get(file.path);
    if (parsed === undefined) {
      parsed = parseMigration(file.text, { path: file.path, appLabel: file.app });
      parsedByPath.set(file.path, parsed);
    }
    return parsed;
  };
}

/** A migration by path, `app/name`, `app.name` or bare name (when unique). */
function findMigrationIn(migrations: readonly MigrationEntry[], reference: string): MigrationEntry | undefined {
  const text = reference.trim().replace(/^\/+/, '');
  const exact = migrations.find((entry) => entry.path === text);
  if (exact) return exact;
  const match = /^(?:(.+?)[./])?(\w+?)(?:\.py)?$/.exec(text.replace(/\/migrations\//, '/'));
  if (match === null) return undefined;
  const [, app, name] = match;
  const candidates = migrations.filter((entry) => entry.name === name && (app === undefined || entry.app.toLowerCase() === app.toLowerCase() || entry.appPath.toLowerCase() === app.toLowerCase()));
  return candidates.length === 1 ? candidates[0] : undefined;
}

/** Migration names in free text (`0042_add_email`, `accounts.0042_add_email`) that exist in the tree. */
export function migrationsNamedIn(text: string, tree: MigrationTree, max: number): MigrationEntry[] {
  const names = new Set<string>();
  for (const match of text.matchAll(/(?<![\w])(\d{4}_\w+?)(?:\.py)?(?![\w])/g)) names.add(match[1] as string);
  if (names.size === 0) return [];
  const found: MigrationEntry[] = [];
  for (const entry of tree.migrations) {
    if (!names.has(entry.name)) continue;
    // The same name in several apps: keep those whose app is named in the text too, when any is.
    found.push(entry);
  }
  const withApp = found.filter((entry) => new RegExp(`\\b${escapeRegExp(entry.app)}\\b`).test(text));
  const chosen = withApp.length > 0 ? withApp : found;
  return chosen.slice(0, max);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** `shop/migrations/0042_add_email.py` → `shop/0042_add_email`; other paths unchanged. */
export function shortPath(path: string): string {
  if (!isMigrationPath(path)) return path;
  const parts = path.split('/');
  const name = (parts[parts.length - 1] as string).replace(/\.py$/, '');
  const app = parts[parts.length - 3];
  return app === undefined ? name : `${app}/${name}`;
}
