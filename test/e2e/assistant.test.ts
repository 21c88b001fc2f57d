/**
 * End to end over the real Bolt app: the assistant thread (suggested prompts, title), step cards in
 * the streaming calls, feedback stored with its follow-up, the Stop button, the message shortcut,
 * App Home and its validated modals, and short answers in incident channels.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { chunked } from '../fakes/anthropic.js';
import { createFakeGitHub, type FakeGitHub } from '../fakes/github.js';
import { FAKE_BOT_USER_ID, FAKE_TEAM_ID } from '../fakes/slack-api.js';
import { shopFiles } from '../github/shop-repo.js';
import { ASKER, deliverEvent, deliverMessage, postInteraction, startHarness, waitForAnswer, type Harness } from './harness.js';

const ADMIN = 'U0ADMIN001';
let github: FakeGitHub;
let harness: Harness;
const feedbackEvents: Array<{ teamId: string; rating: string }> = [];

beforeAll(async () => {
  github = await createFakeGitHub();
  github.addToken('ghp_e2eAssistantTokenValue000000000000', '*');
  github.addRepo({ owner: 'acme', repo: 'shop', private: true });
  github.commit('acme', 'shop', 'main', shopFiles());
  harness = await startHarness({
    env: { GITHUB_TOKEN: 'ghp_e2eAssistantTokenValue000000000000', GITHUB_API_URL: github.url, GITHUB_ALLOWED_REPOS: 'acme/shop', SLACK_ADMIN_USER_IDS: ADMIN, INCIDENT_CHANNEL_PATTERNS: 'inc-*' },
    sink: { stopButtonAfterMs: 0 },
    onFeedback: (event) => feedbackEvents.push(event),
  });
});
afterAll(async () => {
  await harness.close();
  await github.close();
});
beforeEach(() => {
  harness.slack.reset();
  harness.anthropic.setDefault({ text: ['Fake ', 'answer.'] });
});

const team = { id: FAKE_TEAM_ID, domain: 'fake' };
const user = (id = ASKER) => ({ id, username: 'asker', team_id: FAKE_TEAM_ID });
let triggers = 0;
const trigger = () => `trigger.assist.${(triggers += 1)}`;

/** Every chunk the streaming calls carried, in order. */
function streamedChunks(): Array<Record<string, unknown>> {
  return harness.slack.calls
    .filter((call) => call.method === 'chat.startStream' || call.method === 'chat.appendStream' || call.method === 'chat.stopStream')
    .flatMap((call) => (Array.isArray(call.body.chunks) ? (call.body.chunks as Array<Record<string, unknown>>) : []));
}

const MIGRATION = [
  '```python',
  'from django.db import migrations, models',
  '',
  'class Migration(migrations.Migration):',
  "    dependencies = [('shop', '0001_initial')]",
  '    operations = [',
  "        migrations.AddField('order', 'channel', models.CharField(max_length=20)),",
  '    ]',
  '```',
].join('\n');

