/**
 * `npm run bench:slack -- --n 50 [--rounds 5] [--redis [--questions 200]]`
 *
 * With `--redis`, the bot shares its state through Redis (REDIS_URL, default redis://127.0.0.1:6379/0,
 * a fresh key prefix per run) with LLM_MAX_CONCURRENT=4, and after the ack rounds a burst of
 * `--questions` events must all be answered while the fake model counts its concurrent streams.
 *
 * Fires N concurrent signed `app_mention` events at the real bot (startBot: real Bolt app, real
 * pipeline and Anthropic SDK) pointed at the loopback fakes, and at a bare Bolt app on the same
 * receiver whose only listener does nothing (Bolt acks events itself). Per request it measures the
 * ack latency (HTTP response time) and, for the bot, the time from sending the event to the first
 * Slack API call the fake records for that thread (the "Thinking…" status). Prints p50/p99 for both
 * apps and the ratios. Loopback only: "receipt" is the moment the request is sent.
 *
 * Four processes, so that no measured party shares an event loop with work it does not own: this
 * one only sends requests and measures; the fakes (Slack + Anthropic), the bot and the bare app
 * each run in a child (this file with `--serve fakes|bot|bare`). Times cross processes as
 * `performance.timeOrigin + performance.now()`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { App, HTTPReceiver, LogLevel } from '@slack/bolt';
import { startBot } from '../src/main.js';
import { startFakeAnthropic } from '../test/fakes/anthropic.js';
import { postEvent } from '../test/fakes/sign.js';
import { FAKE_BOT_ID, FAKE_BOT_USER_ID, FAKE_TEAM_ID, FakeSlackApi } from '../test/fakes/slack-api.js';
import { testRedisPrefix } from '../test/helpers/databases.js';

const SIGNING_SECRET = 'bench0signing0secret0value0000001';
const BOT_TOKEN = 'xoxb-0000000000-0000000000-benchTokenValue';

/** Wall-clock milliseconds with sub-millisecond resolution, comparable across processes. */
const clock = (): number => performance.timeOrigin + performance.now();

function option(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  if (index === -1) return fallback;
  const value = Number(process.argv[index + 1]);
  if (!Number.isInteger(value) || value < 1) {
    console.error(`--${name} needs a whole number of 1 or more`);
    process.exit(2);
  }
  return value;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] ?? Number.NaN;
}

/* ---------------------------------- child processes ---------------------------------- */

/** Messages from the fakes process to the load generator. */
type FakesMessage = { kind: 'first-call'; threadTs: string; at: number } | { kind: 'answer-finished' } | { kind: 'model-streams'; maxOpen: number };

async function serveFakes(): Promise<void> {
  const slack = await new FakeSlackApi().start();
  // --redis: a model that takes a moment per chunk, so answers overlap and the cap is exercised.
  const chunkDelayMs = Number(process.env.BENCH_MODEL_CHUNK_DELAY_MS ?? '0');
  const anthropic = await startFakeAnthropic({ defaultReply: { text: ['Use AddIndexConcurrently ', 'in a migration with ', 'atomic = False.'], chunkDelayMs } });
  const seen = new Set<string>();
  slack.onCall = (call) => {
    const threadTs = call.body.thread_ts;
    const messages: FakesMessage[] = [];
    if (typeof threadTs === 'string' && !seen.has(threadTs)) {
      seen.add(threadTs);
      messages.push({ kind: 'first-call', threadTs, at: performance.timeOrigin + call.at });
    }
    if (call.method === 'assistant.threads.setStatus' && call.body.status === '') messages.push({ kind: 'answer-finished' });
    // Keep memory flat over long runs.
    slack.calls.length = 0;
    for (const message of messages) process.send?.(message);
  };
  // The load generator asks how many model streams were ever open at once.
  process.on('message', () => process.send?.({ kind: 'model-streams', maxOpen: anthropic.maxOpen } satisfies FakesMessage));
  console.log(JSON.stringify({ slackApiUrl: slack.apiUrl, anthropicUrl: anthropic.url }));
}

