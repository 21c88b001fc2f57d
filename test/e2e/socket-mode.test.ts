/**
 * End to end in Socket Mode: the real bot (startBot with SLACK_APP_TOKEN) opens a connection through
 * the fake Slack Web API's apps.connections.open, connects to the fake Socket Mode WebSocket, acks
 * each envelope by envelope_id, and streams answers through the fake Web API.
 */
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBot, type RunningBot } from '../../src/main.js';
import { chunked, startFakeAnthropic, type FakeAnthropic } from '../fakes/anthropic.js';
import { FAKE_BOT_USER_ID, FAKE_TEAM_ID, FakeSlackApi } from '../fakes/slack-api.js';
import { FakeSocketMode, type SocketAck } from '../fakes/socket-mode.js';
import { ANTHROPIC_KEY, ASKER, BOT_TOKEN, questionTexts, temporaryDataDir } from './harness.js';

const APP_TOKEN = 'xapp-1-A0MIGRATE1-3333333333-e2eTestAppLevelTokenValue';
const ANSWER = 'Renaming a column takes an `ACCESS EXCLUSIVE` lock, but only briefly on PostgreSQL.\n\n**Risk warnings**: old code still reading the old name breaks.';

let slack: FakeSlackApi;
let anthropic: FakeAnthropic;
let socket: FakeSocketMode;
let bot: RunningBot | undefined;
let dataDir: string;
const logs: string[] = [];

beforeAll(async () => {
  [slack, anthropic, socket] = await Promise.all([new FakeSlackApi().start(), startFakeAnthropic(), new FakeSocketMode().start()]);
  slack.on('apps.connections.open', () => ({ ok: true, url: socket.nextUrl() }));
  dataDir = temporaryDataDir();
  bot = await startBot({
    env: {
      SLACK_BOT_TOKEN: BOT_TOKEN,
      SLACK_APP_TOKEN: APP_TOKEN,
      SLACK_API_URL: slack.apiUrl,
      ANTHROPIC_API_KEY: ANTHROPIC_KEY,
      ANTHROPIC_BASE_URL: anthropic.url,
      ANTHROPIC_MODEL: 'claude-test-model',
      LOG_LEVEL: 'debug',
      DATA_DIR: dataDir,
    },
    logDestination: { write: (line: string) => void logs.push(line) },
    slackRetry: { retries: 0 },
    sink: { bufferSize: 24, updateIntervalMs: 30 },
  });
});

afterAll(async () => {
  await bot?.stop();
  await Promise.all([socket.close(), slack.close(), anthropic.close()]);
  rmSync(dataDir, { recursive: true, force: true });
});

function ackOf(envelopeId: string): Promise<SocketAck> {
  return slack.waitFor(() => socket.ackFor(envelopeId), 3000, `the ack of ${envelopeId}`);
}

/** Wait until the answer in a thread is finished (the status is cleared last) and return the bot's replies. */
async function answerIn(channel: string, threadTs: string): Promise<string[]> {
  await slack.waitFor(
    () => slack.callsTo('assistant.threads.setStatus').some((call) => call.body.thread_ts === threadTs && call.body.status === ''),
    8000,
    `the answer in thread ${threadTs} to finish`,
  );
  return slack.botReplies(channel, threadTs).map((message) => message.text);
}

function commandPayload(text: string, channel: string, responseId: string): Record<string, unknown> {
  return {
    token: 'legacy-verification-token',
    team_id: FAKE_TEAM_ID,
    team_domain: 'fake',
    channel_id: channel,
    channel_name: 'general',
    user_id: ASKER,
    user_name: 'asker',
    command: '/migrate-help',
    text,
    api_app_id: 'A0MIGRATE1',
    is_enterprise_install: 'false',
    response_url: slack.responseUrl(responseId),
    trigger_id: `trigger.${responseId}`,
  };
}

