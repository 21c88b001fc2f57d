import { Writable } from 'node:stream';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createExpert } from '../../src/expert/index.js';
import { createLogger } from '../../src/logger.js';
import { createAnswerService, type AnswerServiceDeps } from '../../src/pipeline/index.js';
import type { AnswerOutcome, AnswerSink, Grounder, Question } from '../../src/pipeline/types.js';
import { chunked, startFakeAnthropic, type FakeAnthropic } from '../fakes/anthropic.js';

const API_KEY = 'sk-ant-api03-pipeline-test-key-0123456789';

type SinkEvent = { kind: 'status'; text: string } | { kind: 'text'; text: string } | { kind: 'finish'; outcome: AnswerOutcome };

class RecordingSink implements AnswerSink {
  events: SinkEvent[] = [];
  async status(text: string) {
    this.events.push({ kind: 'status', text });
  }
  async text(delta: string) {
    this.events.push({ kind: 'text', text: delta });
  }
  async finish(outcome: AnswerOutcome) {
    this.events.push({ kind: 'finish', outcome });
  }
  get statuses() {
    return this.events.flatMap((event) => (event.kind === 'status' ? [event.text] : []));
  }
  get answer() {
    return this.events.flatMap((event) => (event.kind === 'text' ? [event.text] : [])).join('');
  }
  get finishes() {
    return this.events.flatMap((event) => (event.kind === 'finish' ? [event.outcome] : []));
  }
}

let fake: FakeAnthropic;
let logText = '';
const logger = createLogger({
  level: 'info',
  destination: new Writable({
    write(chunk, _encoding, done) {
      logText += String(chunk);
      done();
    },
  }),
});

function service(overrides: Partial<AnswerServiceDeps> = {}) {
  const expert = createExpert({ apiKey: API_KEY, baseURL: fake.url, model: 'claude-opus-5-5', logger, maxRetries: 0, timeoutMs: 5_000 });
  return createAnswerService({ expert, systemPrompt: 'You are a Django migration expert.', logger, maxConcurrent: 4, ...overrides });
}

let counter = 0;
function question(text: string, extra: Partial<Question> = {}): Question {
  counter += 1;
  return { id: `Ev${counter}`, source: 'mention', userId: 'U1', channel: 'C1', text, history: [], ...extra };
}

function answeredLogLines(): Record<string, unknown>[] {
  return logText
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((line) => line.msg === 'question answered');
}

beforeAll(async () => {
  fake = await startFakeAnthropic();
});
afterAll(async () => {
  await fake.close();
});
beforeEach(() => {
  fake.requests.length = 0;
  logText = '';
});

