/**
 * The Slack edge: a Bolt app (HTTP receiver at /slack/events with the ops routes /healthz, /readyz
 * and /metrics, and the OAuth install pages in OAuth mode; or Socket Mode when an app token is given)
 * with every listener registered. Builds nothing else: the answer service,
 * logger and ledger come from main.ts.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { App, HTTPReceiver, SocketModeReceiver, type Receiver } from '@slack/bolt';
import { WebClient, type RetryOptions, type WebClientOptions } from '@slack/web-api';
import type { Logger } from 'pino';
import { AppError } from '../errors.js';
import { opsRoutes, type ReadinessCheck } from '../http/ops.js';
import { createMetrics, type Metrics } from '../metrics.js';
import type { AnswerService } from '../pipeline/types.js';
import type { SafeVersionService } from '../pipeline/safe-version.js';
import type { StopRelay, StreamBudget } from '../scale/shared-state.js';
import { AckFirstGate } from './ack-gate.js';
import { StopRegistry } from './answer-controls.js';
import { toSlackLogger, slackLogLevel } from './bolt-logger.js';
import { DEFAULT_EVENT_LEASE_MS, type EventLedger } from './dedupe.js';
import type { BotIdentity, ChannelFeatures, SinkSettings, SlackDeps, SlackStore } from './deps.js';
import { IncidentChannels } from './incident.js';
import { createInstallationStore } from './installation-store.js';
import { slackErrorCode } from './errors.js';
import { registerListeners } from './listeners/index.js';
import { StreamingAvailability, type ThreadSink } from './stream-sink.js';

export const DEFAULT_COMMAND = '/migrate-help';

/**
 * Web API retries for interactive answers: a few quick tries, not the SDK's default of ten over
 * half an hour (nobody waits that long for a thread reply).
 */
export const INTERACTIVE_RETRY: RetryOptions = { retries: 3, factor: 2, minTimeout: 500, maxTimeout: 4000, randomize: true };

export interface SlackOAuthOptions {
  clientId: string;
  clientSecret: string;
  stateSecret: string;
  scopes: string[];
  redirectUri?: string;
}

export interface SlackAppOptions {
  /** Single-token mode (one workspace). */
  botToken?: string;
  /** OAuth mode (many workspaces): Bolt's installer at /slack/install and /slack/oauth_redirect. */
  oauth?: SlackOAuthOptions;
  /** More HTTP routes on the same server (HTTP mode only), e.g. the GitHub App's webhooks. */
  routes?: ReadonlyArray<{ path: string; method: string[]; handler(req: IncomingMessage, res: ServerResponse): void }>;
  /** HTTP mode (required there). */
  signingSecret?: string;
  /** When set, connect with Socket Mode instead of serving HTTP. */
  appToken?: string;
  /** Web API base URL (proxies, Enterprise Grid, tests). */
  apiUrl?: string;
  answers: AnswerService;
  /** Link/unlink/status/db/review; absent: those subcommands say they are not set up. */
  channels?: ChannelFeatures;
  /** "Show the safe version"; absent: the button's click says it is not available. */
  safeVersions?: SafeVersionService;
  /** SLACK_ADMIN_USER_IDS. */
  adminUserIds?: readonly string[];
  logger: Logger;
  /** Which events were answered (the store's or Redis's ledger, from main.ts). */
  events: EventLedger;
  commandName?: string;
  sink?: SinkSettings;
  retryConfig?: RetryOptions;
  /** Per Web API request timeout. */
  requestTimeoutMs?: number;
  store: SlackStore;
  /** INCIDENT_CHANNEL_PATTERNS. */
  incidentChannelPatterns?: readonly string[];
  /** Counts feedback clicks (metrics). */
  onFeedback?: SlackDeps['onFeedback'];
  /** Names this process in event leases (default: a random id). */
  replicaId?: string;
  /** EVENT_LEASE_MS: how long a claim on an event outlives its replica. */
  eventLeaseMs?: number;
  /** The per-workspace allowance of chat.startStream calls; absent: no budget (streams until Slack says 429). */
  streamBudget?: StreamBudget;
  /** Carries Stop clicks to the replica writing the answer (Redis); absent: only this process's answers. */
  stopRelay?: StopRelay;
  metrics?: Metrics;
  /** Dependencies /readyz checks (store, Redis). */
  readiness?: readonly ReadinessCheck[];
}

