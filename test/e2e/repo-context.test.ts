/**
 * End to end with a repository: signed Slack requests → the real Bolt app → real pipeline, real
 * Octokit (fake GitHub REST server) and real Anthropic SDK (fake Messages API) → the thread as the
 * fake Slack Web API recorded it. Covers link/unlink/status/db, tool calls over the linked repo,
 * PR review (report first, then the review; 529; no migrations), admins, the allowlist, restarts
 * and shared .py files.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import { startBot } from '../../src/main.js';
import { chunked } from '../fakes/anthropic.js';
import { createFakeGitHub, migrationSource, type FakeGitHub } from '../fakes/github.js';
import { FAKE_BOT_USER_ID } from '../fakes/slack-api.js';
import { RISKY_ADD_FIELD, shopFiles } from '../github/shop-repo.js';
import { ASKER, deliverMessage, messageTexts, slashCommand, startHarness, temporaryDataDir, waitForAnswer, type Harness } from './harness.js';

const GITHUB_TOKEN = 'ghp_e2eTestGitHubTokenValue000000000013';
const ADMIN = 'U0ADMIN001';
const CHANNEL = 'C0REPO0001';

let github: FakeGitHub;
let harness: Harness;
let dataDir: string;

function env(): Record<string, string> {
  return {
    GITHUB_TOKEN,
    GITHUB_API_URL: github.url,
    GITHUB_ALLOWED_REPOS: 'acme/shop',
    SLACK_ADMIN_USER_IDS: ADMIN,
    DATA_DIR: dataDir,
  };
}

async function commandReply(text: string, options: { user?: string; channel?: string; id: string }): Promise<{ text: string; response_type: string }> {
  await slashCommand(harness, text, { user: options.user ?? ADMIN, channel: options.channel ?? CHANNEL, responseId: options.id });
  const posted = await harness.slack.waitFor(() => harness.slack.responseUrlPosts.find((post) => post.id === options.id), 8000, `the reply to "${text}"`);
  return posted.body as { text: string; response_type: string };
}

/** Post `/migrate-help review …` and return the root message's ts. */
async function review(reference: string, channel = CHANNEL): Promise<string> {
  const before = harness.slack.callsTo('chat.postMessage').length;
  await slashCommand(harness, `review ${reference}`, { channel });
  const root = await harness.slack.waitFor(
    () => harness.slack.callsTo('chat.postMessage').slice(before).find((call) => call.body.thread_ts === undefined),
    8000,
    'the review root message',
  );
  expect(String(root.body.text)).toContain('asked for a migration review of');
  return String(root.response.ts);
}

/** The chunks streamed into one thread, in order. */
function streamedChunks(threadTs: string): Array<Record<string, unknown>> {
  const streamTs = new Set(harness.slack.callsTo('chat.startStream').filter((call) => call.body.thread_ts === threadTs).map((call) => String(call.response.ts)));
  return harness.slack.calls
    .filter((call) => (call.method === 'chat.startStream' && call.body.thread_ts === threadTs) || ((call.method === 'chat.appendStream' || call.method === 'chat.stopStream') && streamTs.has(String(call.body.ts))))
    .flatMap((call) => (Array.isArray(call.body.chunks) ? (call.body.chunks as Array<Record<string, unknown>>) : []));
}

function openPullRequest(number: number, files: Record<string, string>, title = `PR ${number}`): void {
  github.commit('acme', 'shop', `pr-${number}`, files, { from: 'main' });
  github.addPullRequest('acme', 'shop', { number, base: 'main', head: `pr-${number}`, title });
}

beforeAll(async () => {
  github = await createFakeGitHub();
  github.addToken(GITHUB_TOKEN, '*');
  github.addRepo({ owner: 'acme', repo: 'shop', private: true });
  github.addRepo({ owner: 'other', repo: 'secret', private: true });
  github.commit('acme', 'shop', 'main', shopFiles());
  github.commit('other', 'secret', 'main', { 'README.md': 'secret\n' });
  dataDir = temporaryDataDir();
  harness = await startHarness({ env: env() });
});
afterAll(async () => {
  await harness.close();
  await github.close();
  rmSync(dataDir, { recursive: true, force: true });
});
beforeEach(() => {
  harness.slack.reset();
  harness.anthropic.setDefault({ text: 'Fake answer.' });
});