async function serveApp(kind: string): Promise<void> {
  let port: number;
  if (kind === 'bare') {
    const receiver = new HTTPReceiver({ signingSecret: SIGNING_SECRET, endpoints: '/slack/events', logLevel: LogLevel.ERROR });
    const app = new App({ token: BOT_TOKEN, botId: FAKE_BOT_ID, botUserId: FAKE_BOT_USER_ID, receiver, logLevel: LogLevel.ERROR, clientOptions: { slackApiUrl: process.env.SLACK_API_URL } });
    app.event('app_mention', async () => undefined);
    const server = (await app.start(0)) as Server;
    port = (server.address() as AddressInfo).port;
  } else {
    const bot = await startBot({ env: process.env, port: 0, logDestination: { write: () => undefined }, slackRetry: { retries: 0 } });
    port = bot.port!;
  }
  console.log(JSON.stringify({ port }));
}

async function spawnChild<T>(kind: 'fakes' | 'bot' | 'bare', env: Record<string, string> = {}): Promise<{ info: T; child: ChildProcess }> {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--serve', kind], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  const lines = createInterface({ input: child.stdout! });
  const exited = once(child, 'exit').then(([code]) => {
    throw new Error(`the ${kind} process exited early (code ${String(code)})`);
  });
  const ready = (async () => {
    for await (const line of lines) return JSON.parse(line) as T;
    throw new Error(`the ${kind} process printed nothing`);
  })();
  return { info: await Promise.race([ready, exited]), child };
}

/* ----------------------------------- load generator ----------------------------------- */

let counter = 0;
function mentionEnvelope(channel: string): { envelope: unknown; ts: string } {
  counter += 1;
  const ts = `${1_770_000_000 + counter}.${String(counter).padStart(6, '0')}`;
  // A different person per event, as in a busy workspace (the pipeline serialises one user's questions).
  const user = `U0B${String(counter).padStart(7, '0')}`;
  const text = `<@${FAKE_BOT_USER_ID}> is adding an index on a large table safe? (#${counter})`;
  return {
    ts,
    envelope: {
      token: 'legacy',
      team_id: FAKE_TEAM_ID,
      api_app_id: 'A0BENCH001',
      type: 'event_callback',
      event_id: `Ev0BENCH${String(counter).padStart(7, '0')}`,
      event_time: Math.floor(Date.now() / 1000),
      authorizations: [{ team_id: FAKE_TEAM_ID, user_id: FAKE_BOT_USER_ID, is_bot: true }],
      event: { type: 'app_mention', user, text, ts, channel, event_ts: ts, team: FAKE_TEAM_ID },
    },
  };
}

interface Sample {
  ackMs: number;
  sentAt: number;
  ts: string;
}

async function fire(url: string, n: number, channel: string): Promise<Sample[]> {
  const requests = Array.from({ length: n }, () => mentionEnvelope(channel));
  return Promise.all(
    requests.map(async ({ envelope, ts }) => {
      const sentAt = clock();
      const response = await postEvent(url, SIGNING_SECRET, envelope);
      if (response.status !== 200) throw new Error(`event answered ${response.status}: ${response.text}`);
      return { ackMs: clock() - sentAt, sentAt, ts };
    }),
  );
}

function row(label: string, values: number[]): string {
  return `${label.padEnd(44)} p50 ${percentile(values, 50).toFixed(1).padStart(7)} ms   p99 ${percentile(values, 99).toFixed(1).padStart(7)} ms`;
}

