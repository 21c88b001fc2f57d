/**
 * Settings from the environment, validated once at start-up. Entry points load `.env` with dotenv
 * and then call `loadConfig()`; nothing else reads `process.env`.
 */
import { z } from 'zod';
import { AppError } from './errors.js';
import { DATABASES, type Database } from './engine/types.js';

/** The newest Opus model the installed @anthropic-ai/sdk lists in its `Model` type. */
export const DEFAULT_MODEL = 'claude-opus-5-5';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface Config {
  slack: {
    botToken?: string;
    signingSecret?: string;
    /** When set the app connects with Socket Mode; otherwise it serves HTTP on `port`. */
    appToken?: string;
    socketMode: boolean;
    port: number;
    apiUrl?: string;
    adminUserIds: string[];
    /** Set: many workspaces install the app through Slack's OAuth flow (HTTP mode, no SLACK_BOT_TOKEN). */
    oauth?: { clientId: string; clientSecret: string; stateSecret: string; scopes: string[]; redirectUri?: string };
    /** Channel-name globs whose questions get a short answer first. */
    incidentChannelPatterns: string[];
  };
  anthropic: {
    /** Absent: the bot still runs and says the expert model is not configured. */
    apiKey?: string;
    baseURL?: string;
    model: string;
    maxConcurrent: number;
  };
  github: {
    token?: string;
    appId?: number;
    privateKey?: string;
    apiUrl?: string;
    allowedRepos: string[];
    allowedOrgs: string[];
  };
  engine: { database: Database; databaseVersion?: string };
  dataDir: string;
  logLevel: LogLevel;
}

export interface LoadConfigOptions {
  /** False for console mode and the CLI, which never talk to Slack. Default true. */
  requireSlack?: boolean;
}

/** The bot scopes manifest.yml asks for; OAuth installs request the same unless SLACK_OAUTH_SCOPES says otherwise. */
export const DEFAULT_BOT_SCOPES = [
  'app_mentions:read',
  'assistant:write',
  'channels:history',
  'channels:read',
  'chat:write',
  'commands',
  'files:read',
  'groups:history',
  'groups:read',
  'im:history',
] as const;

export const DEFAULT_INCIDENT_CHANNEL_PATTERNS = ['inc-*', 'incident-*'];

/** Where to find each value, appended to its error line so the fix is one step away. */
const HINTS = {
  SLACK_BOT_TOKEN: 'copy the Bot User OAuth Token (xoxb-…) from OAuth & Permissions in your Slack app settings',
  SLACK_SIGNING_SECRET: 'copy it from Basic Information → App Credentials',
  SLACK_APP_TOKEN: 'create an app-level token with the connections:write scope under Basic Information → App-Level Tokens (starts with xapp-)',
  PORT: 'use a whole number between 1 and 65535, e.g. 3000',
  URL: 'use a full http(s) URL, e.g. https://example.com',
  LLM_MAX_CONCURRENT: 'use a whole number between 1 and 64, e.g. 4',
  LOG_LEVEL: `use one of ${LOG_LEVELS.join(', ')}`,
  GITHUB_APP_ID: 'use the numeric App ID shown on the GitHub App settings page',
  GITHUB_APP_PRIVATE_KEY: 'paste the PEM private key generated on the GitHub App settings page (newlines may be written as \\n)',
  GITHUB_ALLOWED_REPOS: 'list repositories as owner/name separated by commas, e.g. acme/api,acme/web',
  GITHUB_ALLOWED_ORGS: 'list organisation or user names separated by commas, e.g. acme,acme-labs',
  SLACK_ADMIN_USER_IDS: 'list Slack member ids separated by commas, e.g. U012AB3CD,W0456EF7G (profile → ⋮ → Copy member ID)',
  MIGRATE_HELP_DATABASE: `use one of ${DATABASES.join(', ')}`,
  MIGRATE_HELP_DB_VERSION: 'use major[.minor[.patch]], e.g. 16 or 8.0 or 10.11',
  SLACK_CLIENT_ID: 'copy the Client ID from Basic Information → App Credentials',
  SLACK_CLIENT_SECRET: 'copy the Client Secret from Basic Information → App Credentials',
  SLACK_STATE_SECRET: 'choose a long random string (e.g. `openssl rand -hex 32`); it signs the OAuth state cookie',
  SLACK_OAUTH_SCOPES: 'list bot scopes separated by commas, e.g. app_mentions:read,chat:write,commands',
  INCIDENT_CHANNEL_PATTERNS: 'list channel-name globs separated by commas, e.g. inc-*,incident-*,sev1-*',
} as const;