describe('assistant threads', () => {
  it('offers prompts fitted to the channel in view when a thread opens and when the context changes', async () => {
    // The channel in view is linked to a repository: the first prompt is about it.
    await postInteraction(harness, {
      type: 'view_submission',
      team,
      user: user(ADMIN),
      trigger_id: trigger(),
      view: { id: 'V1', callback_id: 'home_link_view', private_metadata: '', state: { values: { channel: { value: { type: 'conversations_select', selected_conversation: 'C0LINKED01' } }, repo: { value: { type: 'plain_text_input', value: 'acme/shop' } }, branch: { value: { type: 'plain_text_input', value: null } }, path: { value: { type: 'plain_text_input', value: null } } } } },
    });
    await harness.slack.waitFor(() => harness.slack.callsTo('views.update').find((call) => call.body.view_id === 'V1'), 5000, 'the link outcome');
    const thread = { user_id: ASKER, channel_id: 'D0ASSIST01', thread_ts: '1760000900.000100', context: { channel_id: 'C0GENERAL1', team_id: FAKE_TEAM_ID } };
    await deliverEvent(harness, { type: 'assistant_thread_started', assistant_thread: thread, event_ts: '1760000900.000101' });
    const first = await harness.slack.waitFor(() => harness.slack.callsTo('assistant.threads.setSuggestedPrompts')[0], 5000, 'prompts on thread start');
    expect(first.body).toMatchObject({ channel_id: 'D0ASSIST01', thread_ts: thread.thread_ts });
    expect((first.body.prompts as Array<{ title: string }>).map((prompt) => prompt.title)).toContain('Is this migration safe?');

    await deliverEvent(harness, { type: 'assistant_thread_context_changed', assistant_thread: { ...thread, context: { channel_id: 'C0LINKED01', team_id: FAKE_TEAM_ID } }, event_ts: '1760000900.000102' });
    const second = await harness.slack.waitFor(() => harness.slack.callsTo('assistant.threads.setSuggestedPrompts')[1], 5000, 'prompts on context change');
    expect((second.body.prompts as Array<{ title: string }>)[0]!.title).toBe("Check acme/shop's latest migrations");
  });

  it('titles the thread, shows rotating loading messages and streams a step card for the engine run', async () => {
    const threadTs = '1760000950.000100';
    harness.slack.addMessage('D0ASSIST02', { user: ASKER, text: 'root' , ts: threadTs });
    const { message } = await deliverMessage(harness, 'dm', { channel: 'D0ASSIST02', threadTs, text: `Is this safe on a big table?\n${MIGRATION}` });
    await waitForAnswer(harness, 'D0ASSIST02', threadTs);
    expect(message.thread_ts).toBe(threadTs);
    expect(harness.slack.callsTo('assistant.threads.setTitle')[0]!.body).toMatchObject({ channel_id: 'D0ASSIST02', thread_ts: threadTs, title: 'Is this safe on a big table? ```python from django.db impor…' });
    const status = harness.slack.callsTo('assistant.threads.setStatus').find((call) => call.body.status !== '')!;
    expect((status.body.loading_messages as string[]).length).toBeGreaterThan(1);
    const tasks = streamedChunks().filter((chunk) => chunk.type === 'task_update');
    expect(tasks.map((task) => [task.id, task.status])).toEqual([
      ['engine', 'in_progress'],
      ['engine', 'complete'],
    ]);
    expect(String(tasks[1]!.details)).toMatch(/risk finding.* for PostgreSQL 16/);
  });
});

describe('feedback', () => {
  it('closes every answer with feedback buttons, stores each rating per answer, counts it and asks one optional follow-up', async () => {
    const { message } = await deliverMessage(harness, 'mention', { channel: 'C0FEEDBACK', text: `<@${FAKE_BOT_USER_ID}> how do I squash migrations?` });
    await waitForAnswer(harness, 'C0FEEDBACK', message.ts);
    const stop = harness.slack.callsTo('chat.stopStream').at(-1)!;
    expect(stop.body.blocks).toEqual([expect.objectContaining({ type: 'context_actions', elements: [expect.objectContaining({ type: 'feedback_buttons', action_id: 'answer_feedback' })] })]);
    const answerTs = String(stop.body.ts);

    const click = (value: string, triggerId: string) =>
      postInteraction(harness, {
        type: 'block_actions',
        team,
        user: user(),
        trigger_id: triggerId,
        channel: { id: 'C0FEEDBACK' },
        container: { type: 'message', message_ts: answerTs, channel_id: 'C0FEEDBACK' },
        message: { ts: answerTs, thread_ts: message.ts, text: 'answer' },
        actions: [{ type: 'feedback_buttons', action_id: 'answer_feedback', block_id: 'fb', value, action_ts: '1' }],
      });
    expect((await click('helpful', 'trig-fb-1')).status).toBe(200);
    await harness.slack.waitFor(() => harness.slack.callsTo('chat.postEphemeral').find((call) => String(call.body.text).startsWith('Thanks, glad')), 5000, 'the thanks');
    await click('not_helpful', 'trig-fb-2');
    const modal = await harness.slack.waitFor(() => harness.slack.callsTo('views.open')[0], 5000, 'the follow-up modal');
    expect(modal.body.trigger_id).toBe('trig-fb-2');
    const view = modal.body.view as { callback_id: string; private_metadata: string };
    expect(view.callback_id).toBe('feedback_followup');

    const submitted = await postInteraction(harness, {
      type: 'view_submission',
      team,
      user: user(),
      trigger_id: 'trig-fb-3',
      view: { id: 'V2', callback_id: 'feedback_followup', private_metadata: view.private_metadata, state: { values: { feedback_comment: { comment: { type: 'plain_text_input', value: 'It missed the lock on the orders table.' } } } } },
    });
    expect(submitted.status).toBe(200);
    const answer = { teamId: FAKE_TEAM_ID, channelId: 'C0FEEDBACK', messageTs: answerTs };
    let stored = await harness.bot.store.feedback.forAnswer(answer);
    for (let attempt = 0; attempt < 50 && stored[0]?.comment == null; attempt += 1) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      stored = await harness.bot.store.feedback.forAnswer(answer);
    }
    expect(stored).toEqual([expect.objectContaining({ userId: ASKER, rating: 'not_helpful', comment: 'It missed the lock on the orders table.' })]);
    expect(feedbackEvents.slice(-2)).toEqual([
      { teamId: FAKE_TEAM_ID, rating: 'helpful' },
      { teamId: FAKE_TEAM_ID, rating: 'not_helpful' },
    ]);
    // main.ts counts each click in the Prometheus counter too.
    const metrics = await harness.bot.metrics.render();
    expect(metrics).toMatch(/migrate_help_feedback_total\{value="positive"\} 1/);
    expect(metrics).toMatch(/migrate_help_feedback_total\{value="negative"\} 1/);
  });
});

