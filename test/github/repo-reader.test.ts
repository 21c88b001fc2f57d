import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createGitHub, createMemoryCaches, formatUtcTime, type GitHub, type GitHubLogger } from '../../src/github/index.js';
import type { GitHubCaches } from '../../src/github/types.js';
import { appsPySource, createFakeGitHub, djangoProjectFiles, migrationSource, type FakeGitHub } from '../fakes/github.js';

const TOKEN = 'ghp_testtokentesttokentesttoken0001';

let fake: FakeGitHub;
let caches: GitHubCaches;

function client(overrides: Partial<Parameters<typeof createGitHub>[0]> = {}): GitHub {
  return createGitHub({ token: TOKEN, baseUrl: fake.url, allowedRepos: ['acme/shop', 'acme/secret'], allowedOrgs: [], caches, limits: { retryBaseMs: 1, graphqlIntervalMs: 0 }, ...overrides });
}

/** A logger that keeps warnings, to count them. */
function warningLogger(): { logger: GitHubLogger; warnings: string[] } {
  const warnings: string[] = [];
  const ignore = () => undefined;
  return { warnings, logger: { debug: ignore, info: ignore, error: ignore, warn: (_obj, msg) => void warnings.push(msg ?? '') } };
}

beforeEach(async () => {
  fake = await createFakeGitHub();
  fake.addToken(TOKEN, '*');
  fake.addRepo({ owner: 'acme', repo: 'shop', private: true });
  caches = createMemoryCaches();
});
afterEach(async () => {
  await fake.close();
});

