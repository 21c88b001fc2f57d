import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CONFIG_VARIABLES } from '../src/config.js';
import { startFakeAnthropic, type FakeAnthropic } from './fakes/anthropic.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const API_KEY = 'sk-ant-api03-console-test-0123456789';

/** Run `npm run console`'s command (the built dist/console.js) with piped stdin. Every config variable is set (empty = unset) so a developer's .env cannot leak in. */
function runConsole(input: string, env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const blank = Object.fromEntries(CONFIG_VARIABLES.map((name) => [name, '']));
  const child = spawn(process.execPath, ['dist/console.js'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...blank, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdin.end(input);
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

/** Each test has its own fake so the child processes can run side by side (each start costs seconds). */
async function withFake(run: (fake: FakeAnthropic) => Promise<void>): Promise<void> {
  const fake = await startFakeAnthropic();
  try {
    await run(fake);
  } finally {
    await fake.close();
  }
}

/** The turns as typed: a question's newest turn also carries the knowledge passages as a first context block. */
function asked(messages: Array<{ role: string; content: string | Array<{ type: string; text: string }> }>): Array<{ role: string; content: string }> {
  return messages.map(({ role, content }) => ({ role, content: typeof content === 'string' ? content : content.at(-1)!.text }));
}

describe.concurrent('console mode', () => {
  it('answers questions in order and keeps the conversation like a thread', () =>
    withFake(async (fake) => {
      fake.enqueue({ text: ['Use ', 'AddIndexConcurrently.'], usage: { input_tokens: 50, output_tokens: 4, cache_read_input_tokens: 40 } }, { text: 'Set atomic = False.' });
      const result = await runConsole('How do I add an index without locking?\nAnd the migration flag?\n', { ANTHROPIC_API_KEY: API_KEY, ANTHROPIC_BASE_URL: fake.url });

      expect(result.code).toBe(0);
      expect(result.stdout).toBe('Use AddIndexConcurrently.\nSet atomic = False.\n');
      expect(result.stderr).toContain('Thinking…');
      expect(result.stderr).toContain('40 read from cache');
      expect(fake.requests).toHaveLength(2);
      expect(fake.requests[1]?.body.messages.at(-1).content[0].text).toContain('<passage id="rule:');
      expect(asked(fake.requests[1]?.body.messages)).toEqual([
        { role: 'user', content: 'How do I add an index without locking?' },
        { role: 'assistant', content: 'Use AddIndexConcurrently.' },
        { role: 'user', content: 'And the migration flag?' },
      ]);
      expect(result.stdout + result.stderr).not.toContain(API_KEY);
    }), 60_000);

  it('takes multi-line pastes, /reset starts over, and model errors are explained', () =>
    withFake(async (fake) => {
      fake.enqueue({ status: 529, headers: { 'x-should-retry': 'false' } }, { text: 'Fresh start.' });
      const traceback = ['Traceback (most recent call last):', '  File "manage.py", line 22', 'django.db.migrations.exceptions.NodeNotFoundError: ...'];
      const input = ['"""', ...traceback, '"""', '/reset', 'new question', ''].join('\n');
      const result = await runConsole(input, { ANTHROPIC_API_KEY: API_KEY, ANTHROPIC_BASE_URL: fake.url });

      expect(result.code).toBe(0);
      expect(asked(fake.requests[0]?.body.messages)[0]?.content).toBe(traceback.join('\n'));
      expect(result.stderr).toMatch(/overloaded/);
      expect(result.stderr).toContain('Started a new conversation.');
      expect(asked(fake.requests[1]?.body.messages)).toEqual([{ role: 'user', content: 'new question' }]);
      // The model was overloaded: the offline answer (the NodeNotFoundError playbook) stood in, labelled.
      expect(result.stdout).toMatch(/^\*\*Offline answer\*\* — The expert model is overloaded right now\.[\s\S]*`playbook:node-not-found`[\s\S]*\nFresh start\.\n$/);
    }), 60_000);

  it('works without ANTHROPIC_API_KEY and says the model is not configured', () =>
    withFake(async (fake) => {
      const result = await runConsole('Why is my migration slow?\n', { ANTHROPIC_BASE_URL: fake.url });
      expect(result.code).toBe(0);
      expect(result.stderr).toContain('ANTHROPIC_API_KEY is not set');
      expect(fake.requests).toHaveLength(0);
    }), 60_000);

  it('stops on invalid configuration with one line per problem and no stack trace', () =>
    withFake(async (fake) => {
      expect(fake.url).toMatch(/^http:\/\/127\.0\.0\.1:/);
      const result = await runConsole('', { LLM_MAX_CONCURRENT: 'many', ANTHROPIC_BASE_URL: 'not-a-url' });
      expect(result.code).toBe(1);
      const lines = result.stderr.trim().split('\n');
      expect(lines[0]).toMatch(/^migrate-help cannot start: 2 configuration problems/);
      expect(lines.slice(1).map((line) => line.trim().split(' ')[0]).sort()).toEqual(['ANTHROPIC_BASE_URL', 'LLM_MAX_CONCURRENT']);
      expect(result.stderr).not.toMatch(/\n\s+at /);
      expect(fake.requests).toHaveLength(0);
    }), 60_000);
});
