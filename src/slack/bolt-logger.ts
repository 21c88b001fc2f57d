/**
 * Bolt and the Web API client log through @slack/logger's interface; this routes them into our
 * pino logger (so redaction and the level setting apply to them too).
 */
import { LogLevel, type Logger as SlackLogger } from '@slack/bolt';
import type { Logger } from 'pino';

const TO_SLACK_LEVEL: Record<string, LogLevel> = {
  trace: LogLevel.DEBUG,
  debug: LogLevel.DEBUG,
  info: LogLevel.INFO,
  warn: LogLevel.WARN,
  error: LogLevel.ERROR,
  fatal: LogLevel.ERROR,
  silent: LogLevel.ERROR,
};

function message(parts: unknown[]): string {
  return parts.map((part) => (part instanceof Error ? part.message : typeof part === 'string' ? part : JSON.stringify(part))).join(' ');
}

export function toSlackLogger(logger: Logger): SlackLogger {
  const bolt = logger.child({ module: 'bolt' });
  return {
    debug: (...parts: unknown[]) => bolt.debug(message(parts)),
    info: (...parts: unknown[]) => bolt.info(message(parts)),
    warn: (...parts: unknown[]) => bolt.warn(message(parts)),
    error: (...parts: unknown[]) => bolt.error(message(parts)),
    // Our LOG_LEVEL decides; Bolt's own defaults must not override it.
    setLevel: () => undefined,
    getLevel: () => TO_SLACK_LEVEL[logger.level] ?? LogLevel.INFO,
    setName: () => undefined,
  };
}

export function slackLogLevel(logger: Logger): LogLevel {
  return TO_SLACK_LEVEL[logger.level] ?? LogLevel.INFO;
}
