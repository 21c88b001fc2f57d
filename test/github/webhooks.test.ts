/**
 * The GitHub App's pull_request webhooks on the HTTP route, against a fake GitHub on 127.0.0.1 with the
 * real Octokit (App JWT → installation token): signatures checked with @octokit/webhooks, check runs
 * written with their conclusion and annotations, other repositories ignored.
 */
import { createHmac, generateKeyPairSync } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createGitHub, createMemoryCaches } from '../../src/github/index.js';
import { createWebhookHandler, webhookRoute, WEBHOOK_PATH } from '../../src/github/webhooks.js';
import type { LinkedChannel, PullRequestReviewed } from '../../src/github/webhooks.js';
import { createFakeGitHub, migrationSource, type FakeGitHub } from '../fakes/github.js';
import { CREATE_ORDER } from './shop-repo.js';

const SECRET = 'webhook-secret-for-tests';
const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });

const riskyField = (name: string) => `        migrations.AddField(
            model_name='order',
            name='${name}',
            field=models.CharField(default='web', max_length=32),
        ),`;

let fake: FakeGitHub;
let server: Server;
let url: string;
let reviewed: PullRequestReviewed[];
let logs: Array<{ level: string; msg: string | undefined; obj: object }>;
let links: Record<string, LinkedChannel[]>;

function sign(body: string, secret = SECRET): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

function pullRequestPayload(owner: string, repo: string, number: number, headSha: string, action = 'opened') {
  return {
    action,
    number,
    pull_request: { number, title: 'Add order channel', html_url: `https://github.com/${owner}/${repo}/pull/${number}`, head: { sha: headSha, ref: 'feature' }, base: { sha: 'x', ref: 'main' } },
    repository: { name: repo, full_name: `${owner}/${repo}`, owner: { login: owner } },
    installation: { id: 77 },
  };
}