/** Empty strings (and whitespace) count as unset, as `.env` files often carry `NAME=`. */
function normalize(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const trimmed = value.trim();
  return trimmed === '' ? undefined : trimmed;
}

function optional<T extends z.ZodType>(schema: T) {
  return z.preprocess(normalize, schema.optional());
}

function csv(text: string): string[] {
  return text
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part.length > 0);
}

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

/** For settings that are not secret, echo the rejected value: it makes typos obvious. */
const got = (what: string, hint: string) => (issue: { input?: unknown }) => `is "${String(issue.input)}", ${what}: ${hint}`;

const wholeNumber = (min: number, max: number, what: string, hint: string) =>
  z
    .string()
    .refine((text) => /^\d+$/.test(text) && Number(text) >= min && Number(text) <= max, { error: got(what, hint) })
    .transform(Number);

const httpUrl = z.string().refine(isHttpUrl, { error: got('not an http(s) URL', HINTS.URL) });

const csvList = (pattern: RegExp, what: string, hint: string) =>
  z
    .string()
    .transform(csv)
    .refine((items) => items.every((item) => pattern.test(item)), {
      error: (issue) => `has entries that are not ${what} (${(issue.input as string[]).filter((item) => !pattern.test(item)).join(', ')}): ${hint}`,
    });

const envSchema = z.object({
  SLACK_BOT_TOKEN: optional(z.string().startsWith('xoxb-', { error: `must be a bot token starting with xoxb-: ${HINTS.SLACK_BOT_TOKEN}` })),
  SLACK_SIGNING_SECRET: optional(z.string()),
  SLACK_APP_TOKEN: optional(z.string().startsWith('xapp-', { error: `must be an app-level token starting with xapp-: ${HINTS.SLACK_APP_TOKEN}` })),
  PORT: optional(wholeNumber(1, 65535, 'not a port number', HINTS.PORT)),
  SLACK_API_URL: optional(httpUrl),
  SLACK_ADMIN_USER_IDS: optional(csvList(/^[UW][A-Z0-9]{2,}$/, 'Slack member ids', HINTS.SLACK_ADMIN_USER_IDS)),
  SLACK_CLIENT_ID: optional(z.string().regex(/^\d+\.\d+$/, { error: got('not a Slack client id', HINTS.SLACK_CLIENT_ID) })),
  SLACK_CLIENT_SECRET: optional(z.string()),
  SLACK_STATE_SECRET: optional(z.string().min(16, { error: `is too short (at least 16 characters): ${HINTS.SLACK_STATE_SECRET}` })),
  SLACK_OAUTH_SCOPES: optional(csvList(/^[a-z]+(\.[a-z]+)*:[a-z.]+$/, 'Slack scopes', HINTS.SLACK_OAUTH_SCOPES)),
  SLACK_OAUTH_REDIRECT_URI: optional(httpUrl),
  INCIDENT_CHANNEL_PATTERNS: optional(csvList(/^[a-z0-9_*?.\-[\]!]+$/, 'channel-name globs (lower case)', HINTS.INCIDENT_CHANNEL_PATTERNS)),
  ANTHROPIC_API_KEY: optional(z.string()),
  ANTHROPIC_BASE_URL: optional(httpUrl),
  ANTHROPIC_MODEL: optional(z.string()),
  LLM_MAX_CONCURRENT: optional(wholeNumber(1, 64, 'not a whole number from 1 to 64', HINTS.LLM_MAX_CONCURRENT)),
  LOG_LEVEL: optional(z.string().toLowerCase().pipe(z.enum(LOG_LEVELS, { error: got('not a log level', HINTS.LOG_LEVEL) }))),
  GITHUB_TOKEN: optional(z.string()),
  GITHUB_APP_ID: optional(wholeNumber(1, Number.MAX_SAFE_INTEGER, 'not a number', HINTS.GITHUB_APP_ID)),
  // .env files and CI secrets often hold the PEM on one line with literal \n.
  GITHUB_APP_PRIVATE_KEY: optional(
    z
      .string()
      .transform((text) => text.replace(/\\n/g, '\n'))
      .refine((text) => /-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(text), { error: `is not a PEM private key: ${HINTS.GITHUB_APP_PRIVATE_KEY}` }),
  ),
  GITHUB_API_URL: optional(httpUrl),
  GITHUB_ALLOWED_REPOS: optional(csvList(/^[A-Za-z0-9][A-Za-z0-9-]*\/[A-Za-z0-9._-]+$/, 'owner/name', HINTS.GITHUB_ALLOWED_REPOS)),
  GITHUB_ALLOWED_ORGS: optional(csvList(/^[A-Za-z0-9][A-Za-z0-9-]*$/, 'organisation names', HINTS.GITHUB_ALLOWED_ORGS)),
  DATA_DIR: optional(z.string()),
  MIGRATE_HELP_DATABASE: optional(z.string().toLowerCase().pipe(z.enum(DATABASES as [Database, ...Database[]], { error: got('not a supported database', HINTS.MIGRATE_HELP_DATABASE) }))),
  MIGRATE_HELP_DB_VERSION: optional(z.string().regex(/^\d+(\.\d+){0,2}$/, { error: got('not a version', HINTS.MIGRATE_HELP_DB_VERSION) })),
});

