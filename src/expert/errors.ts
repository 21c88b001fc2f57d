/**
 * Anthropic SDK failures translated into AppErrors where they enter, so the thread shows what
 * happened and what to do, never an SDK message.
 */
import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from '@anthropic-ai/sdk';
import { AppError, type ErrorCode } from '../errors.js';
import type { TokenUsage } from '../pipeline/types.js';

/** An AppError from the model, with whatever answer text streamed before it failed. */
export class ModelError extends AppError {
  readonly partialText: string;
  readonly status: number | undefined;
  /** Tokens spent by earlier, completed rounds of a tool-use loop. */
  usageBefore: TokenUsage | undefined;

  constructor(code: ErrorCode, userMessage: string, options: { cause?: unknown; partialText?: string; status?: number }) {
    super(code, userMessage, { cause: options.cause, message: describeCause(code, options.cause) });
    this.name = 'ModelError';
    this.partialText = options.partialText ?? '';
    this.status = options.status;
  }
}

function describeCause(code: ErrorCode, cause: unknown): string {
  const detail = cause instanceof Error ? cause.message : cause === undefined ? '' : String(cause);
  return detail ? `${code}: ${detail}` : code;
}

/** Seconds to wait, from `retry-after-ms` or `retry-after` (seconds or an HTTP date). */
export function retryAfterSeconds(headers: Headers | undefined, now = Date.now()): number | undefined {
  if (!headers) return undefined;
  const milliseconds = Number.parseFloat(headers.get('retry-after-ms') ?? '');
  if (Number.isFinite(milliseconds) && milliseconds >= 0) return Math.max(1, Math.ceil(milliseconds / 1000));
  const header = headers.get('retry-after');
  if (!header) return undefined;
  const seconds = Number.parseFloat(header);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.max(1, Math.ceil(seconds));
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(1, Math.ceil((date - now) / 1000));
}

function waitHint(seconds: number | undefined): string {
  if (seconds === undefined) return 'Try again in a minute.';
  if (seconds < 90) return `Try again in about ${seconds} second${seconds === 1 ? '' : 's'}.`;
  return `Try again in about ${Math.ceil(seconds / 60)} minutes.`;
}

/** Anthropic's own explanation, shortened, for the few cases where it helps the user (400s). */
function apiExplanation(error: APIError): string {
  const text = (error.apiMessage ?? '').replace(/\s+/g, ' ').trim();
  if (!text) return '';
  return text.length > 200 ? ` (${text.slice(0, 200)}…)` : ` (${text})`;
}

export interface TranslateContext {
  model: string;
  partialText?: string;
  /** Set when our own idle timer aborted the stream. */
  idleTimeoutMs?: number;
  /** Set when the stream ended without `message_stop`. */
  endedEarly?: boolean;
  /** Set once `message_start` arrived: a later failure breaks an answer in progress. */
  streamStarted?: boolean;
}

const CUT_MESSAGE =
  'The expert model’s answer was cut off mid-stream, so what you see above is incomplete. Ask again (you can say "continue") to get the rest.';
const CUT_BEFORE_TEXT_MESSAGE = 'The expert model’s answer broke off before any text arrived. Ask again in a minute.';

type Cut = (cause: unknown, status?: number) => ModelError;

/** Map anything the SDK (or our stream handling) throws to a ModelError with a clear next step. */
export function translateModelError(error: unknown, context: TranslateContext): ModelError {
  if (error instanceof ModelError) return error;
  const partialText = context.partialText ?? '';
  const cut: Cut = (cause, status) => new ModelError('model_stream_cut', partialText ? CUT_MESSAGE : CUT_BEFORE_TEXT_MESSAGE, { cause, partialText, status });

  if (context.endedEarly) return cut(error ?? new Error('stream ended without message_stop'));
  if (context.idleTimeoutMs !== undefined) {
    if (partialText) return cut(error);
    return new ModelError(
      'model_timeout',
      `The expert model stopped responding (nothing for ${Math.round(context.idleTimeoutMs / 1000)} s), so I gave up. Try again in a minute; if it keeps happening, the model may be overloaded.`,
      { cause: error, partialText },
    );
  }
  if (error instanceof APIUserAbortError) {
    return new ModelError('model_timeout', 'The request to the expert model was cancelled before it finished. Ask again to get an answer.', { cause: error, partialText });
  }
  if (error instanceof APIConnectionTimeoutError) {
    if (partialText) return cut(error);
    return new ModelError('model_timeout', 'The expert model did not respond in time. Try again in a minute; a shorter question or fewer pasted files also helps.', {
      cause: error,
      partialText,
    });
  }
  if (error instanceof APIConnectionError) {
    if (partialText) return cut(error);
    return new ModelError(
      'model_timeout',
      'I could not reach the expert model (the connection failed). Try again in a minute; if it keeps failing, ask whoever runs migrate-help to check network access to the Anthropic API (ANTHROPIC_BASE_URL).',
      { cause: error, partialText },
    );
  }
  if (error instanceof APIError) {
    if (error.status === undefined) return translateErrorEvent(error, context, partialText, cut);
    return translateHttpError(error, error.status, context, partialText, cut);
  }
  // Errors raised while reading the body (socket reset, malformed event) once the answer started.
  if (partialText || context.streamStarted) return cut(error);
  return new ModelError('model_unavailable', 'The expert model failed while answering. Try again in a minute.', { cause: error, partialText });
}

