/**
 * Many workspaces end to end: Slack's OAuth install flow through Bolt's installer (the state cookie,
 * a fake `oauth.v2.access`) for two workspaces, each then answered with its own token, and an
 * uninstall that removes one workspace's installation and data and leaves the other; then a GitHub
 * App webhook for a repository both workspaces link, heard in each with that workspace's token.
 */
import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WEBHOOK_PATH } from '../../src/github/webhooks.js';
import { createFakeGitHub, migrationSource, postPullRequestWebhook, type FakeGitHub } from '../fakes/github.js';
import { postEvent } from '../fakes/sign.js';
import { RISKY_ADD_FIELD, shopFiles } from '../github/shop-repo.js';
import { SIGNING_SECRET, startHarness, waitForAnswer, type Harness } from './harness.js';

let harness: Harness;
let github: FakeGitHub;
const WEBHOOK_SECRET = 'e2e-oauth-webhook-secret-0123456789';

const WORKSPACES = {
  A: { team: 'T0WSA00001', token: 'xoxb-3333333333-4444444444-workspaceAtokenValue', botUser: 'U0BOTA0001', botId: 'B0BOTA0001', code: 'code-for-a' },
  B: { team: 'T0WSB00001', token: 'xoxb-5555555555-6666666666-workspaceBtokenValue', botUser: 'U0BOTB0001', botId: 'B0BOTB0001', code: 'code-for-b' },
} as const;
type Name = keyof typeof WORKSPACES;

beforeAll(async () => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
  github = await createFakeGitHub({ app: { id: 4343, publicKey } });
  github.addInstallation({ id: 88, account: 'acme', repos: ['acme/shop'] });
  github.addRepo({ owner: 'acme', repo: 'shop', private: true });
  github.commit('acme', 'shop', 'main', shopFiles());
  harness = await startHarness({
    withoutBotToken: true,
    env: {
      SLACK_CLIENT_ID: '1111.2222',
      SLACK_CLIENT_SECRET: 'e2e-client-secret-value',
      SLACK_STATE_SECRET: 'e2e-state-secret-value-0123456789',
      GITHUB_APP_ID: '4343',
      GITHUB_APP_PRIVATE_KEY: privateKey,
      GITHUB_WEBHOOK_SECRET: WEBHOOK_SECRET,
      GITHUB_API_URL: github.url,
      GITHUB_ALLOWED_REPOS: 'acme/shop',
    },
  });
  for (const workspace of Object.values(WORKSPACES)) harness.slack.workspaces.set(workspace.token, { team_id: workspace.team, user_id: workspace.botUser, bot_id: workspace.botId });
  harness.slack.on('oauth.v2.access', (body) => {
    const workspace = Object.values(WORKSPACES).find((candidate) => candidate.code === body.code);
    if (workspace === undefined || body.client_id !== '1111.2222' || body.client_secret !== 'e2e-client-secret-value') return { ok: false, error: 'invalid_code' };
    return {
      ok: true,
      app_id: 'A0MIGRATE1',
      authed_user: { id: 'U0INSTALL1' },
      scope: 'app_mentions:read,chat:write,commands',
      token_type: 'bot',
      access_token: workspace.token,
      bot_user_id: workspace.botUser,
      team: { id: workspace.team, name: `Workspace ${workspace.team}` },
      enterprise: null,
      is_enterprise_install: false,
    };
  });
});
afterAll(async () => {
  await harness.close();
  await github.close();
});

async function install(name: Name): Promise<Response> {
  const start = await fetch(`${harness.baseUrl}/slack/install`, { redirect: 'manual' });
  expect(start.status).toBe(302);
  const consent = new URL(start.headers.get('location')!);
  expect(consent.searchParams.get('client_id')).toBe('1111.2222');
  expect(consent.searchParams.get('scope')).toContain('chat:write');
  const state = consent.searchParams.get('state')!;
  const cookie = start.headers.get('set-cookie')!.split(';')[0]!;
  return fetch(`${harness.baseUrl}/slack/oauth_redirect?code=${WORKSPACES[name].code}&state=${encodeURIComponent(state)}`, { headers: { cookie }, redirect: 'manual' });
}

let eventCounter = 0;
function deliver(name: Name, event: Record<string, unknown>): Promise<unknown> {
  const workspace = WORKSPACES[name];
  eventCounter += 1;
  return postEvent(harness.eventsUrl, SIGNING_SECRET, {
    token: 'legacy',
    team_id: workspace.team,
    api_app_id: 'A0MIGRATE1',
    type: 'event_callback',
    event_id: `Ev0OAUTH${eventCounter}`,
    event_time: Math.floor(Date.now() / 1000),
    authorizations: [{ enterprise_id: null, team_id: workspace.team, user_id: workspace.botUser, is_bot: true, is_enterprise_install: false }],
    event,
  });
}

async function ask(name: Name, channel: string): Promise<string> {
  const workspace = WORKSPACES[name];
  const message = harness.slack.addMessage(channel, { user: 'U0ASKER01', text: `<@${workspace.botUser}> is RenameField safe?` });
  await deliver(name, { type: 'app_mention', user: 'U0ASKER01', text: message.text, ts: message.ts, channel, event_ts: message.ts, team: workspace.team });
  return message.ts;
}

/** Waits for a store condition the app reaches after acknowledging Slack (no sleeps: checks after each turn of the event loop). */
async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string): Promise<T> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

