/**
 * "Show the safe version", end to end: signed Slack requests → the real Bolt app → the real pipeline
 * and fix engine, the fake Slack Web API and a fake GitHub. The button closes only answers whose
 * migrations a fix recipe covers; its value is a reference (message or repository commit), read again
 * on click; the files land in the thread, and every failure ends in a message saying what to do.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createFakeGitHub, migrationSource, type FakeGitHub } from '../fakes/github.js';
import { contentOf, FAKE_BOT_USER_ID, FAKE_TEAM_ID, type RecordedCall } from '../fakes/slack-api.js';
import { shopFiles } from '../github/shop-repo.js';
import { ASKER, deliverMessage, postInteraction, slashCommand, startHarness, waitForAnswer, type Harness } from './harness.js';

const GITHUB_TOKEN = 'ghp_e2eSafeVersionTokenValue000000000042';
const ACTION = 'show_safe_version';

const CREATE_ORDER = `        migrations.CreateModel(
            name='Order',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False)),
                ('channel', models.CharField(max_length=32)),
            ],
        ),`;
const ADD_INDEX = `        migrations.AddIndex(model_name='order', index=models.Index(fields=['channel'], name='order_channel_idx')),`;
const ADD_NULLABLE = `        migrations.AddField(model_name='order', name='note', field=models.TextField(null=True)),`;

let github: FakeGitHub;
let harness: Harness;

function pasted(operations: string): string {
  const initial = migrationSource({ dependencies: [], operations: CREATE_ORDER });
  const change = `# shop/migrations/0002_order_change.py\n${migrationSource({ dependencies: [['shop', '0001_initial']], operations })}`;
  return `<@${FAKE_BOT_USER_ID}> is this safe?\n\`\`\`python\n${initial}\`\`\`\n\`\`\`python\n${change}\`\`\``;
}

/** The call that closed the answer in a thread with the safe-version button, if any. */
function buttonCall(threadTs: string): RecordedCall | undefined {
  const streams = new Set(harness.slack.callsTo('chat.startStream').filter((call) => call.body.thread_ts === threadTs).map((call) => String(call.response.ts)));
  return harness.slack.calls.find((call) => (call.body.thread_ts === threadTs || streams.has(String(call.body.ts))) && JSON.stringify(call.body.blocks ?? '').includes(ACTION));
}

function buttonValue(threadTs: string): string {
  const call = buttonCall(threadTs);
  expect(call, 'the answer ends with "Show the safe version"').toBeDefined();
  const blocks = call!.body.blocks as Array<{ type: string; elements?: Array<{ action_id?: string; value?: string; text?: { text: string } }> }>;
  const button = blocks.flatMap((block) => block.elements ?? []).find((element) => element.action_id === ACTION)!;
  expect(button.text?.text).toBe('Show the safe version');
  expect(button.value!.length).toBeLessThanOrEqual(2000);
  return button.value!;
}

async function ask(channel: string, text: string, extra?: Record<string, unknown>): Promise<string> {
  const { message } = await deliverMessage(harness, 'mention', { channel, text, ...(extra === undefined ? {} : { extra }) });
  await waitForAnswer(harness, channel, message.ts);
  return message.ts;
}

/** Click the button (a signed block_actions payload) under the answer in `threadTs`; returns the thread messages it posted. */
async function click(channel: string, threadTs: string, value: string, expected = 1): Promise<string[]> {
  const before = harness.slack.callsTo('chat.postMessage').length;
  const answerTs = harness.slack.nextTs();
  const response = await postInteraction(harness, {
    type: 'block_actions',
    team: { id: FAKE_TEAM_ID, domain: 'fake' },
    user: { id: ASKER, username: 'asker', team_id: FAKE_TEAM_ID },
    trigger_id: `safe-${answerTs}`,
    channel: { id: channel },
    container: { type: 'message', message_ts: answerTs, channel_id: channel },
    message: { ts: answerTs, thread_ts: threadTs, text: 'answer' },
    actions: [{ type: 'button', action_id: ACTION, block_id: 'safe', value, action_ts: '1' }],
  });
  expect(response.status).toBe(200);
  const posts = () => harness.slack.callsTo('chat.postMessage').slice(before).filter((call) => call.body.channel === channel && call.body.thread_ts === threadTs);
  await harness.slack.waitFor(() => posts().length >= expected, 8000, `${expected} safe-version message(s) in ${threadTs}`);
  return posts().map((call) => contentOf(call.body));
}