describe('channel subcommands', () => {
  it('lists every subcommand in help', async () => {
    const reply = await commandReply('help', { id: 'help-all' });
    for (const usage of ['link owner/repo [branch] [path]', 'unlink', 'status', 'db <postgresql|mysql|mariadb|sqlite|oracle> [version]', 'review <PR URL | owner/repo#123>']) {
      expect(reply.text).toContain(`/migrate-help ${usage}\``);
    }
  });

  it('refuses a non-admin link attempt ephemerally, naming the setting, before reading GitHub', async () => {
    github.resetCounts();
    const reply = await commandReply('link acme/shop', { user: ASKER, id: 'link-non-admin' });
    expect(reply.response_type).toBe('ephemeral');
    expect(reply.text).toContain('SLACK_ADMIN_USER_IDS');
    expect(reply.text).toContain(`<@${ADMIN}>`);
    expect(github.counts().requests).toBe(0);
  });

  it('refuses a repository outside the allowlist, naming the setting, without a request', async () => {
    github.resetCounts();
    const reply = await commandReply('link other/secret', { id: 'link-secret' });
    expect(reply.response_type).toBe('ephemeral');
    expect(reply.text).toContain('other/secret is not in GITHUB_ALLOWED_REPOS / GITHUB_ALLOWED_ORGS');
    expect(github.counts().requests).toBe(0);
  });

  it('gives usage for link and review with bad arguments, never silence', async () => {
    expect((await commandReply('link', { id: 'link-usage' })).text).toContain('Usage: `/migrate-help link owner/repo [branch] [path]`');
    expect((await commandReply('review not-a-pr', { id: 'review-usage' })).text).toContain('Usage: `/migrate-help review <pull request URL | owner/repo#123>`');
    expect((await commandReply('db cassandra', { id: 'db-bad' })).text).toContain('Unknown database "cassandra"');
  });

  it('links, reports status, sets the database and unlinks', async () => {
    const linked = await commandReply('link acme/shop main', { id: 'link-ok', channel: 'C0LINK0001' });
    expect(linked.response_type).toBe('in_channel');
    expect(linked.text).toContain(`<@${ADMIN}> linked this channel to *acme/shop* (branch \`main\`): 42 migrations in 1 app`);

    expect((await commandReply('db postgresql 12', { id: 'db-ok', channel: 'C0LINK0001' })).text).toContain('*PostgreSQL 12*');
    const status = await commandReply('status', { user: ASKER, id: 'status-ok', channel: 'C0LINK0001' });
    expect(status.response_type).toBe('ephemeral');
    expect(status.text).toContain('Repository: *acme/shop*, branch `main`');
    expect(status.text).toContain('Target database: PostgreSQL 12 (set for this channel)');
    expect(status.text).toMatch(/GitHub: GITHUB_TOKEN; [\d,]+ of 5,000 requests left/);
    expect(status.text).toContain('Expert model: claude-test-model');

    const unlinked = await commandReply('unlink', { id: 'unlink-ok', channel: 'C0LINK0001' });
    expect(unlinked.text).toContain('unlinked *acme/shop*');
    const after = await commandReply('status', { id: 'status-after', channel: 'C0LINK0001' });
    expect(after.text).toContain('Repository: none linked');
    expect(after.text).toContain('PostgreSQL 12 (set for this channel)');
  });
});

describe('questions in a linked channel', () => {
  it('lets the model call a repository tool, shows the call as progress and sends the result back to the model', async () => {
    await commandReply('link acme/shop', { id: 'link-tools' });
    harness.anthropic.enqueue(
      { text: 'Let me look.', toolUses: [{ name: 'read_file', input: { path: 'shop/migrations/0042_step_42.py' } }] },
      { text: chunked('0042 only changes ordering; it is safe.', 8) },
    );
    const { message } = await deliverMessage(harness, 'mention', { channel: CHANNEL, text: `<@${FAKE_BOT_USER_ID}> is the newest shop migration safe?` });
    const replies = await waitForAnswer(harness, CHANNEL, message.ts);
    expect(replies.join('\n')).toContain('0042 only changes ordering; it is safe.');

    const statuses = harness.slack.callsTo('assistant.threads.setStatus').filter((call) => call.body.thread_ts === message.ts).map((call) => call.body.status);
    expect(statuses).toContain('Reading shop/0042_step_42…');
    // The call streamed as a step card: started, then done, linking the file it read.
    const cards = streamedChunks(message.ts).filter((chunk) => chunk.type === 'task_update');
    expect(cards).toEqual([
      expect.objectContaining({ id: 'tool-1', title: 'Reading shop/0042_step_42', status: 'in_progress', sources: [{ type: 'url', url: expect.stringMatching(/\/acme\/shop\/blob\/.+\/shop\/migrations\/0042_step_42\.py$/), text: 'shop/0042_step_42' }] }),
      expect.objectContaining({ id: 'tool-1', status: 'complete' }),
    ]);

    const [first, second] = harness.anthropic.requests.slice(-2);
    expect(first!.body.tools.map((tool: { name: string }) => tool.name)).toEqual(['list_migrations', 'read_file', 'analyze_migrations', 'app_graph', 'predict_sql']);
    expect(messageTexts(first!.body)[0]!.text).toContain('linked to the GitHub repository acme/shop');
    const toolResult = second!.body.messages.at(-1).content[0];
    expect(toolResult.type).toBe('tool_result');
    expect(toolResult.is_error).toBeUndefined();
    expect(JSON.stringify(toolResult.content)).toContain("migrations.AlterModelOptions(name='order'");
    expect(JSON.stringify(toolResult.content)).toContain("('shop', '0041_step_41')");
  });
});

