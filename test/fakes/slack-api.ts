/**
 * A loopback fake of the Slack Web API (plus a response_url endpoint) for tests and the benchmark.
 * It records every call with its parsed body, keeps the messages the app posts in per-channel
 * threads (so `conversations.replies` returns what the bot really wrote), and lets a test script
 * platform errors per method.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';

export const FAKE_TEAM_ID = 'T0FAKE001';
export const FAKE_BOT_USER_ID = 'U0BOT0001';
export const FAKE_BOT_ID = 'B0BOT0001';

export interface RecordedCall {
  method: string;
  body: Record<string, unknown>;
  /** The Bearer token the call carried (tests check it is the configured one, never log it). */
  token: string | undefined;
  /** performance.now() when the request arrived, for latency figures. */
  at: number;
  /** What the fake answered. */
  response: Record<string, unknown>;
}

export interface RecordedResponseUrlPost {
  id: string;
  body: Record<string, unknown>;
  at: number;
}

export interface FakeMessage {
  ts: string;
  thread_ts?: string;
  user?: string;
  bot_id?: string;
  text: string;
  subtype?: string;
  metadata?: unknown;
  /** Files shared with the message (as `addFile` returns them). */
  files?: FakeFile[];
  /** For streamed messages: 'in_progress' | 'completed' | 'dead'. */
  streaming?: 'in_progress' | 'completed' | 'dead';
}

export interface FailureScript {
  error: string;
  /** Let this many calls of the method succeed first (default 0). */
  after?: number;
  /** Fail this many calls, then succeed again (default: every later call). */
  times?: number;
  /** Only calls whose body matches. */
  when?: (body: Record<string, unknown>) => boolean;
  /** HTTP status instead of a platform error (e.g. 500, 429). */
  httpStatus?: number;
}

/** Form fields the Web API client sends as JSON strings. */
const JSON_FIELDS = new Set(['blocks', 'chunks', 'metadata', 'prompts', 'loading_messages', 'attachments', 'unfurls', 'view']);

interface ActiveFailure extends FailureScript {
  seen: number;
  failed: number;
}

/** A file as Slack describes it in `files` of a message event (only the fields the bot reads). */
export interface FakeFile {
  id: string;
  name: string;
  mimetype: string;
  filetype: string;
  size: number;
  mode: 'hosted' | 'snippet';
  url_private: string;
  url_private_download: string;
}

