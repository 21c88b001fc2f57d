/**
 * The thread sink against the fake Slack Web API, through the real WebClient and its chat stream
 * helper: streaming, refusal and mid-answer death fallbacks, splitting, error notes.
 */
import { WebClient } from '@slack/web-api';
import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fencesBalanced } from '../../src/slack/render/fences.js';
import { StreamingAvailability, ThreadSink } from '../../src/slack/stream-sink.js';
import { FakeSlackApi, markdownOf } from '../fakes/slack-api.js';

const CHANNEL = 'C0SINK001';
const logger = pino({ level: 'silent' });
let slack: FakeSlackApi;
let client: WebClient;

beforeAll(async () => {
  slack = await new FakeSlackApi().start();
  client = new WebClient('xoxb-sink-test-token', { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 }, logger: { debug() {}, info() {}, warn() {}, error() {}, setLevel() {}, getLevel: () => 'error' as never, setName() {} } });
});
afterAll(() => slack.close());
beforeEach(() => slack.reset());

function newSink(options: { streaming?: StreamingAvailability; maxMessageChars?: number } = {}): { sink: ThreadSink; threadTs: string } {
  const root = slack.addMessage(CHANNEL, { user: 'U0ASKER01', text: 'question' });
  const sink = new ThreadSink({
    client,
    target: { channel: CHANNEL, threadTs: root.ts, userId: 'U0ASKER01', teamId: 'T0FAKE001' },
    logger,
    streaming: options.streaming ?? new StreamingAvailability(),
    bufferSize: 16,
    updateIntervalMs: 20,
    ...(options.maxMessageChars === undefined ? {} : { maxMessageChars: options.maxMessageChars }),
  });
  return { sink, threadTs: root.ts };
}

async function feed(sink: ThreadSink, text: string, size = 7): Promise<void> {
  for (let at = 0; at < text.length; at += size) await sink.text(text.slice(at, at + size));
}

const ANSWER = 'Use `AddIndexConcurrently` in a migration with `atomic = False`, then deploy.\n\nThat avoids the write lock.';

