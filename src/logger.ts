/**
 * The only pino factory. Two layers keep secrets out of the logs: pino's path redaction for fields
 * that hold credentials by name, and a value scrubber on the serialized line that catches token
 * shapes anywhere (error messages, URLs, pasted text), plus the exact configured secret values.
 */
import { pino, type DestinationStream, type Logger } from 'pino';
import pretty from 'pino-pretty';
import type { LogLevel } from './config.js';

export type { Logger } from 'pino';

/** Field names that hold credentials, wherever they appear (top level or nested two deep). */
const SECRET_KEYS = [
  'authorization',
  'Authorization',
  'x-api-key',
  'cookie',
  'token',
  'botToken',
  'appToken',
  'userToken',
  'accessToken',
  'refreshToken',
  'signingSecret',
  'clientSecret',
  'secret',
  'password',
  'apiKey',
  'privateKey',
  'SLACK_BOT_TOKEN',
  'SLACK_APP_TOKEN',
  'SLACK_SIGNING_SECRET',
  'ANTHROPIC_API_KEY',
  'GITHUB_TOKEN',
  'GITHUB_APP_PRIVATE_KEY',
];

/** fast-redact paths; bracket notation keeps keys with dashes valid. */
export const REDACT_PATHS = SECRET_KEYS.flatMap((key) => {
  const member = /^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `["${key}"]`;
  return [`*${member}`, `*.*${member}`, `*.*.*${member}`, ...(member.startsWith('.') ? [key] : [])];
});

const REDACTED = '[redacted]';

/**
 * Token shapes we know: Slack bot/user/app tokens, Anthropic keys, GitHub classic/fine-grained/app
 * tokens, bearer headers and PEM private keys (also when the PEM is JSON-escaped on one line).
 */
const SECRET_PATTERNS: RegExp[] = [
  /xox[abposre]-[A-Za-z0-9-]{6,}/g,
  /xapp-[A-Za-z0-9-]{6,}/g,
  /sk-ant-[A-Za-z0-9_-]{6,}/g,
  /\bgh[pousr]_[A-Za-z0-9]{16,}/g,
  /\bgithub_pat_[A-Za-z0-9_]{16,}/g,
  /-----BEGIN [A-Z ]*PRIVATE KEY-----(?:[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----|[A-Za-z0-9+/=\s\\]*)/g,
  /\b(Bearer)\s+[A-Za-z0-9._~+/-]{16,}=*/gi,
];

/** Replace every known token shape and every given secret value in `text`. */
export function scrubSecrets(text: string, secrets: readonly string[] = []): string {
  let result = text;
  for (const pattern of SECRET_PATTERNS) {
    result = result.replace(pattern, (match, keyword: unknown) => (typeof keyword === 'string' ? `${keyword} ${REDACTED}` : REDACTED));
  }
  for (const secret of secrets) {
    if (secret.length < 8) continue;
    // A secret can reach a JSON line escaped (newlines in a PEM become \n), so scrub both forms.
    const escaped = JSON.stringify(secret).slice(1, -1);
    const forms = escaped === secret ? [secret] : [secret, escaped];
    for (const form of forms) result = result.replaceAll(form, REDACTED);
  }
  return result;
}

export interface LoggerOptions {
  level: LogLevel;
  /** Where JSON lines go: stdout when absent, `stderr` for the console REPL, or a stream (tests). */
  destination?: DestinationStream | 'stdout' | 'stderr';
  /** Exact secret values to scrub, e.g. `secretValues(config)` (signing secrets have no telltale prefix). */
  secrets?: readonly string[];
  /** Fields on every line, e.g. `{ service: 'migrate-help' }`. */
  base?: Record<string, unknown>;
  /** Human-readable lines (pino-pretty, for development and terminals) instead of JSON. */
  pretty?: boolean;
}

function destinationFor(options: LoggerOptions): DestinationStream {
  if (typeof options.destination === 'object') return options.destination;
  const fd = options.destination === 'stderr' ? 2 : 1;
  // pino-pretty as a stream in this thread (not a transport): the scrubbing hook runs before it sees a line.
  if (options.pretty === true) return pretty({ destination: fd, colorize: fd === 1 ? process.stdout.isTTY : process.stderr.isTTY, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,service' });
  return pino.destination({ dest: fd, sync: false });
}

export function createLogger(options: LoggerOptions): Logger {
  const secrets = [...(options.secrets ?? [])];
  return pino(
    {
      level: options.level,
      base: options.base ?? { service: 'migrate-help' },
      redact: { paths: REDACT_PATHS, censor: REDACTED },
      serializers: { err: pino.stdSerializers.err, error: pino.stdSerializers.err },
      hooks: { streamWrite: (line) => scrubSecrets(line, secrets) },
    },
    destinationFor(options),
  );
}
