/**
 * Starts the real bot (startBot from src/main.ts: config, logger, expert over the real Anthropic
 * SDK, the real pipeline, the real Bolt app on an ephemeral port) against the fake Slack Web API
 * and the fake Anthropic API, and offers signed-request helpers shaped like Slack's payloads.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBot, type RunningBot, type StartBotOptions } from '../../src/main.js';
import type { SinkSettings } from '../../src/slack/deps.js';
import type { EventLedger } from '../../src/slack/dedupe.js';
import { startFakeAnthropic, type FakeAnthropic } from '../fakes/anthropic.js';
import { postCommand, postEvent, type SignOptions, type SlackResponse } from '../fakes/sign.js';
import { FAKE_BOT_USER_ID, FAKE_TEAM_ID, FakeSlackApi, type FakeMessage } from '../fakes/slack-api.js';

export const BOT_TOKEN = 'xoxb-1111111111-2222222222-e2eTestBotTokenValue';
export const SIGNING_SECRET = 'e2e0signing0secret0value0abcdef12';
export const ANTHROPIC_KEY = 'sk-ant-api03-e2eTestAnthropicKeyValue';
export const ASKER = 'U0ASKER01';

export interface Harness {
  slack: FakeSlackApi;
  anthropic: FakeAnthropic;
  bot: RunningBot;
  /** The app's /slack/events URL. */
  eventsUrl: string;
  baseUrl: string;
  /** Every JSON log line the bot wrote. */
  logs: string[];
  /** The bot's DATA_DIR (a fresh temporary folder unless the test chose one). */
  dataDir: string;
  close(): Promise<void>;
}

export interface HarnessOptions {
  env?: Record<string, string | undefined>;
  /** Another event ledger than the store's. */
  events?: EventLedger;
  /** Sink settings over the defaults below (e.g. an immediate Stop button). */
  sink?: SinkSettings;
  /** Left out of the environment (OAuth mode has no SLACK_BOT_TOKEN). */
  withoutBotToken?: boolean;
  onFeedback?: StartBotOptions['onFeedback'];
}

