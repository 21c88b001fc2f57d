/**
 * /healthz, /readyz and /metrics on the HTTP receiver, and the SIGTERM drain (RunningBot.stop is what
 * the signal handler calls): new work refused with 503 while answers in progress finish, or are
 * closed with a note when the grace period ends.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { chunked } from '../fakes/anthropic.js';
import { FAKE_BOT_USER_ID } from '../fakes/slack-api.js';
import { SHUTDOWN_NOTE } from '../../src/slack/app.js';
import { deliverMessage, startHarness, waitForAnswer, type Harness } from './harness.js';

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

describe('operations endpoints', () => {
  it('serves health, readiness with its checks, and Prometheus metrics that count answers', async () => {
    harness = await startHarness();
    const health = await fetch(`${harness.baseUrl}/healthz`);
    expect(health.status).toBe(200);
    const ready = await fetch(`${harness.baseUrl}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ ok: true, checks: ['sqlite'] });

    harness.anthropic.enqueue({ text: 'Counted.', usage: { input_tokens: 1000, output_tokens: 200, cache_read_input_tokens: 500 } });
    const { message } = await deliverMessage(harness, 'mention', { channel: 'C0METRICS1', text: `<@${FAKE_BOT_USER_ID}> count me` });
    await waitForAnswer(harness, 'C0METRICS1', message.ts);
    harness.bot.metrics.feedback('positive');
    const metrics = await fetch(`${harness.baseUrl}/metrics`);
    expect(metrics.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await metrics.text();
    expect(text).toMatch(/migrate_help_questions_total\{source="mention",outcome="ok"\} 1/);
    expect(text).toMatch(/migrate_help_answer_seconds_count\{source="mention"\} 1/);
    expect(text).toMatch(/migrate_help_model_tokens_total\{kind="input",model="claude-test-model"\} 1000/);
    expect(text).toMatch(/migrate_help_model_tokens_total\{kind="cache_read",model="claude-test-model"\} 500/);
    // 1000 × 5 + 200 × 25 + 500 × 0.5 dollars per million tokens.
    expect(text).toMatch(/migrate_help_model_cost_usd_total\{model="claude-test-model"\} 0\.01025/);
    expect(text).toMatch(/migrate_help_feedback_total\{value="positive"\} 1/);
    expect(text).toMatch(/migrate_help_queue_depth 0/);
  });
});

describe('drain on SIGTERM', () => {
  it('refuses new work with 503 while an answer in progress finishes, then stops', async () => {
    harness = await startHarness();
    harness.anthropic.enqueue({ text: chunked('A slow but complete answer.', 4), chunkDelayMs: 60 });
    const { message } = await deliverMessage(harness, 'mention', { channel: 'C0DRAIN001', text: `<@${FAKE_BOT_USER_ID}> slow one` });
    await harness.slack.waitFor(() => harness!.anthropic.requests.length === 1, 5000, 'the model call');
    const stopping = harness.bot.stop();

    const ready = await fetch(`${harness.baseUrl}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ ok: false, down: { app: expect.stringMatching(/draining/) } });
    const refused = await deliverMessage(harness, 'mention', { channel: 'C0DRAIN002', text: `<@${FAKE_BOT_USER_ID}> too late` });
    expect(refused.response.status).toBe(503);

    await stopping;
    expect(await waitForAnswer(harness, 'C0DRAIN001', message.ts)).toEqual(['A slow but complete answer.']);
    expect(harness.anthropic.requests).toHaveLength(1);
  });

  it('closes an answer the grace period did not see finish with a note', async () => {
    harness = await startHarness({ env: { SHUTDOWN_GRACE_MS: '200' } });
    harness.anthropic.enqueue({ stall: true });
    const { message } = await deliverMessage(harness, 'mention', { channel: 'C0DRAIN003', text: `<@${FAKE_BOT_USER_ID}> never ends` });
    await harness.slack.waitFor(() => harness!.anthropic.requests.length === 1, 5000, 'the model call');
    await harness.bot.stop();
    const replies = await waitForAnswer(harness, 'C0DRAIN003', message.ts);
    expect(replies).toHaveLength(1);
    expect(replies[0]).toContain(SHUTDOWN_NOTE);
  });
});