/** An `error` event inside a 200 stream has no status; it arrives after text has started. */
function translateErrorEvent(error: APIError, context: TranslateContext, partialText: string, cut: Cut): ModelError {
  if (partialText) return cut(error);
  if (error.type === 'overloaded_error') return overloaded(error, partialText);
  if (context.streamStarted) return cut(error);
  return new ModelError('model_unavailable', 'The expert model failed while answering. Try again in a minute.', { cause: error, partialText });
}

/** An HTTP error status from the API, to what it means for the user and what to do. */
function translateHttpError(error: APIError, status: number, context: TranslateContext, partialText: string, cut: Cut): ModelError {
  if (status === 401) {
    return new ModelError('model_auth_failed', 'The expert model rejected our API key (401 authentication failed). Ask whoever runs migrate-help to check ANTHROPIC_API_KEY.', {
      cause: error,
      partialText,
      status,
    });
  }
  if (status === 403) {
    return new ModelError(
      'model_auth_failed',
      `Our API key is not allowed to use the expert model ${context.model} (403 permission denied). Ask whoever runs migrate-help to check the key's workspace permissions or ANTHROPIC_MODEL.`,
      { cause: error, partialText, status },
    );
  }
  if (status === 402 || error.type === 'billing_error') {
    return new ModelError('model_auth_failed', 'The Anthropic account behind migrate-help has a billing problem (402). Ask whoever runs migrate-help to check the account’s plan and credit.', {
      cause: error,
      partialText,
      status,
    });
  }
  if (status === 429) {
    return new ModelError('model_rate_limited', `The expert model is rate-limiting us right now (429 too many requests). ${waitHint(retryAfterSeconds(error.headers))}`, {
      cause: error,
      partialText,
      status,
    });
  }
  if (status === 529 || error.type === 'overloaded_error') return overloaded(error, partialText, status);
  if (status === 504 || error.type === 'timeout_error') {
    if (partialText) return cut(error, status);
    return new ModelError('model_timeout', `The expert model timed out on its side (HTTP ${status}). Try again in a minute; a shorter question or fewer pasted files also helps.`, {
      cause: error,
      partialText,
      status,
    });
  }
  if (status >= 500) {
    return new ModelError(
      'model_unavailable',
      `The expert model’s service returned an error (HTTP ${status}). Try again in a minute; if it persists, check status.anthropic.com.`,
      { cause: error, partialText, status },
    );
  }
  if (status === 404) {
    return new ModelError(
      'model_bad_request',
      `The expert model ${context.model} was not found for our API key (404). Ask whoever runs migrate-help to check ANTHROPIC_MODEL.`,
      { cause: error, partialText, status },
    );
  }
  if (status === 413) {
    return new ModelError('model_bad_request', 'The question and its context were too large for the expert model (413). Share fewer or smaller files and ask again.', {
      cause: error,
      partialText,
      status,
    });
  }
  return new ModelError(
    'model_bad_request',
    `The expert model rejected the request (HTTP ${status})${apiExplanation(error)}. Try shortening or rephrasing the question; if it keeps happening, tell the team that runs migrate-help.`,
    { cause: error, partialText, status },
  );
}

function overloaded(error: APIError, partialText: string, status?: number): ModelError {
  return new ModelError(
    'model_overloaded',
    `The expert model is overloaded right now (Anthropic returned ${status ?? 'an'} overloaded error). ${waitHint(retryAfterSeconds(error.headers))} Busy periods usually pass within a few minutes.`,
    { cause: error, partialText, status },
  );
}
