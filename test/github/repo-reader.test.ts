import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createGitHub, createMemoryCaches, type GitHub } from '../../src/github/index.js';
import type { GitHubCaches } from '../../src/github/types.js';
import { appsPySource, createFakeGitHub, djangoProjectFiles, migrationSource, type FakeGitHub } from '../fakes/github.js';

const TOKEN = 'ghp_testtokentesttokentesttoken0001';

let fake: FakeGitHub;
let caches: GitHubCaches;

function client(overrides: Partial<Parameters<typeof createGitHub>[0]> = {}): GitHub {
  return createGitHub({ token: TOKEN, baseUrl: fake.url, allowedRepos: ['acme/shop'], allowedOrgs: [], caches, limits: { retryBaseMs: 1 }, ...overrides });
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
    // ref → sha, one recursive tree, three apps.py blobs.
    expect(fake.counts().byRoute).toEqual({ 'commits.get': 1, 'git.trees': 1, 'git.blobs': 3 });
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

  it('says which ref does not exist', async () => {
    fake.commit('acme', 'shop', 'main', djangoProjectFiles({ apps: 1, perApp: 1 }));
    await expect(client().listMigrationFiles({ owner: 'acme', repo: 'shop', ref: 'nope' })).rejects.toMatchObject({
      code: 'github_not_found',
      userMessage: expect.stringContaining('"nope"'),
    });
  });
});

describe('readBlobs', () => {
  it('reads contents by sha once: later reads are cache hits without any request', async () => {
    fake.commit('acme', 'shop', 'main', djangoProjectFiles({ apps: 2, perApp: 3 }));
    const github = client();
    const tree = await github.listMigrationFiles({ owner: 'acme', repo: 'shop', readLabels: false });
    fake.resetCounts();

    const first = await github.readBlobs(tree, tree.migrations);
    expect(first.files).toHaveLength(6);
    expect(first.files[1]!.text).toContain("('app_00', '0001_initial')");
    expect(fake.counts().byRoute).toEqual({ 'git.blobs': 6 });

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

  it('skips binary, non-UTF-8 and huge files with a note', async () => {
    const binary = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x01]);
    const latin1 = Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x0a]);
    fake.commit('acme', 'shop', 'main', {
      'shop/migrations/0001_initial.py': migrationSource({ dependencies: [] }),
      'shop/migrations/0002_blob.py': binary,
      'shop/migrations/0003_latin1.py': latin1,
      'shop/migrations/0004_huge.py': `# ${'x'.repeat(5000)}\n`,
    });
    const github = client({ maxFileBytes: 4096 });
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
    // The huge file was skipped from its tree size: no request for it.
    expect(fake.counts().byRoute).toEqual({ 'git.blobs': 3 });
    fake.resetCounts();
    await github.readBlobs(tree, tree.migrations);
    expect(fake.counts().requests).toBe(0);
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
