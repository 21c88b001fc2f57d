/**
 * The bot's composition root: environment → config → logger → expert model (when a key is set) →
 * answer service → Slack app → start. The only place that reads process.env, creates clients and
 * wires the edges together. `startBot` is what tests and the benchmark start; running this file
 * (`npm start`) also loads `.env`, handles signals and exits 1 with one readable line per problem
 * on a bad configuration.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import dotenv from 'dotenv';
import type { RetryOptions } from '@slack/web-api';
import type { DestinationStream } from 'pino';
import { ConfigError, formatConfigError, loadConfig, secretValues, type Config } from './config.js';
import { isAppError } from './errors.js';
import { createExpert, loadPrompts } from './expert/index.js';
import { createLogger, type Logger } from './logger.js';
import { createAnswerService } from './pipeline/index.js';
import { createSlackApp, type SlackApp } from './slack/app.js';
import type { EventLedger } from './slack/dedupe.js';
import type { SinkSettings } from './slack/deps.js';

export interface StartBotOptions {
  env: Record<string, string | undefined>;
  /** Overrides PORT (0 = any free port, for tests). */
  port?: number;
  /** A ready logger; otherwise one is built from LOG_LEVEL, writing to `logDestination` or stdout. */
  logger?: Logger;
  logDestination?: DestinationStream;
  /** Tests and the benchmark tune Slack retries and streaming granularity. */
  slackRetry?: RetryOptions;
  sink?: SinkSettings;
  events?: EventLedger;
}

export interface RunningBot {
  config: Config;
  logger: Logger;
  slack: SlackApp;
  /** The HTTP port bound (HTTP mode). */
  port?: number;
  stop(): Promise<void>;
}

/** Build and start everything; throws ConfigError (bad environment) or AppError (Slack refused the token). */
export async function startBot(options: StartBotOptions): Promise<RunningBot> {
  const config = loadConfig(options.env);
  const secrets = secretValues(config);
  const logger = options.logger ?? createLogger({ level: config.logLevel, secrets, ...(options.logDestination === undefined ? {} : { destination: options.logDestination }) });
  const prompts = loadPrompts();

  const expert =
    config.anthropic.apiKey === undefined
      ? undefined
      : createExpert({ apiKey: config.anthropic.apiKey, model: config.anthropic.model, logger, ...(config.anthropic.baseURL === undefined ? {} : { baseURL: config.anthropic.baseURL }) });
  if (expert === undefined) logger.warn('ANTHROPIC_API_KEY is not set: the bot starts, and answers say the expert model is not configured');

  const answers = createAnswerService({ expert, systemPrompt: prompts.system, logger, maxConcurrent: config.anthropic.maxConcurrent, secrets });

  const slack = await createSlackApp({
    // loadConfig requires the bot token whenever Slack is required, which it is here.
    botToken: config.slack.botToken!,
    signingSecret: config.slack.signingSecret,
    appToken: config.slack.appToken,
    apiUrl: config.slack.apiUrl,
    answers,
    logger,
    ...(options.events === undefined ? {} : { events: options.events }),
    ...(options.sink === undefined ? {} : { sink: options.sink }),
    ...(options.slackRetry === undefined ? {} : { retryConfig: options.slackRetry }),
  });
  const { port } = await slack.start(options.port ?? config.slack.port);
  logger.info({ mode: slack.mode, port, model: expert?.model ?? null }, 'migrate-help is running');
  return { config, logger, slack, port, stop: () => slack.stop() };
}

/** `npm start`: .env, start, signals, and a one-line-per-problem exit on bad configuration. */
async function main(): Promise<void> {
  dotenv.config({ quiet: true });
  let bot: RunningBot;
  try {
    bot = await startBot({ env: process.env });
  } catch (error) {
    if (error instanceof ConfigError) console.error(formatConfigError(error));
    else if (isAppError(error)) console.error(`migrate-help cannot start: ${error.userMessage}`);
    else console.error(`migrate-help cannot start: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
  const { logger } = bot;
  // A stray rejection is a bug to log, not a reason to drop every conversation in progress.
  process.on('unhandledRejection', (reason) => {
    logger.error({ err: reason }, 'unhandled promise rejection');
  });
  let stopping = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal, inFlight: bot.slack.inFlight }, 'shutting down');
    bot
      .stop()
      .catch((error: unknown) => logger.error({ err: error }, 'shutdown failed'))
      .finally(() => {
        logger.flush();
        process.exit(0);
      });
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}

const entry = process.argv[1];
if (entry !== undefined && resolve(entry) === fileURLToPath(import.meta.url)) void main();
