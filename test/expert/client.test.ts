import { Writable } from 'node:stream';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createExpert, loadPrompts, ModelError, type ExpertClient } from '../../src/expert/index.js';
import { createLogger } from '../../src/logger.js';
import type { ExpertTool } from '../../src/pipeline/types.js';
import { chunked, startFakeAnthropic, type FakeAnthropic } from '../fakes/anthropic.js';

const API_KEY = 'sk-ant-api03-test-key-do-not-log-0123456789';
const MODEL = 'claude-opus-5-5';

let fake: FakeAnthropic;
let logLines = '';
const logger = createLogger({
  level: 'debug',
  destination: new Writable({
    write(chunk, _encoding, done) {
      logLines += String(chunk);
      done();
    },
  }),
});

function expert(options: { timeoutMs?: number; maxRetries?: number } = {}): ExpertClient {
  return createExpert({ apiKey: API_KEY, baseURL: fake.url, model: MODEL, logger, maxRetries: options.maxRetries ?? 0, timeoutMs: options.timeoutMs ?? 5_000 });
}

async function failure(promise: Promise<unknown>): Promise<ModelError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(ModelError);
    return error as ModelError;
  }
  throw new Error('expected the call to fail');
}

const ask = (client: ExpertClient, deltas: string[] = []) =>
  client.answer({ system: 'You are a test.', turns: [{ role: 'user', text: 'Why does AddField lock the table?' }], onText: (delta) => void deltas.push(delta) });

beforeAll(async () => {
  fake = await startFakeAnthropic();
});
afterAll(async () => {
  await fake.close();
});
beforeEach(() => {
  fake.requests.length = 0;
  logLines = '';
});

describe('expert client over the real SDK', () => {
  it('streams text deltas in order and reports usage including cache reads', async () => {
    const answer = 'On PostgreSQL 11+, adding a nullable column is metadata-only.';
    fake.enqueue({ text: chunked(answer, 9), usage: { input_tokens: 1200, output_tokens: 42, cache_read_input_tokens: 900, cache_creation_input_tokens: 30 } });
    const deltas: string[] = [];
    const result = await ask(expert(), deltas);

    expect(deltas.length).toBeGreaterThan(3);
    expect(deltas.join('')).toBe(answer);
    expect(result.text).toBe(answer);
    expect(result.stopReason).toBe('end_turn');
    expect(result.model).toBe(MODEL);
    expect(result.usage).toEqual({ inputTokens: 1200, outputTokens: 42, cacheReadTokens: 900, cacheWriteTokens: 30 });
  });

  it('sends the system prompt as a cached block, streams, and never puts the key in the body', async () => {
    const prompts = loadPrompts();
    fake.enqueue({ text: 'ok' });
    const client = expert();
    await client.answer({ system: prompts.system, turns: [{ role: 'user', text: 'hello' }], context: 'finding add-field-unique on 0042', onText: () => {} });

    const request = fake.requests[0];
    expect(request?.path).toBe('/v1/messages');
    // This SDK version sends the key as a bearer token; older ones used x-api-key.
    expect(`${request?.headers.authorization ?? ''} ${request?.headers['x-api-key'] ?? ''}`).toContain(API_KEY);
    expect(request?.rawBody).not.toContain(API_KEY);
    expect(request?.body.stream).toBe(true);
    expect(request?.body.model).toBe(MODEL);
    expect(request?.body.system).toEqual([{ type: 'text', text: prompts.system, cache_control: { type: 'ephemeral' } }]);
    // Grounding context rides with the newest user turn, keeping the system prompt cacheable.
    expect(request?.body.messages[0].content[0].text).toContain('finding add-field-unique on 0042');
    expect(request?.body.messages[0].content[1].text).toBe('hello');
    expect(logLines).not.toContain(API_KEY);
  });

  it('loads a system prompt that covers the required ground', () => {
    const { system } = loadPrompts();
    for (const topic of ['makemigrations', 'RunPython', 'RunSQL', 'SeparateDatabaseAndState', 'squash', 'circular', 'MySQL', 'MariaDB', 'SQLite', 'Oracle', 'expand/contract', 'batch', 'Risk warnings', 'rollback', 'secrets']) {
      expect(system.toLowerCase()).toContain(topic.toLowerCase());
    }
  });

  it.each([
    [401, 'model_auth_failed', /ANTHROPIC_API_KEY/],
    [403, 'model_auth_failed', /permission/],
    [429, 'model_rate_limited', /about 20 seconds/],
    [529, 'model_overloaded', /overloaded/],
    [500, 'model_unavailable', /HTTP 500/],
    [400, 'model_bad_request', /rejected the request/],
  ])('maps HTTP %i to %s with a clear next step', async (status, code, message) => {
    fake.enqueue({ status, headers: status === 429 ? { 'retry-after': '20' } : {} });
    const error = await failure(ask(expert()));
    expect(error.code).toBe(code);
    expect(error.userMessage).toMatch(message);
    expect(error.status).toBe(status);
    expect(error.userMessage).not.toContain('{');
  });

  it('retries a 529 once (SDK retry) and then answers', async () => {
    fake.enqueue({ status: 529, headers: { 'retry-after-ms': '10' } }, { text: 'after retry' });
    const result = await ask(expert({ maxRetries: 1 }));
    expect(result.text).toBe('after retry');
    expect(fake.requests).toHaveLength(2);
  });

  it('times out when the server stalls after headers, and when it never answers', async () => {
    fake.enqueue({ stall: true });
    const stalled = await failure(ask(expert({ timeoutMs: 300 })));
    expect(stalled.code).toBe('model_timeout');
    fake.enqueue({ delayMs: 1_000, text: 'too late' });
    const slow = await failure(ask(expert({ timeoutMs: 300 })));
    expect(slow.code).toBe('model_timeout');
    expect(slow.userMessage).toMatch(/Try again/);
  });

  it.each(['end', 'destroy', 'error-event'] as const)('keeps the partial text when the stream is cut (%s)', async (cut) => {
    fake.enqueue({ text: ['Step 1: add the column. ', 'Step 2: backfill. ', 'Step 3: enforce.'], cutAfterChunks: 2, cut, chunkDelayMs: 5 });
    const deltas: string[] = [];
    const error = await failure(ask(expert(), deltas));
    expect(error.code).toBe('model_stream_cut');
    expect(error.partialText).toBe('Step 1: add the column. Step 2: backfill. ');
    expect(deltas.join('')).toBe(error.partialText);
    expect(error.userMessage).toMatch(/cut off/);
  });

  it('reports a connection failure when nothing listens', async () => {
    const client = createExpert({ apiKey: API_KEY, baseURL: 'http://127.0.0.1:9', model: MODEL, logger, maxRetries: 0, timeoutMs: 2_000 });
    const error = await failure(ask(client));
    expect(error.code).toBe('model_timeout');
    expect(error.userMessage).toMatch(/could not reach/);
  });
});

