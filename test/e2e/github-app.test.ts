/**
 * The bot as a GitHub App, end to end over the real Bolt app: a signed pull_request webhook → a check
 * run on the fake GitHub and a heads-up with a button in the linked channel; the signed button click →
 * the PR review in the heads-up's thread, ending with "Post to PR"; its click → one sticky comment on the
 * fake GitHub, edited in place by a second click.
 */
import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WEBHOOK_PATH } from '../../src/github/webhooks.js';
import { chunked } from '../fakes/anthropic.js';
import { createFakeGitHub, migrationSource, postPullRequestWebhook, type FakeGitHub } from '../fakes/github.js';
import { FAKE_TEAM_ID } from '../fakes/slack-api.js';
import { RISKY_ADD_FIELD, shopFiles } from '../github/shop-repo.js';
import { ASKER, postInteraction, slashCommand, startHarness, waitForAnswer, type Harness } from './harness.js';

const SECRET = 'e2e-webhook-secret-0123456789';
const CHANNEL = 'C0DEPLOYS1';
const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });

let github: FakeGitHub;
let harness: Harness;

function deliverPullRequest(number: number, headSha: string, title: string): Promise<Response> {
  return postPullRequestWebhook(`${harness.baseUrl}${WEBHOOK_PATH}`, SECRET, { owner: 'acme', repo: 'shop', number, headSha, title, installationId: 77 });
}

function openPullRequest(number: number, operations: string, title: string): string {
  const head = github.commit('acme', 'shop', `pr-${number}`, { 'shop/migrations/0043_change.py': migrationSource({ dependencies: [['shop', '0042_step_42']], operations }) }, { from: 'main' });
  github.addPullRequest('acme', 'shop', { number, base: 'main', head: `pr-${number}`, title });
  return head;
}

const headsUps = () => harness.slack.callsTo('chat.postMessage').filter((call) => call.body.channel === CHANNEL && Array.isArray(call.body.blocks) && JSON.stringify(call.body.blocks).includes('open_pr_review'));

/** Click "Post to PR" (a signed block_actions payload) and return the ephemeral reply the clicker gets. */
async function clickPostToPr(ref: string, threadTs: string | undefined, triggerId: string): Promise<string> {
  const before = harness.slack.callsTo('chat.postEphemeral').length;
  const messageTs = harness.slack.nextTs();
  const response = await postInteraction(harness, {
    type: 'block_actions',
    team: { id: FAKE_TEAM_ID, domain: 'fake' },
    user: { id: ASKER, username: 'asker', team_id: FAKE_TEAM_ID },
    trigger_id: triggerId,
    channel: { id: CHANNEL },
    container: { type: 'message', message_ts: messageTs, channel_id: CHANNEL },
    message: { ts: messageTs, ...(threadTs === undefined ? {} : { thread_ts: threadTs }), text: 'review' },
    actions: [{ type: 'button', action_id: 'post_to_pr', block_id: 'pr', value: ref, action_ts: '1' }],
  });
  expect(response.status).toBe(200);
  const reply = await harness.slack.waitFor(() => harness.slack.callsTo('chat.postEphemeral').slice(before).find((call) => call.body.user === ASKER && String(call.body.text).includes(ref.split('#')[0]!)), 8000, `the reply to Post to PR for ${ref}`);
  return String(reply.body.text);
}

beforeAll(async () => {
  github = await createFakeGitHub({ app: { id: 4242, publicKey } });
  github.addInstallation({ id: 77, account: 'acme', repos: ['acme/shop'] });
  github.addRepo({ owner: 'acme', repo: 'shop', private: true });
  github.commit('acme', 'shop', 'main', shopFiles());
  harness = await startHarness({
    env: { GITHUB_APP_ID: '4242', GITHUB_APP_PRIVATE_KEY: privateKey, GITHUB_WEBHOOK_SECRET: SECRET, GITHUB_API_URL: github.url, GITHUB_ALLOWED_REPOS: 'acme/shop,acme/unlinked' },
  });
  await slashCommand(harness, 'link acme/shop', { channel: CHANNEL, responseId: 'link' });
  const linked = await harness.slack.waitFor(() => harness.slack.responseUrlPosts.find((post) => post.id === 'link'), 8000, 'the link reply');
  expect(String((linked.body as { text: string }).text)).toContain('linked this channel');
});
afterAll(async () => {
  await harness.close();
  await github.close();
});

