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
import { EngineSettingsError } from './engine/index.js';
import { DATABASES } from './engine/types.js';
import { AppError, isAppError } from './errors.js';
import { createExpert, loadPrompts } from './expert/index.js';
import { createGitHub, formatPullRequest, formatRepo, parsePullRequestRef, type GitHub } from './github/index.js';
import { createLinkedRepoGrounder, createPullRequestGrounder, linkedGraphSource } from './github/grounders.js';
import { checkLink } from './github/repo-context.js';
import { createLogger, type Logger } from './logger.js';
import { createChannelSettings, type ChannelSettings } from './pipeline/channel-settings.js';
import { knowledgeIndex } from './knowledge/load.js';
import { createEngineGrounder, createKnowledgeGrounder, createPlaybookGrounder } from './pipeline/grounders/index.js';
import { createAnswerService } from './pipeline/index.js';
import type { Expert, Grounder, Question } from './pipeline/types.js';
import { createSlackApp, type SlackApp } from './slack/app.js';
import type { EventLedger } from './slack/dedupe.js';
import type { ChannelFeatures, FeedbackEvent, SinkSettings } from './slack/deps.js';
import { openSqliteStore } from './store/sqlite.js';
import type { Store, WorkspaceLinks } from './store/types.js';

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
  /** Overrides the store's event ledger (the default dedupes across instances sharing DATA_DIR). */
  events?: EventLedger;
  /** Another store (tests); default: SQLite under DATA_DIR. */
  store?: Store;
  /** Another fetch for GitHub (the benchmark counts requests with it). */
  githubFetch?: typeof fetch;
  /** Counts feedback clicks (the metrics counter). */
  onFeedback?: (event: FeedbackEvent) => void;
}

export interface RunningBot {
  config: Config;
  logger: Logger;
  slack: SlackApp;
  store: Store;
  /** Absent when neither GITHUB_TOKEN nor a GitHub App is configured. */
  github?: GitHub;
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

  const store = options.store ?? openSqliteStore(config.dataDir);
  // Every setting and link belongs to one workspace (the question's team).
  const channelSettings: WorkspaceSettings = (teamId) => createChannelSettings(store.links.forTeam(teamId ?? ''), config.engine);
  const github = createGitHubFromConfig(config, store, logger, options.githubFetch);
  const grounders = createGrounders(channelSettings, github);

  const answers = createAnswerService({ expert, systemPrompt: prompts.system, briefPrompt: prompts.brief, logger, maxConcurrent: config.anthropic.maxConcurrent, grounders, secrets });

  let slack: SlackApp;
  let port: number | undefined;
  try {
    slack = await createSlackApp({
      // loadConfig requires one of the two whenever Slack is required, which it is here.
      ...(config.slack.oauth === undefined ? { botToken: config.slack.botToken! } : { oauth: config.slack.oauth }),
      store,
      incidentChannelPatterns: config.slack.incidentChannelPatterns,
      ...(options.onFeedback === undefined ? {} : { onFeedback: options.onFeedback }),
      signingSecret: config.slack.signingSecret,
      appToken: config.slack.appToken,
      apiUrl: config.slack.apiUrl,
      answers,
      channels: createChannelFeatures({ settings: channelSettings, links: store.links, github, config, expert }),
      adminUserIds: config.slack.adminUserIds,
      logger,
      events: options.events ?? store.events,
      ...(options.sink === undefined ? {} : { sink: options.sink }),
      ...(options.slackRetry === undefined ? {} : { retryConfig: options.slackRetry }),
    });
    // Links set before the store knew workspaces belong to the one workspace this token serves.
    const adopted = config.slack.oauth === undefined ? await store.workspaces.adoptUnscoped(slack.identity.teamId) : 0;
    if (adopted > 0) logger.info({ adopted, teamId: slack.identity.teamId }, 'channel settings from before workspaces were kept for this workspace');
    ({ port } = await slack.start(options.port ?? config.slack.port));
  } catch (error) {
    // Slack refused the token, a port in use or a Socket Mode connection that fails: release the database before giving up.
    if (options.store === undefined) store.close();
    throw error;
  }
  logger.info({ mode: slack.mode, port, model: expert?.model ?? null, github: github?.authMode ?? null, dataDir: config.dataDir }, 'migrate-help is running');
  return {
    config,
    logger,
    slack,
    store,
    ...(github === undefined ? {} : { github }),
    port,
    stop: async () => {
      await slack.stop();
      if (options.store === undefined) store.close();
    },
  };
}

/** The GitHub client, when GITHUB_TOKEN or the App credentials are set, with the store's blob and ETag caches. */
export function createGitHubFromConfig(config: Config, store: Pick<Store, 'blobs' | 'conditional'>, logger: Logger, fetchImpl?: typeof fetch): GitHub | undefined {
  const { github } = config;
  const hasApp = github.appId !== undefined && github.privateKey !== undefined;
  if (github.token === undefined && !hasApp) {
    logger.info('GitHub is not configured (no GITHUB_TOKEN or GitHub App): repository links and PR reviews are off');
    return undefined;
  }
  return createGitHub({
    ...(hasApp ? { appId: github.appId, privateKey: github.privateKey } : { token: github.token }),
    ...(github.apiUrl === undefined ? {} : { baseUrl: github.apiUrl }),
    allowedRepos: github.allowedRepos,
    allowedOrgs: github.allowedOrgs,
    caches: { blobs: store.blobs, conditional: store.conditional },
    logger: logger.child({ module: 'github' }),
    ...(fetchImpl === undefined ? {} : { fetch: fetchImpl }),
  });
}

