import { generateKeyPairSync } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isAppError } from '../../src/errors.js';
import { createGitHub, createMemoryCaches, formatUtcTime, type CreateGitHubOptions, type GitHub } from '../../src/github/index.js';
import { createFakeGitHub, djangoProjectFiles, type FakeGitHub } from '../fakes/github.js';

const TOKEN = 'ghp_testtokentesttokentesttoken0002';

let fake: FakeGitHub;

function client(overrides: Partial<CreateGitHubOptions> = {}): GitHub {
  return createGitHub({
    token: TOKEN,
    baseUrl: fake.url,
    allowedRepos: ['acme/shop', 'acme/secret', 'acme/ghost'],
    allowedOrgs: [],
    caches: createMemoryCaches(),
    limits: { retryBaseMs: 1 },
    ...overrides,
  });
}

async function failure(promise: Promise<unknown>) {
  try {
    await promise;
  } catch (error) {
    if (isAppError(error)) return error;
    throw error;
  }
  throw new Error('expected a failure');
}

beforeEach(async () => {
  fake = await createFakeGitHub();
  fake.addToken(TOKEN, ['acme/shop']);
  fake.addRepo({ owner: 'acme', repo: 'shop', private: true });
  fake.addRepo({ owner: 'acme', repo: 'secret', private: true });
  fake.commit('acme', 'shop', 'main', djangoProjectFiles({ apps: 1, perApp: 2 }));
  fake.commit('acme', 'secret', 'main', djangoProjectFiles({ apps: 1, perApp: 2 }));
  fake.commit('acme', 'shop', 'feature', { 'project/app_00/migrations/0003_x.py': '# x\n' });
  fake.addPullRequest('acme', 'shop', { number: 1, base: 'main', head: 'feature' });
});
afterEach(async () => {
  await fake.close();
});

describe('allowlist', () => {
  it('refuses a repository outside GITHUB_ALLOWED_REPOS / GITHUB_ALLOWED_ORGS before any request', async () => {
    const github = client({ allowedRepos: ['acme/web'], allowedOrgs: ['other-org'] });
    const calls = [
      github.listMigrationFiles({ owner: 'acme', repo: 'shop' }),
      github.readFile({ owner: 'acme', repo: 'shop', path: 'README.md' }),
      github.readBlobs({ owner: 'acme', repo: 'shop' }, [{ path: 'a.py', sha: 'a'.repeat(40) }]),
      github.getPullRequest({ owner: 'acme', repo: 'shop', number: 1 }),
      github.listPullRequestFiles({ owner: 'acme', repo: 'shop', number: 1 }),
      github.loadReviewContext({ owner: 'acme', repo: 'shop', number: 1 }),
    ];
    for (const call of calls) {
      const error = await failure(call);
      expect(error.code).toBe('github_repo_not_allowed');
      expect(error.userMessage).toBe("acme/shop is not in GITHUB_ALLOWED_REPOS / GITHUB_ALLOWED_ORGS, so I won't read it; ask an admin to add it.");
    }
    expect(fake.counts().requests).toBe(0);
  });

  it('matches repositories and organisations case-insensitively', async () => {
    const byRepo = client({ allowedRepos: ['ACME/Shop'] });
    await expect(byRepo.listMigrationFiles({ owner: 'acme', repo: 'SHOP', readLabels: false })).resolves.toMatchObject({ migrations: expect.any(Array) });
    const byOrg = client({ allowedRepos: [], allowedOrgs: ['Acme'] });
    expect(byOrg.allowlist.allows({ owner: 'ACME', repo: 'anything' })).toBe(true);
    expect(byOrg.allowlist.allows({ owner: 'acme-labs', repo: 'shop' })).toBe(false);
    const none = await failure(client({ allowedRepos: [], allowedOrgs: [] }).listMigrationFiles({ owner: 'acme', repo: 'shop' }));
    expect(none.userMessage).toMatch(/GITHUB_ALLOWED_REPOS and GITHUB_ALLOWED_ORGS are empty/);
  });
});

