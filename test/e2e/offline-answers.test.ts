/**
 * Answers without a model, end to end through the real bot: with no ANTHROPIC_API_KEY and with the
 * (fake) Anthropic API overloaded, a plain question gets the offline answer from migrate-help's own
 * recipes and guides, labelled as such; with a model, the same passages go to it as grounding.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fencesBalanced } from '../../src/slack/render/fences.js';
import { FAKE_BOT_USER_ID } from '../fakes/slack-api.js';
import { deliverMessage, startHarness, waitForAnswer, type Harness } from './harness.js';

async function ask(harness: Harness, channel: string, text: string): Promise<string> {
  const { message } = await deliverMessage(harness, 'mention', { channel, text: `<@${FAKE_BOT_USER_ID}> ${text}` });
  return (await waitForAnswer(harness, channel, message.ts)).join('');
}

describe('no ANTHROPIC_API_KEY', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness({ env: { ANTHROPIC_API_KEY: undefined } });
  });
  afterAll(() => harness.close());

  it('answers "how do I add a NOT NULL column to a large PostgreSQL table?" from the recipes, labelled offline', async () => {
    const text = await ask(harness, 'C0OFFLINE1', 'how do I add a NOT NULL column to a large PostgreSQL table?');
    expect(text).toContain('**Offline answer** — The expert model is not configured.');
    expect(text).toContain('`rule:add-field-not-null-without-db-default`');
    expect(text).toContain('db_default');
    expect(text).toContain('```python');
    expect(fencesBalanced(text)).toBe(true);
    expect(text).toMatch(/not configured \(ANTHROPIC_API_KEY is not set\)/);
    expect(text).toContain('The offline answer above comes from migrate-help’s own recipes, playbooks and guides.');
    expect(harness.anthropic.requests).toHaveLength(0);
  });
});

describe('model overloaded, and model up', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness();
  });
  afterAll(() => harness.close());

  it('shows the offline answer, labelled, when the API answers 529 (overloaded)', async () => {
    // The SDK retries once; both attempts are overloaded.
    harness.anthropic.enqueue({ status: 529 }, { status: 529 });
    const text = await ask(harness, 'C0OFFLINE2', 'How do I squash old migrations in an app with 300 files?');
    expect(text).toContain('**Offline answer** — The expert model is overloaded right now.');
    expect(text).toContain('**1. Squashing migrations (guide `guide:squashing-migrations`)**');
    expect(text).toContain('python manage.py squashmigrations shop 0001 0040');
    expect(text).toMatch(/overloaded/i);
    expect(text).toContain('The offline answer above comes from');
  });

  it('with a model, the same passages go into its context and its answer (citing them) is all the user sees', async () => {
    harness.anthropic.enqueue({ text: 'Squash with squashmigrations, deploy both, then delete the old files [guide:squashing-migrations].' });
    const before = harness.anthropic.requests.length;
    const text = await ask(harness, 'C0OFFLINE3', 'How do I squash old migrations in an app with 300 files?');
    expect(text).toBe('Squash with squashmigrations, deploy both, then delete the old files [guide:squashing-migrations].');
    const sent = harness.anthropic.requests.slice(before).map((request) => request.rawBody).join('\n');
    expect(sent).toContain('<passage id=\\"guide:squashing-migrations\\"');
    expect(sent).toContain('cite each one you use by its id');
    expect(sent).toContain('[rule:add-index-non-concurrent]'); // the system prompt's citation instruction
  });
});