describe('answer service', () => {
  it('streams an answer: Thinking… status, deltas, one finish with usage, one log line', async () => {
    const text = 'Adding a nullable column is instant on PostgreSQL 11+.';
    fake.enqueue({ text: chunked(text, 8), usage: { input_tokens: 321, output_tokens: 17, cache_read_input_tokens: 280 } });
    const sink = new RecordingSink();
    const outcome = await service().answer(question('Does AddField lock?'), sink);

    expect(sink.events[0]).toEqual({ kind: 'status', text: 'Thinking…' });
    expect(sink.answer).toBe(text);
    expect(sink.finishes).toEqual([outcome]);
    expect(sink.events.at(-1)?.kind).toBe('finish');
    expect(outcome).toMatchObject({ ok: true, incomplete: false, model: 'claude-opus-5-5', usage: { inputTokens: 321, outputTokens: 17, cacheReadTokens: 280 } });
    const [line, ...more] = answeredLogLines();
    expect(more).toHaveLength(0);
    expect(line).toMatchObject({ user: 'U1', channel: 'C1', ok: true, inputTokens: 321, outputTokens: 17, cacheReadTokens: 280 });
    expect(typeof line?.latencyMs).toBe('number');
    expect(line?.questionId).toMatch(/^Ev/);
  });

  it('refuses over-long and empty input with a clear message and no model call', async () => {
    const long = new RecordingSink();
    const outcome = await service().answer(question('x'.repeat(20_001)), long);
    expect(outcome.error?.code).toBe('input_too_long');
    expect(outcome.error?.userMessage).toContain('20,001 characters');
    expect(outcome.error?.userMessage).toContain('20,000');
    const empty = new RecordingSink();
    expect((await service().answer(question('   '), empty)).error?.code).toBe('input_empty');
    expect(long.finishes).toHaveLength(1);
    expect(empty.finishes).toHaveLength(1);
    expect(fake.requests).toHaveLength(0);
  });

  it('without an expert says the model is not configured and still shows deterministic content', async () => {
    const grounder: Grounder = { name: 'engine', ground: () => ({ deterministicMarkdown: '*Risk:* `AddField` with `unique=True` rewrites the table.' }) };
    const sink = new RecordingSink();
    const outcome = await createAnswerService({ systemPrompt: 's', logger, maxConcurrent: 2, grounders: [grounder] }).answer(question('Is this safe?'), sink);

    expect(sink.answer).toContain('rewrites the table');
    expect(outcome.ok).toBe(false);
    expect(outcome.incomplete).toBe(false);
    expect(outcome.error?.code).toBe('model_not_configured');
    expect(outcome.error?.userMessage).toContain('ANTHROPIC_API_KEY is not set');
    expect(fake.requests).toHaveLength(0);
  });

  it('keeps deterministic content and explains an overloaded model (529)', async () => {
    fake.enqueue({ status: 529 });
    const grounder: Grounder = { name: 'engine', ground: () => ({ deterministicMarkdown: 'Finding: add-index-non-concurrent', contextForModel: 'rule add-index-non-concurrent fired on 0007' }) };
    const sink = new RecordingSink();
    const outcome = await service({ grounders: [grounder] }).answer(question('Review this'), sink);

    expect(sink.answer).toContain('Finding: add-index-non-concurrent');
    expect(outcome).toMatchObject({ ok: false, incomplete: false, error: { code: 'model_overloaded' } });
    expect(outcome.error?.userMessage).toMatch(/overloaded/);
    expect(outcome.error?.userMessage).toMatch(/checks above/);
    expect(fake.requests[0]?.rawBody).toContain('rule add-index-non-concurrent fired on 0007');
  });

  it('marks a cut stream incomplete and keeps the partial answer', async () => {
    fake.enqueue({ text: ['First, ', 'add the column nullable. ', 'Then backfill.'], cutAfterChunks: 2, cut: 'destroy', chunkDelayMs: 5 });
    const sink = new RecordingSink();
    const outcome = await service().answer(question('How do I add a NOT NULL column?'), sink);
    expect(sink.answer).toBe('First, add the column nullable. ');
    expect(outcome).toMatchObject({ ok: false, incomplete: true, error: { code: 'model_stream_cut' } });
    expect(answeredLogLines()[0]).toMatchObject({ ok: false, code: 'model_stream_cut', incomplete: true });
  });

  it('queues a second question from the same user until the first is answered', async () => {
    fake.enqueue({ text: chunked('first answer, slowly streamed', 4), chunkDelayMs: 15 }, { text: 'second answer' });
    const pipeline = service();
    const order: string[] = [];
    const first = new RecordingSink();
    const second = new RecordingSink();
    const firstDone = pipeline.answer(question('first?'), first).then(() => order.push('first finished'));
    const secondDone = pipeline.answer(question('second?'), second).then(() => order.push('second finished'));
    await Promise.all([firstDone, secondDone]);

    expect(second.statuses[0]).toMatch(/^Queued: your previous question/);
    expect(first.statuses.some((status) => status.startsWith('Queued'))).toBe(false);
    expect(order).toEqual(['first finished', 'second finished']);
    // The second request reached the model only after the first answer was complete.
    expect(fake.requests).toHaveLength(2);
    expect(second.answer).toBe('second answer');
  });

  it('holds questions beyond LLM_MAX_CONCURRENT and says so', async () => {
    fake.enqueue({ text: chunked('busy answer', 3), chunkDelayMs: 20 }, { text: 'next' });
    const pipeline = service({ maxConcurrent: 1 });
    const a = new RecordingSink();
    const b = new RecordingSink();
    await Promise.all([pipeline.answer(question('a', { userId: 'UA' }), a), pipeline.answer(question('b', { userId: 'UB' }), b)]);
    expect(b.statuses.some((status) => /^Queued: the expert model is busy/.test(status))).toBe(true);
    expect(b.statuses.at(-1)).toBe('Thinking…');
    expect(b.finishes[0]?.ok).toBe(true);
  });

  it('sends the thread history as alternating turns and strips secrets before the model sees them', async () => {
    fake.enqueue({ text: 'ok' });
    const history = [
      { role: 'assistant' as const, text: 'Earlier answer by the bot' },
      { role: 'user' as const, text: 'my token is xoxb-1111-2222-abcdefabcdef, why does migrate fail?' },
      { role: 'user' as const, text: 'also this' },
      { role: 'assistant' as const, text: 'Because of X.' },
    ];
    await service().answer(question('and with sk-ant-api03-leakedleakedleaked?', { history }), new RecordingSink());

    const body = fake.requests[0]?.body;
    const roles = body.messages.map((message: { role: string }) => message.role);
    expect(roles).toEqual(['user', 'assistant', 'user', 'assistant', 'user']);
    expect(fake.requests[0]?.rawBody).not.toMatch(/xoxb-1111|sk-ant-api03-leaked/);
    expect(body.messages[2].content).toContain('also this');
  });

  it('trims long history oldest-first with a note', async () => {
    fake.enqueue({ text: 'ok' });
    const history = Array.from({ length: 10 }, (_, index) => ({ role: index % 2 === 0 ? ('user' as const) : ('assistant' as const), text: `turn ${index} ${'x'.repeat(900)}` }));
    await service({ historyBudgetChars: 3_000 }).answer(question('latest question'), new RecordingSink());
    await service({ historyBudgetChars: 3_000 }).answer(question('latest question', { history }), new RecordingSink());
    const messages = fake.requests[1]?.body.messages as { role: string; content: string }[];
    expect(messages[0]?.role).toBe('user');
    expect(messages[0]?.content).toMatch(/earlier messages were left out/);
    expect(messages.at(-1)?.content).toBe('latest question');
    expect(messages.some((message) => message.content.includes('turn 0 '))).toBe(false);
    expect(messages.some((message) => message.content.includes('turn 9 '))).toBe(true);
  });

  it('offers grounder tools, shows tool progress, and survives a failing grounder', async () => {
    fake.enqueue({ toolUses: [{ name: 'read_migration', input: { path: 'accounts/0042_x.py' } }] }, { text: 'It adds a unique index.' });
    const broken: Grounder = {
      name: 'broken',
      ground: () => {
        throw new Error('engine exploded');
      },
    };
    const repo: Grounder = {
      name: 'repo',
      ground: () => ({
        tools: [
          {
            definition: { name: 'read_migration', description: 'Read a migration', input_schema: { type: 'object', properties: { path: { type: 'string' } } } },
            run: () => 'class Migration(migrations.Migration): ...',
            describe: (input) => `Reading ${(input as { path: string }).path}…`,
          },
        ],
      }),
    };
    const sink = new RecordingSink();
    const outcome = await service({ grounders: [broken, repo] }).answer(question('What does 0042 do?'), sink);
    expect(outcome.ok).toBe(true);
    expect(sink.statuses).toContain('Reading accounts/0042_x.py…');
    expect(sink.answer).toBe('It adds a unique index.');
    expect(logText).toContain('grounder failed');
    expect(answeredLogLines()[0]).toMatchObject({ toolCalls: 1 });
  });

  it('strips secrets from tool output before it goes back to the model', async () => {
    fake.enqueue({ toolUses: [{ name: 'read_settings', input: {} }] }, { text: 'Done.' });
    const repo: Grounder = {
      name: 'repo',
      ground: () => ({
        tools: [
          {
            definition: { name: 'read_settings', description: 'Read settings', input_schema: { type: 'object', properties: {} } },
            run: () => 'GITHUB_TOKEN = "ghp_abcdefghijklmnopqrstuvwxyz0123456789"\nSECRET = "configured-signing-secret-value"',
          },
        ],
      }),
    };
    const outcome = await service({ grounders: [repo], secrets: ['configured-signing-secret-value'] }).answer(question('What is in settings?'), new RecordingSink());
    expect(outcome.ok).toBe(true);
    const toolRound = fake.requests[1]?.rawBody ?? '';
    expect(toolRound).toContain('[redacted]');
    expect(toolRound).not.toMatch(/ghp_abcdef|configured-signing-secret-value/);
  });

  it('strips secrets from a failing tool\'s error before it goes back to the model', async () => {
    fake.enqueue({ toolUses: [{ name: 'read_settings', input: {} }] }, { text: 'Done.' });
    const repo: Grounder = {
      name: 'repo',
      ground: () => ({
        tools: [
          {
            definition: { name: 'read_settings', description: 'Read settings', input_schema: { type: 'object', properties: {} } },
            run: () => {
              throw new Error('request with token ghp_abcdefghijklmnopqrstuvwxyz0123456789 failed');
            },
          },
        ],
      }),
    };
    const outcome = await service({ grounders: [repo] }).answer(question('What is in settings?'), new RecordingSink());
    expect(outcome.ok).toBe(true);
    const toolRound = fake.requests[1]?.rawBody ?? '';
    expect(toolRound).toContain('The tool failed');
    expect(toolRound).not.toMatch(/ghp_abcdef/);
  });

  it('never throws when the sink fails, and still tries to finish', async () => {
    fake.enqueue({ text: ['a', 'b'] });
    const finishes: AnswerOutcome[] = [];
    const sink: AnswerSink = {
      status: async () => {},
      text: async () => {
        throw new Error('slack said no');
      },
      finish: async (outcome) => void finishes.push(outcome),
    };
    const outcome = await service().answer(question('q'), sink);
    expect(outcome.ok).toBe(false);
    expect(outcome.error?.code).toBe('unknown');
    expect(finishes).toHaveLength(1);
  });
});
