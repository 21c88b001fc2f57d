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
import { postReviewComment } from './github/post-review.js';
import { checkLink, parseLinkRequest } from './github/repo-context.js';
import { readMigrationToFix } from './github/safe-version.js';
import { createLogger, type Logger } from './logger.js';
import { createChannelSettings, type ChannelSettings } from './pipeline/channel-settings.js';
import { knowledgeIndex } from './knowledge/load.js';
import { createEngineGrounder, createKnowledgeGrounder, createPlaybookGrounder, createSqlToolGrounder } from './pipeline/grounders/index.js';
import { createAnswerService } from './pipeline/index.js';
import { createSafeVersionService } from './pipeline/safe-version.js';
import type { Expert, Grounder, Question } from './pipeline/types.js';
import { startOpsServer, type ReadinessCheck } from './http/ops.js';
import { createMetrics, type Metrics } from './metrics.js';
import { connectSharedState, createLocalSharedState, type SharedState } from './scale/shared-state.js';
import { createWebhookHandler, webhookRoute, type PullRequestReviewed } from './github/webhooks.js';
import { createSlackApp, type SlackApp } from './slack/app.js';
import { postPullRequestHeadsUp } from './slack/pr-heads-up.js';
import type { EventLedger } from './slack/dedupe.js';
import type { ChannelFeatures, FeedbackEvent, SinkSettings } from './slack/deps.js';
import { openPostgresStore } from './store/postgres.js';
import { openSqliteStore } from './store/sqlite.js';
import type { CacheStore, Store, WorkspaceLinks } from './store/types.js';

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
  /** Overrides the event ledger (default: Redis with REDIS_URL, else the store's). */
  events?: EventLedger;
  /** Another store (tests); default: PostgreSQL with DATABASE_URL, else SQLite under DATA_DIR. */
  store?: Store & CacheStore;
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
  shared: SharedState;
  metrics: Metrics;
  /** The port of /healthz, /readyz and /metrics when served on their own (Socket Mode with OPS_PORT). */
  opsPort?: number;
  /** Absent when neither GITHUB_TOKEN nor a GitHub App is configured. */
  github?: GitHub;
  /** The HTTP port bound (HTTP mode). */
  port?: number;
  stop(): Promise<void>;
}