describe('stopping a long answer', () => {
  it('offers the asker a Stop button that cancels the model stream and ends the answer marked stopped', async () => {
    harness.anthropic.enqueue({ text: chunked('A very long answer that goes on and on about locks. '.repeat(40), 20), chunkDelayMs: 40 });
    const { message } = await deliverMessage(harness, 'mention', { channel: 'C0STOP0001', text: `<@${FAKE_BOT_USER_ID}> explain every lock Django takes` });
    const offer = await harness.slack.waitFor(() => harness.slack.callsTo('chat.postEphemeral').find((call) => call.body.thread_ts === message.ts), 5000, 'the Stop button');
    expect(offer.body.user).toBe(ASKER);
    const button = (offer.body.blocks as Array<{ type: string; elements?: Array<{ action_id: string; value: string }> }>).find((block) => block.type === 'actions')!.elements![0]!;
    expect(button.action_id).toBe('answer_stop');
    await harness.slack.waitFor(() => harness.slack.callsTo('chat.startStream').some((call) => call.body.thread_ts === message.ts), 5000, 'the answer to start streaming');

    await postInteraction(harness, {
      type: 'block_actions',
      team,
      user: user(),
      trigger_id: 'trig-stop',
      response_url: harness.slack.responseUrl('stop-1'),
      container: { type: 'message', is_ephemeral: true, channel_id: 'C0STOP0001' },
      channel: { id: 'C0STOP0001' },
      actions: [{ type: 'button', action_id: 'answer_stop', block_id: 'stop', value: button.value, action_ts: '1' }],
    });
    const confirmation = await harness.slack.waitFor(() => harness.slack.responseUrlPosts.find((post) => post.id === 'stop-1'), 5000, 'the stop confirmation');
    expect(confirmation.body).toMatchObject({ replace_original: true, text: expect.stringMatching(/^Stopped/) });
    const replies = await waitForAnswer(harness, 'C0STOP0001', message.ts);
    expect(replies.join('\n')).toContain('Stopped at your request');
    expect(replies.join('\n').length).toBeLessThan('A very long answer that goes on and on about locks. '.repeat(40).length);
  });
});

describe('message shortcut', () => {
  it('answers "Ask migrate-help about this" in the message\'s thread, with the message as the question', async () => {
    const pasted = harness.slack.addMessage('C0OPS00001', { user: 'U0OTHER001', text: 'django.db.utils.ProgrammingError: relation "shop_order" does not exist' });
    harness.anthropic.enqueue({ text: chunked('The table is missing: run the earlier migration first.', 9) });
    const response = await postInteraction(harness, {
      type: 'message_action',
      callback_id: 'ask_about_message',
      trigger_id: 'trig-short-1',
      response_url: harness.slack.responseUrl('short-1'),
      team,
      user: user(),
      channel: { id: 'C0OPS00001', name: 'ops' },
      message_ts: pasted.ts,
      message: { type: 'message', user: 'U0OTHER001', ts: pasted.ts, text: pasted.text },
    });
    expect(response.status).toBe(200);
    const replies = await waitForAnswer(harness, 'C0OPS00001', pasted.ts);
    expect(replies[0]).toBe(`<@${ASKER}> asked me about this message.`);
    // The playbook's diagnosis of the pasted error comes first, then the expert's answer.
    expect(replies.slice(1).join('\n')).toContain('Recognised: `django.db.utils.ProgrammingError: relation "shop_order" does not exist`');
    expect(replies.at(-1)).toContain('The table is missing: run the earlier migration first.');
    const sent = harness.anthropic.requests.at(-1)!.body.messages.at(-1);
    expect(JSON.stringify(sent)).toContain('relation \\"shop_order\\" does not exist');
  });
});

