/**
 * Predicted SQL in Slack, end to end: signed Slack requests → the real Bolt app → real pipeline, real
 * Octokit (fake GitHub) and real Anthropic SDK (fake Messages API). Risk warnings quote the statement and
 * the lock it takes (PostgreSQL and MySQL), the model's predict_sql reads the linked repository, and
 * "Post to PR" writes the comment with its "SQL and locks" block.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createFakeGitHub, migrationSource, type FakeGitHub } from '../fakes/github.js';
import { FAKE_BOT_USER_ID, FAKE_TEAM_ID } from '../fakes/slack-api.js';
import { CREATE_ORDER, RISKY_ADD_FIELD, shopFiles } from '../github/shop-repo.js';
import { ASKER, deliverMessage, messageTexts, postInteraction, slashCommand, startHarness, waitForAnswer, type Harness } from './harness.js';

const GITHUB_TOKEN = 'ghp_e2eSqlTestGitHubTokenValue00000000042';
/** A token shape the scrubber knows, inside a repository file the tool reads. */
const LEAKED_TOKEN = 'ghp_leakedInAMigration0123456789abcdef';
const ADMIN = 'U0ADMIN001';
const LINKED = 'C0SQLLINK1';

const ADD_CHANNEL_AND_INDEX = `${RISKY_ADD_FIELD}
        migrations.AddIndex(model_name='order', index=models.Index(fields=['channel'], name='order_channel_idx')),`;

let github: FakeGitHub;
let harness: Harness;

function pasted(): string {
  const initial = migrationSource({ dependencies: [], operations: CREATE_ORDER });
  const change = migrationSource({ dependencies: [['shop', '0001_initial']], operations: ADD_CHANNEL_AND_INDEX });
  return `<@${FAKE_BOT_USER_ID}> is this safe?\n\`\`\`python\n${initial}\`\`\`\n\`\`\`python\n${change}\`\`\``;
}

/** Every markdown the bot sent into a thread (posted messages and stream chunks), as Slack received it. */
function sentMarkdown(threadTs: string): string {
  const streams = new Set(harness.slack.callsTo('chat.startStream').filter((call) => call.body.thread_ts === threadTs).map((call) => String(call.response.ts)));
  const pieces: string[] = [];
  for (const call of harness.slack.calls) {
    const inThread = call.body.thread_ts === threadTs || streams.has(String(call.body.ts));
    if (!inThread) continue;
    if (typeof call.body.markdown_text === 'string') pieces.push(call.body.markdown_text);
    for (const chunk of (Array.isArray(call.body.chunks) ? call.body.chunks : []) as Array<{ type?: string; text?: string }>) if (chunk.type === 'markdown_text') pieces.push(chunk.text ?? '');
    for (const block of (Array.isArray(call.body.blocks) ? call.body.blocks : []) as Array<{ type?: string; text?: string }>) if (block.type === 'markdown') pieces.push(block.text ?? '');
  }
  return pieces.join('');
}

async function command(text: string, channel: string, id: string): Promise<string> {
  await slashCommand(harness, text, { user: ADMIN, channel, responseId: id });
  const posted = await harness.slack.waitFor(() => harness.slack.responseUrlPosts.find((post) => post.id === id), 8000, `the reply to "${text}"`);
  return (posted.body as { text: string }).text;
}

async function askPasted(channel: string): Promise<string> {
  const { message } = await deliverMessage(harness, 'mention', { channel, text: pasted() });
  await waitForAnswer(harness, channel, message.ts);
  return sentMarkdown(message.ts);
}

beforeAll(async () => {
  github = await createFakeGitHub();
  github.addToken(GITHUB_TOKEN, '*');
  github.addRepo({ owner: 'acme', repo: 'shop', private: true });
  github.commit('acme', 'shop', 'main', {
    ...shopFiles(),
    'shop/migrations/0043_order_channel.py': migrationSource({
      dependencies: [['shop', '0042_step_42']],
      operations: `${RISKY_ADD_FIELD}\n        migrations.RunSQL("COMMENT ON TABLE shop_order IS 'token ${LEAKED_TOKEN}'"),`,
    }),
  });
  harness = await startHarness({ env: { GITHUB_TOKEN, GITHUB_API_URL: github.url, GITHUB_ALLOWED_REPOS: 'acme/shop', SLACK_ADMIN_USER_IDS: ADMIN } });
  expect(await command('link acme/shop', LINKED, 'link')).toContain('linked this channel');
});
afterAll(async () => {
  await harness.close();
  await github.close();
});
beforeEach(() => {
  harness.slack.reset();
  harness.anthropic.setDefault({ text: 'Fake answer.' });
});