beforeAll(async () => {
  github = await createFakeGitHub();
  github.addToken(GITHUB_TOKEN, '*');
  github.addRepo({ owner: 'acme', repo: 'shop', private: true });
  github.addRepo({ owner: 'acme', repo: 'other', private: true });
  const files = shopFiles();
  files['shop/migrations/0001_initial.py'] = migrationSource({ dependencies: [], operations: CREATE_ORDER });
  github.commit('acme', 'shop', 'main', files);
  harness = await startHarness({ env: { GITHUB_TOKEN, GITHUB_API_URL: github.url, GITHUB_ALLOWED_REPOS: 'acme/shop' } });
});
afterAll(async () => {
  await harness.close();
  await github.close();
});
beforeEach(() => {
  harness.slack.reset();
  harness.anthropic.setDefault({ text: 'Fake answer.' });
});

describe('the button', () => {
  it('closes an answer whose pasted migration a recipe covers, with a reference to the message instead of the code', async () => {
    const ts = await ask('C0SAFE0001', pasted(ADD_INDEX));
    const value = buttonValue(ts);
    expect(JSON.parse(value)).toEqual({ m: { c: 'C0SAFE0001', th: ts, t: ts, p: ['shop/migrations/0002_order_change.py'] } });
    expect(value).not.toContain('AddIndex');
  });

  it('is left out when no finding has a recipe', async () => {
    const ts = await ask('C0SAFE0002', pasted(ADD_NULLABLE));
    expect(harness.slack.botReplies('C0SAFE0002', ts).map((message) => message.text).join('\n')).toContain('**Engine findings**');
    expect(buttonCall(ts)).toBeUndefined();
    // The answer did close with its other blocks, so the absence is the button's.
    expect(harness.slack.calls.some((call) => JSON.stringify(call.body.blocks ?? '').includes('answer_feedback'))).toBe(true);
  });
});

