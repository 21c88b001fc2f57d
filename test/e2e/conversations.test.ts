/**
 * End to end: signed Slack requests → the real Bolt app → real pipeline + Anthropic SDK → fake
 * Anthropic → the answer recorded by the fake Slack Web API.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { chunked } from '../fakes/anthropic.js';
import { FAKE_BOT_ID, FAKE_BOT_USER_ID, markdownOf } from '../fakes/slack-api.js';
import { ASKER, deliverEvent, deliverMessage, nextEventId, questionTexts, sleep, slashCommand, startHarness, waitForAnswer, type Harness } from './harness.js';

let harness: Harness;

beforeAll(async () => {
  harness = await startHarness();
});
afterAll(() => harness.close());
beforeEach(() => {
  harness.slack.reset();
  harness.anthropic.setDefault({ text: ['Fake ', 'answer.'] });
});

const ANSWER = 'Adding a `NOT NULL` column with a default is instant on PostgreSQL 11+.\n\n```python\nmigrations.AddField("book", "isbn", models.CharField(max_length=13, default=""))\n```\n\n**Risk warnings**: none on 11+.';

describe('/migrate-help', () => {
  it('posts a root message quoting the asker, then streams the answer into its thread', async () => {
    harness.anthropic.enqueue({ text: chunked(ANSWER, 9) });
    const response = await slashCommand(harness, 'is adding a NOT NULL column with a default safe?', { channel: 'C0GENERAL1' });
    expect(response.status).toBe(200);

    const root = await harness.slack.waitFor(() => harness.slack.callsTo('chat.postMessage').find((call) => call.body.thread_ts === undefined), 5000, 'the root message');
    expect(root.body.channel).toBe('C0GENERAL1');
    expect(root.body.text).toBe(`<@${ASKER}> asked:\n> is adding a NOT NULL column with a default safe?`);
    const rootTs = String(root.response.ts);

    const replies = await waitForAnswer(harness, 'C0GENERAL1', rootTs);
    expect(replies).toEqual([ANSWER]);
    const start = harness.slack.callsTo('chat.startStream')[0]!;
    expect(start.body).toMatchObject({ channel: 'C0GENERAL1', thread_ts: rootTs, recipient_user_id: ASKER });
    expect(harness.slack.callsTo('chat.appendStream').length).toBeGreaterThan(1);
    expect(harness.slack.callsTo('chat.stopStream')).toHaveLength(1);
    // The status came before any text, in the answer's thread.
    const firstStatus = harness.slack.callsTo('assistant.threads.setStatus')[0]!;
    expect(firstStatus.body).toMatchObject({ channel_id: 'C0GENERAL1', thread_ts: rootTs, status: 'Thinking…' });
    expect(firstStatus.at).toBeLessThan(start.at);
    // The model got the question as the only user turn, with our token never in it.
    const request = harness.anthropic.requests.at(-1)!;
    expect(questionTexts(request.body)).toEqual([{ role: 'user', text: 'is adding a NOT NULL column with a default safe?' }]);
  });

  it('shows ephemeral usage for the command alone and for help, without calling the model', async () => {
    const alone = await slashCommand(harness, '');
    expect(alone.status).toBe(200);
    expect(alone.json).toMatchObject({ response_type: 'ephemeral' });
    expect((alone.json as { text: string }).text).toContain('/migrate-help help');

    await slashCommand(harness, 'help', { responseId: 'help-1' });
    const posted = await harness.slack.waitFor(() => harness.slack.responseUrlPosts.find((post) => post.id === 'help-1'), 5000, 'the help reply');
    expect(posted.body).toMatchObject({ response_type: 'ephemeral' });
    expect(String(posted.body.text)).toContain('/migrate-help <question>');
    expect(harness.slack.callsTo('chat.postMessage')).toHaveLength(0);
  });

  it('tells the asker how to invite the bot when it cannot post in the channel', async () => {
    harness.slack.fail('chat.postMessage', { error: 'not_in_channel' });
    const requestsBefore = harness.anthropic.requests.length;
    await slashCommand(harness, 'why is my migration slow?', { channel: 'C0PRIVATE1', responseId: 'invite-1' });
    const posted = await harness.slack.waitFor(() => harness.slack.responseUrlPosts.find((post) => post.id === 'invite-1'), 5000, 'the invite hint');
    expect(posted.body.response_type).toBe('ephemeral');
    expect(String(posted.body.text)).toContain('/invite @migrate-help');
    expect(harness.anthropic.requests.length).toBe(requestsBefore);
  });
});

describe('mentions', () => {
  it('answers a mention in its thread', async () => {
    harness.anthropic.enqueue({ text: chunked(ANSWER, 13) });
    const { response, message } = await deliverMessage(harness, 'mention', { channel: 'C0INCIDENT', text: `<@${FAKE_BOT_USER_ID}> is this AddField safe?` });
    expect(response.status).toBe(200);
    expect(await waitForAnswer(harness, 'C0INCIDENT', message.ts)).toEqual([ANSWER]);
    expect(questionTexts(harness.anthropic.requests.at(-1)!.body)).toEqual([{ role: 'user', text: 'is this AddField safe?' }]);
  });

  it('continues the conversation from the thread history on a follow-up mention', async () => {
    harness.anthropic.enqueue({ text: 'Two leaf nodes: 0042_a and 0042_b.' }, { text: 'Run makemigrations --merge.' });
    const first = await deliverMessage(harness, 'mention', { channel: 'C0INCIDENT', text: `<@${FAKE_BOT_USER_ID}> why is accounts conflicting?` });
    await waitForAnswer(harness, 'C0INCIDENT', first.message.ts);
    // Someone else chimes in without a mention: part of the history, not a question.
    harness.slack.addMessage('C0INCIDENT', { user: 'U0OTHER001', text: 'we deployed both branches', thread_ts: first.message.ts });

    const followUp = await deliverMessage(harness, 'mention', { channel: 'C0INCIDENT', text: `<@${FAKE_BOT_USER_ID}> how do I fix it?`, threadTs: first.message.ts });
    const replies = await waitForAnswer(harness, 'C0INCIDENT', first.message.ts, 2);
    expect(replies).toEqual(['Two leaf nodes: 0042_a and 0042_b.', 'Run makemigrations --merge.']);
    expect(harness.slack.callsTo('conversations.replies')[0]!.body).toMatchObject({ channel: 'C0INCIDENT', ts: first.message.ts });
    expect(questionTexts(harness.anthropic.requests.at(-1)!.body)).toEqual([
      { role: 'user', text: 'why is accounts conflicting?' },
      { role: 'assistant', text: 'Two leaf nodes: 0042_a and 0042_b.' },
      { role: 'user', text: 'we deployed both branches\n\nhow do I fix it?' },
    ]);
    expect(followUp.response.status).toBe(200);
  });

  it('answers exactly once when Slack delivers the same event four times', async () => {
    harness.anthropic.enqueue({ text: chunked('Only once.', 3), chunkDelayMs: 20 });
    const eventId = nextEventId();
    const first = await deliverMessage(harness, 'mention', { channel: 'C0RETRY001', text: `<@${FAKE_BOT_USER_ID}> answer me once`, eventId });
    const event = { type: 'app_mention', user: ASKER, text: `<@${FAKE_BOT_USER_ID}> answer me once`, ts: first.message.ts, channel: 'C0RETRY001', event_ts: first.message.ts, team: 'T0FAKE001' };
    const retries = await Promise.all([1, 2, 3].map((retryNum) => deliverEvent(harness, event, eventId, { retryNum, retryReason: 'http_timeout' })));
    expect(retries.map((response) => response.status)).toEqual([200, 200, 200]);
    expect(await waitForAnswer(harness, 'C0RETRY001', first.message.ts)).toEqual(['Only once.']);
    await sleep(150);
    expect(harness.slack.callsTo('chat.startStream')).toHaveLength(1);
    expect(harness.slack.botReplies('C0RETRY001', first.message.ts)).toHaveLength(1);
    expect(harness.anthropic.requests.filter((request) => JSON.stringify(request.body).includes('answer me once'))).toHaveLength(1);
  });
});

describe('direct messages', () => {
  it('answers a top-level DM in its thread and continues the thread without a mention', async () => {
    harness.anthropic.enqueue({ text: 'Use SeparateDatabaseAndState.' }, { text: 'Yes, with db_table set.' });
    const first = await deliverMessage(harness, 'dm', { channel: 'D0ASKER001', text: 'how do I move a model between apps?' });
    expect(await waitForAnswer(harness, 'D0ASKER001', first.message.ts)).toEqual(['Use SeparateDatabaseAndState.']);

    await deliverMessage(harness, 'dm', { channel: 'D0ASKER001', text: 'and keep the table name?', threadTs: first.message.ts });
    expect(await waitForAnswer(harness, 'D0ASKER001', first.message.ts, 2)).toEqual(['Use SeparateDatabaseAndState.', 'Yes, with db_table set.']);
    expect(questionTexts(harness.anthropic.requests.at(-1)!.body)).toEqual([
      { role: 'user', text: 'how do I move a model between apps?' },
      { role: 'assistant', text: 'Use SeparateDatabaseAndState.' },
      { role: 'user', text: 'and keep the table name?' },
    ]);
  });

  it('ignores its own messages, other bots, edits, deletions and other subtypes', async () => {
    const before = harness.anthropic.requests.length;
    const ignored = [
      { user: FAKE_BOT_USER_ID, extra: { bot_id: FAKE_BOT_ID } },
      { user: 'U0OTHERBOT', extra: { bot_id: 'B0OTHERBOT' } },
      { extra: { subtype: 'bot_message', bot_id: 'B0OTHERBOT' } },
      { extra: { subtype: 'message_changed' } },
      { extra: { subtype: 'message_deleted' } },
      { extra: { subtype: 'channel_join' } },
    ];
    for (const spec of ignored) {
      const { response } = await deliverMessage(harness, 'dm', { channel: 'D0IGNORE01', text: 'should be ignored', ...spec });
      expect(response.status).toBe(200);
    }
    await deliverMessage(harness, 'mention', { channel: 'C0IGNORE01', text: `<@${FAKE_BOT_USER_ID}> from a bot`, user: 'U0OTHERBOT', extra: { bot_id: 'B0OTHERBOT' } });
    // A real question afterwards proves the app was listening all along.
    harness.anthropic.enqueue({ text: 'Real answer.' });
    const real = await deliverMessage(harness, 'dm', { channel: 'D0IGNORE01', text: 'a real question' });
    expect(await waitForAnswer(harness, 'D0IGNORE01', real.message.ts)).toEqual(['Real answer.']);
    expect(harness.anthropic.requests.length).toBe(before + 1);
    const elsewhere = harness.slack.appCalls.filter((call) => call.body.thread_ts !== undefined && call.body.thread_ts !== real.message.ts);
    expect(elsewhere.map((call) => [call.method, call.body])).toEqual([]);
  });

  it('sets suggested prompts (no thread_ts) when the Messages tab opens', async () => {
    const response = await deliverEvent(harness, { type: 'app_home_opened', user: ASKER, channel: 'D0ASKER002', tab: 'messages', event_ts: '1760000000.000001' });
    expect(response.status).toBe(200);
    const call = await harness.slack.waitFor(() => harness.slack.callsTo('assistant.threads.setSuggestedPrompts')[0], 5000, 'suggested prompts');
    expect(call.body.channel_id).toBe('D0ASKER002');
    expect(call.body.thread_ts).toBeUndefined();
    const prompts = call.body.prompts as Array<{ title: string; message: string }>;
    expect(prompts.length).toBeGreaterThanOrEqual(3);
    expect(prompts.length).toBeLessThanOrEqual(4);
    await deliverEvent(harness, { type: 'app_home_opened', user: ASKER, channel: 'D0ASKER003', tab: 'home', event_ts: '1760000000.000002' });
    await sleep(100);
    expect(harness.slack.callsTo('assistant.threads.setSuggestedPrompts')).toHaveLength(1);
  });

  it('asks for a question when a DM has none', async () => {
    const { message } = await deliverMessage(harness, 'dm', { channel: 'D0EMPTY001', text: `<@${FAKE_BOT_USER_ID}>` });
    const note = await harness.slack.waitFor(() => harness.slack.botReplies('D0EMPTY001', message.ts)[0], 5000, 'the hint');
    expect(note.text).toMatch(/What would you like to know/);
    expect(harness.slack.appCalls.filter((call) => call.method === 'chat.startStream').map((call) => markdownOf(call.body))).toEqual([]);
  });
});
