/**
 * A loopback fake of the Anthropic Messages API for tests: `POST /v1/messages` answers with SSE
 * events shaped like the real API (message_start, content_block_start/delta/stop, message_delta
 * with usage, message_stop) or with a JSON message when `stream` is false. Tests script each
 * response (text chunks, tool_use blocks, error statuses with the real error body, cuts, delays)
 * and read back every request received.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeUsage {
  input_tokens?: number;
  output_tokens?: number;
  cache_read_input_tokens?: number;
  cache_creation_input_tokens?: number;
}

export interface FakeToolUse {
  id?: string;
  name: string;
  input: unknown;
}

export interface FakeReply {
  /** Text deltas, streamed in order (a string is one delta). */
  text?: string | string[];
  /** tool_use blocks after the text; their input is streamed as input_json_delta pieces. */
  toolUses?: FakeToolUse[];
  /** Default: `tool_use` when toolUses are given, else `end_turn`. */
  stopReason?: string;
  usage?: FakeUsage;
  model?: string;
  /** An HTTP error instead of a message, with Anthropic's error body shape. */
  status?: number;
  errorType?: string;
  errorMessage?: string;
  /** Extra response headers (e.g. `retry-after`, `x-should-retry`). */
  headers?: Record<string, string>;
  /** Wait before sending headers. */
  delayMs?: number;
  /** Wait between SSE events. */
  chunkDelayMs?: number;
  /** Stop after this many content deltas (text or tool input pieces)… */
  cutAfterChunks?: number;
  /** …by ending the body cleanly without message_stop, destroying the socket, or sending an SSE `error` event. */
  cut?: 'end' | 'destroy' | 'error-event';
  /** Send headers and then nothing (for idle timeouts); `delayMs` before headers still applies. */
  stall?: boolean;
}

export interface RecordedRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  rawBody: string;
  // Tests read arbitrary fields of the body they sent.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

export type ReplyScript = FakeReply | ((request: RecordedRequest) => FakeReply);

export interface FakeAnthropic {
  url: string;
  requests: RecordedRequest[];
  /** Replies used in order, one per request; when none are queued the default reply is used. */
  enqueue(...replies: ReplyScript[]): void;
  setDefault(reply: ReplyScript): void;
  /** Message responses being written right now, and the most ever at once (limits across replicas). */
  readonly open: number;
  readonly maxOpen: number;
  close(): Promise<void>;
}

const ERROR_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  402: 'billing_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  500: 'api_error',
  504: 'timeout_error',
  529: 'overloaded_error',
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Split text into chunks of about `size` characters, as a scripted stream. */
export function chunked(text: string, size = 12): string[] {
  const parts: string[] = [];
  for (let index = 0; index < text.length; index += size) parts.push(text.slice(index, index + size));
  return parts;
}