/** Build and start everything; throws ConfigError (bad environment) or AppError (a store, Redis or Slack refused). */
export async function startBot(options: StartBotOptions): Promise<RunningBot> {
  const config = loadConfig(options.env);
  const secrets = secretValues(config);
  const logger =
    options.logger ??
    createLogger({
      level: config.logLevel,
      secrets,
      pretty: options.logDestination === undefined && (config.logFormat === 'pretty' || (config.logFormat === undefined && process.stdout.isTTY === true)),
      ...(options.logDestination === undefined ? {} : { destination: options.logDestination }),
    });
  const prompts = loadPrompts();
  const metrics = createMetrics(config.modelPrices === undefined ? {} : { prices: config.modelPrices });

  const expert =
    config.anthropic.apiKey === undefined
      ? undefined
      : createExpert({ apiKey: config.anthropic.apiKey, model: config.anthropic.model, logger, ...(config.anthropic.baseURL === undefined ? {} : { baseURL: config.anthropic.baseURL }) });
  if (expert === undefined) logger.warn('ANTHROPIC_API_KEY is not set: the bot starts, and answers say the expert model is not configured');

  // Everything opened is closed in reverse order, on a failed start as on stop.
  const closers: Array<() => Promise<void>> = [];
  const closeAll = async () => {
    for (const close of closers.splice(0).reverse()) await close().catch((error: unknown) => logger.warn({ err: error }, 'could not close cleanly'));
  };
  // With one bot token, webhooks report to that token's workspace (known once Slack answered auth.test).
  const webhookTeam: { id?: string } = {};
  // The webhook route is built before the Slack app it reports to; heads-ups go through this once it exists.
  const slackHolder: { app?: SlackApp } = {};
  const onReviewed = async (event: PullRequestReviewed) => {
    const slack = slackHolder.app;
    if (slack === undefined) return;
    const headsUp = { ref: formatPullRequest(event.ref), title: event.title, url: event.url, findings: event.findings };
    const slackLogger = logger.child({ module: 'slack' });
    const byTeam = new Map<string, string[]>();
    for (const { teamId, channelId } of event.channels) byTeam.set(teamId, [...(byTeam.get(teamId) ?? []), channelId]);
    for (const [teamId, channels] of byTeam) {
      const token = await slack.botTokenFor(teamId);
      if (token === undefined) {
        slackLogger.warn({ teamId, pr: headsUp.ref }, 'no installation for a workspace that links the repository: heads-up not posted there');
        continue;
      }
      await postPullRequestHeadsUp(slack.app.client, token, headsUp, channels, slackLogger);
    }
  };
  try {
    const { store, caches } = await openStores(config, options, closers);
    const shared = await openSharedState(config);
    closers.push(() => shared.close());
    // Every setting and link belongs to one workspace (the question's team).
    const channelSettings: WorkspaceSettings = (teamId) => createChannelSettings(store.links.forTeam(teamId ?? ''), config.engine);
    const github = createGitHubFromConfig(config, caches, logger, options.githubFetch);
    const grounders = createGrounders(channelSettings, github);
    const answers = createAnswerService({
      expert,
      systemPrompt: prompts.system,
      briefPrompt: prompts.brief,
      logger,
      maxConcurrent: config.anthropic.maxConcurrent,
      limits: shared.limits,
      onAnswered: (record) => metrics.answered(record),
      grounders,
      secrets,
    });
    metrics.setQueueDepthSource(() => shared.limits.model.counts().QUEUED);
    const readiness: ReadinessCheck[] = [{ name: store.kind, check: () => store.ping() }];
    if (shared.kind === 'redis') readiness.push({ name: 'redis', check: () => shared.ping() });

    const slack = await createSlackApp({
      // loadConfig requires one of the two whenever Slack is required, which it is here.
      ...(config.slack.oauth === undefined ? { botToken: config.slack.botToken! } : { oauth: config.slack.oauth }),
      store,
      incidentChannelPatterns: config.slack.incidentChannelPatterns,
      // Feedback clicks feed the metrics counter (and a caller's hook, if any).
      onFeedback: (event) => {
        metrics.feedback(event.rating === 'helpful' ? 'positive' : 'negative');
        options.onFeedback?.(event);
      },
      signingSecret: config.slack.signingSecret,
      appToken: config.slack.appToken,
      apiUrl: config.slack.apiUrl,
      answers,
      channels: createChannelFeatures({ settings: channelSettings, links: store.links, github, config, expert }),
      safeVersions: createSafeVersionService({
        settingsFor: (teamId, channelId) => channelSettings(teamId).engineSettings(channelId),
        ...(github === undefined ? {} : { readRepository: (wanted) => readMigrationToFix(github, wanted) }),
      }),
      adminUserIds: config.slack.adminUserIds,
      routes: createGitHubWebhookRoutes(config, github, { links: store.links, settings: channelSettings, onlyTeam: () => (config.slack.oauth === undefined ? (webhookTeam.id ?? '') : undefined) }, onReviewed, logger),
      logger,
      events: options.events ?? shared.events ?? store.events,
      eventLeaseMs: config.scale.eventLeaseMs,
      streamBudget: shared.limits.streams,
      ...(shared.stops === undefined ? {} : { stopRelay: shared.stops }),
      metrics,
      readiness,
      ...(options.sink === undefined ? {} : { sink: options.sink }),
      ...(options.slackRetry === undefined ? {} : { retryConfig: options.slackRetry }),
    });
    webhookTeam.id = slack.identity.teamId;
    slackHolder.app = slack;
    // Links set before the store knew workspaces belong to the one workspace this token serves.
    const adopted = config.slack.oauth === undefined ? await store.workspaces.adoptUnscoped(slack.identity.teamId) : 0;
    if (adopted > 0) logger.info({ adopted, teamId: slack.identity.teamId }, 'channel settings from before workspaces were kept for this workspace');
    const { port } = await slack.start(options.port ?? config.slack.port);
    closers.push(() => slack.stop(config.scale.shutdownGraceMs));
    let opsPort: number | undefined;
    if (slack.mode === 'socket' && config.scale.opsPort !== undefined) {
      const ops = await startOpsServer({ checks: readiness, metrics, accepting: () => !slack.draining }, config.scale.opsPort);
      // Closed after the drain: /readyz keeps saying 503 while it runs.
      closers.splice(closers.length - 1, 0, () => ops.close());
      opsPort = ops.port;
    }
    logger.info(
      { mode: slack.mode, port, opsPort, model: expert?.model ?? null, github: github?.authMode ?? null, store: store.kind, shared: shared.kind, dataDir: config.dataDir },
      'migrate-help is running',
    );
    return {
      config,
      logger,
      slack,
      store,
      shared,
      metrics,
      ...(github === undefined ? {} : { github }),
      port,
      ...(opsPort === undefined ? {} : { opsPort }),
      stop: closeAll,
    };
  } catch (error) {
    // A store, Redis, Slack token, port or Socket Mode connection that fails: release what was opened before giving up.
    await closeAll();
    throw error;
  }
}