async function deliver(payload: unknown, options: { signature?: string; event?: string } = {}): Promise<Response> {
  const body = JSON.stringify(payload);
  return fetch(`${url}${WEBHOOK_PATH}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-github-event': options.event ?? 'pull_request', 'x-github-delivery': 'delivery-1', 'x-hub-signature-256': options.signature ?? sign(body) },
    body,
  });
}

function addShop(repo: string, operations: string): string {
  fake.addRepo({ owner: 'acme', repo, private: true });
  fake.commit('acme', repo, 'main', { 'shop/__init__.py': '', 'shop/migrations/__init__.py': '', 'shop/migrations/0001_initial.py': migrationSource({ dependencies: [], operations: CREATE_ORDER }) });
  const head = fake.commit('acme', repo, 'feature', { 'shop/migrations/0002_order_channel.py': migrationSource({ dependencies: [['shop', '0001_initial']], operations }) }, { from: 'main' });
  fake.addPullRequest('acme', repo, { number: 5, base: 'main', head: 'feature' });
  return head;
}

beforeEach(async () => {
  fake = await createFakeGitHub({ app: { id: 4242, publicKey } });
  fake.addInstallation({ id: 77, account: 'acme', repos: ['acme/shop', 'acme/unlinked', 'acme/big'] });
  reviewed = [];
  logs = [];
  links = { 'acme/shop': [{ teamId: 'T1', channelId: 'C_DEPLOYS', settings: { database: 'postgresql', databaseVersion: '16' } }], 'acme/big': [{ teamId: 'T1', channelId: 'C_BIG', settings: {} }], 'other/repo': [{ teamId: 'T1', channelId: 'C_OTHER', settings: {} }] };
  const log = (level: string) => (obj: object, msg?: string) => logs.push({ level, msg, obj });
  const logger = { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
  const github = createGitHub({ appId: 4242, privateKey, baseUrl: fake.url, allowedRepos: ['acme/shop', 'acme/unlinked', 'acme/big'], allowedOrgs: [], caches: createMemoryCaches(), limits: { retryBaseMs: 1, graphqlIntervalMs: 0 }, logger });
  const handler = createWebhookHandler({
    secret: SECRET,
    github,
    linkedChannels: async (repo) => links[repo.toLowerCase()] ?? [],
    onReviewed: async (event) => {
      reviewed.push(event);
    },
    logger,
  });
  const route = webhookRoute(handler);
  server = createServer((req, res) => {
    if (req.url === route.path && route.method.includes(req.method ?? '')) route.handler(req, res);
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterEach(async () => {
  await new Promise((resolve) => server.close(resolve));
  await fake.close();
});

describe('pull_request webhooks', () => {
  it('a PR adding a risky migration in a linked, allowlisted repository gets a failing check run with annotations', async () => {
    const head = addShop('shop', riskyField('channel'));
    const response = await deliver(pullRequestPayload('acme', 'shop', 5, head));
    expect(response.status).toBe(200);
    const [run, ...others] = fake.checkRuns('acme', 'shop');
    expect(others).toEqual([]);
    expect(run).toMatchObject({ name: 'migrate-help', head_sha: head, status: 'completed', conclusion: 'failure' });
    expect(run?.annotations).toEqual([
      expect.objectContaining({ path: 'shop/migrations/0002_order_channel.py', annotation_level: 'failure', title: expect.stringContaining('add-field-not-null-without-db-default'), message: expect.stringContaining('NOT NULL') }),
    ]);
    expect(run?.output?.summary).toContain('Safe recipe');
    expect(reviewed).toEqual([expect.objectContaining({ conclusion: 'failure', channels: [{ teamId: 'T1', channelId: 'C_DEPLOYS' }], headSha: head, ref: { owner: 'acme', repo: 'shop', number: 5 } })]);
  });

  it('a safe PR gets a successful check run; more than 50 findings go out 50 per request', async () => {
    const fields = Array.from({ length: 60 }, (_, i) => riskyField(`f${i}`)).join('\n');
    const head = addShop('big', fields);
    expect((await deliver(pullRequestPayload('acme', 'big', 5, head, 'synchronize'))).status).toBe(200);
    const [run] = fake.checkRuns('acme', 'big');
    expect(run?.annotationBatches).toEqual([50, 10]);
    expect(run?.annotations).toHaveLength(60);
    expect(run?.conclusion).toBe('failure');

    const safeHead = addShop('shop', `        migrations.AddField(model_name='order', name='note', field=models.TextField(null=True)),`);
    expect((await deliver(pullRequestPayload('acme', 'shop', 5, safeHead, 'reopened'))).status).toBe(200);
    expect(fake.checkRuns('acme', 'shop')).toEqual([expect.objectContaining({ conclusion: 'success', annotations: [] })]);
  });

  it('a forged signature is refused with 401 and nothing is read or written', async () => {
    const head = addShop('shop', riskyField('channel'));
    const before = fake.requests.length;
    const payload = pullRequestPayload('acme', 'shop', 5, head);
    expect((await deliver(payload, { signature: sign(JSON.stringify(payload), 'wrong-secret') })).status).toBe(401);
    expect((await deliver(payload, { signature: '' })).status).toBe(401);
    expect(fake.requests.length).toBe(before);
    expect(fake.checkRuns('acme', 'shop')).toEqual([]);
    expect(logs.some((entry) => entry.level === 'warn' && /signature/.test(entry.msg ?? ''))).toBe(true);
  });

  it('repositories not linked to a channel, or not allowlisted, are acknowledged and ignored', async () => {
    const head = addShop('unlinked', riskyField('channel'));
    const before = fake.requests.length;
    expect((await deliver(pullRequestPayload('acme', 'unlinked', 5, head))).status).toBe(200);
    expect((await deliver(pullRequestPayload('other', 'repo', 5, head))).status).toBe(200);
    expect(fake.requests.length).toBe(before);
    expect(fake.checkRuns('acme', 'unlinked')).toEqual([]);
    expect(reviewed).toEqual([]);
    expect(logs.filter((entry) => /ignored/.test(entry.msg ?? '')).map((entry) => entry.msg)).toEqual([
      'webhook for a repository no Slack channel links: ignored',
      'webhook for a repository that is not allowlisted: ignored',
    ]);
  });

  it('events other than opened/synchronize/reopened are acknowledged without work', async () => {
    const head = addShop('shop', riskyField('channel'));
    expect((await deliver(pullRequestPayload('acme', 'shop', 5, head, 'closed'))).status).toBe(200);
    expect((await deliver({ zen: 'Keep it simple.', hook_id: 1 }, { event: 'ping' })).status).toBe(200);
    expect(fake.checkRuns('acme', 'shop')).toEqual([]);
  });
});