describe('errors from GitHub', () => {
  it('turns an exhausted rate limit into github_rate_limited with the reset time, without waiting for it', async () => {
    const resetAt = new Date(Date.now() + 30 * 60_000);
    fake.setRateLimit({ remaining: 0, resetAt });
    const github = client();
    const started = Date.now();

    const error = await failure(github.listMigrationFiles({ owner: 'acme', repo: 'shop' }));

    expect(error.code).toBe('github_rate_limited');
    expect(error.userMessage).toContain(`GitHub rate limit reached; resets at ${formatUtcTime(new Date(Math.ceil(resetAt.getTime() / 1000) * 1000))}`);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(fake.counts().requests).toBe(1);
    expect(github.rateLimit()).toMatchObject({ remaining: 0, limit: 5000, resource: 'core' });
  });

  it('retries once when the rate limit resets soon', async () => {
    const reset = String(Math.ceil(Date.now() / 1000) + 1);
    fake.fail({ path: /\/commits\//, status: 403, message: 'API rate limit exceeded', headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': reset } });
    const github = client();
    const tree = await github.listMigrationFiles({ owner: 'acme', repo: 'shop', readLabels: false });
    expect(tree.migrations).toHaveLength(2);
    expect(fake.requests.map((request) => [request.route, request.status])).toEqual([
      ['commits.get', 403],
      ['commits.get', 200],
      ['git.trees', 200],
    ]);
  });

  it('gives up on a long secondary rate limit with a clear message', async () => {
    fake.fail({ path: /\/pulls\/1$/, status: 403, message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.', headers: { 'retry-after': '600' } });
    const error = await failure(client().getPullRequest({ owner: 'acme', repo: 'shop', number: 1 }));
    expect(error.code).toBe('github_rate_limited');
    expect(error.userMessage).toMatch(/resets at \d\d:\d\d UTC/);
  });

  it('says it cannot see a missing repository, or a private one the token cannot read', async () => {
    const github = client();
    const missing = await failure(github.listMigrationFiles({ owner: 'acme', repo: 'ghost' }));
    expect(missing.code).toBe('github_not_found');
    const hidden = await failure(github.getPullRequest({ owner: 'acme', repo: 'secret', number: 1 }));
    expect(hidden.code).toBe('github_not_found');
    expect(hidden.userMessage).toBe("I can't see pull request acme/secret#1: check the name and that GITHUB_TOKEN can read it.");
    expect(fake.requests.at(-1)).toMatchObject({ route: 'pulls.get', status: 404 });
  });

  it('reports a refused token as github_auth_failed', async () => {
    const error = await failure(client({ token: 'ghp_revokedrevokedrevokedrevoked00' }).listMigrationFiles({ owner: 'acme', repo: 'shop' }));
    expect(error.code).toBe('github_auth_failed');
    expect(error.userMessage).toMatch(/GITHUB_TOKEN/);
    expect(error.userMessage).not.toContain('ghp_');
  });

  it('retries 5xx answers, then reports github_unavailable', async () => {
    fake.fail({ path: /\/pulls\/1$/, status: 502, times: 1 });
    const github = client();
    await expect(github.getPullRequest({ owner: 'acme', repo: 'shop', number: 1 })).resolves.toMatchObject({ number: 1, base: { ref: 'main' } });
    fake.fail({ path: /\/pulls\/1$/, status: 503, times: 10 });
    const error = await failure(github.getPullRequest({ owner: 'acme', repo: 'shop', number: 1 }));
    expect(error.code).toBe('github_unavailable');
    expect(error.userMessage).toBe('GitHub is having trouble (503); try again in a few minutes.');
    // One try plus two retries.
    expect(fake.requests.filter((request) => request.status === 503)).toHaveLength(3);
  });
});

describe('rate-limit budget', () => {
  it('reports the last budget seen and asks GitHub for it without spending a unit', async () => {
    const github = client();
    expect(github.rateLimit()).toBeNull();
    await github.listMigrationFiles({ owner: 'acme', repo: 'shop', readLabels: false });
    expect(github.rateLimit()).toMatchObject({ limit: 5000, remaining: 4998, used: 2, resource: 'core' });
    const before = fake.counts().units;
    await expect(github.checkRateLimit({ owner: 'acme', repo: 'shop' })).resolves.toMatchObject({ limit: 5000, remaining: 4998 });
    expect(fake.counts().units).toBe(before);
  });

  it('says GitHub cannot be reached when the connection fails', async () => {
    const url = fake.url;
    await fake.close();
    const error = await failure(createGitHub({ token: TOKEN, baseUrl: url, allowedRepos: ['acme/shop'], allowedOrgs: [], caches: createMemoryCaches(), limits: { retryBaseMs: 1, retries: 1 } }).listMigrationFiles({ owner: 'acme', repo: 'shop' }));
    expect(error.code).toBe('github_unavailable');
    expect(error.userMessage).toBe('I could not reach GitHub; try again in a few minutes.');
    fake = await createFakeGitHub();
  });
});

describe('GitHub App auth', () => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });

  it('signs a JWT, finds the installation for the repo, and reuses the installation token until it expires', async () => {
    await fake.close();
    fake = await createFakeGitHub({ app: { id: 4242, publicKey } });
    fake.addRepo({ owner: 'acme', repo: 'shop', private: true });
    fake.addRepo({ owner: 'acme', repo: 'secret', private: true });
    fake.commit('acme', 'shop', 'main', djangoProjectFiles({ apps: 1, perApp: 2 }));
    fake.addInstallation({ id: 77, account: 'acme', repos: ['acme/shop'] });
    const github = client({ token: undefined, appId: 4242, privateKey });
    expect(github.authMode).toBe('app');

    const tree = await github.listMigrationFiles({ owner: 'acme', repo: 'shop', ref: 'main' });
    expect(tree.migrations).toHaveLength(2);
    expect(fake.requests.slice(0, 3).map((request) => [request.route, request.identity])).toEqual([
      ['repos.installation', 'jwt'],
      ['app.access_tokens', 'jwt'],
      ['commits.get', 'installation'],
    ]);

    // The apps.py label read went through GraphQL with the installation token.
    expect(fake.requests.filter((request) => request.route === 'graphql')).toMatchObject([{ method: 'POST', identity: 'installation', status: 200 }]);

    await github.readFile({ owner: 'acme', repo: 'shop', path: 'README.md' });
    expect(fake.issuedTokens()).toHaveLength(1);
    expect(fake.requests.filter((request) => request.route === 'repos.installation')).toHaveLength(1);

    const notInstalled = await failure(github.listMigrationFiles({ owner: 'acme', repo: 'secret' }));
    expect(notInstalled.code).toBe('github_not_found');
    expect(notInstalled.userMessage).toBe('The GitHub App is not installed on acme/secret (or cannot see it): ask an admin to install it on that repository.');
  });
});