describe('risk warnings quote the SQL and the lock', () => {
  it('on PostgreSQL: each warning shows its statements in a SQL block with the lock on the table', async () => {
    const markdown = await askPasted('C0SQLPG001');
    expect(markdown).toContain('`add-field-not-null-without-db-default`');
    expect(markdown).toContain('```sql\nALTER TABLE "shop_order" ADD COLUMN "channel" varchar(32) DEFAULT \'web\' NOT NULL;\n-- takes ACCESS EXCLUSIVE on "shop_order"\nALTER TABLE "shop_order" ALTER COLUMN "channel" DROP DEFAULT;\n-- takes ACCESS EXCLUSIVE on "shop_order"\n```');
    expect(markdown).toContain('```sql\nCREATE INDEX "order_channel_idx" ON "shop_order" ("channel");\n-- takes SHARE on "shop_order"; reads every row\n```');
    // Each quote sits under its own warning: the index one after the AddIndex finding, not the AddField one.
    expect(markdown.indexOf('CREATE INDEX "order_channel_idx"')).toBeGreaterThan(markdown.indexOf('`add-index-non-concurrent`'));
    // The model is told the same facts.
    const context = messageTexts(harness.anthropic.requests.at(-1)!.body).at(-1)!.text;
    expect(context).toContain('Predicted SQL: CREATE INDEX "order_channel_idx" ON "shop_order" ("channel") -- takes SHARE on "shop_order"; reads every row');
  });

  it('on MySQL: the warning names the ALGORITHM and LOCK the ALTER runs with', async () => {
    expect(await command('db mysql 8.0.40', 'C0SQLMY001', 'db-mysql')).toContain('MySQL 8.0.40');
    const markdown = await askPasted('C0SQLMY001');
    expect(markdown).toContain('(MySQL 8.0.40)');
    expect(markdown).toMatch(/```sql\nALTER TABLE `shop_order` ADD COLUMN `channel` varchar\(32\) DEFAULT 'web' NOT NULL;\n-- runs with ALGORITHM=(INSTANT|INPLACE|COPY), LOCK=(NONE|SHARED|EXCLUSIVE) on "shop_order"(; rewrites the table)?(; reads every row)?\n/);
    expect(markdown).not.toContain('ACCESS EXCLUSIVE');
  });
});

describe('predict_sql over the linked repository', () => {
  it('reads the migration by path with its app as context, returns statements and locks, and scrubs secrets', async () => {
    harness.anthropic.enqueue({ toolUses: [{ name: 'predict_sql', input: { path: 'shop/migrations/0043_order_channel.py' } }] }, { text: 'It takes ACCESS EXCLUSIVE.' });
    const { message } = await deliverMessage(harness, 'mention', { channel: LINKED, text: `<@${FAKE_BOT_USER_ID}> what SQL does shop 0043 run?` });
    const replies = await waitForAnswer(harness, LINKED, message.ts);
    expect(replies.join('\n')).toContain('It takes ACCESS EXCLUSIVE.');

    const [first, second] = harness.anthropic.requests.slice(-2);
    expect(first!.body.tools.find((tool: { name: string }) => tool.name === 'predict_sql').input_schema.properties).toHaveProperty('path');
    const result = second!.body.messages.at(-1).content[0];
    expect(result).toMatchObject({ type: 'tool_result' });
    expect(result.is_error).toBeUndefined();
    const text = String(result.content);
    expect(text).toContain('with 42 other migrations read as context');
    expect(text).toContain('ALTER TABLE "shop_order" ADD COLUMN "channel" varchar(32) DEFAULT \'web\' NOT NULL;\n-- lock: ACCESS EXCLUSIVE on shop_order, rewrite: no, scan: no');
    expect(text).toContain("COMMENT ON TABLE shop_order IS 'token [redacted]'");
    for (const request of harness.anthropic.requests) {
      expect(request.rawBody).not.toContain(LEAKED_TOKEN);
      expect(request.rawBody).not.toContain(GITHUB_TOKEN);
    }
  });
});

describe('"Post to PR" from Slack', () => {
  it('writes the sticky comment with the SQL and locks block under the finding', async () => {
    github.commit('acme', 'shop', 'pr-5', { 'shop/migrations/0044_order_source.py': migrationSource({ dependencies: [['shop', '0043_order_channel']], operations: RISKY_ADD_FIELD.replace("'channel'", "'source'") }) }, { from: 'main' });
    github.addPullRequest('acme', 'shop', { number: 5, base: 'main', head: 'pr-5', title: 'Add order source' });
    const messageTs = harness.slack.nextTs();
    const response = await postInteraction(harness, {
      type: 'block_actions',
      team: { id: FAKE_TEAM_ID, domain: 'fake' },
      user: { id: ASKER, username: 'asker', team_id: FAKE_TEAM_ID },
      trigger_id: 'post-sql',
      channel: { id: LINKED },
      container: { type: 'message', message_ts: messageTs, channel_id: LINKED },
      message: { ts: messageTs, text: 'review' },
      actions: [{ type: 'button', action_id: 'post_to_pr', block_id: 'pr', value: 'acme/shop#5', action_ts: '1' }],
    });
    expect(response.status).toBe(200);
    const reply = await harness.slack.waitFor(() => harness.slack.callsTo('chat.postEphemeral').find((call) => call.body.user === ASKER), 8000, 'the Post to PR reply');
    expect(String(reply.body.text)).toContain('Posted the review on acme/shop#5');

    const [comment] = github.comments('acme', 'shop', 5);
    expect(comment!.body).toContain('`add-field-not-null-without-db-default`');
    expect(comment!.body).toContain('<details><summary>SQL and locks</summary>\n\n```sql\n-- lock: ACCESS EXCLUSIVE; rewrite: no; scan: no\nALTER TABLE "shop_order" ADD COLUMN "source" varchar(32) DEFAULT \'web\' NOT NULL;');
    expect(comment!.body).not.toContain(GITHUB_TOKEN);
  });
});
