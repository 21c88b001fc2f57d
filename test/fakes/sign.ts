/**
 * Requests signed exactly as Slack signs them: `v0=` + hex HMAC-SHA256 of `v0:${timestamp}:${rawBody}`
 * keyed by the app's signing secret, with the timestamp in `x-slack-request-timestamp`.
 */
import { createHmac } from 'node:crypto';

export interface SignOptions {
  /** Unix seconds; defaults to now. A value more than 5 minutes old is "stale" to Bolt. */
  timestamp?: number;
  /** Redelivery headers Slack adds when it retries an event. */
  retryNum?: number;
  retryReason?: string;
}

export function slackSignature(signingSecret: string, timestamp: number, rawBody: string): string {
  return `v0=${createHmac('sha256', signingSecret).update(`v0:${timestamp}:${rawBody}`).digest('hex')}`;
}

export function signedHeaders(signingSecret: string, rawBody: string, contentType: string, options: SignOptions = {}): Record<string, string> {
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  const headers: Record<string, string> = {
    'content-type': contentType,
    'x-slack-request-timestamp': String(timestamp),
    'x-slack-signature': slackSignature(signingSecret, timestamp, rawBody),
  };
  if (options.retryNum !== undefined) headers['x-slack-retry-num'] = String(options.retryNum);
  if (options.retryReason !== undefined) headers['x-slack-retry-reason'] = options.retryReason;
  return headers;
}

export interface SlackResponse {
  status: number;
  text: string;
  /** Parsed when the body is JSON, else undefined. */
  json: unknown;
}

async function send(url: string, rawBody: string, headers: Record<string, string>): Promise<SlackResponse> {
  const response = await fetch(url, { method: 'POST', headers, body: rawBody });
  const text = await response.text();
  let json: unknown;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, text, json };
}

/** POST an Events API envelope as JSON, signed. */
export function postEvent(url: string, signingSecret: string, envelope: unknown, options: SignOptions = {}): Promise<SlackResponse> {
  const rawBody = JSON.stringify(envelope);
  return send(url, rawBody, signedHeaders(signingSecret, rawBody, 'application/json', options));
}

/** POST a slash command form, signed (content type exactly as Slack sends it; Bolt is strict about it). */
export function postCommand(url: string, signingSecret: string, fields: Record<string, string>, options: SignOptions = {}): Promise<SlackResponse> {
  const rawBody = new URLSearchParams(fields).toString();
  return send(url, rawBody, signedHeaders(signingSecret, rawBody, 'application/x-www-form-urlencoded', options));
}

/** POST with arbitrary headers (forged signatures and the like). */
export function postRaw(url: string, rawBody: string, headers: Record<string, string>): Promise<SlackResponse> {
  return send(url, rawBody, headers);
}
