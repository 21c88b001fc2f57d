/**
 * End to end: request signatures, health check, secrets kept out of the logs, start-up failures
 * (bad configuration in a real child process, a token Slack rejects, no model key).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBot } from '../../src/main.js';
import { FakeSlackApi, FAKE_BOT_USER_ID } from '../fakes/slack-api.js';
import { postRaw, signedHeaders } from '../fakes/sign.js';
import { ANTHROPIC_KEY, BOT_TOKEN, deliverMessage, SIGNING_SECRET, startHarness, waitForAnswer, type Harness } from './harness.js';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
let harness: Harness;

beforeAll(async () => {
  harness = await startHarness();
});
afterAll(() => harness.close());

describe('request verification', () => {
  const body = JSON.stringify({ type: 'event_callback', event_id: 'Ev0FORGED1', team_id: 'T0FAKE001', event: { type: 'app_mention', user: 'U1', text: 'hi', ts: '1.1', channel: 'C1' } });

  it('rejects a forged signature with 401 and runs nothing', async () => {
    const headers = signedHeaders('not-the-signing-secret', body, 'application/json');
    const response = await postRaw(harness.eventsUrl, body, headers);
    expect(response.status).toBe(401);
  });

  it('rejects a correctly signed but stale request (over 5 minutes old) with 401', async () => {
    const headers = signedHeaders(SIGNING_SECRET, body, 'application/json', { timestamp: Math.floor(Date.now() / 1000) - 6 * 60 });
    const response = await postRaw(harness.eventsUrl, body, headers);
    expect(response.status).toBe(401);
    expect(harness.anthropic.requests.filter((request) => JSON.stringify(request.body).includes('Ev0FORGED1'))).toHaveLength(0);
  });

  it('answers the URL verification challenge and serves /healthz', async () => {
    const challenge = JSON.stringify({ type: 'url_verification', token: 't', challenge: 'c0ffee' });
    const verified = await postRaw(harness.eventsUrl, challenge, signedHeaders(SIGNING_SECRET, challenge, 'application/json'));
    expect(verified.json).toEqual({ challenge: 'c0ffee' });
    const health = await fetch(`${harness.baseUrl}/healthz`);
    expect(health.status).toBe(200);
  });
});

describe('secrets', () => {
  it('never writes the bot token, signing secret or model key to the log, even at debug level', async () => {
    harness.anthropic.enqueue({ text: 'Rotate it now.' });
    // A user pasting a token must not put it in the logs either.
    const { message } = await deliverMessage(harness, 'mention', { channel: 'C0SECRET01', text: `<@${FAKE_BOT_USER_ID}> I leaked ${BOT_TOKEN} and ${SIGNING_SECRET} and ${ANTHROPIC_KEY} in a migration, what now?` });
    await waitForAnswer(harness, 'C0SECRET01', message.ts);
    // The Web API calls really carried the token (so it was available to leak).
    expect(harness.slack.calls.some((call) => call.token === BOT_TOKEN)).toBe(true);
    // The pipeline writes its summary line just after the answer is finished.
    await harness.slack.waitFor(() => harness.logs.some((line) => line.includes('question answered')), 5000, 'the summary log line');
    const output = harness.logs.join('');
    expect(harness.logs.length).toBeGreaterThan(5);
    for (const secret of [BOT_TOKEN, SIGNING_SECRET, ANTHROPIC_KEY]) expect(output).not.toContain(secret);
    // The pasted secrets did reach the logger (the debug line with the question) and were scrubbed there.
    expect(harness.logs.some((line) => line.includes('question received') && line.includes('[redacted]'))).toBe(true);
    // Nor are they sent to the model.
    const sent = JSON.stringify(harness.anthropic.requests.at(-1)!.body);
    for (const secret of [BOT_TOKEN, SIGNING_SECRET, ANTHROPIC_KEY]) expect(sent).not.toContain(secret);
  });
});

function runMain(env: Record<string, string>): Promise<{ code: number | null; stderr: string; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['dist/main.js'], {
      cwd: REPO_ROOT,
      // Empty values win over a developer's .env (dotenv never overrides a set variable) and count as unset.
      env: { PATH: process.env.PATH ?? '', SLACK_BOT_TOKEN: '', SLACK_SIGNING_SECRET: '', SLACK_APP_TOKEN: '', PORT: '', ANTHROPIC_API_KEY: '', SLACK_API_URL: '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 35_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr, stdout });
    });
  });
}

describe('start-up', () => {
  it('exits 1 with one line naming each bad variable and no stack trace', async () => {
    const result = await runMain({ SLACK_BOT_TOKEN: 'xoxb-valid-looking-token', PORT: 'eighty' });
    expect(result.code).toBe(1);
    const lines = result.stderr.trim().split('\n');
    expect(lines.find((line) => line.includes('SLACK_SIGNING_SECRET'))).toMatch(/SLACK_SIGNING_SECRET is required/);
    expect(lines.find((line) => line.includes('PORT'))).toMatch(/PORT is "eighty"/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(result.stderr).not.toContain('xoxb-valid-looking-token');
  }, 40_000);

  it('refuses to start, with a clear reason, when Slack rejects the bot token', async () => {
    const slack = await new FakeSlackApi().start();
    slack.fail('auth.test', { error: 'invalid_auth' });
    try {
      const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mh-startup-'));
      await expect(startBot({ env: { SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_API_URL: slack.apiUrl, LOG_LEVEL: 'silent', DATA_DIR: dataDir }, port: 0, slackRetry: { retries: 0 } })).rejects.toMatchObject({
        code: 'config_invalid',
        userMessage: expect.stringContaining('SLACK_BOT_TOKEN was rejected'),
      });
    } finally {
      await slack.close();
    }
  });

  it('starts without ANTHROPIC_API_KEY and says in the thread that the model is not configured', async () => {
    const other = await startHarness({ env: { ANTHROPIC_API_KEY: undefined } });
    try {
      const { message } = await deliverMessage(other, 'mention', { channel: 'C0NOKEY001', text: `<@${FAKE_BOT_USER_ID}> hello?` });
      const replies = await waitForAnswer(other, 'C0NOKEY001', message.ts);
      expect(replies.join('')).toMatch(/not configured/);
      expect(other.anthropic.requests).toHaveLength(0);
    } finally {
      await other.close();
    }
  });
});
