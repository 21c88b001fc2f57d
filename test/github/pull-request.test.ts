import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { analyzeSources } from '../../src/engine/index.js';
import { createGitHub, createMemoryCaches, pickMigrationFiles, type CreateGitHubOptions, type GitHub, type GitHubLogger } from '../../src/github/index.js';
import type { GitHubCaches, PullRequestFile } from '../../src/github/types.js';
import { appsPySource, createFakeGitHub, djangoProjectFiles, migrationName, migrationSource, type FakeGitHub } from '../fakes/github.js';

const TOKEN = 'ghp_testtokentesttokentesttoken0003';
const PER_APP = 20;
const repo = { owner: 'acme', repo: 'shop' };

let fake: FakeGitHub;
let caches: GitHubCaches;

function client(overrides: Partial<CreateGitHubOptions> = {}): GitHub {
  return createGitHub({ token: TOKEN, baseUrl: fake.url, allowedRepos: [], allowedOrgs: ['acme'], caches, limits: { retryBaseMs: 1, graphqlIntervalMs: 0 }, ...overrides });
}

/** A PR branch adding `count` migrations: the first in app_00, then app_01 (label `billing`), then app_00 again, … */
function openPullRequest(number: number, count: number): void {
  const files: Record<string, string> = {};
  const next: Record<string, number> = {};
  for (let i = 0; i < count; i++) {
    const folder = i % 2 === 0 ? 'app_00' : 'app_01';
    const label = folder === 'app_01' ? 'billing' : folder;
    const index = (next[folder] ?? PER_APP) + 1;
    next[folder] = index;
    files[`project/${folder}/migrations/${migrationName(index)}.py`] = migrationSource({ dependencies: [[label, migrationName(index - 1)]] });
  }
  fake.commit('acme', 'shop', `pr-${number}`, files, { from: 'main' });
  fake.addPullRequest('acme', 'shop', { number, base: 'main', head: `pr-${number}` });
}

beforeEach(async () => {
  fake = await createFakeGitHub();
  fake.addToken(TOKEN, '*');
  fake.addRepo({ ...repo, private: true });
  fake.commit('acme', 'shop', 'main', djangoProjectFiles({ apps: 5, perApp: PER_APP, labels: { app_01: 'billing' } }));
  caches = createMemoryCaches();
});
afterEach(async () => {
  await fake.close();
});

describe('pull request files', () => {
  it('lists every changed file across pages with status and blob sha', async () => {
    const changes: Record<string, string | null> = {
      'project/app_00/migrations/0002_step_2.py': migrationSource({ dependencies: [['app_00', '0001_initial']], operations: '' }),
      'project/app_02/migrations/0020_step_20.py': null,
      'README.md': null,
    };
    for (let i = 0; i < 230; i++) changes[`docs/page-${String(i).padStart(3, '0')}.md`] = `page ${i}\n`;
    fake.commit('acme', 'shop', 'big', changes, { from: 'main' });
    // A rename: same content, new path.
    const moved = djangoProjectFiles({ apps: 5, perApp: PER_APP, labels: { app_01: 'billing' } })['project/app_03/migrations/0020_step_20.py']!;
    fake.commit('acme', 'shop', 'big', { 'project/app_03/migrations/0020_step_20.py': null, 'project/app_03/migrations/0020_renamed.py': moved });
    fake.addPullRequest('acme', 'shop', { number: 7, base: 'main', head: 'big' });
    const github = client();

    const files = await github.listPullRequestFiles({ ...repo, number: 7 });

    expect(files).toHaveLength(234);
    expect(fake.counts().byRoute).toEqual({ 'pulls.files': 3 });
    const byPath = new Map(files.map((file) => [file.path, file]));
    expect(byPath.get('project/app_00/migrations/0002_step_2.py')).toMatchObject({ status: 'modified', sha: expect.stringMatching(/^[0-9a-f]{40}$/) });
    expect(byPath.get('project/app_02/migrations/0020_step_20.py')).toMatchObject({ status: 'removed' });
    expect(byPath.get('project/app_03/migrations/0020_renamed.py')).toMatchObject({ status: 'renamed', previousPath: 'project/app_03/migrations/0020_step_20.py', sha: fake.blobSha(moved) });
    expect(byPath.get('docs/page-000.md')).toMatchObject({ status: 'added' });

    expect(pickMigrationFiles(files).map((file) => `${file.status} ${file.path}`)).toEqual([
      'modified project/app_00/migrations/0002_step_2.py',
      'removed project/app_02/migrations/0020_step_20.py',
      'renamed project/app_03/migrations/0020_renamed.py',
    ]);
  });

  it('picks migrations the way Django loads them', () => {
    const file = (path: string, previousPath: string | null = null): PullRequestFile => ({ path, status: previousPath ? 'renamed' : 'added', previousPath, sha: null, additions: 1, deletions: 0 });
    const picked = pickMigrationFiles([
      file('shop/migrations/0002_a.py'),
      file('shop/migrations/__init__.py'),
      file('shop/migrations/_helpers.py'),
      file('shop/migrations/~0003.py'),
      file('shop/migrations/README.md'),
      file('shop/migrations/sub/0001.py'),
      file('shop/models.py'),
      file('.venv/lib/site-packages/x/migrations/0001_initial.py'),
      file('shop/old_0004.py', 'shop/migrations/0004_x.py'),
    ]);
    expect(picked.map((item) => item.path)).toEqual(['shop/migrations/0002_a.py', 'shop/old_0004.py']);
  });
});