/** What an answer still open at the end of a drain is finished with. */
export const SHUTDOWN_NOTE = 'migrate-help is restarting and could not finish this answer. Ask again in a moment: another instance will answer.';

export interface SlackApp {
  app: App;
  identity: BotIdentity;
  mode: 'http' | 'socket';
  /** Start serving; resolves with the bound port in HTTP mode. */
  start(port: number): Promise<{ port?: number }>;
  /**
   * Drain: stop taking new work (/readyz 503; new events refused with 503 so Slack redelivers them
   * to another replica), wait up to `graceMs` for answers in progress, end those still open with a
   * note, then stop the receiver.
   */
  stop(graceMs?: number): Promise<void>;
  readonly draining: boolean;
  readonly metrics: Metrics;
  /** Answers in progress. */
  readonly inFlight: number;
  /**
   * The bot token to post in a workspace outside a request (a GitHub webhook's heads-up): the one token
   * in single-token mode, else the workspace's installation; undefined when it is not installed there.
   */
  botTokenFor(teamId: string): Promise<string | undefined>;
}

function clientOptions(options: SlackAppOptions, logger: Logger): WebClientOptions {
  return {
    ...(options.apiUrl === undefined ? {} : { slackApiUrl: options.apiUrl }),
    retryConfig: options.retryConfig ?? INTERACTIVE_RETRY,
    timeout: options.requestTimeoutMs ?? 15_000,
    logger: toSlackLogger(logger),
  };
}

/** auth.test once at start: proves the token works and tells us who we are (to ignore ourselves). */
async function whoAmI(options: SlackAppOptions & { botToken: string }, logger: Logger): Promise<BotIdentity> {
  const client = new WebClient(options.botToken, clientOptions(options, logger));
  try {
    const result = await client.auth.test();
    if (result.user_id === undefined || result.bot_id === undefined) throw new Error('auth.test returned no user_id/bot_id');
    return { botUserId: result.user_id, botId: result.bot_id, teamId: result.team_id ?? '' };
  } catch (error) {
    const code = slackErrorCode(error);
    const hint =
      code === 'invalid_auth' || code === 'not_authed' || code === 'token_revoked' || code === 'account_inactive'
        ? 'SLACK_BOT_TOKEN was rejected by Slack: copy the Bot User OAuth Token (xoxb-…) again from OAuth & Permissions, and reinstall the app if it was removed.'
        : `Slack's auth.test failed (${code ?? (error instanceof Error ? error.message : String(error))}): check the network and SLACK_API_URL if set.`;
    throw new AppError('config_invalid', hint, { cause: error });
  }
}

/** Slack serves shared files from files.slack.com; a custom SLACK_API_URL (proxy, tests) serves them from its own host. */
function fileHostsFor(apiUrl: string | undefined): string[] {
  const hosts = ['files.slack.com'];
  if (apiUrl !== undefined) {
    try {
      hosts.push(new URL(apiUrl).host);
    } catch {
      // loadConfig already checked the URL; nothing to add.
    }
  }
  return hosts;
}

