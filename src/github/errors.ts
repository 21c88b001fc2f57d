/**
 * Octokit errors → AppError, where they enter. Messages say what happened and what to do next;
 * they never carry tokens (Octokit's error message can include request details, so we keep it
 * only as the cause, which the logger scrubs).
 */
import { AppError } from '../errors.js';
import type { RepoRef } from './types.js';

/** The fields of Octokit's RequestError we rely on (duck-typed: @octokit/request-error is not our direct dependency). */
interface HttpErrorLike {
  status: number;
  message: string;
  response?: { headers?: Record<string, string | number | undefined>; data?: unknown };
}

export function isHttpError(error: unknown): error is HttpErrorLike {
  return typeof error === 'object' && error !== null && typeof (error as { status?: unknown }).status === 'number' && error instanceof Error;
}

/** One entry of a GraphQL answer's `errors` (GitHub adds `type`: NOT_FOUND, FORBIDDEN, RATE_LIMITED…). */
export interface GraphQLErrorEntry {
  type?: string;
  message?: string;
  path?: Array<string | number>;
}

/**
 * The `errors` of a failed GraphQL query: on @octokit/graphql's GraphqlResponseError (`errors`), or on
 * the throttling plugin's "GraphQL Rate Limit Exceeded" error (`response.data.errors`). Empty otherwise.
 */
export function graphqlErrorsOf(error: unknown): GraphQLErrorEntry[] {
  if (typeof error !== 'object' || error === null) return [];
  // Only these two shapes: a REST 422 also carries `response.data.errors`, but with an HTTP status.
  const direct = (error as { name?: unknown }).name === 'GraphqlResponseError' ? (error as { errors?: unknown }).errors : undefined;
  const nested = typeof (error as { status?: unknown }).status === 'number' ? undefined : (error as { response?: { data?: { errors?: unknown } } }).response?.data?.errors;
  const errors = Array.isArray(direct) ? direct : Array.isArray(nested) ? nested : [];
  return errors.filter((item): item is GraphQLErrorEntry => typeof item === 'object' && item !== null && !(item instanceof Error));
}

/** Response headers of an HTTP error or a GraphQL error (GraphqlResponseError keeps them on `headers`). */
function headersOf(error: unknown): Record<string, unknown> {
  if (typeof error !== 'object' || error === null) return {};
  return (error as { response?: { headers?: Record<string, unknown> } }).response?.headers ?? (error as { headers?: Record<string, unknown> }).headers ?? {};
}

/** `14:05 UTC` */
export function formatUtcTime(date: Date): string {
  return `${String(date.getUTCHours()).padStart(2, '0')}:${String(date.getUTCMinutes()).padStart(2, '0')} UTC`;
}

function header(error: HttpErrorLike, name: string): string | undefined {
  const value = error.response?.headers?.[name];
  return value === undefined ? undefined : String(value);
}

/** When a rate-limited request may be tried again, or null when the error is not a rate limit. */
export function rateLimitResetOf(error: unknown, now: Date = new Date()): Date | null {
  if (graphqlErrorsOf(error).some((item) => item.type === 'RATE_LIMITED')) {
    // GraphQL answers a spent budget with 200 and a RATE_LIMITED error; the headers carry the reset.
    const reset = Number(headersOf(error)['x-ratelimit-reset']);
    return Number.isFinite(reset) && reset > 0 ? new Date(reset * 1000) : new Date(now.getTime() + 60_000);
  }
  if (!isHttpError(error) || (error.status !== 403 && error.status !== 429)) return null;
  const remaining = header(error, 'x-ratelimit-remaining');
  const reset = Number(header(error, 'x-ratelimit-reset'));
  if (remaining === '0' && Number.isFinite(reset) && reset > 0) return new Date(reset * 1000);
  const retryAfter = header(error, 'retry-after');
  // Secondary limits come as 403/429 with a message and usually retry-after seconds.
  if (error.status === 429 || /rate limit/i.test(error.message) || retryAfter !== undefined) {
    const seconds = Number(retryAfter);
    return new Date(now.getTime() + (Number.isFinite(seconds) && seconds > 0 ? seconds : 60) * 1000);
  }
  return null;
}