describe('loadReviewContext', () => {
  it.each([1, 3, 10])('cold review with k = %i reads the full base history of the touched apps within k + 3 calls; warm costs 0 units', async (k) => {
    // Apps of 60 migrations: two touched apps' history (120 files) needs two queries of 100.
    await fake.close();
    fake = await createFakeGitHub();
    fake.addToken(TOKEN, '*');
    fake.addRepo({ ...repo, private: true });
    const perApp = 60;
    fake.commit('acme', 'shop', 'main', djangoProjectFiles({ apps: 5, perApp, labels: { app_01: 'billing' } }));
    const files: Record<string, string> = {};
    for (let i = 0; i < k; i++) {
      const folder = i % 2 === 0 ? 'app_00' : 'app_01';
      const index = perApp + 1 + Math.floor(i / 2);
      files[`project/${folder}/migrations/${migrationName(index)}.py`] = migrationSource({ dependencies: [[folder === 'app_01' ? 'billing' : folder, migrationName(index - 1)]] });
    }
    fake.commit('acme', 'shop', 'pr-1', files, { from: 'main' });
    fake.addPullRequest('acme', 'shop', { number: 1, base: 'main', head: 'pr-1' });
    const github = client();

    const cold = await github.loadReviewContext({ ...repo, number: 1 });

    const touched = k === 1 ? 1 : 2;
    const queries = Math.ceil((k + touched * perApp) / 100);
    expect(cold.headFiles).toHaveLength(k);
    expect(cold.baseFiles).toHaveLength(touched * perApp);
    expect(cold.baseNamesOnly).toHaveLength((5 - touched) * perApp);
    expect(fake.counts().requests).toBeLessThanOrEqual(k + 3);
    expect(fake.counts()).toMatchObject({ requests: 3 + queries, units: 3 + queries, byRoute: { 'pulls.get': 1, 'pulls.files': 1, 'git.trees': 1, graphql: queries } });
    expect(fake.counts().byRoute['git.blobs']).toBeUndefined();
    expect(cold.requests).toMatchObject({ requests: 3 + queries, billable: 3 + queries, graphqlQueries: queries });
    // Labels came from the files' own dependencies: app_01 is `billing`, and every head file reached the engine.
    expect(cold.touchedApps).toEqual(k === 1 ? ['app_00'] : ['app_00', 'billing']);
    expect(cold.engineInput.sources).toHaveLength(k + touched * perApp);
    const report = await analyzeSources(cold.engineInput.sources, { database: 'postgresql' }, { targets: cold.engineInput.targets });
    expect(report.graph.conflicts).toEqual([]);
    expect(report.graph.missing).toEqual([]);

    fake.resetCounts();
    const warm = await github.loadReviewContext({ ...repo, number: 1 });
    expect(fake.counts()).toMatchObject({ requests: 2, notModified: 2, units: 0 });
    expect(warm.requests).toMatchObject({ requests: 2, notModified: 2, billable: 0, graphqlQueries: 0 });
    expect(warm.headFiles.map((file) => file.text)).toEqual(cold.headFiles.map((file) => file.text));
    expect(warm.baseFiles).toHaveLength(touched * perApp);
  });

  it.each([1, 3])('names-only base with k = %i: one query for the head files, 4 calls cold, 0 units warm', async (k) => {
    openPullRequest(1, k);
    const github = client();

    const cold = await github.loadReviewContext({ ...repo, number: 1 }, { baseContents: 'none' });

    expect(cold.headFiles).toHaveLength(k);
    expect(cold.baseFiles).toEqual([]);
    expect(cold.baseNamesOnly).toHaveLength(5 * PER_APP);
    expect(fake.counts()).toMatchObject({ requests: 4, units: 4, byRoute: { 'pulls.get': 1, 'pulls.files': 1, 'git.trees': 1, graphql: 1 } });

    fake.resetCounts();
    await github.loadReviewContext({ ...repo, number: 1 }, { baseContents: 'none' });
    expect(fake.counts()).toMatchObject({ requests: 2, notModified: 2, units: 0 });
  });

  it('reads the touched apps base history once, ever, and hands the engine a context that shows a conflict', async () => {
    // The PR adds app_01 0021 on top of 0020; meanwhile main gained its own 0021: a conflict after merge.
    openPullRequest(2, 2);
    const hotfix = migrationSource({ dependencies: [['billing', migrationName(PER_APP)]], operations: "        migrations.RunSQL('SELECT 1', migrations.RunSQL.noop)," });
    fake.commit('acme', 'shop', 'main', { 'project/app_01/migrations/0021_hotfix.py': hotfix });
    fake.addPullRequest('acme', 'shop', { number: 3, base: 'main', head: 'pr-2' });
    const github = client();

    const context = await github.loadReviewContext({ ...repo, number: 3 });

    // k = 2 head blobs + base history of the two touched apps (20 + 21 files) + their apps.py, in one query.
    expect(fake.counts().byRoute).toEqual({ 'pulls.get': 1, 'pulls.files': 1, 'git.trees': 1, graphql: 1 });
    expect(fake.counts().graphqlObjects).toBe(2 + PER_APP + PER_APP + 1 + 2);
    expect(context.baseFiles).toHaveLength(2 * PER_APP + 1);
    expect(context.baseNamesOnly).toHaveLength(3 * PER_APP);
    expect(context.engineInput.targets).toEqual(['project/app_00/migrations/0021_step_21.py', 'project/app_01/migrations/0021_step_21.py']);
    expect(context.engineInput.sources.find((source) => source.path === 'project/app_01/migrations/0021_hotfix.py')).toMatchObject({ appLabel: 'billing' });

    const report = await analyzeSources(context.engineInput.sources, { database: 'postgresql' }, { targets: context.engineInput.targets });
    expect(report.graph.conflicts.map((conflict) => conflict.app)).toEqual(['billing']);
    expect(report.graph.missing).toEqual([]);

    fake.resetCounts();
    await github.loadReviewContext({ ...repo, number: 3 });
    expect(fake.counts()).toMatchObject({ requests: 2, notModified: 2, units: 0 });

    // The next PR on the same app and base: only its own new file is read (tree and history are cached).
    fake.commit('acme', 'shop', 'follow-up', { 'project/app_01/migrations/0022_next.py': migrationSource({ dependencies: [['billing', '0021_hotfix']] }) }, { from: 'main' });
    fake.addPullRequest('acme', 'shop', { number: 9, base: 'main', head: 'follow-up' });
    fake.resetCounts();
    const next = await github.loadReviewContext({ ...repo, number: 9 });
    expect(next.baseFiles).toHaveLength(PER_APP + 1);
    expect(fake.counts()).toMatchObject({ requests: 3, graphqlObjects: 1, byRoute: { 'pulls.get': 1, 'pulls.files': 1, graphql: 1 } });
  });

  it('reads apps.py (as the PR changes it) when a new app has nothing to say about its label', async () => {
    fake.commit('acme', 'shop', 'new-app', {
      'project/payments/__init__.py': '',
      'project/payments/apps.py': appsPySource('payments', 'pay'),
      'project/payments/migrations/__init__.py': '',
      'project/payments/migrations/0001_initial.py': migrationSource({ dependencies: [['billing', migrationName(PER_APP)]] }),
    }, { from: 'main' });
    fake.addPullRequest('acme', 'shop', { number: 4, base: 'main', head: 'new-app' });
    const github = client();

    const context = await github.loadReviewContext({ ...repo, number: 4 });

    expect(context.headFiles).toMatchObject([{ path: 'project/payments/migrations/0001_initial.py', app: 'pay', name: '0001_initial' }]);
    expect(context.touchedApps).toEqual(['pay']);
    // The apps.py came with the migration, in the same query.
    expect(fake.counts().byRoute).toEqual({ 'pulls.get': 1, 'pulls.files': 1, 'git.trees': 1, graphql: 1 });
    expect(fake.counts().graphqlObjects).toBe(2);
    // billing was not read: the engine treats it as an app outside the sources, and its 0020 exists by name.
    const report = await analyzeSources(context.engineInput.sources, { database: 'postgresql' }, { targets: context.engineInput.targets });
    expect(report.graph.missing).toEqual([]);
    expect(context.unresolvedDependencies).toEqual([]);
  });

  it('names a dependency on a migration that exists nowhere, also in apps whose contents were not read', async () => {
    fake.commit('acme', 'shop', 'typo', {
      'project/app_00/migrations/0021_fix.py': migrationSource({ dependencies: [['app_00', migrationName(PER_APP)], ['billing', '0099_nope'], ['auth', '0012_alter_user_first_name_max_length']] }),
    }, { from: 'main' });
    fake.addPullRequest('acme', 'shop', { number: 6, base: 'main', head: 'typo' });

    const github = client();

    // Untouched apps go by folder name unless their apps.py is read: `billing` is not known yet.
    const cheap = await github.loadReviewContext({ ...repo, number: 6 }, { baseContents: 'none' });
    expect(cheap.unresolvedDependencies).toEqual([]);

    fake.resetCounts();
    const context = await github.loadReviewContext({ ...repo, number: 6 }, { baseContents: 'none', readAllAppLabels: true });
    // `auth` is Django's own app (no migrations in the repo): not ours to judge.
    expect(context.unresolvedDependencies).toEqual([{ path: 'project/app_00/migrations/0021_fix.py', line: expect.any(Number), app: 'billing', name: '0099_nope' }]);
    // The other four apps' apps.py in one query (app_00's came with the first review).
    expect(fake.counts()).toMatchObject({ graphqlObjects: 4, byRoute: { graphql: 1 } });
  });

  it('compares with the base branch tip when asked, seeing migrations merged after the PR was opened', async () => {
    openPullRequest(8, 2);
    const hotfix = migrationSource({ dependencies: [['billing', migrationName(PER_APP)]], operations: "        migrations.RunSQL('SELECT 2', migrations.RunSQL.noop)," });
    fake.commit('acme', 'shop', 'main', { 'project/app_01/migrations/0021_hotfix.py': hotfix });
    const github = client();

    const atPrBase = await github.loadReviewContext({ ...repo, number: 8 });
    expect(atPrBase.baseFiles.some((file) => file.name === '0021_hotfix')).toBe(false);

    fake.resetCounts();
    const atTip = await github.loadReviewContext({ ...repo, number: 8 }, { baseAt: 'branch-tip' });
    expect(atTip.baseTree?.commitSha).not.toBe(atPrBase.baseTree?.commitSha);
    const report = await analyzeSources(atTip.engineInput.sources, { database: 'postgresql' }, { targets: atTip.engineInput.targets });
    expect(report.graph.conflicts.map((conflict) => conflict.app)).toEqual(['billing']);
    // PR and files revalidated (304), the tip resolved and its tree read, and only the one new blob fetched.
    expect(fake.counts().byRoute).toEqual({ 'pulls.get': 1, 'pulls.files': 1, 'commits.get': 1, 'git.trees': 1, graphql: 1 });
    expect(fake.counts().graphqlObjects).toBe(1);
  });

  it('falls back to REST per file, with one warning, where GraphQL is unavailable, and reads the same context', async () => {
    openPullRequest(11, 3);
    const viaGraphQL = await client({ caches: createMemoryCaches() }).loadReviewContext({ ...repo, number: 11 });
    const warnings: string[] = [];
    const ignore = () => undefined;
    const logger: GitHubLogger = { debug: ignore, info: ignore, error: ignore, warn: (_obj, msg) => void warnings.push(msg ?? '') };
    fake.fail({ method: 'POST', path: /^\/graphql$/, status: 404 });
    fake.resetCounts();

    const viaRest = await client({ caches: createMemoryCaches(), logger }).loadReviewContext({ ...repo, number: 11 });

    // 3 head files + 2 × 20 base files, one REST call each; labels from dependencies, so no apps.py.
    expect(fake.counts().byRoute).toEqual({ 'pulls.get': 1, 'pulls.files': 1, 'git.trees': 1, graphql: 1, 'git.blobs': 3 + 2 * PER_APP });
    expect(warnings.filter((warning) => /GraphQL/.test(warning))).toHaveLength(1);
    expect(viaRest.engineInput).toEqual(viaGraphQL.engineInput);
    expect(viaRest.touchedApps).toEqual(viaGraphQL.touchedApps);
  });

  it('reviews what it could read when GraphQL cannot find one base file, saying which', async () => {
    openPullRequest(12, 1);
    const github = client();
    const tree = await github.listMigrationFiles({ ...repo, ref: 'main', readLabels: false });
    const lost = tree.migrations.find((entry) => entry.path === `project/app_00/migrations/${migrationName(5)}.py`)!;
    fake.failGraphQL({ type: 'NOT_FOUND', oid: lost.sha, message: 'Could not resolve to a Blob' });

    const context = await github.loadReviewContext({ ...repo, number: 12 });

    expect(context.baseFiles).toHaveLength(PER_APP - 1);
    expect(context.skipped).toEqual([{ path: lost.path, reason: 'unreadable', note: expect.stringContaining('could not be read from GitHub') }]);
    expect(context.headFiles).toHaveLength(1);
  });

  it('answers a rate-limited GraphQL query with github_rate_limited, like REST', async () => {
    openPullRequest(13, 1);
    const resetAt = Math.ceil(Date.now() / 1000) + 40 * 60;
    fake.failGraphQL({ type: 'RATE_LIMITED', message: 'API rate limit exceeded for user ID 1.', headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(resetAt) } });
    await expect(client().loadReviewContext({ ...repo, number: 13 })).rejects.toMatchObject({ code: 'github_rate_limited', userMessage: expect.stringMatching(/^GitHub rate limit reached; resets at \d\d:\d\d UTC/) });
  });


  it('answers a PR without migrations with two calls', async () => {
    fake.commit('acme', 'shop', 'docs', { 'README.md': '# new\n' }, { from: 'main' });
    fake.addPullRequest('acme', 'shop', { number: 5, base: 'main', head: 'docs' });
    const context = await client().loadReviewContext({ ...repo, number: 5 });
    expect(context).toMatchObject({ migrationChanges: [], headFiles: [], baseTree: null, engineInput: { sources: [], targets: [] } });
    expect(context.pullRequest).toMatchObject({ number: 5, title: 'PR 5', state: 'open', head: { ref: 'docs' }, base: { ref: 'main' } });
    expect(fake.counts().requests).toBe(2);
  });
});