export async function createSlackApp(options: SlackAppOptions): Promise<SlackApp> {
  const logger = options.logger.child({ module: 'slack' });
  const { botToken, oauth } = options;
  if ((botToken === undefined) === (oauth === undefined)) throw new AppError('config_invalid', 'Set either SLACK_BOT_TOKEN (one workspace) or SLACK_CLIENT_ID with its secrets (OAuth installs), not both.');
  // OAuth mode has no workspace of its own: each request's bot user comes from its installation.
  const identity: BotIdentity = botToken === undefined ? { botUserId: '', botId: '', teamId: '' } : await whoAmI({ ...options, botToken }, logger);
  const boltLogger = toSlackLogger(logger);
  let ready = false;
  let draining = false;
  const running = new Set<Promise<unknown>>();
  const openSinks = new Set<ThreadSink>();
  const metrics = options.metrics ?? createMetrics();
  const ops = { checks: options.readiness ?? [], metrics, accepting: () => ready && !draining };
  const gate = new AckFirstGate();

  const installations = oauth === undefined ? undefined : createInstallationStore(options.store.installations);
  const mode: SlackApp['mode'] = options.appToken === undefined ? 'http' : 'socket';
  let receiver: Receiver;
  if (mode === 'socket') {
    if (oauth !== undefined) throw new AppError('config_invalid', 'OAuth installs need HTTP mode: unset SLACK_APP_TOKEN.');
    receiver = new SocketModeReceiver({
      appToken: options.appToken!,
      logger: boltLogger,
      // apps.connections.open must go to SLACK_API_URL too (proxies, tests); the Socket Mode client keeps its own retries.
      ...(options.apiUrl === undefined ? {} : { installerOptions: { clientOptions: { slackApiUrl: options.apiUrl } } }),
    });
  } else {
    if (options.signingSecret === undefined) throw new AppError('config_invalid', 'SLACK_SIGNING_SECRET is required in HTTP mode (no SLACK_APP_TOKEN set).');
    receiver = new HTTPReceiver({
      signingSecret: options.signingSecret,
      endpoints: '/slack/events',
      logger: boltLogger,
      ...(oauth === undefined
        ? {}
        : {
            clientId: oauth.clientId,
            clientSecret: oauth.clientSecret,
            stateSecret: oauth.stateSecret,
            scopes: oauth.scopes,
            ...(oauth.redirectUri === undefined ? {} : { redirectUri: oauth.redirectUri }),
            installationStore: installations!,
            installerOptions: {
              installPath: '/slack/install',
              redirectUriPath: '/slack/oauth_redirect',
              // Straight to Slack's consent page; the state cookie is set on this redirect.
              directInstall: true,
              // oauth.v2.access and auth.test go to SLACK_API_URL too (proxies, tests).
              ...(options.apiUrl === undefined ? {} : { clientOptions: { slackApiUrl: options.apiUrl } }),
            },
          }),
      customRoutes: [...opsRoutes(ops), ...(options.routes ?? [])],
    });
    refuseWhileDraining(receiver as HTTPReceiver, () => draining);
  }

  const app = new App({
    // Single-token mode: the token and who it is. OAuth mode: Bolt authorizes from the receiver's installer.
    ...(botToken === undefined ? {} : { token: botToken, botId: identity.botId, botUserId: identity.botUserId }),
    receiver,
    logger: boltLogger,
    logLevel: slackLogLevel(logger),
    clientOptions: clientOptions(options, logger),
    // Bolt's conversation store is unused; skip its per-event middleware.
    convoStore: false,
  });

  const deps: SlackDeps = {
    answers: options.answers,
    ...(options.channels === undefined ? {} : { channels: options.channels }),
    ...(options.safeVersions === undefined ? {} : { safeVersions: options.safeVersions }),
    adminUserIds: options.adminUserIds ?? [],
    fileHosts: fileHostsFor(options.apiUrl),
    logger,
    events: options.events,
    streaming: new StreamingAvailability(undefined, undefined, options.streamBudget, (reason) => metrics.streamFallback(reason)),
    replicaId: options.replicaId ?? `replica-${Math.random().toString(36).slice(2, 10)}`,
    eventLeaseMs: options.eventLeaseMs ?? DEFAULT_EVENT_LEASE_MS,
    openSinks,
    identity,
    commandName: options.commandName ?? DEFAULT_COMMAND,
    sink: options.sink ?? {},
    ackFirst: () => gate.quiet(),
    track: (work) => {
      running.add(work);
      void work.finally(() => running.delete(work)).catch(() => undefined);
      return work;
    },
    store: options.store,
    stops: new StopRegistry(options.stopRelay),
    incidents: new IncidentChannels(options.incidentChannelPatterns ?? [], logger),
    ...(options.onFeedback === undefined ? {} : { onFeedback: options.onFeedback }),
  };
  registerListeners(app, deps);
  app.error(async (error) => {
    logger.error({ err: error, code: (error as { code?: unknown }).code }, 'unhandled error in a Slack listener');
  });

  return {
    app,
    identity,
    mode,
    get inFlight() {
      return running.size;
    },
    get draining() {
      return draining;
    },
    metrics,
    async botTokenFor(teamId) {
      if (installations === undefined) return botToken;
      try {
        const installation = await installations.fetchInstallation({ teamId, isEnterpriseInstall: false, enterpriseId: undefined });
        return installation.bot?.token;
      } catch {
        return undefined;
      }
    },
    async start(port) {
      if (mode === 'socket') {
        await app.start();
        ready = true;
        logger.info({ mode, botUserId: identity.botUserId, teamId: identity.teamId }, 'connected to Slack with Socket Mode');
        return {};
      }
      const server = (await app.start(port)) as Server;
      gate.watch(server);
      ready = true;
      const bound = (server.address() as AddressInfo).port;
      logger.info({ mode, port: bound, botUserId: identity.botUserId, teamId: identity.teamId }, 'serving Slack at /slack/events');
      return { port: bound };
    },
    async stop(graceMs = 20_000) {
      draining = true;
      // Socket Mode: disconnecting is how this replica stops taking events (Slack sends them to the others).
      if (mode === 'socket') await app.stop().catch((error: unknown) => logger.warn({ err: error }, 'receiver did not stop cleanly'));
      if (running.size > 0) {
        logger.info({ inFlight: running.size, graceMs }, 'draining: waiting for answers in progress');
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<void>((resolve) => {
          timer = setTimeout(resolve, graceMs);
          timer.unref();
        });
        await Promise.race([Promise.allSettled([...running]), timeout]);
        clearTimeout(timer);
      }
      await closeOpenAnswers(openSinks, logger);
      ready = false;
      if (mode === 'http') await app.stop().catch((error: unknown) => logger.warn({ err: error }, 'receiver did not stop cleanly'));
    },
  };
}

/**
 * While draining, Slack requests get 503 (Slack redelivers events, with X-Slack-Retry-Num, to
 * whichever replica the load balancer picks next); the ops routes keep answering. Wraps the
 * receiver's public request listener rather than adding a second HTTP server.
 */
function refuseWhileDraining(receiver: HTTPReceiver, isDraining: () => boolean): void {
  const handle = receiver.requestListener;
  receiver.requestListener = (req, res) => {
    if (isDraining() && req.method === 'POST') {
      res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '1' });
      res.end(JSON.stringify({ ok: false, error: 'draining' }));
      return;
    }
    handle(req, res);
  };
}

/** Answers the grace period did not see finish: end each with a note rather than leave a stream hanging. */
async function closeOpenAnswers(sinks: Set<ThreadSink>, logger: Logger): Promise<void> {
  const open = [...sinks].filter((sink) => !sink.isFinished);
  if (open.length === 0) return;
  logger.warn({ open: open.length }, 'drain grace period over: closing answers still in progress');
  await Promise.allSettled(
    open.map((sink) => sink.finish({ ok: false, incomplete: sink.hasText, error: { code: 'shutting_down', userMessage: SHUTDOWN_NOTE } })),
  );
}