export class FakeSlackApi {
  readonly calls: RecordedCall[] = [];
  /** Downloads of shared files: which file, with which Bearer token. */
  readonly fileDownloads: Array<{ id: string; token: string | undefined }> = [];
  private readonly files = new Map<string, { file: FakeFile; content: Buffer }>();
  private fileCounter = 0;
  readonly responseUrlPosts: RecordedResponseUrlPost[] = [];
  /** channel → messages in post order. */
  readonly channels = new Map<string, FakeMessage[]>();
  private readonly failures = new Map<string, ActiveFailure[]>();
  private readonly handlers = new Map<string, (body: Record<string, unknown>) => Record<string, unknown>>();
  private readonly waiters: Array<() => void> = [];
  private server: Server | undefined;
  private port = 0;
  private tsCounter = 0;
  /** Delay before answering each call (simulates Slack's own latency). */
  latencyMs = 0;
  /** Channel names for conversations.info (channels not listed answer channel_not_found). */
  readonly channelNames = new Map<string, string>();
  /** Bot tokens of other workspaces (OAuth installs): auth.test answers with their identity. */
  readonly workspaces = new Map<string, { team_id: string; user_id: string; bot_id: string }>();
  /** Called with every recorded call (benchmarks index calls here instead of scanning `calls`). */
  onCall: ((call: RecordedCall) => void) | undefined;

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      void this.handle(req, res);
    });
    // Keep-alive sockets would hold `close()` open; the app under test pools its own connections.
    this.server.keepAliveTimeout = 1000;
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (server === undefined) return;
    this.server = undefined;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Base URL for `SLACK_API_URL` / `clientOptions.slackApiUrl`. */
  get apiUrl(): string {
    return `http://127.0.0.1:${this.port}/api/`;
  }

  /** A response_url for a slash command; posts to it are recorded under `id`. */
  responseUrl(id: string): string {
    return `http://127.0.0.1:${this.port}/response/${encodeURIComponent(id)}`;
  }

  callsTo(method: string): RecordedCall[] {
    return this.calls.filter((call) => call.method === method);
  }

  /** Every call except auth.test (the app's start-up check). */
  get appCalls(): RecordedCall[] {
    return this.calls.filter((call) => call.method !== 'auth.test');
  }

  /** Script a failure for a method; scripts for one method apply in the order added. */
  fail(method: string, script: FailureScript): void {
    const list = this.failures.get(method) ?? [];
    list.push({ ...script, seen: 0, failed: 0 });
    this.failures.set(method, list);
  }

  /**
   * Store a file as if a user uploaded it; the returned object goes into a message event's `files`.
   * Downloads need `Authorization: Bearer <token>`; without one Slack (and this fake) serve an HTML
   * sign-in page with status 200.
   */
  addFile(spec: { name: string; content: string | Buffer; mimetype?: string; filetype?: string }): FakeFile {
    this.fileCounter += 1;
    const id = `F0FAKE${String(this.fileCounter).padStart(4, '0')}`;
    const content = typeof spec.content === 'string' ? Buffer.from(spec.content, 'utf8') : spec.content;
    const url = `http://127.0.0.1:${this.port}/files-pri/${FAKE_TEAM_ID}-${id}/${encodeURIComponent(spec.name)}`;
    const file: FakeFile = {
      id,
      name: spec.name,
      mimetype: spec.mimetype ?? 'text/plain',
      filetype: spec.filetype ?? (spec.name.endsWith('.py') ? 'python' : 'text'),
      size: content.length,
      mode: 'hosted',
      url_private: url,
      url_private_download: `${url}?download=1`,
    };
    this.files.set(id, { file, content });
    return file;
  }

  /** Answer a method with a custom handler (after failures are checked). */
  on(method: string, handler: (body: Record<string, unknown>) => Record<string, unknown>): void {
    this.handlers.set(method, handler);
  }

  /** Forget recorded calls, scripts and messages (between tests sharing one fake). */
  reset(): void {
    this.calls.length = 0;
    this.responseUrlPosts.length = 0;
    this.channels.clear();
    this.failures.clear();
    this.handlers.clear();
    this.latencyMs = 0;
  }

  /** A fresh message ts, increasing like Slack's. */
  nextTs(): string {
    this.tsCounter += 1;
    return `${1_760_000_000 + this.tsCounter}.${String(this.tsCounter).padStart(6, '0')}`;
  }

  /** Put a message written by someone else (a user, another bot) into a channel/thread. */
  addMessage(channel: string, message: Omit<FakeMessage, 'ts'> & { ts?: string }): FakeMessage {
    const stored: FakeMessage = { ...message, ts: message.ts ?? this.nextTs() };
    const list = this.channels.get(channel) ?? [];
    list.push(stored);
    this.channels.set(channel, list);
    return stored;
  }

  /** Messages in a thread (root first), as conversations.replies returns them. */
  thread(channel: string, threadTs: string): FakeMessage[] {
    return (this.channels.get(channel) ?? []).filter((message) => message.ts === threadTs || message.thread_ts === threadTs);
  }

  /** Messages the bot wrote into a thread (excluding the root). */
  botReplies(channel: string, threadTs: string): FakeMessage[] {
    return this.thread(channel, threadTs).filter((message) => message.ts !== threadTs && message.user === FAKE_BOT_USER_ID);
  }

  /** Resolve once `predicate` holds (checked after every recorded call), or reject after `timeoutMs`. */
  async waitFor<T>(predicate: () => T | undefined | false, timeoutMs = 5000, what = 'condition'): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = predicate();
      if (value !== undefined && value !== false) return value;
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new Error(`fake Slack: timed out after ${timeoutMs} ms waiting for ${what}; calls so far: ${this.calls.map((call) => call.method).join(', ')}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(remaining, 50));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  private notify(): void {
    for (const wake of this.waiters.splice(0)) wake();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const at = performance.now();
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (this.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, this.latencyMs));

    if (url.pathname.startsWith('/response/')) {
      const body = raw === '' ? {} : (JSON.parse(raw) as Record<string, unknown>);
      this.responseUrlPosts.push({ id: decodeURIComponent(url.pathname.slice('/response/'.length)), body, at });
      this.reply(res, 200, { ok: true });
      this.notify();
      return;
    }
    if (url.pathname.startsWith('/files-pri/')) {
      const id = url.pathname.split('/')[2]?.split('-').pop() ?? '';
      const auth = req.headers.authorization;
      const token = typeof auth === 'string' && auth.startsWith('Bearer ') ? auth.slice('Bearer '.length) : undefined;
      this.fileDownloads.push({ id, token });
      const stored = this.files.get(id);
      if (stored === undefined) res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      else if (token === undefined) res.writeHead(200, { 'content-type': 'text/html' }).end('<html>Sign in to Slack</html>');
      else res.writeHead(200, { 'content-type': stored.file.mimetype }).end(stored.content);
      this.notify();
      return;
    }
    if (!url.pathname.startsWith('/api/')) {
      this.reply(res, 404, { ok: false, error: 'unknown_path' });
      return;
    }
    const method = url.pathname.slice('/api/'.length).replace(/\/$/, '');
    const body = parseBody(raw, req.headers['content-type']);
    const auth = req.headers.authorization;
    const token = typeof auth === 'string' && auth.startsWith('Bearer ') ? auth.slice('Bearer '.length) : typeof body.token === 'string' ? body.token : undefined;

    const failure = this.takeFailure(method, body);
    let status = 200;
    let response: Record<string, unknown>;
    if (failure !== undefined && failure.httpStatus !== undefined) {
      status = failure.httpStatus;
      response = { ok: false, error: failure.error };
    } else if (failure !== undefined) {
      response = { ok: false, error: failure.error };
      this.onFailure(method, body, failure.error);
    } else {
      response = this.answer(method, body, token);
    }
    const call: RecordedCall = { method, body, token, at, response };
    this.calls.push(call);
    this.onCall?.(call);
    this.reply(res, status, response, status === 429 ? { 'retry-after': '1' } : {});
    this.notify();
  }

  private takeFailure(method: string, body: Record<string, unknown>): ActiveFailure | undefined {
    for (const script of this.failures.get(method) ?? []) {
      if (script.when !== undefined && !script.when(body)) continue;
      script.seen += 1;
      if (script.seen <= (script.after ?? 0)) continue;
      if (script.times !== undefined && script.failed >= script.times) continue;
      script.failed += 1;
      return script;
    }
    return undefined;
  }

  /** A stream that failed mid-answer is dead for good, like Slack's after its time limit. */
  private onFailure(method: string, body: Record<string, unknown>, error: string): void {
    if ((method === 'chat.appendStream' || method === 'chat.stopStream') && error === 'message_not_in_streaming_state') {
      const message = this.find(String(body.channel), String(body.ts));
      if (message !== undefined) message.streaming = 'dead';
    }
  }

  private find(channel: string, ts: string): FakeMessage | undefined {
    return this.channels.get(channel)?.find((message) => message.ts === ts);
  }

  private post(channel: string, body: Record<string, unknown>, text: string, streaming?: FakeMessage['streaming']): FakeMessage {
    return this.addMessage(channel, {
      thread_ts: typeof body.thread_ts === 'string' && body.thread_ts !== '' ? body.thread_ts : undefined,
      user: FAKE_BOT_USER_ID,
      bot_id: FAKE_BOT_ID,
      text,
      metadata: body.metadata,
      streaming,
    });
  }

  private answer(method: string, body: Record<string, unknown>, token: string | undefined): Record<string, unknown> {
    const custom = this.handlers.get(method);
    if (custom !== undefined) return custom(body);
    const channel = String(body.channel ?? body.channel_id ?? '');
    switch (method) {
      case 'auth.test': {
        const other = token === undefined ? undefined : this.workspaces.get(token);
        if (other !== undefined) return { ok: true, url: `https://${other.team_id.toLowerCase()}.slack.test/`, team: other.team_id, user: 'migrate-help', ...other };
        return { ok: true, url: 'https://fake.slack.test/', team: 'Fake Team', user: 'migrate-help', team_id: FAKE_TEAM_ID, user_id: FAKE_BOT_USER_ID, bot_id: FAKE_BOT_ID };
      }
      case 'views.publish':
      case 'views.open':
      case 'views.update':
        return { ok: true, view: { id: `V${this.nextTs().replace('.', '')}`, ...(body.view as Record<string, unknown>) } };
      case 'conversations.info': {
        const name = this.channelNames.get(channel);
        return name === undefined ? { ok: false, error: 'channel_not_found' } : { ok: true, channel: { id: channel, name } };
      }
      case 'chat.postMessage': {
        const message = this.post(channel, body, contentOf(body));
        return { ok: true, channel, ts: message.ts, message: { ...message, type: 'message' } };
      }
      case 'chat.update': {
        const message = this.find(channel, String(body.ts));
        if (message === undefined) return { ok: false, error: 'message_not_found' };
        message.text = contentOf(body);
        return { ok: true, channel, ts: message.ts, text: message.text };
      }
      case 'chat.postEphemeral':
        return { ok: true, message_ts: this.nextTs() };
      case 'chat.startStream': {
        const message = this.post(channel, body, markdownOf(body), 'in_progress');
        return { ok: true, channel, ts: message.ts };
      }
      case 'chat.appendStream':
      case 'chat.stopStream': {
        const message = this.find(channel, String(body.ts));
        if (message === undefined) return { ok: false, error: 'message_not_found' };
        if (message.streaming !== 'in_progress') return { ok: false, error: 'message_not_in_streaming_state' };
        message.text += markdownOf(body);
        if (method === 'chat.stopStream') message.streaming = 'completed';
        return { ok: true, channel, ts: message.ts };
      }
      case 'assistant.threads.setStatus':
      case 'assistant.threads.setSuggestedPrompts':
      case 'assistant.threads.setTitle':
        return { ok: true };
      case 'conversations.replies': {
        const messages = this.thread(channel, String(body.ts)).map((message) => ({ type: 'message', ...withoutFakeFields(message) }));
        if (messages.length === 0) return { ok: false, error: 'thread_not_found' };
        return { ok: true, messages, has_more: false };
      }
      default:
        return { ok: false, error: 'unknown_method' };
    }
  }

  private reply(res: ServerResponse, status: number, body: Record<string, unknown>, headers: Record<string, string> = {}): void {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  }
}