describe('tool-use loop', () => {
  const readFile: ExpertTool = {
    definition: { name: 'read_migration', description: 'Read a migration file.', input_schema: { type: 'object', properties: { path: { type: 'string' } }, required: ['path'] } },
    run: (input) => `contents of ${(input as { path: string }).path}`,
    describe: (input) => `Reading ${(input as { path: string }).path}…`,
  };
  const listApps: ExpertTool = {
    definition: { name: 'list_apps', description: 'List apps.', input_schema: { type: 'object' } },
    run: () => {
      throw new Error('repository not linked');
    },
  };

  it('runs tools, returns their results to the model, and caches the tool definitions', async () => {
    fake.enqueue(
      { text: 'Let me read it.', toolUses: [{ name: 'read_migration', input: { path: 'accounts/migrations/0042_add_email.py' } }], usage: { input_tokens: 500, output_tokens: 20 } },
      { toolUses: [{ name: 'list_apps', input: {} }] },
      { text: 'The migration adds a unique column.', usage: { input_tokens: 700, output_tokens: 30, cache_read_input_tokens: 450 } },
    );
    const calls: string[] = [];
    const deltas: string[] = [];
    const result = await expert().answer({
      system: 'sys',
      turns: [{ role: 'user', text: 'Is 0042 safe?' }],
      tools: [listApps, readFile],
      onText: (delta) => void deltas.push(delta),
      onToolCall: (name, input, tool) => void calls.push(tool?.describe?.(input) ?? name),
    });

    expect(calls).toEqual(['Reading accounts/migrations/0042_add_email.py…', 'list_apps']);
    expect(result.toolCalls).toBe(2);
    expect(result.text).toBe('Let me read it.\n\nThe migration adds a unique column.');
    expect(deltas.join('')).toBe(result.text);
    expect(result.usage.inputTokens).toBe(500 + 100 + 700);
    expect(result.usage.cacheReadTokens).toBe(450);

    expect(fake.requests).toHaveLength(3);
    const first = fake.requests[0]?.body;
    expect(first.tools.map((tool: { name: string }) => tool.name)).toEqual(['list_apps', 'read_migration']);
    expect(first.tools[0].cache_control).toBeUndefined();
    expect(first.tools[1].cache_control).toEqual({ type: 'ephemeral' });
    const second = fake.requests[1]?.body;
    const toolResult = second.messages.at(-1).content[0];
    expect(toolResult).toMatchObject({ type: 'tool_result', content: 'contents of accounts/migrations/0042_add_email.py' });
    expect(second.messages.at(-2).content[1]).toMatchObject({ type: 'tool_use', name: 'read_migration', input: { path: 'accounts/migrations/0042_add_email.py' } });
    const third = fake.requests[2]?.body;
    expect(third.messages.at(-1).content[0]).toMatchObject({ type: 'tool_result', is_error: true });
    expect(third.messages.at(-1).content[0].content).toContain('repository not linked');
  });

  it('stops running tools past the budget and makes the model answer', async () => {
    const loop = { toolUses: [{ name: 'read_migration', input: { path: 'a.py' } }] };
    fake.enqueue(loop, loop, loop, { text: 'Answer with what I have.' });
    let runs = 0;
    const counted: ExpertTool = { ...readFile, run: () => `run ${++runs}` };
    const result = await expert().answer({ system: 'sys', turns: [{ role: 'user', text: 'q' }], tools: [counted], maxToolCalls: 2, onText: () => {} });

    expect(runs).toBe(2);
    expect(result.toolCalls).toBe(2);
    expect(result.text).toBe('Answer with what I have.');
    // Third round: the budget is spent, so the model is told tools are off and the refused call is explained.
    const third = fake.requests[2]?.body;
    expect(third.tool_choice).toEqual({ type: 'none' });
    expect(fake.requests[3]?.body.messages.at(-1).content[0].content).toMatch(/budget of 2 tool calls/);
  });
});