export async function startFakeAnthropic(options: { defaultReply?: ReplyScript } = {}): Promise<FakeAnthropic> {
  const queue: ReplyScript[] = [];
  let defaultReply: ReplyScript = options.defaultReply ?? { text: ['Fake ', 'answer.'] };
  const requests: RecordedRequest[] = [];
  let messageCounter = 0;
  let open = 0;
  let maxOpen = 0;

  const server = createServer((req, res) => {
    void handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const rawBody = Buffer.concat(chunks).toString('utf8');
    let body: unknown = undefined;
    try {
      body = rawBody ? JSON.parse(rawBody) : undefined;
    } catch {
      body = undefined;
    }
    const recorded: RecordedRequest = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, rawBody, body };
    requests.push(recorded);

    if (req.method !== 'POST' || !(req.url ?? '').startsWith('/v1/messages')) {
      return sendError(res, 404, { status: 404, errorMessage: `Not found: ${req.method} ${req.url}` });
    }
    // Counted from here until the response is closed (sent, cut, or its client died).
    open += 1;
    maxOpen = Math.max(maxOpen, open);
    res.once('close', () => {
      open -= 1;
    });
    const script = queue.shift() ?? defaultReply;
    const reply = typeof script === 'function' ? script(recorded) : script;
    if (reply.delayMs) await sleep(reply.delayMs);
    if (reply.status !== undefined && reply.status >= 400) return sendError(res, reply.status, reply);

    messageCounter += 1;
    const id = `msg_fake_${messageCounter}`;
    const model = reply.model ?? (body as { model?: string } | undefined)?.model ?? 'claude-fake';
    const textChunks = reply.text === undefined ? [] : Array.isArray(reply.text) ? reply.text : [reply.text];
    const toolUses = (reply.toolUses ?? []).map((use, index) => ({ ...use, id: use.id ?? `toolu_fake_${messageCounter}_${index}` }));
    const stopReason = reply.stopReason ?? (toolUses.length > 0 ? 'tool_use' : 'end_turn');
    const usage = {
      input_tokens: reply.usage?.input_tokens ?? 100,
      cache_read_input_tokens: reply.usage?.cache_read_input_tokens ?? 0,
      cache_creation_input_tokens: reply.usage?.cache_creation_input_tokens ?? 0,
      output_tokens: reply.usage?.output_tokens ?? Math.max(1, textChunks.length),
    };

    const streaming = (body as { stream?: boolean } | undefined)?.stream === true;
    if (!streaming) {
      const content = [
        ...(textChunks.length > 0 ? [{ type: 'text', text: textChunks.join(''), citations: null }] : []),
        ...toolUses.map((use) => ({ type: 'tool_use', id: use.id, name: use.name, input: use.input })),
      ];
      res.writeHead(200, { 'content-type': 'application/json', 'request-id': `req_fake_${messageCounter}`, ...reply.headers });
      res.end(JSON.stringify({ id, type: 'message', role: 'assistant', model, content, stop_reason: stopReason, stop_sequence: null, usage }));
      return;
    }

    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'request-id': `req_fake_${messageCounter}`, ...reply.headers });
    res.flushHeaders();
    if (reply.stall) return; // Headers only; the client's idle timer has to notice.

    const send = async (event: string, data: unknown) => {
      if (res.destroyed) return;
      res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
      if (reply.chunkDelayMs) await sleep(reply.chunkDelayMs);
    };
    let deltasSent = 0;
    /** True when the scripted cut happens now; the caller stops sending. */
    const cutNow = async (): Promise<boolean> => {
      if (reply.cutAfterChunks === undefined || deltasSent < reply.cutAfterChunks) return false;
      if (reply.cut === 'destroy') res.socket?.destroy();
      else if (reply.cut === 'error-event') {
        await send('error', { type: 'error', error: { type: reply.errorType ?? 'overloaded_error', message: reply.errorMessage ?? 'Overloaded' } });
        res.end();
      } else res.end();
      return true;
    };

    await send('message_start', {
      type: 'message_start',
      message: { id, type: 'message', role: 'assistant', model, content: [], stop_reason: null, stop_sequence: null, usage: { ...usage, output_tokens: 1 } },
    });
    await send('ping', { type: 'ping' });
    let index = 0;
    if (textChunks.length > 0) {
      await send('content_block_start', { type: 'content_block_start', index, content_block: { type: 'text', text: '' } });
      for (const text of textChunks) {
        if (await cutNow()) return;
        await send('content_block_delta', { type: 'content_block_delta', index, delta: { type: 'text_delta', text } });
        deltasSent += 1;
      }
      await send('content_block_stop', { type: 'content_block_stop', index });
      index += 1;
    }
    for (const use of toolUses) {
      await send('content_block_start', { type: 'content_block_start', index, content_block: { type: 'tool_use', id: use.id, name: use.name, input: {} } });
      const json = JSON.stringify(use.input ?? {});
      // Real streams split tool input JSON at arbitrary points.
      for (const piece of chunked(json, 7)) {
        if (await cutNow()) return;
        await send('content_block_delta', { type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: piece } });
        deltasSent += 1;
      }
      await send('content_block_stop', { type: 'content_block_stop', index });
      index += 1;
    }
    if (await cutNow()) return;
    await send('message_delta', { type: 'message_delta', delta: { stop_reason: stopReason, stop_sequence: null }, usage: { output_tokens: usage.output_tokens } });
    await send('message_stop', { type: 'message_stop' });
    res.end();
  }

  function sendError(res: ServerResponse, status: number, reply: FakeReply): void {
    const type = reply.errorType ?? ERROR_TYPES[status] ?? (status >= 500 ? 'api_error' : 'invalid_request_error');
    res.writeHead(status, { 'content-type': 'application/json', 'request-id': `req_fake_error_${status}`, ...reply.headers });
    res.end(JSON.stringify({ type: 'error', error: { type, message: reply.errorMessage ?? `Fake ${type}` }, request_id: `req_fake_error_${status}` }));
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    enqueue: (...replies) => queue.push(...replies),
    get open() {
      return open;
    },
    get maxOpen() {
      return maxOpen;
    },
    setDefault: (reply) => {
      defaultReply = reply;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