describe('App Home', () => {
  it('publishes the workspace\'s channels, databases, recent questions and how to ask', async () => {
    await postInteraction(harness, {
      type: 'view_submission',
      team,
      user: user(ADMIN),
      trigger_id: trigger(),
      view: { id: 'V3', callback_id: 'home_db_view', private_metadata: '', state: { values: { channel: { value: { type: 'conversations_select', selected_conversation: 'C0DBSET001' } }, database: { value: { type: 'static_select', selected_option: { value: 'mysql' } } }, version: { value: { type: 'plain_text_input', value: '8.0' } } } } },
    });
    const { message } = await deliverMessage(harness, 'mention', { channel: 'C0DBSET001', text: `<@${FAKE_BOT_USER_ID}> why is my ALTER TABLE slow?` });
    await waitForAnswer(harness, 'C0DBSET001', message.ts);
    const published = harness.slack.callsTo('views.publish').length;
    await deliverEvent(harness, { type: 'app_home_opened', user: ASKER, channel: 'D0HOME0001', tab: 'home', event_ts: '1760001000.000001' });
    const call = await harness.slack.waitFor(() => harness.slack.callsTo('views.publish')[published], 5000, 'the Home tab');
    expect(call.body.user_id).toBe(ASKER);
    const text = JSON.stringify(call.body.view);
    expect(text).toContain('<#C0DBSET001>: _no repository_, mysql 8.0');
    expect(text).toContain('why is my ALTER TABLE slow?');
    expect(text).toContain('Ask migrate-help about this');
    expect(text).toContain('home_link_repo');
    expect(text).toContain('home_set_database');
  });

  it('opens the modals from its buttons and answers bad input with errors on the field at fault', async () => {
    await postInteraction(harness, { type: 'block_actions', team, user: user(ADMIN), trigger_id: 'trig-home-1', container: { type: 'view', view_id: 'VH' }, actions: [{ type: 'button', action_id: 'home_link_repo', block_id: 'b', action_ts: '1' }] });
    const opened = await harness.slack.waitFor(() => harness.slack.callsTo('views.open').find((call) => call.body.trigger_id === 'trig-home-1'), 5000, 'the link modal');
    expect((opened.body.view as { callback_id: string }).callback_id).toBe('home_link_view');

    const link = (repo: string, userId = ADMIN) =>
      postInteraction(harness, {
        type: 'view_submission',
        team,
        user: user(userId),
        trigger_id: trigger(),
        view: { id: 'V4', callback_id: 'home_link_view', private_metadata: '', state: { values: { channel: { value: { type: 'conversations_select', selected_conversation: 'C0HOMELNK1' } }, repo: { value: { type: 'plain_text_input', value: repo } }, branch: { value: { type: 'plain_text_input', value: null } }, path: { value: { type: 'plain_text_input', value: null } } } } },
      });
    const outside = await link('other/secret');
    expect(outside.json).toEqual({ response_action: 'errors', errors: { repo: expect.stringContaining('other/secret is not in GITHUB_ALLOWED_REPOS') } });
    const notAdmin = await link('acme/shop', ASKER);
    expect(notAdmin.json).toMatchObject({ response_action: 'errors', errors: { channel: expect.stringContaining('SLACK_ADMIN_USER_IDS') } });
    // GitHub is slow: the submission is acknowledged at once with a "checking" view, then updated.
    const slow = github.hold(/^\/repos\/acme\/shop\/commits\//);
    const ok = await link('acme/shop');
    expect(ok.status).toBe(200);
    expect(ok.json).toMatchObject({ response_action: 'update', view: { callback_id: 'home_link_view' } });
    expect(JSON.stringify(ok.json)).toContain('Reading the migrations of *acme/shop* on GitHub');
    await slow.reached;
    expect(await harness.bot.store.links.forTeam(FAKE_TEAM_ID).get('C0HOMELNK1')).toBeUndefined();
    slow.release();
    const done = await harness.slack.waitFor(() => harness.slack.callsTo('views.update').find((call) => call.body.view_id === 'V4'), 5000, 'the link outcome');
    expect(JSON.stringify(done.body.view)).toMatch(/Linked <#C0HOMELNK1> to \*acme\/shop\* \(default branch\): \d+ migrations? in \d+ apps? at commit `[0-9a-f]{7}`/);
    expect((await harness.bot.store.links.forTeam(FAKE_TEAM_ID).get('C0HOMELNK1'))?.repo).toBe('acme/shop');

    // GitHub refuses the branch after the acknowledgement: the form comes back with the reason and what was typed.
    harness.slack.reset();
    const missing = await postInteraction(harness, {
      type: 'view_submission',
      team,
      user: user(ADMIN),
      trigger_id: trigger(),
      view: { id: 'V6', callback_id: 'home_link_view', private_metadata: '', state: { values: { channel: { value: { type: 'conversations_select', selected_conversation: 'C0HOMELNK2' } }, repo: { value: { type: 'plain_text_input', value: 'acme/shop' } }, branch: { value: { type: 'plain_text_input', value: 'no-such-branch' } }, path: { value: { type: 'plain_text_input', value: null } } } } },
    });
    expect(missing.json).toMatchObject({ response_action: 'update' });
    const refused = await harness.slack.waitFor(() => harness.slack.callsTo('views.update').find((call) => call.body.view_id === 'V6'), 5000, 'the refusal');
    const form = JSON.stringify(refused.body.view);
    expect(form).toContain(':warning:');
    expect(form).toContain('no-such-branch');
    expect(form).toContain('"initial_conversation":"C0HOMELNK2"');
    expect((refused.body.view as { submit?: unknown }).submit).toBeDefined();
    expect(await harness.bot.store.links.forTeam(FAKE_TEAM_ID).get('C0HOMELNK2')).toBeUndefined();

    const badVersion = await postInteraction(harness, {
      type: 'view_submission',
      team,
      user: user(ADMIN),
      trigger_id: trigger(),
      view: { id: 'V5', callback_id: 'home_db_view', private_metadata: '', state: { values: { channel: { value: { type: 'conversations_select', selected_conversation: 'C0HOMELNK1' } }, database: { value: { type: 'static_select', selected_option: { value: 'postgresql' } } }, version: { value: { type: 'plain_text_input', value: 'latest' } } } } },
    });
    expect(badVersion.json).toEqual({ response_action: 'errors', errors: { version: expect.stringMatching(/Cannot read database version/) } });
  });
});

describe('incident channels', () => {
  it('answers briefly first in a channel whose name matches, and gives the full answer on "Show details"', async () => {
    harness.slack.channelNames.set('C0INC00001', 'inc-db-outage');
    harness.anthropic.enqueue({ text: 'Run `migrate shop 0041` to roll back.' }, { text: 'Full answer: roll back, then fix the default, then re-run.' });
    const { message } = await deliverMessage(harness, 'mention', { channel: 'C0INC00001', text: `<@${FAKE_BOT_USER_ID}> migrate is stuck on 0042, what now?` });
    await waitForAnswer(harness, 'C0INC00001', message.ts);
    const brief = harness.anthropic.requests.at(-1)!.body;
    expect(JSON.stringify(brief.system)).toContain('incident channel');
    const stop = harness.slack.callsTo('chat.stopStream').at(-1)!;
    const blocks = stop.body.blocks as Array<{ type: string; elements?: Array<{ action_id?: string }> }>;
    expect(blocks.map((block) => block.type)).toEqual(['actions', 'context_actions']);
    expect(blocks[0]!.elements![0]!.action_id).toBe('answer_details');

    await postInteraction(harness, {
      type: 'block_actions',
      team,
      user: user(),
      trigger_id: 'trig-details',
      channel: { id: 'C0INC00001' },
      container: { type: 'message', message_ts: String(stop.body.ts), channel_id: 'C0INC00001' },
      message: { ts: String(stop.body.ts), thread_ts: message.ts, text: 'brief' },
      actions: [{ type: 'button', action_id: 'answer_details', block_id: 'd', value: 'full', action_ts: '1' }],
    });
    const replies = await waitForAnswer(harness, 'C0INC00001', message.ts, 2);
    expect(replies.at(-1)).toBe('Full answer: roll back, then fix the default, then re-run.');
    const full = harness.anthropic.requests.at(-1)!.body;
    expect(JSON.stringify(full.system)).not.toContain('incident channel');
    expect(JSON.stringify(full.messages)).toContain('Run `migrate shop 0041` to roll back.');
    // The name was read once and cached.
    expect(harness.slack.callsTo('conversations.info').filter((call) => call.body.channel === 'C0INC00001')).toHaveLength(1);
  });
});