describe('listMigrationFiles', () => {
  it('finds every migrations folder with one recursive tree call and applies apps.py labels', async () => {
    const files = djangoProjectFiles({ apps: 3, perApp: 4, labels: { app_01: 'billing' } });
    files['project/app_00/migrations/_helpers.py'] = 'x = 1\n';
    files['project/app_00/migrations/.0005_tmp.py'] = '';
    files['project/app_00/migrations/~0006.py'] = '';
    files['project/app_00/migrations/legacy.txt'] = 'not python\n';
    files['.venv/lib/site-packages/django/contrib/auth/migrations/0001_initial.py'] = migrationSource({ dependencies: [] });
    files['node_modules/x/migrations/0001_initial.py'] = migrationSource({ dependencies: [] });
    const commitSha = fake.commit('acme', 'shop', 'main', files);
    const github = client();

    const tree = await github.listMigrationFiles({ owner: 'acme', repo: 'shop', ref: 'main' });

    expect(tree.commitSha).toBe(commitSha);
    expect(tree.walked).toBe(false);
    expect(tree.migrations).toHaveLength(12);
    expect(tree.migrations.every((entry) => /^project\/app_0\d\/migrations\/\d{4}_\w+\.py$/.test(entry.path))).toBe(true);
    const first = tree.migrations[0]!;
    expect(first).toMatchObject({ path: 'project/app_00/migrations/0001_initial.py', appPath: 'project/app_00', app: 'app_00', name: '0001_initial' });
    expect(first.sha).toBe(fake.blobSha(files['project/app_00/migrations/0001_initial.py']!));
    expect(tree.apps.map((app) => [app.path, app.label, app.labelSource, app.migrations])).toEqual([
      ['project/app_00', 'app_00', 'folder', 4],
      ['project/app_01', 'billing', 'apps.py', 4],
      ['project/app_02', 'app_02', 'folder', 4],
    ]);
    expect(tree.migrations.filter((entry) => entry.appPath === 'project/app_01').every((entry) => entry.app === 'billing')).toBe(true);
    // ref → sha, one recursive tree, the three apps.py blobs in one GraphQL query.
    expect(fake.counts().byRoute).toEqual({ 'commits.get': 1, 'git.trees': 1, graphql: 1 });
    expect(fake.counts().graphqlObjects).toBe(3);
  });

  it('walks subtrees when GitHub truncates the recursive tree, and limits to a folder', async () => {
    await fake.close();
    fake = await createFakeGitHub({ truncateTreesOver: 20 });
    fake.addToken(TOKEN, '*');
    fake.addRepo({ owner: 'acme', repo: 'shop', private: true });
    const files = { ...djangoProjectFiles({ apps: 3, perApp: 5 }), 'other/migrations/0001_initial.py': migrationSource({ dependencies: [] }) };
    fake.commit('acme', 'shop', 'main', files);
    const github = client();

    const tree = await github.listMigrationFiles({ owner: 'acme', repo: 'shop', readLabels: false });
    expect(tree.walked).toBe(true);
    expect(tree.migrations).toHaveLength(16);

    const scoped = await github.listMigrationFiles({ owner: 'acme', repo: 'shop', path: 'project/app_02', readLabels: false });
    expect(scoped.migrations.map((entry) => entry.name)).toEqual(['0001_initial', '0002_step_2', '0003_step_3', '0004_step_4', '0005_step_5']);
  });

  it('revalidates the ref with If-None-Match (a 304 costs no rate-limit unit) and never refetches a tree by sha', async () => {
    fake.commit('acme', 'shop', 'main', djangoProjectFiles({ apps: 2, perApp: 3 }));
    const github = client();
    await github.listMigrationFiles({ owner: 'acme', repo: 'shop', ref: 'main' });
    fake.resetCounts();

    const again = await github.listMigrationFiles({ owner: 'acme', repo: 'shop', ref: 'main' });

    expect(again.migrations).toHaveLength(6);
    expect(fake.counts()).toMatchObject({ requests: 1, notModified: 1, units: 0 });
    expect(fake.requests[0]).toMatchObject({ route: 'commits.get', status: 304, ifNoneMatch: true });

    // The branch moves: the new commit's tree is fetched, the unchanged apps.py blobs are not.
    fake.commit('acme', 'shop', 'main', { 'project/app_00/migrations/0004_more.py': migrationSource({ dependencies: [['app_00', '0003_step_3']] }) });
    fake.resetCounts();
    const moved = await github.listMigrationFiles({ owner: 'acme', repo: 'shop', ref: 'main' });
    expect(moved.migrations).toHaveLength(7);
    expect(fake.counts().byRoute).toEqual({ 'commits.get': 1, 'git.trees': 1 });
  });

  it('does not rebuild the tree of an unchanged commit, and hands out copies callers may relabel', async () => {
    fake.commit('acme', 'shop', 'main', djangoProjectFiles({ apps: 2, perApp: 3, labels: { app_01: 'billing' } }));
    const github = client();
    const first = await github.listMigrationFiles({ owner: 'acme', repo: 'shop', ref: 'main' });
    first.apps[1]!.label = 'changed by a caller';
    first.migrations[0]!.app = 'changed by a caller';
    const hitsBefore = github.stats().cacheHits;

    const again = await github.listMigrationFiles({ owner: 'ACME', repo: 'shop', ref: 'main' });

    // Neither the stored tree body nor the apps.py blobs were looked at again.
    expect(github.stats().cacheHits).toBe(hitsBefore);
    expect(again).toMatchObject({ owner: 'ACME', ref: 'main', commitSha: first.commitSha });
    expect(again.apps.map((app) => app.label)).toEqual(['app_00', 'billing']);
    expect(again.migrations[0]!.app).toBe('app_00');
  });

  it('says which ref does not exist', async () => {
    fake.commit('acme', 'shop', 'main', djangoProjectFiles({ apps: 1, perApp: 1 }));
    await expect(client().listMigrationFiles({ owner: 'acme', repo: 'shop', ref: 'nope' })).rejects.toMatchObject({
      code: 'github_not_found',
      userMessage: expect.stringContaining('"nope"'),
    });
  });
});