/** Every variable the app reads, in the order `.env.example` documents them. */
export const CONFIG_VARIABLES = Object.keys(envSchema.shape) as (keyof typeof envSchema.shape)[];

/**
 * Parse and check the environment. Throws a ConfigError listing every problem (one line each,
 * naming the variable and the fix) so a bad setup is fixed in one round.
 */
export function loadConfig(env: Record<string, string | undefined> = process.env, options: LoadConfigOptions = {}): Config {
  const requireSlack = options.requireSlack ?? true;
  const parsed = envSchema.safeParse(env);
  const problems = parsed.success ? [] : parsed.error.issues.map((issue) => `${String(issue.path[0])} ${issue.message}`);

  // Rules between variables are checked on the raw values so they are reported alongside format problems.
  const isSet = (name: string): boolean => normalize(env[name]) !== undefined;
  const socketMode = isSet('SLACK_APP_TOKEN');
  const oauth = isSet('SLACK_CLIENT_ID');
  if (oauth) {
    // Bolt takes either one token or the installer, never both.
    if (isSet('SLACK_BOT_TOKEN')) problems.push('SLACK_BOT_TOKEN must be empty when SLACK_CLIENT_ID is set: with OAuth every workspace gets its own token when it installs the app (unset one of them)');
    if (!isSet('SLACK_CLIENT_SECRET')) problems.push(`SLACK_CLIENT_SECRET is required when SLACK_CLIENT_ID is set: ${HINTS.SLACK_CLIENT_SECRET}`);
    if (!isSet('SLACK_STATE_SECRET')) problems.push(`SLACK_STATE_SECRET is required when SLACK_CLIENT_ID is set: ${HINTS.SLACK_STATE_SECRET}`);
    if (socketMode) problems.push('SLACK_APP_TOKEN must be empty when SLACK_CLIENT_ID is set: the OAuth install pages are served over HTTP (/slack/install), so run in HTTP mode');
  } else if (isSet('SLACK_CLIENT_SECRET') || isSet('SLACK_STATE_SECRET')) {
    problems.push(`SLACK_CLIENT_ID is required when SLACK_CLIENT_SECRET or SLACK_STATE_SECRET is set: ${HINTS.SLACK_CLIENT_ID}`);
  }
  if (requireSlack && !oauth && !isSet('SLACK_BOT_TOKEN')) problems.push(`SLACK_BOT_TOKEN is required: ${HINTS.SLACK_BOT_TOKEN}`);
  if (requireSlack && !socketMode && !isSet('SLACK_SIGNING_SECRET')) {
    problems.push(`SLACK_SIGNING_SECRET is required in HTTP mode (no SLACK_APP_TOKEN set): ${HINTS.SLACK_SIGNING_SECRET}`);
  }
  if (isSet('GITHUB_APP_ID') && !isSet('GITHUB_APP_PRIVATE_KEY')) problems.push(`GITHUB_APP_PRIVATE_KEY is required when GITHUB_APP_ID is set: ${HINTS.GITHUB_APP_PRIVATE_KEY}`);
  if (isSet('GITHUB_APP_PRIVATE_KEY') && !isSet('GITHUB_APP_ID')) problems.push(`GITHUB_APP_ID is required when GITHUB_APP_PRIVATE_KEY is set: ${HINTS.GITHUB_APP_ID}`);

  if (!parsed.success || problems.length > 0) throw new ConfigError(problems);
  const vars = parsed.data;

  return {
    slack: {
      botToken: vars.SLACK_BOT_TOKEN,
      signingSecret: vars.SLACK_SIGNING_SECRET,
      appToken: vars.SLACK_APP_TOKEN,
      socketMode,
      port: vars.PORT ?? 3000,
      apiUrl: vars.SLACK_API_URL,
      adminUserIds: vars.SLACK_ADMIN_USER_IDS ?? [],
      ...(vars.SLACK_CLIENT_ID === undefined
        ? {}
        : {
            oauth: {
              clientId: vars.SLACK_CLIENT_ID,
              clientSecret: vars.SLACK_CLIENT_SECRET!,
              stateSecret: vars.SLACK_STATE_SECRET!,
              scopes: vars.SLACK_OAUTH_SCOPES ?? [...DEFAULT_BOT_SCOPES],
              ...(vars.SLACK_OAUTH_REDIRECT_URI === undefined ? {} : { redirectUri: vars.SLACK_OAUTH_REDIRECT_URI }),
            },
          }),
      incidentChannelPatterns: vars.INCIDENT_CHANNEL_PATTERNS ?? DEFAULT_INCIDENT_CHANNEL_PATTERNS,
    },
    anthropic: {
      apiKey: vars.ANTHROPIC_API_KEY,
      baseURL: vars.ANTHROPIC_BASE_URL,
      model: vars.ANTHROPIC_MODEL ?? DEFAULT_MODEL,
      maxConcurrent: vars.LLM_MAX_CONCURRENT ?? 4,
    },
    github: {
      token: vars.GITHUB_TOKEN,
      appId: vars.GITHUB_APP_ID,
      privateKey: vars.GITHUB_APP_PRIVATE_KEY,
      apiUrl: vars.GITHUB_API_URL,
      allowedRepos: vars.GITHUB_ALLOWED_REPOS ?? [],
      allowedOrgs: vars.GITHUB_ALLOWED_ORGS ?? [],
    },
    engine: { database: vars.MIGRATE_HELP_DATABASE ?? 'postgresql', databaseVersion: vars.MIGRATE_HELP_DB_VERSION },
    dataDir: vars.DATA_DIR ?? './data',
    logLevel: vars.LOG_LEVEL ?? 'info',
  };
}

/** Every configuration problem at once; `problems` holds one line per variable. */
export class ConfigError extends AppError {
  readonly problems: string[];

  constructor(problems: string[]) {
    super('config_invalid', `The configuration is invalid:\n${problems.map((line) => `- ${line}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/** What an entry point prints (no stack trace) before exiting 1. */
export function formatConfigError(error: ConfigError): string {
  const count = error.problems.length;
  const header = `migrate-help cannot start: ${count} configuration problem${count === 1 ? '' : 's'} (set them in the environment or in .env; see .env.example).`;
  return [header, ...error.problems.map((line) => `  ${line}`)].join('\n');
}

/** The secret values in a config, for the logger's value scrubber (some, like the signing secret, have no telltale prefix). */
export function secretValues(config: Config): string[] {
  return [config.slack.botToken, config.slack.signingSecret, config.slack.appToken, config.slack.oauth?.clientSecret, config.slack.oauth?.stateSecret, config.anthropic.apiKey, config.github.token, config.github.privateKey].filter(
    (value): value is string => value !== undefined && value.length >= 8,
  );
}