describe('pull request review', () => {
  it('posts the risk report first (risky AddField, 0042 conflicting with the base branch), then streams the review', async () => {
    openPullRequest(7, { 'shop/migrations/0042_order_channel.py': migrationSource({ dependencies: [['shop', '0041_step_41']], operations: RISKY_ADD_FIELD }) }, 'Add order channel');
    harness.anthropic.enqueue({ text: chunked('Expert review: renumber to 0043 and add db_default before deploying.', 10) });
    const rootTs = await review('https://github.com/acme/shop/pull/7', 'C0REVIEW01');
    const replies = await waitForAnswer(harness, 'C0REVIEW01', rootTs);
    // The review streams as a plan: its title first, then reading and checking the PR as its tasks.
    const start = harness.slack.callsTo('chat.startStream').find((call) => call.body.thread_ts === rootTs)!;
    expect(start.body.task_display_mode).toBe('plan');
    const chunks = streamedChunks(rootTs);
    expect(chunks[0]).toEqual({ type: 'plan_update', title: 'Reviewing acme/shop#7' });
    expect(chunks.filter((chunk) => chunk.type === 'task_update').map((chunk) => [chunk.id, chunk.status])).toEqual([
      ['pr-read', 'in_progress'],
      ['pr-read', 'complete'],
      ['pr-check', 'in_progress'],
      ['pr-check', 'complete'],
    ]);
    const text = replies.join('\n');
    const report = text.indexOf('**Migration review of acme/shop#7** “Add order channel”');
    expect(report).toBe(0);
    expect(text).toContain('`add-field-not-null-without-db-default`');
    expect(text).toContain('db_default="web"');
    expect(text).toContain('Conflict in `shop`: after merge it has 2 leaf migrations (`shop.0042_order_channel`, `shop.0042_step_42`)');
    expect(text.indexOf('Expert review: renumber')).toBeGreaterThan(text.indexOf('**Graph after merge**'));
    // The model got the report's facts and the file.
    const context = messageTexts(harness.anthropic.requests.at(-1)!.body).at(-1)!.text;
    expect(context).toContain('[error] add-field-not-null-without-db-default at shop/migrations/0042_order_channel.py');
    expect(context).toContain('Conflict after merge in shop: leaves shop.0042_order_channel, shop.0042_step_42');
    expect(context).toContain("field=models.CharField(default='web', max_length=32)");
    expect(harness.anthropic.requests.at(-1)!.body.tools.map((tool: { name: string }) => tool.name)).toContain('pr_migration_files');

    // A follow-up mention in the thread keeps the PR in play (tools, facts) without posting the report again.
    harness.anthropic.enqueue({ text: 'Because both build on 0041.' });
    await deliverMessage(harness, 'mention', { channel: 'C0REVIEW01', text: `<@${FAKE_BOT_USER_ID}> why the conflict?`, threadTs: rootTs });
    const followUp = await waitForAnswer(harness, 'C0REVIEW01', rootTs, 2);
    expect(followUp[1]).toBe('Because both build on 0041.');
    const request = harness.anthropic.requests.at(-1)!.body;
    expect(request.tools.map((tool: { name: string }) => tool.name)).toContain('pr_migration_files');
    expect(messageTexts(request).at(-1)!.text).toContain('this is a follow-up question');
  });

  it('still posts the report when the model is overloaded (529), with a clear note', async () => {
    openPullRequest(8, { 'shop/migrations/0043_order_channel.py': migrationSource({ dependencies: [['shop', '0042_step_42']], operations: RISKY_ADD_FIELD }) });
    // The SDK retries once; both attempts are overloaded.
    harness.anthropic.enqueue({ status: 529 }, { status: 529 });
    const rootTs = await review('acme/shop#8', 'C0REVIEW02');
    const text = (await waitForAnswer(harness, 'C0REVIEW02', rootTs)).join('\n');
    expect(text.startsWith('**Migration review of acme/shop#8**')).toBe(true);
    expect(text).toContain('`add-field-not-null-without-db-default`');
    expect(text).toContain('**Graph after merge**: no conflicts or missing dependencies');
    expect(text).toMatch(/overloaded/i);
    expect(text).toContain('The expert review is unavailable, so only the risk report above is shown');
  });

  it('says in one line that a PR without migrations has nothing to review, without calling the model', async () => {
    openPullRequest(9, { 'README.md': '# shop, now documented\n' }, 'Docs');
    const requestsBefore = harness.anthropic.requests.length;
    const rootTs = await review('acme/shop#9', 'C0REVIEW03');
    expect(await waitForAnswer(harness, 'C0REVIEW03', rootTs)).toEqual(['acme/shop#9 (“Docs”) changes no migration files (1 file changed), so there is nothing for me to review.']);
    expect(harness.anthropic.requests.length).toBe(requestsBefore);
  });

  it('reviews a PR URL pasted in a mention', async () => {
    openPullRequest(10, { 'shop/migrations/0043_ok.py': migrationSource({ dependencies: [['shop', '0042_step_42']] }) }, 'Note field');
    harness.anthropic.enqueue({ text: 'Looks fine.' });
    const { message } = await deliverMessage(harness, 'mention', { channel: 'C0REVIEW04', text: `<@${FAKE_BOT_USER_ID}> can we ship <https://github.com/acme/shop/pull/10>?` });
    const text = (await waitForAnswer(harness, 'C0REVIEW04', message.ts)).join('\n');
    expect(text.startsWith('**Migration review of acme/shop#10** “Note field”')).toBe(true);
    expect(text).toContain('Looks fine.');
  });
});