/** A fresh DATA_DIR: test files run in parallel and each must have its own store (links, event ledger). */
export function temporaryDataDir(): string {
  return mkdtempSync(join(tmpdir(), 'migrate-help-e2e-'));
}

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const slack = await new FakeSlackApi().start();
  const anthropic = await startFakeAnthropic();
  const logs: string[] = [];
  const ownDataDir = options.env?.DATA_DIR === undefined;
  const dataDir = options.env?.DATA_DIR ?? temporaryDataDir();
  const bot = await startBot({
    env: {
      SLACK_BOT_TOKEN: options.withoutBotToken === true ? undefined : BOT_TOKEN,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: slack.apiUrl,
      ANTHROPIC_API_KEY: ANTHROPIC_KEY,
      ANTHROPIC_BASE_URL: anthropic.url,
      ANTHROPIC_MODEL: 'claude-test-model',
      LOG_LEVEL: 'debug',
      ...options.env,
      DATA_DIR: dataDir,
    },
    port: 0,
    logDestination: { write: (line: string) => void logs.push(line) },
    // Tests want failures at once, and small stream buffers so short answers still stream in pieces.
    slackRetry: { retries: 0 },
    sink: { bufferSize: 24, updateIntervalMs: 30, ...options.sink },
    ...(options.events === undefined ? {} : { events: options.events }),
    ...(options.onFeedback === undefined ? {} : { onFeedback: options.onFeedback }),
  });
  const baseUrl = `http://127.0.0.1:${bot.port}`;
  return {
    slack,
    anthropic,
    bot,
    eventsUrl: `${baseUrl}/slack/events`,
    baseUrl,
    logs,
    dataDir,
    async close() {
      await bot.stop();
      await Promise.all([slack.close(), anthropic.close()]);
      if (ownDataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

let eventCounter = 0;
export function nextEventId(): string {
  eventCounter += 1;
  return `Ev0E2E${String(eventCounter).padStart(6, '0')}`;
}

export function envelope(event: Record<string, unknown>, eventId: string): Record<string, unknown> {
  return {
    token: 'legacy-verification-token',
    team_id: FAKE_TEAM_ID,
    api_app_id: 'A0MIGRATE1',
    event,
    type: 'event_callback',
    event_id: eventId,
    event_time: Math.floor(Date.now() / 1000),
    authorizations: [{ enterprise_id: null, team_id: FAKE_TEAM_ID, user_id: FAKE_BOT_USER_ID, is_bot: true, is_enterprise_install: false }],
    is_ext_shared_channel: false,
  };
}

export interface MessageSpec {
  channel: string;
  text: string;
  user?: string;
  threadTs?: string;
  /** Extra event fields (bot_id, subtype…). */
  extra?: Record<string, unknown>;
  eventId?: string;
  sign?: SignOptions;
}

/**
 * Put a person's message into the fake channel (as Slack would) and deliver its event: an
 * `app_mention` for channels, a `message` with channel_type im for DMs.
 */
export async function deliverMessage(harness: Harness, kind: 'mention' | 'dm', spec: MessageSpec): Promise<{ response: SlackResponse; message: FakeMessage; eventId: string }> {
  const user = spec.user ?? ASKER;
  const files = spec.extra?.files as FakeMessage['files'];
  const message = harness.slack.addMessage(spec.channel, { user, text: spec.text, ...(spec.threadTs === undefined ? {} : { thread_ts: spec.threadTs }), ...(files === undefined ? {} : { files }) });
  const event: Record<string, unknown> = {
    type: kind === 'mention' ? 'app_mention' : 'message',
    user,
    text: spec.text,
    ts: message.ts,
    channel: spec.channel,
    event_ts: message.ts,
    team: FAKE_TEAM_ID,
    client_msg_id: `msg-${message.ts}`,
    ...(kind === 'dm' ? { channel_type: 'im' } : {}),
    ...(spec.threadTs === undefined ? {} : { thread_ts: spec.threadTs }),
    ...spec.extra,
  };
  const eventId = spec.eventId ?? nextEventId();
  const response = await postEvent(harness.eventsUrl, SIGNING_SECRET, envelope(event, eventId), spec.sign);
  return { response, message, eventId };
}

/** Deliver an arbitrary event (already shaped) in a signed envelope. */
export function deliverEvent(harness: Harness, event: Record<string, unknown>, eventId = nextEventId(), sign: SignOptions = {}): Promise<SlackResponse> {
  return postEvent(harness.eventsUrl, SIGNING_SECRET, envelope(event, eventId), sign);
}

/** POST an interactivity payload (block_actions, view_submission, message_action) as Slack does: a signed form with `payload`. */
export function postInteraction(harness: Harness, payload: Record<string, unknown>): Promise<SlackResponse> {
  return postCommand(harness.eventsUrl, SIGNING_SECRET, { payload: JSON.stringify(payload) });
}

let triggerCounter = 0;
export function slashCommand(harness: Harness, text: string, options: { channel?: string; user?: string; responseId?: string } = {}): Promise<SlackResponse> {
  triggerCounter += 1;
  const responseId = options.responseId ?? `cmd-${triggerCounter}`;
  return postCommand(harness.eventsUrl, SIGNING_SECRET, {
    token: 'legacy-verification-token',
    team_id: FAKE_TEAM_ID,
    team_domain: 'fake',
    channel_id: options.channel ?? 'C0GENERAL1',
    channel_name: 'general',
    user_id: options.user ?? ASKER,
    user_name: 'asker',
    command: '/migrate-help',
    text,
    api_app_id: 'A0MIGRATE1',
    is_enterprise_install: 'false',
    response_url: harness.slack.responseUrl(responseId),
    trigger_id: `trigger.${triggerCounter}.${Date.now()}`,
  });
}

/**
 * Wait until `count` answers in a thread are finished (each ends by clearing the thread status) and
 * return the bot's reply texts in that thread.
 */
export async function waitForAnswer(harness: Harness, channel: string, threadTs: string, count = 1): Promise<string[]> {
  await harness.slack.waitFor(
    () => harness.slack.callsTo('assistant.threads.setStatus').filter((call) => call.body.thread_ts === threadTs && call.body.status === '').length >= count,
    8000,
    `${count} answer(s) in thread ${threadTs} to finish (status cleared)`,
  );
  return harness.slack.botReplies(channel, threadTs).map((message) => message.text);
}

/** The text of a model request's messages, whatever the content shape (string or blocks). */
export function messageTexts(body: { messages: Array<{ role: string; content: unknown }> }): Array<{ role: string; text: string }> {
  return body.messages.map((message) => ({
    role: message.role,
    text:
      typeof message.content === 'string'
        ? message.content
        : (message.content as Array<{ type: string; text?: string }>)
            .filter((block) => block.type === 'text')
            .map((block) => block.text ?? '')
            .join('\n'),
  }));
}

/**
 * The turns as the user wrote them: the knowledge passages that ground every plain question are left
 * out (test/e2e/offline-answers.test.ts checks they are sent), and so is a context block that held only them.
 */
export function questionTexts(body: { messages: Array<{ role: string; content: unknown }> }): Array<{ role: string; text: string }> {
  return messageTexts(body).map(({ role, text }) => ({
    role,
    text: text
      .replace(/<context source="migrate-help engine">\nReference passages from migrate-help's[\s\S]*<\/passage>\n<\/context>\n/, '')
      .replace(/Reference passages from migrate-help's[\s\S]*<\/passage>/, ''),
  }));
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