describe('readBlobs', () => {
  it('reads contents by sha once, many per GraphQL query: later reads are cache hits without any request', async () => {
    const files = djangoProjectFiles({ apps: 2, perApp: 3 });
    fake.commit('acme', 'shop', 'main', files);
    const github = client();
    const tree = await github.listMigrationFiles({ owner: 'acme', repo: 'shop', readLabels: false });
    fake.resetCounts();

    const first = await github.readBlobs(tree, tree.migrations);
    expect(first.files).toHaveLength(6);
    expect(first.files[1]!.text).toContain("('app_00', '0001_initial')");
    expect(first.files.map((file) => file.text)).toEqual(tree.migrations.map((entry) => files[entry.path]));
    expect(fake.counts()).toMatchObject({ requests: 1, units: 1, graphqlObjects: 6, byRoute: { graphql: 1 } });
    expect(github.stats()).toMatchObject({ graphqlQueries: 1 });

    fake.resetCounts();
    const before = github.stats().cacheHits;
    const second = await github.readBlobs(tree, tree.migrations);
    expect(second.files.map((file) => file.text)).toEqual(first.files.map((file) => file.text));
    expect(fake.counts().requests).toBe(0);
    expect(github.stats().cacheHits - before).toBe(6);

    // The persistent cache outlives the client (a restart): still no request.
    const restarted = client();
    await restarted.readBlobs(tree, tree.migrations);
    expect(fake.counts().requests).toBe(0);
  });

  it.each([
    ['GraphQL', true, { graphql: 1 }],
    ['REST', false, { 'git.blobs': 3 }],
  ])('skips binary, non-UTF-8 and huge files with a note (%s)', async (_name, graphql, routes) => {
    const binary = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x01]);
    const latin1 = Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x0a]);
    fake.commit('acme', 'shop', 'main', {
      'shop/migrations/0001_initial.py': migrationSource({ dependencies: [] }),
      'shop/migrations/0002_blob.py': binary,
      'shop/migrations/0003_latin1.py': latin1,
      'shop/migrations/0004_huge.py': `# ${'x'.repeat(5000)}\n`,
    });
    const github = client({ maxFileBytes: 4096, graphql: { enabled: graphql } });
    const tree = await github.listMigrationFiles({ owner: 'acme', repo: 'shop', readLabels: false });
    fake.resetCounts();

    const read = await github.readBlobs(tree, tree.migrations);

    expect(read.files.map((file) => file.path)).toEqual(['shop/migrations/0001_initial.py']);
    expect(read.skipped.map((item) => [item.path, item.reason])).toEqual([
      ['shop/migrations/0002_blob.py', 'binary'],
      ['shop/migrations/0003_latin1.py', 'not-utf8'],
      ['shop/migrations/0004_huge.py', 'too-large'],
    ]);
    expect(read.skipped[2]!.note).toMatch(/is 5 KB, over the 4 KB limit/);
    // The huge file was skipped from its tree size: not asked for.
    expect(fake.counts().byRoute).toEqual(routes);
    if (graphql) expect(fake.counts().graphqlObjects).toBe(3);
    fake.resetCounts();
    await github.readBlobs(tree, tree.migrations);
    expect(fake.counts().requests).toBe(0);
  });
});

