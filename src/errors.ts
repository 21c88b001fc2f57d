/**
 * Errors that reach a user. Each edge translates foreign errors (Anthropic, Octokit, Slack) into
 * an AppError where they enter, so listeners only ever show `userMessage`.
 */
export type ErrorCode =
  | 'config_invalid'
  | 'input_too_long'
  | 'input_empty'
  | 'model_not_configured'
  | 'model_auth_failed'
  | 'model_rate_limited'
  | 'model_overloaded'
  | 'model_unavailable'
  | 'model_timeout'
  | 'model_stream_cut'
  | 'model_bad_request'
  | 'slack_not_in_channel'
  | 'slack_api_error'
  | 'github_not_configured'
  | 'github_repo_not_allowed'
  | 'github_not_found'
  | 'github_rate_limited'
  | 'github_auth_failed'
  | 'github_unavailable'
  | 'store_error'
  | 'not_authorized'
  | 'stopped'
  | 'unknown';

export class AppError extends Error {
  readonly code: ErrorCode;
  /** One or two sentences for the thread: what happened and what to do next. */
  readonly userMessage: string;

  constructor(code: ErrorCode, userMessage: string, options?: { cause?: unknown; message?: string }) {
    super(options?.message ?? userMessage, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.userMessage = userMessage;
  }
}

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError;
}

/** Wrap anything thrown into an AppError, keeping the original as the cause. */
export function asAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  return new AppError('unknown', 'Something went wrong on my side while answering. Please try again; if it keeps happening, tell the team that runs migrate-help.', {
    cause: error,
    message: error instanceof Error ? error.message : String(error),
  });
}
