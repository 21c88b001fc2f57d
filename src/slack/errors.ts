/**
 * Slack Web API failures → our AppError, where they enter. Listeners only ever show `userMessage`.
 */
import { AppError } from '../errors.js';

/** Platform error codes meaning "the bot cannot post in this conversation". */
const NOT_IN_CHANNEL = new Set(['not_in_channel', 'channel_not_found', 'is_archived', 'restricted_action', 'restricted_action_read_only_channel', 'team_access_not_granted']);

/** The `error` string of a Slack platform error, or a short tag for transport failures. */
export function slackErrorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const data = (error as { data?: { error?: unknown } }).data;
  if (typeof data?.error === 'string') return data.error;
  const code = (error as { code?: unknown }).code;
  if (code === 'slack_webapi_http_error') return `http_${String((error as { statusCode?: unknown }).statusCode ?? 'error')}`;
  if (code === 'slack_webapi_rate_limited_error') return 'rate_limited';
  if (code === 'slack_webapi_request_error') return 'request_error';
  return undefined;
}

export function isNotInChannel(error: unknown): boolean {
  const code = slackErrorCode(error);
  return code !== undefined && NOT_IN_CHANNEL.has(code);
}

export function slackAppError(error: unknown, doing: string): AppError {
  if (error instanceof AppError) return error;
  const code = slackErrorCode(error) ?? 'unknown';
  if (NOT_IN_CHANNEL.has(code)) {
    return new AppError('slack_not_in_channel', 'I cannot post in this conversation. Invite me with `/invite @migrate-help` (or ask me in a direct message) and try again.', {
      cause: error,
      message: `Slack refused ${doing}: ${code}`,
    });
  }
  return new AppError('slack_api_error', `Slack refused my reply (${code}). Please try again in a minute; if it keeps happening, tell the team that runs migrate-help.`, {
    cause: error,
    message: `Slack refused ${doing}: ${code}`,
  });
}