describe('readBlobs through GraphQL', () => {
  /** `count` small migration files under shop/migrations (plus `extra`), committed on main; returns the tree. */
  async function repoWith(github: GitHub, count: number, extra: Record<string, string | Buffer> = {}) {
    const files: Record<string, string | Buffer> = { ...extra };
    for (let index = 1; index <= count; index++) files[`shop/migrations/${String(index).padStart(4, '0')}_step.py`] = migrationSource({ dependencies: index === 1 ? [] : [['shop', `${String(index - 1).padStart(4, '0')}_step`]] });
    fake.commit('acme', 'shop', 'main', files);
    const tree = await github.listMigrationFiles({ owner: 'acme', repo: 'shop', readLabels: false });
    fake.resetCounts();
    return tree;
  }

  it('splits the reads into queries of blobsPerQuery files and of at most bytesPerQuery known bytes, one unit each', async () => {
    const github = client({ graphql: { blobsPerQuery: 100 } });
    const tree = await repoWith(github, 250);

    const read = await github.readBlobs(tree, tree.migrations);

    expect(read.files).toHaveLength(250);
    expect(read.skipped).toEqual([]);
    expect(fake.counts()).toMatchObject({ requests: 3, units: 3, graphqlObjects: 250, byRoute: { graphql: 3 } });

    // Ten of the largest files per query: 30 files are three queries.
    const largest = Math.max(...tree.migrations.map((entry) => entry.size));
    const bySize = client({ graphql: { blobsPerQuery: 100, bytesPerQuery: largest * 10 }, caches: createMemoryCaches() });
    fake.resetCounts();
    await bySize.readBlobs(tree, tree.migrations.slice(0, 30));
    expect(fake.counts().byRoute).toEqual({ graphql: 3 });
  });

  it('reads a blob shared by several paths once', async () => {
    const github = client();
    const same = migrationSource({ dependencies: [] });
    fake.commit('acme', 'shop', 'main', { 'a/migrations/0001_initial.py': same, 'b/migrations/0001_initial.py': same });
    const tree = await github.listMigrationFiles({ owner: 'acme', repo: 'shop', readLabels: false });
    fake.resetCounts();
    const read = await github.readBlobs(tree, tree.migrations);
    expect(read.files.map((file) => file.path)).toEqual(['a/migrations/0001_initial.py', 'b/migrations/0001_initial.py']);
    expect(fake.counts().graphqlObjects).toBe(1);
  });

  it('keeps the data of a partly failed query: a missing object is skipped with a note, another failed object is read through REST', async () => {
    const github = client();
    const tree = await repoWith(github, 5);
    const [gone, flaky] = [tree.migrations[1]!, tree.migrations[3]!];
    fake.failGraphQL({ type: 'NOT_FOUND', oid: gone.sha, message: 'Could not resolve to a Blob' });
    fake.failGraphQL({ type: 'SERVICE_UNAVAILABLE', oid: flaky.sha });

    const read = await github.readBlobs(tree, tree.migrations);

    expect(read.files.map((file) => file.path)).toEqual(tree.migrations.filter((entry) => entry !== gone).map((entry) => entry.path));
    expect(read.skipped).toEqual([{ path: gone.path, reason: 'unreadable', note: `${gone.path} could not be read from GitHub (it may have been removed), so I skipped it.` }]);
    expect(fake.counts().byRoute).toEqual({ graphql: 1, 'git.blobs': 1 });
  });

  it('reads a blob whose text GraphQL truncated through REST, whole', async () => {
    await fake.close();
    fake = await createFakeGitHub({ graphqlTextLimit: 1000 });
    fake.addToken(TOKEN, '*');
    fake.addRepo({ owner: 'acme', repo: 'shop', private: true });
    const big = `# ${'z'.repeat(3000)}\n`;
    const github = client();
    const tree = await repoWith(github, 2, { 'shop/migrations/0003_big.py': big });

    const read = await github.readBlobs(tree, tree.migrations);

    expect(read.files.find((file) => file.path === 'shop/migrations/0003_big.py')?.text).toBe(big);
    expect(fake.counts().byRoute).toEqual({ graphql: 1, 'git.blobs': 1 });
  });

  it('falls back to one REST call per blob, with one warning, when the server has no GraphQL API (404)', async () => {
    const { logger, warnings } = warningLogger();
    const github = client({ logger });
    const tree = await repoWith(github, 4);
    fake.fail({ method: 'POST', path: /^\/graphql$/, status: 404 });

    const first = await github.readBlobs(tree, tree.migrations.slice(0, 2));
    expect(first.files).toHaveLength(2);
    expect(fake.counts().byRoute).toEqual({ graphql: 1, 'git.blobs': 2 });

    fake.resetCounts();
    const second = await github.readBlobs(tree, tree.migrations.slice(2));
    expect(second.files).toHaveLength(2);
    expect(fake.counts().byRoute).toEqual({ 'git.blobs': 2 });
    expect(warnings.filter((warning) => /GraphQL/.test(warning))).toHaveLength(1);
  });

  it('reads through REST only when anonymous (GitHub GraphQL needs a token)', async () => {
    fake.addRepo({ owner: 'acme', repo: 'public' });
    fake.commit('acme', 'public', 'main', djangoProjectFiles({ apps: 1, perApp: 3 }));
    const github = client({ token: undefined, allowedRepos: ['acme/public'] });
    const tree = await github.listMigrationFiles({ owner: 'acme', repo: 'public', readLabels: false });
    fake.resetCounts();
    const read = await github.readBlobs(tree, tree.migrations);
    expect(read.files).toHaveLength(3);
    expect(fake.counts().byRoute).toEqual({ 'git.blobs': 3 });
  });

  it('retries a query GitHub could not finish (plugin-retry) and one rate-limited for a moment (plugin-throttling)', async () => {
    const github = client();
    const tree = await repoWith(github, 3);
    fake.failGraphQL({ type: 'INTERNAL', message: 'Something went wrong while executing your query. This may be the result of a timeout.' });
    await expect(github.readBlobs(tree, tree.migrations.slice(0, 1))).resolves.toMatchObject({ files: [{ path: tree.migrations[0]!.path }] });
    expect(fake.counts().byRoute).toEqual({ graphql: 2 });

    fake.resetCounts();
    const reset = String(Math.ceil(Date.now() / 1000) + 1);
    fake.failGraphQL({ type: 'RATE_LIMITED', message: 'API rate limit exceeded', headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': reset } });
    await expect(github.readBlobs(tree, tree.migrations.slice(1))).resolves.toMatchObject({ files: [{}, {}] });
    expect(fake.counts().byRoute).toEqual({ graphql: 2 });
  });

  it('turns a spent budget, an unreadable repository and a failed query into the AppErrors REST gives', async () => {
    const github = client();
    const tree = await repoWith(github, 2);

    const resetAt = new Date(Date.now() + 30 * 60_000);
    fake.setRateLimit({ remaining: 0, resetAt });
    const started = Date.now();
    await expect(github.readBlobs(tree, tree.migrations)).rejects.toMatchObject({
      code: 'github_rate_limited',
      userMessage: expect.stringContaining(`GitHub rate limit reached; resets at ${formatUtcTime(new Date(Math.ceil(resetAt.getTime() / 1000) * 1000))}`),
    });
    expect(Date.now() - started).toBeLessThan(5000);
    fake.setRateLimit({ remaining: 5000 });

    fake.addRepo({ owner: 'acme', repo: 'secret', private: true });
    const initial = migrationSource({ dependencies: [] });
    fake.commit('acme', 'secret', 'main', { 'x/migrations/0001_initial.py': initial });
    fake.addToken('ghp_onlyshoponlyshoponlyshoponlys01', ['acme/shop']);
    const hidden = client({ token: 'ghp_onlyshoponlyshoponlyshoponlys01' });
    await expect(hidden.readBlobs({ owner: 'acme', repo: 'secret' }, [{ path: 'x/migrations/0001_initial.py', sha: fake.blobSha(initial) }])).rejects.toMatchObject({
      code: 'github_not_found',
      userMessage: "I can't see acme/secret: check the name and that GITHUB_TOKEN can read it.",
    });

    fake.failGraphQL({ type: 'MAX_NODE_LIMIT_EXCEEDED', message: 'This query requests too many nodes.' });
    await expect(client({ caches: createMemoryCaches() }).readBlobs(tree, tree.migrations)).rejects.toMatchObject({ code: 'github_unavailable', userMessage: expect.stringContaining('too many nodes') });

    fake.fail({ method: 'POST', path: /^\/graphql$/, status: 401, message: 'Bad credentials' });
    await expect(client({ caches: createMemoryCaches() }).readBlobs(tree, tree.migrations)).rejects.toMatchObject({ code: 'github_auth_failed' });
  });
});

describe('readFile', () => {
  it('reads a file at a ref, revalidates it for free, and explains folders, missing and oversized files', async () => {
    fake.commit('acme', 'shop', 'main', {
      'shop/apps.py': appsPySource('shop'),
      'shop/migrations/0001_initial.py': migrationSource({ dependencies: [] }),
      'shop/big.py': `# ${'y'.repeat(3000)}\n`,
    });
    const github = client();

    const read = await github.readFile({ owner: 'acme', repo: 'shop', ref: 'main', path: 'shop/apps.py' });
    expect(read).toMatchObject({ ok: true, file: { path: 'shop/apps.py', text: expect.stringContaining('class ShopConfig') } });
    fake.resetCounts();
    await github.readFile({ owner: 'acme', repo: 'shop', ref: 'main', path: 'shop/apps.py' });
    expect(fake.counts()).toMatchObject({ requests: 1, notModified: 1, units: 0 });

    await expect(github.readFile({ owner: 'acme', repo: 'shop', path: 'shop' })).rejects.toMatchObject({ code: 'github_not_found', userMessage: expect.stringContaining('is a folder') });
    await expect(github.readFile({ owner: 'acme', repo: 'shop', ref: 'main', path: 'shop/missing.py' })).rejects.toMatchObject({
      code: 'github_not_found',
      userMessage: expect.stringContaining("I can't see shop/missing.py at main in acme/shop"),
    });
    await expect(github.readFile({ owner: 'acme', repo: 'shop', path: '../etc/passwd' })).rejects.toMatchObject({ code: 'github_not_found' });
    const big = await github.readFile({ owner: 'acme', repo: 'shop', path: 'shop/big.py', maxBytes: 1000 });
    expect(big).toMatchObject({ ok: false, skipped: { reason: 'too-large' } });
  });
});