describe('Socket Mode', () => {
  it('opens the connection with the app-level token and serves no HTTP port', () => {
    const opens = slack.callsTo('apps.connections.open');
    expect(opens).toHaveLength(1);
    expect(opens[0]!.token).toBe(APP_TOKEN);
    expect(slack.callsTo('auth.test')[0]!.token).toBe(BOT_TOKEN);
    expect(socket.connected).toBe(true);
    expect(socket.connections).toHaveLength(1);
    expect(bot!.slack.mode).toBe('socket');
    expect(bot!.port).toBeUndefined();
    // Neither token reaches the logs, even at debug level where the Socket Mode client logs its traffic.
    const allLogs = logs.join('\n');
    expect(allLogs).not.toContain(APP_TOKEN);
    expect(allLogs).not.toContain(BOT_TOKEN);
  });

  it('acks an app_mention envelope at once and streams the answer into its thread', async () => {
    anthropic.enqueue({ text: chunked(ANSWER, 11) });
    const message = slack.addMessage('C0INCIDENT', { user: ASKER, text: `<@${FAKE_BOT_USER_ID}> is RenameField safe under load?` });
    const envelopeId = socket.sendEnvelope('events_api', {
      token: 'legacy-verification-token',
      team_id: FAKE_TEAM_ID,
      api_app_id: 'A0MIGRATE1',
      event: { type: 'app_mention', user: ASKER, text: message.text, ts: message.ts, channel: 'C0INCIDENT', event_ts: message.ts, team: FAKE_TEAM_ID, client_msg_id: `msg-${message.ts}` },
      type: 'event_callback',
      event_id: 'Ev0SOCKET0001',
      event_time: Math.floor(Date.now() / 1000),
      authorizations: [{ enterprise_id: null, team_id: FAKE_TEAM_ID, user_id: FAKE_BOT_USER_ID, is_bot: true, is_enterprise_install: false }],
      is_ext_shared_channel: false,
    });

    const ack = await ackOf(envelopeId);
    expect(ack).toMatchObject({ envelope_id: envelopeId, payload: {} });
    expect(await answerIn('C0INCIDENT', message.ts)).toEqual([ANSWER]);
    const start = slack.callsTo('chat.startStream').find((call) => call.body.thread_ts === message.ts)!;
    expect(start.body).toMatchObject({ channel: 'C0INCIDENT', recipient_user_id: ASKER });
    expect(start.token).toBe(BOT_TOKEN);
    // Acked before any work in the thread (Slack redelivers envelopes not acked within 3 s).
    const firstStatus = slack.callsTo('assistant.threads.setStatus').find((call) => call.body.thread_ts === message.ts)!;
    expect(ack.at).toBeLessThan(firstStatus.at);
    expect(questionTexts(anthropic.requests.at(-1)!.body)).toEqual([{ role: 'user', text: 'is RenameField safe under load?' }]);
  });

  it('acks a /migrate-help slash_commands envelope and answers in a thread under a root message', async () => {
    anthropic.enqueue({ text: chunked(ANSWER, 9) });
    const envelopeId = socket.sendEnvelope('slash_commands', commandPayload('can I rename a column without downtime?', 'C0GENERAL1', 'socket-cmd-1'));

    const ack = await ackOf(envelopeId);
    expect(ack).toMatchObject({ envelope_id: envelopeId, payload: {} });
    const root = await slack.waitFor(() => slack.callsTo('chat.postMessage').find((call) => call.body.channel === 'C0GENERAL1' && call.body.thread_ts === undefined), 5000, 'the root message');
    expect(root.body.text).toBe(`<@${ASKER}> asked:\n> can I rename a column without downtime?`);
    const rootTs = String(root.response.ts);
    expect(await answerIn('C0GENERAL1', rootTs)).toEqual([ANSWER]);
    expect(ack.at).toBeLessThan(root.at);
    expect(questionTexts(anthropic.requests.at(-1)!.body)).toEqual([{ role: 'user', text: 'can I rename a column without downtime?' }]);
  });

  it('answers the bare command with usage inside the ack itself', async () => {
    const requestsBefore = anthropic.requests.length;
    const envelopeId = socket.sendEnvelope('slash_commands', commandPayload('', 'C0GENERAL1', 'socket-cmd-2'));
    const ack = await ackOf(envelopeId);
    expect(ack.payload).toMatchObject({ response_type: 'ephemeral' });
    expect(String(ack.payload!.text)).toContain('/migrate-help help');
    expect(anthropic.requests.length).toBe(requestsBefore);
  });

  it('closes the WebSocket with a close handshake when the bot stops', async () => {
    const running = bot!;
    bot = undefined;
    await running.stop();
    // Bolt's SocketModeReceiver.stop() starts the close handshake without waiting for it to finish.
    await slack.waitFor(() => socket.connections.at(-1)!.ended, 2000, 'the WebSocket to close');
    expect(socket.connections.at(-1)!.ended).toBe('client-close');
    expect(socket.connected).toBe(false);
    expect(socket.connections).toHaveLength(1);
  });
});