describe('shared files and restarts', () => {
  it('lints a shared .py migration in the risk warnings even without a model key', async () => {
    const noKey = await startHarness({ env: { ...env(), DATA_DIR: undefined, ANTHROPIC_API_KEY: undefined } });
    try {
      const file = noKey.slack.addFile({ name: '0043_order_channel.py', content: migrationSource({ dependencies: [['shop', '0042_step_42']], operations: RISKY_ADD_FIELD }) });
      const picture = noKey.slack.addFile({ name: 'diagram.png', content: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0]), mimetype: 'image/png', filetype: 'png' });
      const { message } = await deliverMessage(noKey, 'mention', { channel: 'C0FILES001', text: `<@${FAKE_BOT_USER_ID}> is this safe?`, extra: { files: [file, picture] } });
      const text = (await waitForAnswer(noKey, 'C0FILES001', message.ts)).join('\n');
      expect(text).toContain('**Engine findings** for the shared file `0043_order_channel.py` (PostgreSQL 16): 1 error.');
      expect(text.indexOf('`diagram.png` is not a text file')).toBeGreaterThan(text.indexOf('**Engine findings**'));
      expect(text).toContain('`add-field-not-null-without-db-default`');
      expect(text).toContain('`diagram.png` is not a text file');
      expect(text).toMatch(/not configured/);
      // Downloaded once, with the bot token; the picture was never fetched.
      expect(noKey.slack.fileDownloads).toEqual([{ id: file.id, token: expect.stringMatching(/^xoxb-/) }]);
      expect(noKey.anthropic.requests).toHaveLength(0);
    } finally {
      await noKey.close();
    }
  });

  it('keeps links across a restart on the same DATA_DIR', async () => {
    await commandReply('link acme/shop main shop', { id: 'link-restart', channel: 'C0RESTART1' });
    await harness.bot.stop();
    const restarted = await startBot({
      env: { SLACK_BOT_TOKEN: 'xoxb-1111111111-2222222222-e2eTestBotTokenValue', SLACK_SIGNING_SECRET: 'e2e0signing0secret0value0abcdef12', SLACK_API_URL: harness.slack.apiUrl, LOG_LEVEL: 'silent', ...env() },
      port: 0,
      slackRetry: { retries: 0 },
    });
    const previous = harness;
    harness = { ...previous, bot: restarted, eventsUrl: `http://127.0.0.1:${restarted.port}/slack/events`, baseUrl: `http://127.0.0.1:${restarted.port}`, close: async () => {
      await restarted.stop();
      await Promise.all([previous.slack.close(), previous.anthropic.close()]);
    } };
    const status = await commandReply('status', { id: 'status-restart', channel: 'C0RESTART1' });
    expect(status.text).toContain('Repository: *acme/shop*, branch `main`, folder `shop`');
  });
});