/**
 * Every question goes through these, in this order (their deterministic parts show in this order):
 * a pull request review, migrations pasted or shared, pasted errors and showmigrations (compared with
 * the linked repository's graph), and the linked repository's tools.
 */
/** One workspace's channel settings (console questions have no team: the '' workspace). */
export type WorkspaceSettings = (teamId: string | undefined) => ChannelSettings;

export function createGrounders(settings: WorkspaceSettings, github: GitHub | undefined): Grounder[] {
  const settingsFor = (question: Question) => settings(question.teamId).engineSettings(question.channel);
  const linkFor = (question: Question) => settings(question.teamId).state(question.channel).link;
  // Last: its passages ground the model, and its offline answer stands in when the model cannot answer.
  const knowledge = createKnowledgeGrounder({ index: knowledgeIndex() });
  if (github === undefined) return [createEngineGrounder({ settingsFor }), createPlaybookGrounder(), knowledge];
  return [
    createPullRequestGrounder({ github, linkFor, settingsFor }),
    createEngineGrounder({ settingsFor }),
    createPlaybookGrounder({ graphFor: linkedGraphSource({ github, linkFor }) }),
    createLinkedRepoGrounder({ github, linkFor, settingsFor }),
    knowledge,
  ];
}

/** `/migrate-help link|unlink|status|db|review` over the channel settings and the GitHub client. */
function createChannelFeatures(deps: { settings: WorkspaceSettings; links: WorkspaceLinks; github: GitHub | undefined; config: Config; expert: Expert | undefined }): ChannelFeatures {
  const { settings, github, config } = deps;
  const requireGitHub = (): GitHub => {
    if (github === undefined) throw new AppError('github_not_configured', 'GitHub is not set up for migrate-help: ask whoever runs it to set GITHUB_TOKEN (or a GitHub App) and GITHUB_ALLOWED_REPOS / GITHUB_ALLOWED_ORGS.');
    return github;
  };
  return {
    githubConfigured: github !== undefined,
    async link({ teamId, channelId, userId, repo, branch, path }) {
      const check = await checkLink(requireGitHub(), { repo, branch, path });
      const linked = settings(teamId).link(channelId, { repo: formatRepo(check.repo), branch: check.branch, path: check.path }, userId);
      const state = settings(teamId).state(channelId);
      return { ...linked, commitSha: check.commitSha, migrations: check.migrations, apps: check.apps, database: state.database, databaseVersion: state.databaseVersion };
    },
    async unlink(teamId, channelId) {
      const removed = settings(teamId).unlink(channelId);
      return removed === null ? null : { repo: removed.repo };
    },
    async status(teamId, channelId) {
      const state = settings(teamId).state(channelId);
      let rateLimit = github?.rateLimit() ?? null;
      const linked = state.link === null || github === undefined ? null : github.parseRepo(state.link.repo);
      if (rateLimit === null && github !== undefined && linked !== null && github.allowlist.allows(linked)) {
        // Nothing seen since start: ask (GET /rate_limit costs no unit).
        rateLimit = await github.checkRateLimit(linked).catch(() => null);
      }
      const allowed = github?.allowlist.describe() ?? { repos: config.github.allowedRepos, orgs: config.github.allowedOrgs };
      return {
        link: state.link,
        database: state.database,
        databaseVersion: state.databaseVersion,
        databaseSource: state.databaseSource,
        github: {
          mode: github?.authMode ?? 'off',
          rateLimit: rateLimit === null ? null : { limit: rateLimit.limit, remaining: rateLimit.remaining, resetAt: rateLimit.resetAt, observedAt: rateLimit.observedAt },
          allowedRepos: allowed.repos,
          allowedOrgs: allowed.orgs,
        },
        model: deps.expert?.model ?? null,
      };
    },
    async setDatabase({ teamId, channelId, userId, database, version }) {
      try {
        const state = settings(teamId).setDatabase(channelId, database, version, userId);
        return { database: state.database, databaseVersion: state.databaseVersion };
      } catch (error) {
        if (error instanceof EngineSettingsError) throw new AppError('config_invalid', error.message, { cause: error });
        throw error;
      }
    },
    parsePullRequest(text) {
      const ref = github === undefined ? parsePullRequestRef(text) : github.parsePullRequest(text);
      return ref === null ? null : formatPullRequest(ref);
    },
    databases: DATABASES,
    async list(teamId) {
      const workspace = settings(teamId);
      return deps.links
        .forTeam(teamId)
        .list()
        .map((record) => {
          const state = workspace.state(record.channelId);
          return {
            channelId: record.channelId,
            repo: state.link?.repo ?? null,
            branch: state.link?.branch ?? null,
            path: state.link?.path ?? null,
            database: state.database,
            databaseVersion: state.databaseVersion,
            databaseSource: state.databaseSource,
          };
        });
    },
  };
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
