/**
 * The predict_sql tool inside the real question pipeline and the real Anthropic SDK, against the fake
 * Messages API: the model asks for a pasted migration's SQL, the tool result it gets back carries the
 * statements with their locks, and nothing secret is in any request.
 */
import { Writable } from 'node:stream';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createExpert } from '../../src/expert/index.js';
import { createLogger } from '../../src/logger.js';
import { createAnswerService } from '../../src/pipeline/index.js';
import { createEngineGrounder, createSqlToolGrounder } from '../../src/pipeline/grounders/index.js';
import { createPredictSqlTool } from '../../src/pipeline/sql-tool.js';
import type { AnswerOutcome, AnswerSink, Grounder } from '../../src/pipeline/types.js';
import { startFakeAnthropic, type FakeAnthropic, type RecordedRequest } from '../fakes/anthropic.js';
import { fenced, question } from '../pipeline/grounders/samples.js';

const API_KEY = 'sk-ant-api03-predict-sql-test-0123456789';
/** A configured secret value (no telltale prefix): scrubbed by value wherever it appears. */
const DB_PASSWORD = 'Tr0ub4dor-and-3-horses';

const INITIAL = `from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True
    dependencies = []

    operations = [
        migrations.CreateModel(name="Order", fields=[("id", models.BigAutoField(primary_key=True))]),
    ]
`;

const ADD_PAID = `from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]

    operations = [
        migrations.AddField(model_name="order", name="paid", field=models.BooleanField(default=False)),
        migrations.RunSQL("ALTER ROLE shop_app PASSWORD '${DB_PASSWORD}'"),
        migrations.RunPython(migrations.RunPython.noop),
    ]
`;

class RecordingSink implements AnswerSink {
  text_ = '';
  async status() {}
  async text(delta: string) {
    this.text_ += delta;
  }
  async finish(_outcome: AnswerOutcome) {}
}

const logger = createLogger({ level: 'warn', destination: new Writable({ write: (_chunk, _encoding, done) => done() }) });
const settingsFor = async () => ({ database: 'postgresql' as const, databaseVersion: '16' });
const grounders: Grounder[] = [createEngineGrounder({ settingsFor }), createSqlToolGrounder({ settingsFor })];

let fake: FakeAnthropic;
beforeAll(async () => {
  fake = await startFakeAnthropic();
});
afterAll(async () => {
  await fake.close();
});
beforeEach(() => {
  fake.requests.length = 0;
});

/** The last fenced block of the newest user turn, as the model saw it (already scrubbed). */
function lastFence(request: RecordedRequest): string {
  const turn = request.body.messages.at(-1).content as Array<{ type: string; text?: string }>;
  const text = turn.map((block) => block.text ?? '').join('\n');
  const fences = [...text.matchAll(/```python\n([\s\S]*?)```/g)];
  return fences.at(-1)?.[1] ?? '';
}

function toolResultOf(request: RecordedRequest): { content: string; is_error?: boolean } {
  const block = request.body.messages.at(-1).content[0];
  expect(block.type).toBe('tool_result');
  return { content: typeof block.content === 'string' ? block.content : JSON.stringify(block.content), is_error: block.is_error };
}

async function ask(text: string): Promise<RecordingSink> {
  const expert = createExpert({ apiKey: API_KEY, baseURL: fake.url, model: 'claude-opus-5-5', logger, maxRetries: 0, timeoutMs: 5_000 });
  const sink = new RecordingSink();
  const outcome = await createAnswerService({ expert, systemPrompt: 's', logger, maxConcurrent: 2, grounders, secrets: [DB_PASSWORD] }).answer(question(text), sink);
  expect(outcome.ok).toBe(true);
  return sink;
}

