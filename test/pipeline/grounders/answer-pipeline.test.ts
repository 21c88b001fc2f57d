/**
 * The grounders inside the real question pipeline: deterministic sections reach the sink with no
 * model at all, and reach the model's request (through the real Anthropic SDK) when there is one.
 */
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createExpert } from '../../../src/expert/index.js';
import { createLogger } from '../../../src/logger.js';
import { createAnswerService } from '../../../src/pipeline/index.js';
import { createEngineGrounder, createPlaybookGrounder } from '../../../src/pipeline/grounders/index.js';
import type { AnswerOutcome, AnswerSink } from '../../../src/pipeline/types.js';
import { startFakeAnthropic, type FakeAnthropic } from '../../fakes/anthropic.js';
import { ADD_NOT_NULL, INCONSISTENT_TRACEBACK, fenced, question } from './samples.js';

/** A transport double: records what the pipeline would post in the thread. */
class RecordingSink implements AnswerSink {
  readonly events: Array<{ kind: 'status' | 'text'; text: string } | { kind: 'finish'; outcome: AnswerOutcome }> = [];
  async status(text: string) {
    this.events.push({ kind: 'status', text });
  }
  async text(delta: string) {
    this.events.push({ kind: 'text', text: delta });
  }
  async finish(outcome: AnswerOutcome) {
    this.events.push({ kind: 'finish', outcome });
  }
  get answer(): string {
    return this.events.map((event) => (event.kind === 'text' ? event.text : '')).join('');
  }
}

const logger = createLogger({ level: 'warn', destination: new Writable({ write: (_chunk, _encoding, done) => done() }) });
const grounders = [
  createEngineGrounder({ settingsFor: () => ({ database: 'postgresql', databaseVersion: '16' }) }),
  createPlaybookGrounder(),
];
const pasted = `Deploy failed and I think this migration is involved:\n${fenced(ADD_NOT_NULL)}\n${fenced(INCONSISTENT_TRACEBACK, '')}`;

let fake: FakeAnthropic;
beforeAll(async () => {
  fake = await startFakeAnthropic();
});
afterAll(async () => {
  await fake.close();
});

describe('grounders in the answer pipeline', () => {
  it('without a model, posts the engine findings and the diagnosis, then the "model not configured" note', async () => {
    const sink = new RecordingSink();
    const outcome = await createAnswerService({ systemPrompt: 's', logger, maxConcurrent: 2, grounders }).answer(question(pasted), sink);

    expect(sink.answer).toContain('**Engine findings** for the pasted migration (PostgreSQL 16)');
    expect(sink.answer).toContain('`add-field-not-null-without-db-default`');
    expect(sink.answer).toContain('**Diagnosis: InconsistentMigrationHistory');
    expect(sink.answer).toContain('python manage.py migrate ledger 0003_account_currency --fake');
    expect(sink.answer.indexOf('Engine findings')).toBeLessThan(sink.answer.indexOf('Diagnosis:'));
    expect(sink.events.at(-1)).toEqual({ kind: 'finish', outcome });
    expect(outcome.error?.code).toBe('model_not_configured');
    expect(outcome.error?.userMessage).toContain('The checks above come from migrate-help’s own analysis');
    expect(fake.requests).toHaveLength(0);
  });

  it('gives the findings and the diagnosis to the model through the real SDK, after showing them in the thread', async () => {
    fake.enqueue({ text: ['Add the column with ', 'db_default first.'] });
    const expert = createExpert({ apiKey: 'sk-ant-api03-grounders-test-0123456789', baseURL: fake.url, model: 'claude-opus-5-5', logger, maxRetries: 0, timeoutMs: 5_000 });
    const sink = new RecordingSink();
    const outcome = await createAnswerService({ expert, systemPrompt: 's', logger, maxConcurrent: 2, grounders }).answer(question(pasted), sink);

    expect(outcome.ok).toBe(true);
    expect(sink.answer.indexOf('Engine findings')).toBeLessThan(sink.answer.indexOf('Add the column with db_default first.'));
    expect(fake.requests).toHaveLength(1);
    const body = fake.requests[0]?.rawBody ?? '';
    expect(body).toContain('[error] add-field-not-null-without-db-default at the pasted migration, line 11 (AddField)');
    expect(body).toContain('Safe alternative:');
    expect(body).toContain('db_default=\\"web\\"');
    expect(body).toContain('Diagnosis (inconsistent-migration-history');
  });
});