export interface TranslateContext {
  repo?: RepoRef;
  /** What we were looking for, for 404s more precise than the repository ("file x at main"). */
  notFound?: string;
  /** `token`, `app` or `anonymous`: names the credential to check on 401/403. */
  auth?: 'token' | 'app' | 'anonymous';
  now?: Date;
}

function credentialHint(auth: TranslateContext['auth']): string {
  if (auth === 'app') return 'that the GitHub App is installed on it';
  if (auth === 'anonymous') return 'set GITHUB_TOKEN or a GitHub App, as private repositories need one';
  return 'that GITHUB_TOKEN can read it';
}

export function translateGitHubError(error: unknown, context: TranslateContext = {}): AppError {
  if (error instanceof AppError) return error;
  const name = context.repo ? `${context.repo.owner}/${context.repo.repo}` : 'that repository';
  const graphqlErrors = graphqlErrorsOf(error);
  if (graphqlErrors.length > 0) return translateGraphQLErrors(error, graphqlErrors, name, context);
  if (!isHttpError(error)) {
    return new AppError('github_unavailable', 'Something went wrong while reading from GitHub. Please try again in a minute.', {
      cause: error,
      message: error instanceof Error ? error.message : String(error),
    });
  }
  const status = error.status;
  const options = { cause: error, message: `GitHub ${status}: ${error.message.slice(0, 300)}` };
  const reset = rateLimitResetOf(error, context.now);
  if (reset !== null) {
    return new AppError('github_rate_limited', `GitHub rate limit reached; resets at ${formatUtcTime(reset)}. Try again after that, or ask an admin to use a GitHub App for a higher limit.`, options);
  }
  if (status === 401) {
    return new AppError(
      'github_auth_failed',
      context.auth === 'app'
        ? 'GitHub refused the App credentials (401): ask an admin to check GITHUB_APP_ID and GITHUB_APP_PRIVATE_KEY.'
        : 'GitHub refused the token (401): ask an admin to check GITHUB_TOKEN (expired or revoked?).',
      options,
    );
  }
  if (status === 404 || status === 403 || status === 451) {
    const what = context.notFound ?? name;
    return new AppError('github_not_found', `I can't see ${what}: check the name and ${credentialHint(context.auth)}.`, options);
  }
  if (status === 422 && context.notFound !== undefined) {
    return new AppError('github_not_found', `I can't find ${context.notFound}: check the spelling.`, options);
  }
  if (status >= 500) {
    const reason = error.response === undefined ? 'I could not reach GitHub' : `GitHub is having trouble (${status})`;
    return new AppError('github_unavailable', `${reason}; try again in a few minutes.`, options);
  }
  return new AppError('github_unavailable', `GitHub refused the request (${status}) while reading ${name}. Please try again; if it keeps happening, tell the team that runs migrate-help.`, options);
}

/**
 * A GraphQL query that failed as a whole (200 with `errors` and no usable data): the same codes as
 * the REST answers they stand for. Errors about single objects are the caller's to handle.
 */
function translateGraphQLErrors(error: unknown, errors: readonly GraphQLErrorEntry[], name: string, context: TranslateContext): AppError {
  const first = errors[0]?.message ?? 'unknown error';
  const options = { cause: error, message: `GitHub GraphQL: ${errors.map((item) => `${item.type ?? 'ERROR'} ${item.message ?? ''}`.trim()).join('; ').slice(0, 300)}` };
  const reset = rateLimitResetOf(error, context.now);
  if (reset !== null) {
    return new AppError('github_rate_limited', `GitHub rate limit reached; resets at ${formatUtcTime(reset)}. Try again after that, or ask an admin to use a GitHub App for a higher limit.`, options);
  }
  if (errors.some((item) => item.type === 'NOT_FOUND' || item.type === 'FORBIDDEN')) {
    return new AppError('github_not_found', `I can't see ${context.notFound ?? name}: check the name and ${credentialHint(context.auth)}.`, options);
  }
  return new AppError('github_unavailable', `GitHub could not answer a query for ${name} (${first.slice(0, 120)}); try again in a few minutes.`, options);
}