describe('predict_sql through the real SDK', () => {
  it('is offered to the model, runs on the pasted migration with its 0001 as context, and returns statements with locks', async () => {
    fake.enqueue((request) => ({ toolUses: [{ name: 'predict_sql', input: { source: lastFence(request) } }] }), { text: 'It takes ACCESS EXCLUSIVE briefly.' });
    const sink = await ask(`What SQL does 0002 run?\n${fenced(INITIAL)}\n${fenced(ADD_PAID)}`);

    expect(sink.text_).toContain('It takes ACCESS EXCLUSIVE briefly.');
    expect(fake.requests).toHaveLength(2);
    const tool = fake.requests[0]!.body.tools.find((item: { name: string }) => item.name === 'predict_sql');
    expect(tool.description).toContain('postgresql 16');
    expect(Object.keys(tool.input_schema.properties)).toEqual(['source', 'database', 'version']);

    const result = toolResultOf(fake.requests[1]!);
    expect(result.is_error).toBeUndefined();
    expect(result.content).toContain('-- postgresql 16: 2 of 3 operations predicted');
    expect(result.content).toContain('ALTER TABLE "shop_order" ADD COLUMN "paid" boolean DEFAULT false NOT NULL;\n-- lock: ACCESS EXCLUSIVE on shop_order, rewrite: no, scan: no');
    expect(result.content).toContain('ALTER ROLE shop_app PASSWORD');
    expect(result.content).toContain('-- not predicted: RunPython runs Python code');
    // Secrets: the configured value and the API key are in no request body.
    for (const request of fake.requests) {
      expect(request.rawBody).not.toContain(DB_PASSWORD);
      expect(request.rawBody).not.toContain(API_KEY);
    }
    expect(fake.requests[1]!.rawBody).toContain('[redacted]');
  });

  it('predicts for another database and version when the model asks', async () => {
    fake.enqueue((request) => ({ toolUses: [{ name: 'predict_sql', input: { source: lastFence(request), database: 'mysql', version: '8.0' } }] }), { text: 'Instant on MySQL 8.0.' });
    await ask(`And on MySQL?\n${fenced(INITIAL)}\n${fenced(ADD_PAID)}`);

    const result = toolResultOf(fake.requests[1]!);
    expect(result.content).toContain('-- mysql 8.0');
    // The verdict per version is the engine's to refine; the shape is the tool's contract.
    expect(result.content).toMatch(/ALTER TABLE `shop_order` ADD COLUMN `paid` bool DEFAULT b'0' NOT NULL;\n-- lock: ALGORITHM=(INSTANT|INPLACE|COPY), LOCK=(NONE|SHARED|EXCLUSIVE), rewrite: (yes|no), scan: (yes|no)/);
  });

  it('answers a bad call with a tool error the model can read', async () => {
    fake.enqueue({ toolUses: [{ name: 'predict_sql', input: { path: 'shop/migrations/0002.py', source: 'x' } }] }, { toolUses: [{ name: 'predict_sql', input: { source: ADD_PAID, database: 'cassandra' } }] }, { text: 'Sorry.' });
    await ask('What SQL does shop 0002 run?');

    expect(toolResultOf(fake.requests[1]!)).toEqual({ is_error: true, content: expect.stringContaining('give exactly one of path and source') });
    expect(toolResultOf(fake.requests[2]!)).toEqual({ is_error: true, content: expect.stringContaining('database') });
  });
});

describe('predict_sql without a repository', () => {
  it('says to pass the source when given a path', async () => {
    const tool = createPredictSqlTool({ settings: { database: 'postgresql', databaseVersion: '16' } });
    expect(tool.definition.input_schema.properties).not.toHaveProperty('path');
    expect(await tool.run({ path: 'shop/migrations/0002_paid.py' }, {})).toContain('pass the migration\'s text as `source` instead');
  });

  it('refuses a version that is not one', async () => {
    const tool = createPredictSqlTool({ settings: { database: 'postgresql', databaseVersion: '16' } });
    await expect(tool.run({ source: ADD_PAID, version: 'latest' }, {})).rejects.toThrow(/version must look like 16 or 8\.0\.32/);
  });
});
