/**
 * `npm run bench:slack -- --n 50 [--rounds 5]`
 *
 * Fires N concurrent signed `app_mention` events at the real bot (startBot: real Bolt app, real
 * pipeline and Anthropic SDK) pointed at the loopback fakes, and at a bare Bolt app on the same
 * receiver whose only listener does nothing (Bolt acks events itself). Per request it measures the
 * ack latency (HTTP response time) and, for the bot, the time from sending the event to the first
 * Slack API call the fake records for that thread (the "Thinking…" status). Prints p50/p99 for both
 * apps and the ratios. Loopback only: "receipt" is the moment the request is sent.
 *
 * Each app runs in its own child process (this file with `--serve bot|bare`), so neither shares an
 * event loop with the load generator and the fakes, which stay in this process.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { cpus, loadavg } from 'node:os';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { App, HTTPReceiver, LogLevel } from '@slack/bolt';
import { startBot } from '../src/main.js';
import { startFakeAnthropic } from '../test/fakes/anthropic.js';
import { postEvent } from '../test/fakes/sign.js';
import { FAKE_BOT_ID, FAKE_BOT_USER_ID, FAKE_TEAM_ID, FakeSlackApi } from '../test/fakes/slack-api.js';

const SIGNING_SECRET = 'bench0signing0secret0value0000001';
const BOT_TOKEN = 'xoxb-0000000000-0000000000-benchTokenValue';

function option(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  const value = index === -1 ? undefined : Number(process.argv[index + 1]);
  if (value === undefined) return fallback;
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

let counter = 0;
function mentionEnvelope(slack: FakeSlackApi, channel: string): { envelope: unknown; ts: string } {
  counter += 1;
  const ts = slack.nextTs();
  const text = `<@${FAKE_BOT_USER_ID}> is adding an index on a large table safe? (#${counter})`;
  // A different person per event, as in a busy workspace (the pipeline serialises one user's questions).
  const user = `U0B${String(counter).padStart(7, '0')}`;
  slack.addMessage(channel, { ts, user, text });
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

async function fire(url: string, slack: FakeSlackApi, n: number, channel: string): Promise<Sample[]> {
  const requests = Array.from({ length: n }, () => mentionEnvelope(slack, channel));
  return Promise.all(
    requests.map(async ({ envelope, ts }) => {
      const sentAt = performance.now();
      const response = await postEvent(url, SIGNING_SECRET, envelope);
      if (response.status !== 200) throw new Error(`event answered ${response.status}: ${response.text}`);
      return { ackMs: performance.now() - sentAt, sentAt, ts };
    }),
  );
}

/** Child process: serve one app and print its port as a JSON line. */
async function serve(kind: string): Promise<void> {
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

async function spawnApp(kind: 'bot' | 'bare', env: Record<string, string>): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--serve', kind], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout! });
  const exited = once(child, 'exit').then(([code]) => {
    throw new Error(`the ${kind} app exited early (code ${String(code)})`);
  });
  const ready = (async () => {
    for await (const line of lines) {
      const port = (JSON.parse(line) as { port?: number }).port;
      if (port !== undefined) return port;
    }
    throw new Error(`the ${kind} app printed no port`);
  })();
  const port = await Promise.race([ready, exited]);
  return { url: `http://127.0.0.1:${port}/slack/events`, child };
}

function row(label: string, values: number[]): string {
  return `${label.padEnd(44)} p50 ${percentile(values, 50).toFixed(1).padStart(7)} ms   p99 ${percentile(values, 99).toFixed(1).padStart(7)} ms`;
}