/** Shared state: PostgreSQL with DATABASE_URL, else the SQLite file; GitHub caches always in the local SQLite file. */
async function openStores(config: Config, options: StartBotOptions, closers: Array<() => Promise<void>>): Promise<{ store: Store; caches: CacheStore }> {
  if (options.store !== undefined) return { store: options.store, caches: options.store };
  const local = openSqliteStore(config.dataDir);
  closers.push(() => local.close());
  if (config.scale.databaseUrl === undefined) return { store: local, caches: local };
  const postgres = await openPostgresStore(config.scale.databaseUrl);
  closers.push(() => postgres.close());
  return { store: postgres, caches: local };
}

async function openSharedState(config: Config): Promise<SharedState> {
  const limits = { maxConcurrent: config.anthropic.maxConcurrent, streamsPerMinute: config.scale.streamsPerMinute };
  if (config.scale.redisUrl === undefined) return createLocalSharedState(limits);
  return connectSharedState({
    ...limits,
    redisUrl: config.scale.redisUrl,
    keyPrefix: config.scale.redisKeyPrefix,
    ...(config.scale.slotExpirationMs === undefined ? {} : { slotExpirationMs: config.scale.slotExpirationMs }),
  });
}

/**
 * POST /github/webhooks when the GitHub App and GITHUB_WEBHOOK_SECRET are set: check runs on pull requests
 * of repositories a channel links (and the allowlist allows), judged against that channel's database.
 * With OAuth installs every workspace that links the repository hears about it; with one bot token,
 * only the channels of that token's workspace.
 */
function createGitHubWebhookRoutes(
  config: Config,
  github: GitHub | undefined,
  workspace: { links: WorkspaceLinks; settings: WorkspaceSettings; onlyTeam(): string | undefined },
  onReviewed: (event: PullRequestReviewed) => Promise<void>,
  logger: Logger,
): ReturnType<typeof webhookRoute>[] {
  const secret = config.github.webhookSecret;
  if (secret === undefined || github === undefined || github.authMode !== 'app') return [];
  const handler = createWebhookHandler({
    secret,
    github,
    linkedChannels: async (repo) => {
      const only = workspace.onlyTeam();
      const linked = (await workspace.links.linkedTo(repo)).filter((entry) => only === undefined || entry.teamId === only);
      return Promise.all(linked.map(async ({ teamId, link }) => ({ teamId, channelId: link.channelId, settings: await workspace.settings(teamId).engineSettings(link.channelId) })));
    },
    onReviewed,
    logger: logger.child({ module: 'github-webhooks' }),
  });
  return [webhookRoute(handler)];
}