async function main(): Promise<void> {
  const n = option('n', 50);
  const rounds = option('rounds', 5);
  const withRedis = process.argv.includes('--redis');
  const burst = option('questions', 200);
  const modelCap = 4;
  const redisKeys = withRedis ? testRedisPrefix() : undefined;
  let maxOpen: number | undefined;
  const fakes = await spawnChild<{ slackApiUrl: string; anthropicUrl: string }>('fakes', withRedis ? { BENCH_MODEL_CHUNK_DELAY_MS: '25' } : {});
  const firstCallAt = new Map<string, number>();
  let answersFinished = 0;
  fakes.child.on('message', (message: FakesMessage) => {
    if (message.kind === 'first-call') firstCallAt.set(message.threadTs, message.at);
    else if (message.kind === 'model-streams') maxOpen = message.maxOpen;
    else answersFinished += 1;
  });
  const until = async (condition: () => boolean, what: string, timeoutMs = 120_000): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    while (!condition()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };

  const env = {
    SLACK_BOT_TOKEN: BOT_TOKEN,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: fakes.info.slackApiUrl,
    ANTHROPIC_API_KEY: 'sk-ant-bench-key-000000000000',
    ANTHROPIC_BASE_URL: fakes.info.anthropicUrl,
    LOG_LEVEL: 'warn',
    // A fresh database per run: the bot dedupes event ids in DATA_DIR, and bench ids repeat across runs.
    DATA_DIR: fs.mkdtempSync(path.join(tmpdir(), 'mh-bench-slack-')),
    ...(redisKeys === undefined
      ? {}
      : { REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379/0', REDIS_KEY_PREFIX: redisKeys.prefix, LLM_MAX_CONCURRENT: String(modelCap) }),
  };
  const [bot, bare] = await Promise.all([spawnChild<{ port: number }>('bot', env), spawnChild<{ port: number }>('bare', env)]);
  const botUrl = `http://127.0.0.1:${bot.info.port}/slack/events`;
  const bareUrl = `http://127.0.0.1:${bare.info.port}/slack/events`;

  // Warm both apps up (JIT, connection pools, every answer path) with one unmeasured burst each.
  await fire(botUrl, n, 'C0WARMUP01');
  await fire(bareUrl, n, 'C0WARMUP02');
  await until(() => answersFinished >= n, 'the warm-up answers to finish');

  const botAck: number[] = [];
  const bareAck: number[] = [];
  const firstCall: number[] = [];
  const roundRatios: number[] = [];
  for (let round = 0; round < rounds; round += 1) {
    const samples = await fire(botUrl, n, `C0BENCH${String(round).padStart(3, '0')}`);
    botAck.push(...samples.map((sample) => sample.ackMs));
    await until(() => samples.every((sample) => firstCallAt.has(sample.ts)), 'a first Slack call for every event');
    for (const sample of samples) firstCall.push(firstCallAt.get(sample.ts)! - sample.sentAt);
    // Each burst starts from a quiet bot: let this round's answers finish first.
    await until(() => answersFinished >= n * (round + 2), "the round's answers to finish");
    const bareSamples = (await fire(bareUrl, n, `C0BARE${String(round).padStart(4, '0')}`)).map((sample) => sample.ackMs);
    bareAck.push(...bareSamples);
    // Paired per round, so load from elsewhere on the machine hits both sides alike.
    roundRatios.push(percentile(samples.map((sample) => sample.ackMs), 50) / percentile(bareSamples, 50));
  }

  let burstAnswered: number | undefined;
  if (withRedis) {
    const before = answersFinished;
    await fire(botUrl, burst, 'C0BURST001');
    await until(() => answersFinished >= before + burst, `${burst} answers`, 300_000);
    burstAnswered = answersFinished - before;
    fakes.child.send({ kind: 'stats' });
    await until(() => maxOpen !== undefined, 'the model stream count');
  }

  for (const child of [bot.child, bare.child, fakes.child]) child.kill('SIGTERM');
  await Promise.all([bot.child, bare.child, fakes.child].map((child) => (child.exitCode === null ? once(child, 'exit') : undefined)));

  const ratio = (p: number) => (percentile(botAck, p) / percentile(bareAck, p)).toFixed(2);
  const load = loadavg().map((value) => value.toFixed(1)).join(' ');
  await redisKeys?.clear();
  console.log(`bench:slack${withRedis ? ' --redis' : ''}: ${n} concurrent app_mention events × ${rounds} rounds (node ${process.version}, ${cpus().length} CPUs, load average ${load})`);
  console.log(row('ack latency, migrate-help', botAck));
  console.log(row('ack latency, bare Bolt app (ack only)', bareAck));
  console.log(`${'ack latency ratio (migrate-help / bare)'.padEnd(44)} p50 ${ratio(50).padStart(7)} x    p99 ${ratio(99).padStart(7)} x   (target ≤ 1.25x, far below 3,000 ms)`);
  console.log(`${'per-round p50 ratio, median of rounds'.padEnd(44)} ${percentile(roundRatios, 50).toFixed(2).padStart(11)} x   (rounds: ${roundRatios.map((value) => value.toFixed(2)).join(', ')})`);
  console.log(row('send → first Slack call (status)', firstCall));
  console.log(`${''.padEnd(44)} target: p50 ≤ 300 ms`);
  if (burstAnswered !== undefined) {
    console.log(`${`burst of ${burst} questions, model cap ${modelCap}`.padEnd(44)} ${String(burstAnswered).padStart(7)} answered   max concurrent model streams ${String(maxOpen)} (cap ${modelCap})`);
  }
}

const serveIndex = process.argv.indexOf('--serve');
const role = serveIndex === -1 ? undefined : process.argv[serveIndex + 1];
(role === undefined ? main() : role === 'fakes' ? serveFakes() : serveApp(role)).catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exit(1);
});