describe('OAuth installs', () => {
  it('installs two workspaces, answers each with its own token, and forgets one when it uninstalls', async () => {
    for (const name of ['A', 'B'] as const) {
      const done = await install(name);
      expect(done.status).toBe(200);
      expect(await harness.bot.store.installations.get(`T:${WORKSPACES[name].team}`)).toMatchObject({ teamId: WORKSPACES[name].team });
    }
    expect(harness.slack.callsTo('oauth.v2.access')).toHaveLength(2);

    harness.anthropic.enqueue({ text: 'Answer for A.' }, { text: 'Answer for B.' });
    const threadA = await ask('A', 'C0WSACHAN1');
    expect(await waitForAnswer(harness, 'C0WSACHAN1', threadA)).toEqual(['Answer for A.']);
    const threadB = await ask('B', 'C0WSBCHAN1');
    expect(await waitForAnswer(harness, 'C0WSBCHAN1', threadB)).toEqual(['Answer for B.']);
    const streamsIn = (channel: string) => harness.slack.callsTo('chat.startStream').filter((call) => call.body.channel === channel);
    expect(streamsIn('C0WSACHAN1').map((call) => call.token)).toEqual([WORKSPACES.A.token]);
    expect(streamsIn('C0WSBCHAN1').map((call) => call.token)).toEqual([WORKSPACES.B.token]);
    expect(streamsIn('C0WSACHAN1')[0]!.body.recipient_team_id).toBe(WORKSPACES.A.team);
    // Each workspace's questions are its own.
    expect((await harness.bot.store.questions.recent(WORKSPACES.A.team, 5)).map((question) => question.channelId)).toEqual(['C0WSACHAN1']);
    expect(harness.logs.join('\n')).not.toContain(WORKSPACES.A.token);

    await deliver('A', { type: 'app_uninstalled', event_ts: '1760002000.000001' });
    await eventually(() => harness.bot.store.installations.get(`T:${WORKSPACES.A.team}`), (record) => record === undefined, 'workspace A to be removed');
    expect(await harness.bot.store.questions.recent(WORKSPACES.A.team, 5)).toEqual([]);
    expect(await harness.bot.store.installations.get(`T:${WORKSPACES.B.team}`)).toBeDefined();
    expect(await harness.bot.store.questions.recent(WORKSPACES.B.team, 5)).toHaveLength(1);

    // B still works; A is no longer authorized, so nothing is posted there.
    harness.anthropic.enqueue({ text: 'Still here for B.' });
    const again = await ask('B', 'C0WSBCHAN2');
    expect(await waitForAnswer(harness, 'C0WSBCHAN2', again)).toEqual(['Still here for B.']);
    const before = harness.slack.calls.length;
    await ask('A', 'C0WSACHAN2');
    await harness.slack.waitFor(() => harness.logs.some((line) => line.includes('Authorization of incoming event did not succeed')), 5000, 'the refused event');
    expect(harness.slack.calls.slice(before).filter((call) => call.body.channel === 'C0WSACHAN2')).toEqual([]);
  });

  it('tells every workspace that links a repository about its risky pull request, each with its own token', async () => {
    expect((await install('A')).status).toBe(200);
    const linked = (teamId: string, channelId: string) =>
      harness.bot.store.links.forTeam(teamId).set({ channelId, repo: 'acme/shop', branch: null, path: null, database: null, databaseVersion: null, linkedBy: 'U0INSTALL1', linkedAt: '2026-12-07T00:00:00.000Z' });
    await linked(WORKSPACES.A.team, 'C0WSADEPLOY');
    await linked(WORKSPACES.B.team, 'C0WSBDEPLOY');
    // Linked once, then the workspace went away without uninstall reaching us: skipped, with a log line.
    await linked('T0GONE0001', 'C0GONEDEPLY');

    const head = github.commit('acme', 'shop', 'pr-31', { 'shop/migrations/0043_change.py': migrationSource({ dependencies: [['shop', '0042_step_42']], operations: RISKY_ADD_FIELD }) }, { from: 'main' });
    github.addPullRequest('acme', 'shop', { number: 31, base: 'main', head: 'pr-31', title: 'Add order channel' });
    const delivered = await postPullRequestWebhook(`${harness.baseUrl}${WEBHOOK_PATH}`, WEBHOOK_SECRET, { owner: 'acme', repo: 'shop', number: 31, headSha: head, title: 'Add order channel', installationId: 88 });
    expect(delivered.status).toBe(200);
    expect(github.checkRuns('acme', 'shop')).toEqual([expect.objectContaining({ head_sha: head, conclusion: 'failure' })]);

    const headsUps = harness.slack.callsTo('chat.postMessage').filter((call) => JSON.stringify(call.body.blocks ?? '').includes('open_pr_review'));
    expect(headsUps.map((call) => [call.body.channel, call.token])).toEqual([
      ['C0WSADEPLOY', WORKSPACES.A.token],
      ['C0WSBDEPLOY', WORKSPACES.B.token],
    ]);
    expect(String(headsUps[0]!.body.text)).toContain('acme/shop#31');
    expect(harness.logs.some((line) => line.includes('T0GONE0001') && line.includes('heads-up not posted there'))).toBe(true);
    expect(harness.logs.join('\n')).not.toContain(WORKSPACES.B.token);
  });
});
