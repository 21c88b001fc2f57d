/**
 * End to end, when things go wrong: model overload and cut streams, answers too long for one
 * message, Slack refusing or dropping the stream. Every case must end with a clear thread message
 * and leave the app serving the next question.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fencesBalanced } from '../../src/slack/render/fences.js';
import { chunked } from '../fakes/anthropic.js';
import { FAKE_BOT_USER_ID } from '../fakes/slack-api.js';
import { deliverMessage, startHarness, waitForAnswer, type Harness } from './harness.js';

let harness: Harness;

beforeAll(async () => {
  harness = await startHarness();
});
afterAll(() => harness.close());
beforeEach(() => {
  harness.slack.reset();
});

async function ask(channel: string, text: string): Promise<string> {
  const { message } = await deliverMessage(harness, 'mention', { channel, text: `<@${FAKE_BOT_USER_ID}> ${text}` });
  return message.ts;
}

describe('model failures', () => {
  it('says the model is overloaded in the thread (529), then answers the next question', async () => {
    // The SDK retries once; both attempts are overloaded.
    harness.anthropic.enqueue({ status: 529 }, { status: 529 });
    const failedTs = await ask('C0FAIL0001', 'is RunPython atomic?');
    const replies = await waitForAnswer(harness, 'C0FAIL0001', failedTs);
    // migrate-help's own recipes stand in, labelled as the offline answer (test/e2e/offline-answers.test.ts), then the note.
    expect(replies[0]).toMatch(/^\*\*Offline answer\*\* — The expert model is overloaded right now\./);
    expect(replies.join('\n')).toMatch(/⚠️ .*overloaded/i);

    harness.anthropic.enqueue({ text: 'Yes, unless atomic=False.' });
    const nextTs = await ask('C0FAIL0001', 'and now?');
    expect(await waitForAnswer(harness, 'C0FAIL0001', nextTs)).toEqual(['Yes, unless atomic=False.']);
  });

  it('keeps a partial answer cut mid-stream and marks it incomplete', async () => {
    const answer = 'First, check which migrations are applied with showmigrations. Then compare the leaf nodes.';
    harness.anthropic.enqueue({ text: chunked(answer, 10), cutAfterChunks: 4, cut: 'destroy', chunkDelayMs: 5 });
    const ts = await ask('C0FAIL0002', 'why does migrate fail?');
    const replies = await waitForAnswer(harness, 'C0FAIL0002', ts);
    const text = replies.join('');
    expect(text.slice(0, 40)).toBe(answer.slice(0, 40));
    expect(text).toContain('⚠️ *The answer is incomplete:*');
    expect(text).not.toContain(answer);

    harness.anthropic.enqueue({ text: 'Still here.' });
    const nextTs = await ask('C0FAIL0002', 'still there?');
    expect(await waitForAnswer(harness, 'C0FAIL0002', nextTs)).toEqual(['Still here.']);
  });
});

describe('long answers', () => {
  it('continues in a new message in the same thread without breaking a code block', async () => {
    const prose = Array.from({ length: 140 }, (_, i) => `Point ${String(i).padStart(3, '0')}: keep each batch small and commit between batches.`).join('\n');
    const code = Array.from({ length: 80 }, (_, i) => `    Book.objects.filter(pk__in=ids[${i}]).update(isbn="")  # batch ${i}`).join('\n');
    const answer = `${prose}\n\n\`\`\`python\n${code}\n\`\`\`\n\nVerify with \`showmigrations\`.`;
    expect(answer.length).toBeGreaterThan(12_000);
    harness.anthropic.enqueue({ text: chunked(answer, 400) });
    const ts = await ask('C0LONG0001', 'give me a long answer');
    const replies = await waitForAnswer(harness, 'C0LONG0001', ts);

    expect(replies).toHaveLength(2);
    for (const reply of replies) {
      expect(reply.length).toBeLessThanOrEqual(12_000);
      expect(fencesBalanced(reply)).toBe(true);
    }
    expect(replies[0]!.endsWith('\n```\n')).toBe(true);
    expect(replies[1]!.startsWith('```python\n')).toBe(true);
    expect(replies[0]!.slice(0, -'```\n'.length) + replies[1]!.slice('```python\n'.length)).toBe(answer);
    expect(harness.slack.callsTo('chat.startStream')).toHaveLength(2);
  });
});

describe('Slack streaming failures', () => {
  it('continues with post + update when the stream dies mid-answer, losing and repeating nothing', async () => {
    harness.slack.fail('chat.appendStream', { error: 'message_not_in_streaming_state', after: 3 });
    const answer = Array.from({ length: 12 }, (_, i) => `Step ${i + 1}: watch pg_locks for waiting AccessExclusiveLock requests.`).join('\n');
    harness.anthropic.enqueue({ text: chunked(answer, 17) });
    const ts = await ask('C0DEAD0001', 'walk me through it');
    const replies = await waitForAnswer(harness, 'C0DEAD0001', ts);
    expect(replies).toHaveLength(2);
    expect(replies.join('')).toBe(answer);
    expect(harness.slack.botReplies('C0DEAD0001', ts)[0]!.streaming).toBe('dead');
    expect(harness.slack.callsTo('chat.postMessage').filter((call) => call.body.thread_ts === ts)).toHaveLength(1);
  });

  it('still posts an error note when the fallback message cannot be posted after the stream died', async () => {
    harness.slack.fail('chat.appendStream', { error: 'message_not_in_streaming_state', after: 3 });
    harness.slack.fail('chat.postMessage', { error: 'internal_error', times: 1 });
    const answer = Array.from({ length: 12 }, (_, i) => `Step ${i + 1}: check pg_stat_activity for blocked queries.`).join('\n');
    harness.anthropic.enqueue({ text: chunked(answer, 17) });
    const ts = await ask('C0NOFALLBK', 'walk me through it');
    await harness.slack.waitFor(
      () => harness.slack.botReplies('C0NOFALLBK', ts).some((message) => message.text.includes('internal_error')),
      8000,
      'an error note in the thread',
    );
    const note = harness.slack.botReplies('C0NOFALLBK', ts).at(-1)!.text;
    expect(note).toMatch(/^⚠️ Slack refused my reply \(internal_error\)/);
  });

  // Last in this file: the refusal is remembered for later answers of this app instance.
  it('answers with post + rate-limited update when chat.startStream is refused', async () => {
    harness.slack.fail('chat.startStream', { error: 'not_allowed' });
    const answer = 'Rename in two deploys: add the new column, backfill, switch reads, then drop the old one.';
    harness.anthropic.enqueue({ text: chunked(answer, 6), chunkDelayMs: 12 });
    const ts = await ask('C0NOSTREAM', 'how do I rename a column?');
    expect(await waitForAnswer(harness, 'C0NOSTREAM', ts)).toEqual([answer]);
    const posts = harness.slack.callsTo('chat.postMessage').filter((call) => call.body.thread_ts === ts);
    expect(posts).toHaveLength(1);
    const updates = harness.slack.callsTo('chat.update');
    expect(updates.length).toBeGreaterThan(1);
    // The final update closes the answer with its feedback buttons.
    expect(updates.at(-1)!.body.blocks).toEqual([{ type: 'markdown', text: answer }, expect.objectContaining({ type: 'context_actions' })]);

    harness.anthropic.enqueue({ text: 'Second.' });
    const nextTs = await ask('C0NOSTREAM', 'again?');
    expect(await waitForAnswer(harness, 'C0NOSTREAM', nextTs)).toEqual(['Second.']);
    expect(harness.slack.callsTo('chat.startStream')).toHaveLength(1);
  });
});

describe('an event ledger that fails', () => {
  it('answers anyway instead of dropping the question', async () => {
    const broken = await startHarness({
      events: {
        claim: () => {
          throw new Error('SQLITE_BUSY: database is locked');
        },
      },
    });
    try {
      broken.anthropic.enqueue({ text: 'Answered despite the ledger.' });
      const { message } = await deliverMessage(broken, 'mention', { channel: 'C0LEDGER01', text: `<@${FAKE_BOT_USER_ID}> still there?` });
      expect(await waitForAnswer(broken, 'C0LEDGER01', message.ts)).toEqual(['Answered despite the ledger.']);
    } finally {
      await broken.close();
    }
  });
});