describe('a click on a pasted migration', () => {
  it('re-reads the message and posts the deploy order and the complete concurrent-index migration', async () => {
    const ts = await ask('C0SAFE0003', pasted(ADD_INDEX));
    const [message, ...rest] = await click('C0SAFE0003', ts, buttonValue(ts));
    expect(rest).toEqual([]);
    expect(message).toContain('**Safe version of `shop/migrations/0002_order_change.py`**');
    expect(message).toContain('**Deploy order**\nRelease 1 (the release that carried the original migration):');
    expect(message).toContain('`shop/migrations/0002_order_change.py` (release 1, replaces the original)\n```python\n');
    expect(message).toContain('from django.contrib.postgres.operations import AddIndexConcurrently');
    expect(message).toContain('    atomic = False');
    expect(message).toMatch(/AddIndexConcurrently\(\n\s+model_name='order',\n\s+index=models\.Index\(fields=\['channel'\], name='order_channel_idx'\),/);
    expect(message).toContain('("shop", "0001_initial")');
    expect(harness.slack.callsTo('conversations.replies').some((call) => call.body.channel === 'C0SAFE0003' && call.body.latest === ts)).toBe(true);
  });

  it('reads a slash command question back from the metadata of its root message', async () => {
    await slashCommand(harness, pasted(ADD_INDEX).replace(`<@${FAKE_BOT_USER_ID}> `, ''), { channel: 'C0SAFE0004' });
    const root = await harness.slack.waitFor(() => harness.slack.callsTo('chat.postMessage').find((call) => call.body.channel === 'C0SAFE0004' && call.body.metadata !== undefined), 8000, 'the root message');
    const rootTs = String(root.response.ts);
    await waitForAnswer(harness, 'C0SAFE0004', rootTs);
    const [message] = await click('C0SAFE0004', rootTs, buttonValue(rootTs));
    expect(message).toContain('AddIndexConcurrently(');
  });

  it('reads a shared file again, and splits a file longer than a message into numbered parts cut between lines', async () => {
    const updates = Array.from({ length: 300 }, (_, i) => `    Order.objects.filter(channel='c${i}').update(channel='d${i}')`).join('\n');
    const source = migrationSource({ dependencies: [['shop', '0001_initial']], operations: `        migrations.RunPython(forwards),\n${ADD_INDEX}` }).replace(
      '\n\nclass Migration',
      `\n\ndef forwards(apps, schema_editor):\n    Order = apps.get_model('shop', 'Order')\n${updates}\n\n\nclass Migration`,
    );
    const initial = harness.slack.addFile({ name: 'shop/migrations/0001_initial.py', content: migrationSource({ dependencies: [], operations: CREATE_ORDER }) });
    const file = harness.slack.addFile({ name: 'shop/migrations/0002_backfill_idx.py', content: source });
    const ts = await ask('C0SAFE0005', `<@${FAKE_BOT_USER_ID}> safe?`, { files: [initial, file] });
    const value = JSON.parse(buttonValue(ts)) as { m: { p: string[] } };
    expect(value.m.p).toEqual(['shop/migrations/0002_backfill_idx.py']);
    const messages = await click('C0SAFE0005', ts, JSON.stringify(value), 3);
    const all = messages.join('\n');
    for (const message of messages) expect(message.length).toBeLessThanOrEqual(12_000);
    expect(all).toContain('`shop/migrations/0002_step1_backfill_idx_unchanged.py` (release 1, new file), part 1 of 2 (paste the parts one after another)');
    expect(all).toContain('part 2 of 2');
    // Every line of the function is in exactly one part, and no line is cut.
    for (const line of updates.split('\n')) expect(all.split(line).length - 1).toBe(1);
    expect(all).toContain('No automatic fix for operation 1 (RunPython');
    expect(all).toContain('AddIndexConcurrently(');
    // The file was downloaded again with the bot token, at click time.
    expect(harness.slack.fileDownloads.filter((download) => download.id === file.id).length).toBeGreaterThanOrEqual(2);
  });
});

describe('a click on a pull request review', () => {
  it('reads the migration at the head commit from GitHub, with its app as context', async () => {
    const head = github.commit('acme', 'shop', 'pr-7', { 'shop/migrations/0043_order_idx.py': migrationSource({ dependencies: [['shop', '0042_step_42']], operations: ADD_INDEX }) }, { from: 'main' });
    github.addPullRequest('acme', 'shop', { number: 7, base: 'main', head: 'pr-7', title: 'Index orders by channel' });
    await slashCommand(harness, 'review acme/shop#7', { channel: 'C0SAFE0006' });
    const root = await harness.slack.waitFor(() => harness.slack.callsTo('chat.postMessage').find((call) => call.body.channel === 'C0SAFE0006'), 8000, 'the review root');
    const rootTs = String(root.response.ts);
    await waitForAnswer(harness, 'C0SAFE0006', rootTs);
    const value = buttonValue(rootTs);
    expect(JSON.parse(value)).toEqual({ r: { r: 'acme/shop', s: head, p: ['shop/migrations/0043_order_idx.py'] } });
    const [message] = await click('C0SAFE0006', rootTs, value);
    expect(message).toContain('**Safe version of `shop/migrations/0043_order_idx.py`**');
    expect(message).toContain('AddIndexConcurrently(');
    expect(message).toContain('atomic = False');
    expect(message).toContain('("shop", "0042_step_42")');
  });
});

describe('failures end in a message saying what to do', () => {
  it('the message was deleted', async () => {
    const ts = await ask('C0SAFE0007', pasted(ADD_INDEX));
    const value = buttonValue(ts);
    const list = harness.slack.channels.get('C0SAFE0007')!;
    list.splice(list.findIndex((message) => message.ts === ts), 1);
    const [note] = await click('C0SAFE0007', ts, value);
    expect(note).toContain('⚠️ No safe version of `shop/migrations/0002_order_change.py`');
    expect(note).toContain('Paste the migration again');
  });

  it('the message was edited so nothing is risky any more (the fix engine refuses)', async () => {
    const ts = await ask('C0SAFE0008', pasted(ADD_INDEX));
    const value = buttonValue(ts);
    harness.slack.channels.get('C0SAFE0008')!.find((message) => message.ts === ts)!.text = pasted(ADD_NULLABLE);
    const [note] = await click('C0SAFE0008', ts, value);
    expect(note).toContain('has no risky operation');
    expect(note).toContain('nothing to fix');
  });

  it('a repository the allowlist does not allow', async () => {
    const value = JSON.stringify({ r: { r: 'acme/other', s: 'a'.repeat(40), p: ['shop/migrations/0002_x.py'] } });
    const [note] = await click('C0SAFE0009', harness.slack.nextTs(), value);
    expect(note).toContain('I could not read `shop/migrations/0002_x.py` from acme/other');
    expect(note).toMatch(/allow/i);
  });

  it('a commit GitHub does not have', async () => {
    const value = JSON.stringify({ r: { r: 'acme/shop', s: 'b'.repeat(40), p: ['shop/migrations/0043_order_idx.py'] } });
    const [note] = await click('C0SAFE0010', harness.slack.nextTs(), value);
    expect(note).toContain('I could not read `shop/migrations/0043_order_idx.py` from acme/shop');
  });

  it('a value this version did not write', async () => {
    const [note] = await click('C0SAFE0011', harness.slack.nextTs(), '{"x":1}');
    expect(note).toContain('I could not read what this button points at');
  });

  it('a button copied from another conversation is not read there', async () => {
    const ts = await ask('C0SAFE0012', pasted(ADD_INDEX));
    const value = buttonValue(ts);
    const [note] = await click('C0SAFE0013', ts, value);
    expect(note).toContain('another conversation');
    expect(harness.slack.callsTo('conversations.replies').filter((call) => call.body.channel === 'C0SAFE0012' && call.body.latest === ts)).toEqual([]);
  });
});