/** The GitHub client, when GITHUB_TOKEN or the App credentials are set, with the store's blob and ETag caches. */
export function createGitHubFromConfig(config: Config, store: CacheStore, logger: Logger, fetchImpl?: typeof fetch): GitHub | undefined {
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
 * the linked repository's graph), the linked repository's tools, and the SQL prediction tool.
 */
/** One workspace's channel settings (console questions have no team: the '' workspace). */
export type WorkspaceSettings = (teamId: string | undefined) => ChannelSettings;

export function createGrounders(settings: WorkspaceSettings, github: GitHub | undefined): Grounder[] {
  const settingsFor = (question: Question) => settings(question.teamId).engineSettings(question.channel);
  const linkFor = async (question: Question) => (await settings(question.teamId).state(question.channel)).link;
  // Last: its passages ground the model, and its offline answer stands in when the model cannot answer.
  const knowledge = createKnowledgeGrounder({ index: knowledgeIndex() });
  // After the repository grounders: theirs reads paths too, and the first tool of a name wins.
  const sqlTool = createSqlToolGrounder({ settingsFor });
  if (github === undefined) return [createEngineGrounder({ settingsFor }), createPlaybookGrounder(), sqlTool, knowledge];
  return [
    createPullRequestGrounder({ github, linkFor, settingsFor }),
    createEngineGrounder({ settingsFor }),
    createPlaybookGrounder({ graphFor: linkedGraphSource({ github, linkFor }) }),
    createLinkedRepoGrounder({ github, linkFor, settingsFor }),
    sqlTool,
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
    validateLink(input) {
      parseLinkRequest(requireGitHub(), input);
    },
    async link({ teamId, channelId, userId, repo, branch, path }) {
      const check = await checkLink(requireGitHub(), { repo, branch, path });
      const linked = await settings(teamId).link(channelId, { repo: formatRepo(check.repo), branch: check.branch, path: check.path }, userId);
      const state = await settings(teamId).state(channelId);
      return { ...linked, commitSha: check.commitSha, migrations: check.migrations, apps: check.apps, database: state.database, databaseVersion: state.databaseVersion };
    },
    async unlink(teamId, channelId) {
      const removed = await settings(teamId).unlink(channelId);
      return removed === null ? null : { repo: removed.repo };
    },
    async status(teamId, channelId) {
      const state = await settings(teamId).state(channelId);
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
        const state = await settings(teamId).setDatabase(channelId, database, version, userId);
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
    async postToPullRequest({ teamId, channelId, ref: text }) {
      const client = requireGitHub();
      const ref = client.parsePullRequest(text);
      if (ref === null) throw new AppError('github_not_found', `${text} is not a pull request reference (owner/repo#123).`);
      client.allowlist.check(ref);
      const repo = formatRepo(ref).toLowerCase();
      const linked = (await deps.links.forTeam(teamId).list()).filter((record) => record.repo.toLowerCase() === repo);
      if (linked.length === 0) throw new AppError('github_repo_not_allowed', `${formatRepo(ref)} is not linked to a channel here, so I don't comment on its pull requests: link it first with \`/migrate-help link ${formatRepo(ref)}\`.`);
      // Judged against this channel's database when it links the repository, else the first linked channel's.
      const settingsChannel = linked.find((record) => record.channelId === channelId)?.channelId ?? linked[0]!.channelId;
      const outcome = await postReviewComment(client, ref, await settings(teamId).engineSettings(settingsChannel));
      return outcome.action === 'none' ? { action: 'none' } : { action: outcome.action, url: outcome.url };
    },
    async list(teamId) {
      const workspace = settings(teamId);
      const records = await deps.links.forTeam(teamId).list();
      return Promise.all(
        records.map(async (record) => {
          const state = await workspace.state(record.channelId);
          return {
            channelId: record.channelId,
            repo: state.link?.repo ?? null,
            branch: state.link?.branch ?? null,
            path: state.link?.path ?? null,
            database: state.database,
            databaseVersion: state.databaseVersion,
            databaseSource: state.databaseSource,
          };
        }),
      );
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
    logger.info({ signal, inFlight: bot.slack.inFlight, graceMs: bot.config.scale.shutdownGraceMs }, 'shutting down: draining');
    // A dependency that hangs while closing must not keep the process past its grace period for long.
    setTimeout(() => {
      logger.error('shutdown took too long; exiting');
      logger.flush();
      process.exit(1);
    }, bot.config.scale.shutdownGraceMs + 10_000).unref();
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