describe('ThreadSink', () => {
  it('shows a status, streams the answer into the thread and clears the status', async () => {
    const { sink, threadTs } = newSink();
    await sink.status('Thinking…');
    await sink.status('Thinking…');
    await feed(sink, ANSWER);
    await sink.finish({ ok: true, incomplete: false });

    const statuses = slack.callsTo('assistant.threads.setStatus').map((call) => call.body);
    expect(statuses).toEqual([
      { channel_id: CHANNEL, thread_ts: threadTs, status: 'Thinking…' },
      { channel_id: CHANNEL, thread_ts: threadTs, status: '' },
    ]);
    const start = slack.callsTo('chat.startStream')[0]!.body;
    expect(start).toMatchObject({ channel: CHANNEL, thread_ts: threadTs, recipient_user_id: 'U0ASKER01', recipient_team_id: 'T0FAKE001' });
    expect(slack.callsTo('chat.appendStream').length).toBeGreaterThan(0);
    expect(slack.callsTo('chat.stopStream')).toHaveLength(1);
    expect(slack.botReplies(CHANNEL, threadTs).map((message) => message.text)).toEqual([ANSWER]);
    expect(slack.callsTo('chat.postMessage')).toHaveLength(0);
  });

  it('falls back to post + rate-limited update when chat.startStream is refused, and remembers the refusal', async () => {
    slack.fail('chat.startStream', { error: 'not_allowed' });
    const streaming = new StreamingAvailability();
    const { sink, threadTs } = newSink({ streaming });
    await feed(sink, ANSWER, 3);
    await sink.finish({ ok: true, incomplete: false });

    expect(slack.callsTo('chat.postMessage')).toHaveLength(1);
    expect(slack.botReplies(CHANNEL, threadTs).map((message) => message.text)).toEqual([ANSWER]);
    const updates = slack.callsTo('chat.update');
    expect(updates.length).toBeGreaterThan(0);
    // Never more often than the interval allows (20 ms here), bar the final update.
    for (let i = 1; i < updates.length - 1; i += 1) expect(updates[i]!.at - updates[i - 1]!.at).toBeGreaterThanOrEqual(15);
    for (const call of [...slack.callsTo('chat.postMessage'), ...updates]) {
      expect(String(call.body.text).length).toBeLessThanOrEqual(4000);
      expect(call.body.blocks).toEqual([{ type: 'markdown', text: expect.any(String) }]);
    }
    expect(streaming.allowed).toBe(false);

    // The next answer goes straight to the fallback: no second refused startStream call.
    const second = newSink({ streaming });
    await feed(second.sink, 'Second answer.');
    await second.sink.finish({ ok: true, incomplete: false });
    expect(slack.callsTo('chat.startStream')).toHaveLength(1);
    expect(slack.botReplies(CHANNEL, second.threadTs).map((message) => message.text)).toEqual(['Second answer.']);
  });

  it('keeps every character, once, when the stream dies mid-answer', async () => {
    slack.fail('chat.appendStream', { error: 'message_not_in_streaming_state', after: 2 });
    const { sink, threadTs } = newSink();
    const answer = Array.from({ length: 30 }, (_, i) => `Step ${i}: check the lock queue.`).join('\n');
    await feed(sink, answer, 11);
    await sink.finish({ ok: true, incomplete: false });

    const replies = slack.botReplies(CHANNEL, threadTs);
    expect(replies).toHaveLength(2);
    expect(replies[0]!.streaming).toBe('dead');
    expect(replies.map((message) => message.text).join('')).toBe(answer);
    expect(slack.callsTo('chat.postMessage')).toHaveLength(1);
  });

  it('reopens a code block in the continuation when the stream died inside it', async () => {
    slack.fail('chat.appendStream', { error: 'message_not_in_streaming_state', after: 1 });
    const { sink, threadTs } = newSink();
    const answer = 'Run:\n```sql\nCREATE INDEX CONCURRENTLY idx ON accounts_user (email);\nANALYZE accounts_user;\n```\nThen deploy.';
    await feed(sink, answer, 5);
    await sink.finish({ ok: true, incomplete: false });
    const texts = slack.botReplies(CHANNEL, threadTs).map((message) => message.text);
    expect(texts).toHaveLength(2);
    expect(texts[1]!.startsWith('```sql\n')).toBe(true);
    expect(fencesBalanced(texts[1]!)).toBe(true);
  });

  it('posts what a dying stream could not show when stopping fails', async () => {
    slack.fail('chat.stopStream', { error: 'message_not_in_streaming_state' });
    const { sink, threadTs } = newSink();
    await feed(sink, ANSWER);
    await sink.finish({ ok: true, incomplete: false });
    expect(slack.botReplies(CHANNEL, threadTs).map((message) => message.text).join('')).toBe(ANSWER);
  });

  it('continues a long answer in new messages without cutting a code block', async () => {
    const { sink, threadTs } = newSink({ maxMessageChars: 600 });
    const code = Array.from({ length: 30 }, (_, i) => `    migrations.RunSQL("UPDATE t SET c = ${i} WHERE id < 1000")`).join('\n');
    const answer = `Batch it:\n\n\`\`\`python\n${code}\n\`\`\`\n\nDone.`;
    await feed(sink, answer, 40);
    await sink.finish({ ok: true, incomplete: false });
    const texts = slack.botReplies(CHANNEL, threadTs).map((message) => message.text);
    expect(texts.length).toBeGreaterThan(2);
    for (const text of texts) {
      expect(text.length).toBeLessThanOrEqual(600);
      expect(fencesBalanced(text)).toBe(true);
    }
    expect(texts.slice(1).every((text) => text.startsWith('```python\n') || !text.includes('RunSQL'))).toBe(true);
    expect(slack.callsTo('chat.startStream')).toHaveLength(texts.length);
    expect(slack.callsTo('chat.stopStream')).toHaveLength(texts.length);
  });

  it('marks an answer cut by an error as incomplete, closing an open code block first', async () => {
    const { sink, threadTs } = newSink();
    await feed(sink, 'Partial:\n```python\nfrom django.db import migrations');
    await sink.finish({ ok: false, incomplete: true, error: { code: 'model_stream_cut', userMessage: 'The model connection dropped; ask again.' } });
    const text = slack.botReplies(CHANNEL, threadTs).map((message) => message.text).join('');
    expect(text).toBe('Partial:\n```python\nfrom django.db import migrations\n```\n\n\n⚠️ *The answer is incomplete:* The model connection dropped; ask again.');
  });

  it('after complete checks, a failure is a plain note, not an "incomplete answer"', async () => {
    const { sink, threadTs } = newSink();
    await feed(sink, '*Engine findings*\n- add-field-not-null-without-db-default');
    await sink.finish({ ok: false, incomplete: false, error: { code: 'model_not_configured', userMessage: 'The expert model is not configured.' } });
    const text = slack.botReplies(CHANNEL, threadTs).map((message) => message.text).join('');
    expect(text).toBe('*Engine findings*\n- add-field-not-null-without-db-default\n\n⚠️ The expert model is not configured.');
    expect(text).not.toContain('incomplete');
  });

  it('shows a repeated status again after text was posted (Slack clears it on reply)', async () => {
    const { sink } = newSink();
    await sink.status('Thinking…');
    await feed(sink, 'Checks first.');
    await sink.status('Thinking…');
    await sink.finish({ ok: true, incomplete: false });
    expect(slack.callsTo('assistant.threads.setStatus').map((call) => call.body.status)).toEqual(['Thinking…', 'Thinking…', '']);
  });

  it('posts an error note (not a stream) when nothing was answered', async () => {
    const { sink, threadTs } = newSink();
    await sink.status('Thinking…');
    await sink.finish({ ok: false, incomplete: false, error: { code: 'model_overloaded', userMessage: 'The model is overloaded; try again in a minute.' } });
    expect(slack.callsTo('chat.startStream')).toHaveLength(0);
    expect(slack.botReplies(CHANNEL, threadTs).map((message) => message.text)).toEqual(['⚠️ The model is overloaded; try again in a minute.']);
  });

  it('says so when the model returned nothing', async () => {
    const { sink, threadTs } = newSink();
    await sink.finish({ ok: true, incomplete: false });
    expect(slack.botReplies(CHANNEL, threadTs)[0]!.text).toMatch(/empty answer/);
  });

  it('raises a Slack AppError when even the fallback cannot post', async () => {
    slack.fail('chat.startStream', { error: 'channel_not_found' });
    slack.fail('chat.postMessage', { error: 'channel_not_found' });
    const { sink } = newSink();
    await expect(feed(sink, ANSWER)).rejects.toMatchObject({ code: 'slack_not_in_channel' });
  });

  it('stream calls carry only the answer text (the fake reassembles it)', async () => {
    const { sink, threadTs } = newSink();
    await feed(sink, ANSWER, 2);
    await sink.finish({ ok: true, incomplete: false });
    const sent = slack.appCalls.filter((call) => call.method.startsWith('chat.') && call.method.endsWith('Stream')).map((call) => markdownOf(call.body)).join('');
    expect(sent).toBe(ANSWER);
    expect(slack.botReplies(CHANNEL, threadTs)[0]!.streaming).toBe('completed');
  });
});