function withoutFakeFields(message: FakeMessage): Omit<FakeMessage, 'streaming'> {
  const { streaming: _streaming, ...rest } = message;
  return rest;
}

/** What a posted or updated message shows: `markdown_text`, else markdown blocks, else `text`. */
export function contentOf(body: Record<string, unknown>): string {
  if (typeof body.markdown_text === 'string') return body.markdown_text;
  if (Array.isArray(body.blocks)) {
    const markdown = (body.blocks as Array<{ type?: string; text?: unknown }>).filter((block) => block.type === 'markdown' && typeof block.text === 'string');
    if (markdown.length > 0) return markdown.map((block) => block.text as string).join('\n');
  }
  return typeof body.text === 'string' ? body.text : '';
}

/** The markdown a stream call carries, either as `markdown_text` or as markdown chunks. */
export function markdownOf(body: Record<string, unknown>): string {
  let text = typeof body.markdown_text === 'string' ? body.markdown_text : '';
  if (Array.isArray(body.chunks)) {
    for (const chunk of body.chunks as Array<{ type?: string; text?: string }>) {
      if (chunk.type === 'markdown_text' && typeof chunk.text === 'string') text += chunk.text;
    }
  }
  return text;
}

function parseBody(raw: string, contentType: string | undefined): Record<string, unknown> {
  if (raw === '') return {};
  if (contentType?.includes('application/json')) return JSON.parse(raw) as Record<string, unknown>;
  const body: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(raw)) {
    if (JSON_FIELDS.has(key)) {
      try {
        body[key] = JSON.parse(value);
        continue;
      } catch {
        // Not JSON after all: keep the string as sent.
      }
    }
    body[key] = value;
  }
  return body;
}

export async function startFakeSlackApi(): Promise<FakeSlackApi> {
  return new FakeSlackApi().start();
}
