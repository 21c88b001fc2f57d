/**
 * Three replicas of the real app (src/main.ts in its own process each) behind one Redis and one
 * PostgreSQL (the real servers; a fresh database and key prefix for this run), against the fake
 * Slack Web API and fake Anthropic API. Events go round-robin, each followed by Slack's redelivery
 * to the next replica, signed as Slack signs them.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chunked, startFakeAnthropic, type FakeAnthropic, type RecordedRequest } from '../fakes/anthropic.js';
import { postCommand, postEvent } from '../fakes/sign.js';
import { FAKE_BOT_USER_ID, FAKE_TEAM_ID, FakeSlackApi } from '../fakes/slack-api.js';
import { createTestDatabase, testRedisPrefix, TEST_REDIS_URL, type TestDatabase } from '../helpers/databases.js';
import { ANTHROPIC_KEY, BOT_TOKEN, envelope, messageTexts, nextEventId, SIGNING_SECRET } from './harness.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const MODEL_LIMIT = 2;

interface Replica {
  name: string;
  port: number;
  child: ChildProcess;
  exited: Promise<number | null>;
  output: string[];
  dataDir: string;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function until(condition: () => Promise<boolean> | boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

let slack: FakeSlackApi;
let anthropic: FakeAnthropic;
let database: TestDatabase;
const redis = testRedisPrefix();
const replicas: Replica[] = [];

async function startReplica(name: string, env: Record<string, string> = {}): Promise<Replica> {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), `mh-replica-${name}-`));
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      SLACK_BOT_TOKEN: BOT_TOKEN,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: slack.apiUrl,
      ANTHROPIC_API_KEY: ANTHROPIC_KEY,
      ANTHROPIC_BASE_URL: anthropic.url,
      ANTHROPIC_MODEL: 'claude-test-model',
      LLM_MAX_CONCURRENT: String(MODEL_LIMIT),
      PORT: String(port),
      DATA_DIR: dataDir,
      DATABASE_URL: database.url,
      REDIS_URL: TEST_REDIS_URL,
      REDIS_KEY_PREFIX: redis.prefix,
      EVENT_LEASE_MS: '1500',
      LLM_SLOT_EXPIRATION_MS: '4000',
      LOG_LEVEL: 'info',
      LOG_FORMAT: 'json',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  child.stdout!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const replica = { name, port, child, exited, output, dataDir };
  replicas.push(replica);
  return replica;
}

async function ready(replica: Replica): Promise<void> {
  await until(
    async () => {
      if (replica.child.exitCode !== null) throw new Error(`${replica.name} exited:\n${replica.output.join('')}`);
      return fetch(`http://127.0.0.1:${replica.port}/readyz`).then(
        (response) => response.status === 200,
        () => false,
      );
    },
    60_000,
    `${replica.name} to be ready`,
  );
}

/** A person's mention in its own channel; `deliver` sends the event (first try or a redelivery) to one replica. */
function question(channel: string, text: string, user: string) {
  const message = slack.addMessage(channel, { user, text });
  const eventId = nextEventId();
  const event = { type: 'app_mention', user, text: `<@${FAKE_BOT_USER_ID}> ${text}`, ts: message.ts, channel, event_ts: message.ts, team: FAKE_TEAM_ID };
  const body = envelope(event, eventId);
  return {
    channel,
    ts: message.ts,
    deliver: (replica: Replica, retryNum?: number) =>
      postEvent(`http://127.0.0.1:${replica.port}/slack/events`, SIGNING_SECRET, body, retryNum === undefined ? {} : { retryNum, retryReason: 'http_timeout' }),
  };
}

const answered = (channel: string, ts: string) => slack.callsTo('assistant.threads.setStatus').some((call) => call.body.thread_ts === ts && call.body.channel_id === channel && call.body.status === '');
const asked = (marker: string) => anthropic.requests.filter((request: RecordedRequest) => request.path.startsWith('/v1/messages') && messageTexts(request.body).some((turn) => turn.text.includes(marker)));

beforeAll(async () => {
  slack = await new FakeSlackApi().start();
  anthropic = await startFakeAnthropic();
  database = await createTestDatabase();
  const started = await Promise.all(['r1', 'r2', 'r3'].map((name) => startReplica(name)));
  await Promise.all(started.map((replica) => ready(replica)));
}, 90_000);