async function main(): Promise<void> {
  const n = option('n', 50);
  const rounds = option('rounds', 5);
  const slack = await new FakeSlackApi().start();
  const anthropic = await startFakeAnthropic({ defaultReply: { text: ['Use AddIndexConcurrently ', 'with atomic = False.'] } });
  const env = {
    SLACK_BOT_TOKEN: BOT_TOKEN,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: slack.apiUrl,
    ANTHROPIC_API_KEY: 'sk-ant-bench-key-000000000000',
    ANTHROPIC_BASE_URL: anthropic.url,
    LOG_LEVEL: 'warn',
  };
  // Index the fake's calls as they arrive: scanning the growing call list would load this process.
  const firstCallAt = new Map<string, number>();
  let answersFinished = 0;
  slack.onCall = (call) => {
    const threadTs = call.body.thread_ts;
    if (typeof threadTs === 'string' && !firstCallAt.has(threadTs)) firstCallAt.set(threadTs, call.at);
    if (call.method === 'assistant.threads.setStatus' && call.body.status === '') answersFinished += 1;
  };
  const until = async (condition: () => boolean, what: string, timeoutMs = 120_000): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    while (!condition()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };
  const [bot, bare] = await Promise.all([spawnApp('bot', env), spawnApp('bare', env)]);
  const botUrl = bot.url;

  // Warm both apps up (JIT, connection pools, every answer path) with one unmeasured burst each.
  await fire(botUrl, slack, n, 'C0WARMUP01');
  await fire(bare.url, slack, n, 'C0WARMUP02');
  await until(() => answersFinished >= n, 'the warm-up answers to finish');

  const botAck: number[] = [];
  const bareAck: number[] = [];
  const firstCall: number[] = [];
  const roundRatios: number[] = [];
  for (let round = 0; round < rounds; round += 1) {
    const channel = `C0BENCH${String(round).padStart(3, '0')}`;
    const samples = await fire(botUrl, slack, n, channel);
    botAck.push(...samples.map((sample) => sample.ackMs));
    await until(() => samples.every((sample) => firstCallAt.has(sample.ts)), 'a first Slack call for every event');
    for (const sample of samples) firstCall.push(firstCallAt.get(sample.ts)! - sample.sentAt);
    // Each burst starts from a quiet bot: let this round's answers finish first.
    await until(() => answersFinished >= n * (round + 2), "the round's answers to finish");
    const bareSamples = (await fire(bare.url, slack, n, `C0BARE${String(round).padStart(4, '0')}`)).map((sample) => sample.ackMs);
    bareAck.push(...bareSamples);
    // Paired per round, so load from elsewhere on the machine hits both sides alike.
    roundRatios.push(percentile(samples.map((sample) => sample.ackMs), 50) / percentile(bareSamples, 50));
  }

  bot.child.kill('SIGTERM');
  bare.child.kill('SIGTERM');
  await Promise.all([once(bot.child, 'exit'), once(bare.child, 'exit')]);
  await Promise.all([slack.close(), anthropic.close()]);

  const ratio = (p: number) => (percentile(botAck, p) / percentile(bareAck, p)).toFixed(2);
  const load = loadavg().map((value) => value.toFixed(1)).join(' ');
  console.log(`bench:slack: ${n} concurrent app_mention events × ${rounds} rounds (node ${process.version}, ${cpus().length} CPUs, load average ${load})`);
  console.log(row('ack latency, migrate-help', botAck));
  console.log(row('ack latency, bare Bolt app (ack only)', bareAck));
  console.log(`${'ack latency ratio (migrate-help / bare)'.padEnd(44)} p50 ${ratio(50).padStart(7)} x    p99 ${ratio(99).padStart(7)} x   (target ≤ 1.25x, far below 3,000 ms)`);
  console.log(`${'per-round p50 ratio, median of rounds'.padEnd(44)} ${percentile(roundRatios, 50).toFixed(2).padStart(11)} x   (rounds: ${roundRatios.map((ratio) => ratio.toFixed(2)).join(', ')})`);
  console.log(row('send → first Slack call (status)', firstCall));
  console.log(`${''.padEnd(44)} target: p50 ≤ 300 ms`);
}

const serveIndex = process.argv.indexOf('--serve');
(serveIndex === -1 ? main() : serve(process.argv[serveIndex + 1] ?? 'bot')).catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exit(1);
});