describe('GitHub App pull request webhooks in Slack', () => {
  it('a risky PR gets a check run and a heads-up whose button opens the review in its thread', async () => {
    const head = openPullRequest(21, RISKY_ADD_FIELD, 'Add order channel');
    expect((await deliverPullRequest(21, head, 'Add order channel')).status).toBe(200);
    const [run] = github.checkRuns('acme', 'shop');
    expect(run).toMatchObject({ head_sha: head, conclusion: 'failure' });
    // The check's page carries the same "SQL and locks" block as the PR comment.
    expect(run!.output?.summary).toContain('<details><summary>SQL and locks</summary>\n\n```sql\n-- lock: ACCESS EXCLUSIVE; rewrite: no; scan: no\nALTER TABLE "shop_order" ADD COLUMN "channel" varchar(32) DEFAULT \'web\' NOT NULL;');
    const [headsUp, ...more] = headsUps();
    expect(more).toHaveLength(0);
    const text = String(headsUp!.body.text);
    expect(text).toContain('acme/shop#21');
    expect(text).toContain('1 error');
    const blocks = JSON.stringify(headsUp!.body.blocks);
    expect(blocks).toContain('Worst: `add-field-not-null-without-db-default`');
    expect(blocks).toContain('Open the review in a thread');
    expect(blocks).toContain('"value":"acme/shop#21"');

    harness.anthropic.enqueue({ text: chunked('Expert review: add db_default first.', 10) });
    const headsUpTs = String(headsUp!.response.ts);
    const clicked = await postInteraction(harness, {
      type: 'block_actions',
      team: { id: FAKE_TEAM_ID, domain: 'fake' },
      user: { id: ASKER, username: 'asker', team_id: FAKE_TEAM_ID },
      trigger_id: 'trig-pr-review',
      channel: { id: CHANNEL },
      container: { type: 'message', message_ts: headsUpTs, channel_id: CHANNEL },
      message: { ts: headsUpTs, text },
      actions: [{ type: 'button', action_id: 'open_pr_review', block_id: 'pr', value: 'acme/shop#21', action_ts: '1' }],
    });
    expect(clicked.status).toBe(200);
    const replies = (await waitForAnswer(harness, CHANNEL, headsUpTs)).join('\n');
    expect(replies.startsWith('**Migration review of acme/shop#21** “Add order channel”')).toBe(true);
    expect(replies).toContain('Expert review: add db_default first.');

    // The review ends with "Post to PR" for that pull request.
    const closing = harness.slack.calls.filter((call) => JSON.stringify(call.body.blocks ?? '').includes('post_to_pr') && (call.body.thread_ts === headsUpTs || call.body.channel === CHANNEL));
    expect(closing.length).toBeGreaterThan(0);
    expect(JSON.stringify(closing.at(-1)!.body.blocks)).toContain('"value":"acme/shop#21"');

    const first = await clickPostToPr('acme/shop#21', headsUpTs, 'post-1');
    expect(first).toContain('Posted the review on acme/shop#21');
    const [comment, ...duplicates] = github.comments('acme', 'shop', 21);
    expect(duplicates).toHaveLength(0);
    expect(comment!.body.startsWith('<!-- migrate-help:sticky -->')).toBe(true);
    expect(comment!.body).toContain('add-field-not-null-without-db-default');
    expect(comment!.body).toContain('<details><summary>SQL and locks</summary>');
    expect(first).toContain(`/pull/21#issuecomment-${comment!.id}`);

    // A new push changes the report; the second click edits the same comment.
    const pushed = github.commit('acme', 'shop', 'pr-21', { 'shop/migrations/0044_more.py': migrationSource({ dependencies: [['shop', '0043_change']], operations: RISKY_ADD_FIELD.replace("'channel'", "'source'") }) });
    expect(pushed).not.toBe(head);
    const second = await clickPostToPr('acme/shop#21', headsUpTs, 'post-2');
    expect(second).toContain('Updated the review comment on acme/shop#21');
    const after = github.comments('acme', 'shop', 21);
    expect(after).toHaveLength(1);
    expect(after[0]!.id).toBe(comment!.id);
    expect(after[0]!.body).toContain('0044_more');
  });

  it('"Post to PR" for a repository that is not allowlisted says so and writes nothing', async () => {
    const reply = await clickPostToPr('other/secret#3', undefined, 'post-denied');
    expect(reply).toContain('other/secret is not in GITHUB_ALLOWED_REPOS / GITHUB_ALLOWED_ORGS');
  });

  it('"Post to PR" for an allowlisted repository no channel links says to link it and writes nothing', async () => {
    const requests = github.counts().requests;
    const reply = await clickPostToPr('acme/unlinked#4', undefined, 'post-unlinked');
    expect(reply).toContain('acme/unlinked is not linked to a channel here');
    expect(reply).toContain('/migrate-help link acme/unlinked');
    expect(github.counts().requests).toBe(requests);
  });

  it('"Post to PR" when GitHub refuses the write gives the clicker the reason', async () => {
    const head = openPullRequest(23, RISKY_ADD_FIELD, 'Refused');
    expect(head).toBeTruthy();
    github.fail({ method: 'POST', path: /\/repos\/acme\/shop\/issues\/23\/comments$/, status: 403, message: 'Resource not accessible by integration' });
    const reply = await clickPostToPr('acme/shop#23', undefined, 'post-refused');
    expect(reply).toContain('GitHub refused to write the comment on acme/shop#23 (HTTP 403)');
    expect(github.comments('acme', 'shop', 23)).toHaveLength(0);
  });

  it('a PR whose migrations carry no warning gets its check run but no heads-up', async () => {
    const before = headsUps().length;
    const safe = `        migrations.AddField(\n            model_name='order',\n            name='note',\n            field=models.TextField(null=True),\n        ),`;
    const head = openPullRequest(22, safe, 'Note field');
    expect((await deliverPullRequest(22, head, 'Note field')).status).toBe(200);
    expect(github.checkRuns('acme', 'shop').find((run) => run.head_sha === head)).toBeDefined();
    expect(headsUps()).toHaveLength(before);
  });
});