afterAll(async () => {
  for (const replica of replicas) {
    if (replica.child.exitCode === null && replica.child.signalCode === null) replica.child.kill('SIGTERM');
  }
  await Promise.all(replicas.map((replica) => replica.exited));
  for (const replica of replicas) rmSync(replica.dataDir, { recursive: true, force: true });
  await Promise.all([slack?.close(), anthropic?.close()]);
  await redis.clear();
  await database?.drop();
}, 60_000);

describe('three replicas sharing Redis and PostgreSQL', () => {
  it('answers every question exactly once with Slack redeliveries, never exceeding the global model limit', async () => {
    const count = 12;
    anthropic.setDefault((request) => {
      const marker = /Q-\d+/.exec(JSON.stringify(request.body))?.[0] ?? 'unknown';
      return { text: chunked(`Answer to ${marker}: use a two-step migration.`, 8), chunkDelayMs: 15 };
    });
    const questions = Array.from({ length: count }, (_value, index) => question(`C0REPL${String(index).padStart(3, '0')}`, `Q-${index} is AddField NOT NULL safe?`, `U0USER${index % 4}`));
    // First deliveries round-robin; each redelivered at once to the next replica, as after a timeout.
    const responses = await Promise.all(
      questions.flatMap((item, index) => [item.deliver(replicas[index % 3]!), item.deliver(replicas[(index + 1) % 3]!, 1)]),
    );
    expect(responses.every((response) => response.status === 200)).toBe(true);
    await until(() => questions.every((item) => answered(item.channel, item.ts)), 60_000, 'every answer');

    for (const [index, item] of questions.entries()) {
      const replies = slack.botReplies(item.channel, item.ts);
      expect(replies, `thread of Q-${index}`).toHaveLength(1);
      expect(replies[0]!.text).toBe(`Answer to Q-${index}: use a two-step migration.`);
      expect(asked(`Q-${index} `), `model requests for Q-${index}`).toHaveLength(1);
    }
    expect(anthropic.maxOpen).toBeLessThanOrEqual(MODEL_LIMIT);
    // The limit was reached, so the check above had something to hold back.
    expect(anthropic.maxOpen).toBe(MODEL_LIMIT);
  }, 90_000);

  it('answers from another replica when the one answering is killed mid-answer', async () => {
    const [victim, survivor] = [replicas[0]!, replicas[1]!];
    anthropic.setDefault((request) => {
      // The first try stalls after its headers: the victim is mid-answer when it dies.
      if (asked('KILLED-MID-ANSWER').length === 1) return { stall: true };
      void request;
      return { text: chunked('Recovered answer after a replica died.', 8) };
    });
    const item = question('C0KILLED01', 'KILLED-MID-ANSWER what now?', 'U0KILL001');
    expect((await item.deliver(victim)).status).toBe(200);
    await until(() => asked('KILLED-MID-ANSWER').length === 1, 20_000, 'the victim to ask the model');
    victim.child.kill('SIGKILL');
    await victim.exited;

    // Slack redelivers (the victim never finished); the survivor waits out the victim's lease, then answers.
    expect((await item.deliver(survivor, 1)).status).toBe(200);
    await until(() => answered(item.channel, item.ts), 30_000, 'the survivor to answer').catch((error: unknown) => {
      throw new Error(`${String(error)}\n${survivor.output.join('').split('\n').filter((line) => line.includes('C0KILLED01') || line.includes('lease')).join('\n')}`);
    });
    const replies = slack.botReplies(item.channel, item.ts);
    expect(replies).toHaveLength(1);
    expect(replies[0]!.text).toBe('Recovered answer after a replica died.');
    expect(asked('KILLED-MID-ANSWER')).toHaveLength(2);
  }, 60_000);

  it('delivers every answer when chat.startStream answers 429 with Retry-After', async () => {
    const live = replicas.filter((replica) => replica.child.exitCode === null && replica.child.signalCode === null);
    anthropic.setDefault({ text: chunked('Rate limits do not lose answers.', 8) });
    const before = slack.callsTo('chat.startStream').length;
    slack.fail('chat.startStream', { error: 'ratelimited', httpStatus: 429, times: 3 });
    const questions = Array.from({ length: 4 }, (_value, index) => question(`C0LIMIT00${index}`, `limited ${index}`, `U0LIM00${index}`));
    await Promise.all(questions.map((item, index) => item.deliver(live[index % live.length]!)));
    await until(() => questions.every((item) => answered(item.channel, item.ts)), 30_000, 'every rate-limited answer');
    for (const item of questions) {
      const replies = slack.botReplies(item.channel, item.ts);
      expect(replies).toHaveLength(1);
      expect(replies[0]!.text).toBe('Rate limits do not lose answers.');
    }
    // The 429s really happened.
    expect(slack.callsTo('chat.startStream').length - before).toBeGreaterThanOrEqual(3);
  }, 60_000);

  it('stops an answer running on one replica from a Stop click delivered to another', async () => {
    // Two more replicas whose slots outlive the Stop button's delay (the others expire theirs sooner).
    const [writer, clicker] = await Promise.all(['s1', 's2'].map((name) => startReplica(name, { LLM_SLOT_EXPIRATION_MS: '60000' })));
    await Promise.all([ready(writer!), ready(clicker!)]);
    anthropic.setDefault({ stall: true });
    const asker = 'U0STOPPER1';
    const item = question('C0STOPREP1', 'STOP-ACROSS-REPLICAS explain every lock', asker);
    expect((await item.deliver(writer!)).status).toBe(200);
    // The Stop button comes after the answer's default delay; the model stream stays open until then.
    const offer = await slack.waitFor(() => slack.callsTo('chat.postEphemeral').find((call) => call.body.thread_ts === item.ts), 20_000, 'the Stop button');
    const button = (offer.body.blocks as Array<{ type: string; elements?: Array<{ value: string }> }>).find((block) => block.type === 'actions')!.elements![0]!;
    const click = (userId: string, responseId: string) => {
      const payload = {
        type: 'block_actions',
        team: { id: FAKE_TEAM_ID, domain: 'acme' },
        user: { id: userId, username: userId, name: userId, team_id: FAKE_TEAM_ID },
        api_app_id: 'A0MIGRATE1',
        token: 'legacy-verification-token',
        trigger_id: `trig-${responseId}`,
        response_url: slack.responseUrl(responseId),
        container: { type: 'message', is_ephemeral: true, channel_id: item.channel },
        channel: { id: item.channel },
        actions: [{ type: 'button', action_id: 'answer_stop', block_id: 'stop', value: button.value, action_ts: '1' }],
      };
      return postCommand(`http://127.0.0.1:${clicker!.port}/slack/events`, SIGNING_SECRET, { payload: JSON.stringify(payload) });
    };
    // Someone else's click is refused by the replica running the answer, which keeps going.
    expect((await click('U0SOMEONE1', 'stop-intruder')).status).toBe(200);
    const refusal = await slack.waitFor(() => slack.responseUrlPosts.find((post) => post.id === 'stop-intruder'), 10_000, 'the refusal');
    expect(refusal.body).toMatchObject({ text: expect.stringMatching(/^Only the person who asked/) });
    expect(answered(item.channel, item.ts)).toBe(false);

    expect((await click(asker, 'stop-replica')).status).toBe(200);

    const confirmation = await slack.waitFor(() => slack.responseUrlPosts.find((post) => post.id === 'stop-replica'), 10_000, 'the stop confirmation');
    expect(confirmation.body).toMatchObject({ replace_original: true, text: expect.stringMatching(/^Stopped/) });
    await until(() => answered(item.channel, item.ts), 10_000, 'the stopped answer to end');
    const replies = slack.botReplies(item.channel, item.ts);
    expect(replies).toHaveLength(1);
    expect(replies[0]!.text).toContain('Stopped at your request');
    // The click really crossed replicas: the clicker took it, the writer only heard it through Redis.
    expect(clicker!.output.join('')).toContain('stop requested');
    expect(writer!.output.join('')).not.toContain('stop requested');
    expect(asked('STOP-ACROSS-REPLICAS')).toHaveLength(1);
  }, 60_000);
});
