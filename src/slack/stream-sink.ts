/**
 * An AnswerSink that writes one answer into a Slack thread.
 *
 * - While the model thinks: a thread status (`assistant.threads.setStatus`).
 * - Text: streamed with the Web API's chat stream helper (`client.chatStream`), split into
 *   messages of at most MAX_MESSAGE_CHARS without cutting a code block open.
 * - Where streaming is refused (`chat.startStream` fails: not_allowed, missing_scope,
 *   messages_tab_disabled, an unknown method…) or a stream dies mid-answer
 *   (`message_not_in_streaming_state` once Slack's stream time limit passes), the rest goes out with
 *   `chat.postMessage` + `chat.update` at most once a second, without losing or repeating text.
 * - Steps (tool calls, engine runs) stream as `task_update` chunks, a review's plan as `plan_update`
 *   (the message then shows its tasks as one plan); the fallback shows them only as the status line.
 * - `finish`: an error note (or an "incomplete" marker), the stream stopped with the answer's closing
 *   blocks (feedback buttons), the status cleared.
 */
import type { AnyChunk, Block, KnownBlock } from '@slack/types';
import type { WebClient } from '@slack/web-api';
import type { Logger } from 'pino';
import type { AnswerOutcome, AnswerSink, TaskUpdate } from '../pipeline/types.js';
import { slackAppError, slackErrorCode } from './errors.js';
import { FenceTracker } from './render/fences.js';
import { emptyAnswerNote, failureNote, incompleteNote, truncate } from './render/messages.js';
import { MessageSplitter, type SplitStep } from './render/splitter.js';

/** Our planning ceiling for one message's Markdown (the markdown_text / markdown block limit). */
export const MAX_MESSAGE_CHARS = 12_000;
/** `chat.update` rejects a long `text`; the fallback's `text` is only a preview, kept under that limit. */
const PREVIEW_TEXT_CHARS = 3_000;

export interface ThreadTarget {
  channel: string;
  threadTs: string;
  /** Who asked: streaming in channels needs the recipient. */
  userId: string;
  teamId?: string;
}

/**
 * Remembers that Slack refused streaming (missing scope, feature off) so later answers go straight
 * to the fallback for a while instead of paying a refused Tier 2 call each time.
 */
export class StreamingAvailability {
  private refusedUntil = 0;

  constructor(private readonly retryAfterMs = 10 * 60_000, private readonly now: () => number = Date.now) {}

  get allowed(): boolean {
    return this.now() >= this.refusedUntil;
  }

  /** Called when `chat.startStream` failed; transient failures do not count as a refusal. */
  noteStartFailure(code: string | undefined): void {
    if (code === undefined || TRANSIENT.has(code) || code.startsWith('http_5') || code === 'request_error') return;
    // DMs need the Messages tab; channels may still stream, so this one is not remembered.
    if (code === 'messages_tab_disabled') return;
    this.refusedUntil = this.now() + this.retryAfterMs;
  }
}

const TRANSIENT = new Set(['rate_limited', 'ratelimited', 'internal_error', 'fatal_error', 'request_timeout', 'service_unavailable']);

export interface ThreadSinkOptions {
  client: WebClient;
  target: ThreadTarget;
  logger: Logger;
  streaming: StreamingAvailability;
  /** Characters the stream helper buffers before each Slack call. */
  bufferSize?: number;
  /** Minimum gap between two `chat.update` calls on one message. */
  updateIntervalMs?: number;
  maxMessageChars?: number;
  /** Shown under the status while the answer is prepared (Slack rotates them). */
  loadingMessages?: readonly string[];
  /** Blocks that close the answer's last message (feedback buttons, "Show details"), given the outcome. */
  closingBlocks?: (outcome: AnswerOutcome) => Array<KnownBlock | Block>;
}

export type AnswerBlocks = Array<KnownBlock | Block>;

export interface ThreadSinkReport {
  /** Messages the answer used in the thread. */
  messages: number;
  /** True when any part went through the post + update fallback. */
  usedFallback: boolean;
  /** Characters of answer text handed to Slack. */
  chars: number;
}

/** A stream call failed; `undelivered` is the text Slack never accepted. */
class StreamBroken extends Error {
  constructor(
    override readonly cause: unknown,
    readonly started: boolean,
    readonly undelivered: string,
    /** The text Slack has shown in the streamed message. */
    readonly delivered: string,
  ) {
    super(`chat stream failed: ${slackErrorCode(cause) ?? String(cause)}`);
  }
}

interface MessageWriter {
  readonly kind: 'stream' | 'update';
  append(text: string): Promise<void>;
  /** `blocks` close the message (rendered under its text). */
  end(blocks?: AnswerBlocks): Promise<void>;
}

type ChatStreamer = ReturnType<WebClient['chatStream']>;

/** One streamed message, through the SDK's ChatStreamer, tracking what Slack confirmed. */
class StreamWriter implements MessageWriter {
  readonly kind = 'stream';
  private readonly streamer: ChatStreamer;
  private delivered = '';
  private buffered = '';

  constructor(client: WebClient, target: ThreadTarget, bufferSize: number, taskDisplayMode: 'timeline' | 'plan') {
    this.streamer = client.chatStream({
      channel: target.channel,
      thread_ts: target.threadTs,
      recipient_user_id: target.userId,
      ...(target.teamId === undefined ? {} : { recipient_team_id: target.teamId }),
      ...(taskDisplayMode === 'plan' ? { task_display_mode: 'plan' } : {}),
      buffer_size: bufferSize,
    });
  }

  /** Chunks go out at once (the helper flushes its text buffer with them). */
  async appendChunks(chunks: AnyChunk[]): Promise<void> {
    try {
      await this.streamer.append({ chunks });
      this.confirm();
    } catch (error) {
      throw new StreamBroken(error, this.streamer.ts !== undefined, this.buffered, this.delivered);
    }
  }

  async append(text: string): Promise<void> {
    this.buffered += text;
    try {
      const flushed = await this.streamer.append({ markdown_text: text });
      // The helper returns null while it only buffers; a response means the buffer reached Slack.
      if (flushed !== null) this.confirm();
    } catch (error) {
      throw new StreamBroken(error, this.streamer.ts !== undefined, this.buffered, this.delivered);
    }
  }

  async end(blocks?: AnswerBlocks): Promise<void> {
    try {
      await this.streamer.stop(blocks === undefined || blocks.length === 0 ? undefined : { blocks });
      this.confirm();
    } catch (error) {
      throw new StreamBroken(error, this.streamer.ts !== undefined, this.buffered, this.delivered);
    }
  }

  private confirm(): void {
    this.delivered += this.buffered;
    this.buffered = '';
  }
}

/** One message written with chat.postMessage, then chat.update at most once per interval. */
class UpdateWriter implements MessageWriter {
  readonly kind = 'update';
  private content = '';
  private shown = '';
  private ts: string | undefined;
  private lastUpdate = 0;
  private timer: NodeJS.Timeout | undefined;
  /** Serialises timer flushes with appends. */
  private queue: Promise<void> = Promise.resolve();
  private failure: unknown;
  private closing: AnswerBlocks = [];

  constructor(
    private readonly client: WebClient,
    private readonly target: ThreadTarget,
    private readonly intervalMs: number,
  ) {}

  append(text: string): Promise<void> {
    this.content += text;
    return this.run(async () => {
      if (this.ts === undefined) await this.flush();
      else if (Date.now() - this.lastUpdate >= this.intervalMs) await this.flush();
      else this.schedule();
    });
  }

  end(blocks?: AnswerBlocks): Promise<void> {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    const force = blocks !== undefined && blocks.length > 0;
    if (force) this.closing = blocks;
    return this.run(() => this.flush(force));
  }

  private schedule(): void {
    if (this.timer !== undefined) return;
    const wait = Math.max(0, this.intervalMs - (Date.now() - this.lastUpdate));
    this.timer = setTimeout(() => {
      this.timer = undefined;
      // A failed timer flush is reported by the next append or by end().
      void this.run(() => this.flush()).catch(() => undefined);
    }, wait);
    this.timer.unref();
  }

  private run(operation: () => Promise<void>): Promise<void> {
    const next = this.queue.then(async () => {
      if (this.failure !== undefined) throw this.failure;
      try {
        await operation();
      } catch (error) {
        this.failure = error;
        throw error;
      }
    });
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async flush(force = false): Promise<void> {
    if ((this.content === this.shown && !force) || this.content.trim() === '') return;
    const content = this.content;
    // Markdown goes in a markdown block; `text` is the notification preview (chat.update caps the length of text).
    const payload = { text: truncate(content, PREVIEW_TEXT_CHARS), blocks: [{ type: 'markdown' as const, text: content }, ...this.closing] };
    if (this.ts === undefined) {
      const posted = await this.client.chat.postMessage({ channel: this.target.channel, thread_ts: this.target.threadTs, ...payload });
      this.ts = posted.ts;
    } else {
      await this.client.chat.update({ channel: this.target.channel, ts: this.ts, ...payload });
    }
    this.shown = content;
    this.lastUpdate = Date.now();
  }
}

export class ThreadSink implements AnswerSink {
  private readonly splitter: MessageSplitter;
  private writer: MessageWriter | undefined;
  /** Once a stream broke in this answer, the rest uses the fallback. */
  private streamBroken = false;
  private lastStatus: string | undefined;
  private statusSet = false;
  private statusDisabled = false;
  private finished = false;
  private failedToFinish: unknown;
  private readonly stats: ThreadSinkReport = { messages: 0, usedFallback: false, chars: 0 };
  private readonly bufferSize: number;
  private readonly updateIntervalMs: number;
  private taskDisplayMode: 'timeline' | 'plan' = 'timeline';

  constructor(private readonly options: ThreadSinkOptions) {
    this.splitter = new MessageSplitter({ maxChars: options.maxMessageChars ?? MAX_MESSAGE_CHARS });
    this.bufferSize = options.bufferSize ?? 300;
    this.updateIntervalMs = options.updateIntervalMs ?? 1000;
  }

  get report(): ThreadSinkReport {
    return { ...this.stats };
  }

  /** True once any answer text went to Slack. */
  get hasText(): boolean {
    return this.stats.chars > 0;
  }

  get isFinished(): boolean {
    return this.finished;
  }

  /**
   * Why `finish` could not deliver the end of the answer (its note included), if it failed. The
   * pipeline only logs such a failure, so the caller checks this to still tell the user.
   */
  get finishFailure(): unknown {
    return this.failedToFinish;
  }

  async status(text: string): Promise<void> {
    if (this.finished || this.statusDisabled || text === this.lastStatus) return;
    this.lastStatus = text;
    await this.setStatus(text);
  }

  async text(delta: string): Promise<void> {
    if (this.finished || delta === '') return;
    await this.apply(this.splitter.push(delta));
  }

  async task(update: TaskUpdate): Promise<void> {
    await this.chunk({
      type: 'task_update',
      id: update.id,
      title: update.title,
      status: update.status,
      ...(update.details === undefined ? {} : { details: update.details }),
      ...(update.sources === undefined || update.sources.length === 0 ? {} : { sources: update.sources.map((source) => ({ type: 'url' as const, url: source.url, text: source.text })) }),
    });
  }

  async plan(title: string): Promise<void> {
    // The display mode is fixed when a stream starts: a plan announced first makes it a plan.
    if (this.writer === undefined) this.taskDisplayMode = 'plan';
    await this.chunk({ type: 'plan_update', title });
  }

  /** Steps only stream; the post + update fallback has already shown them as the status line. */
  private async chunk(chunk: AnyChunk): Promise<void> {
    if (this.finished || this.streamBroken || (this.writer === undefined && !this.options.streaming.allowed)) return;
    this.writer ??= this.openWriter();
    if (!(this.writer instanceof StreamWriter)) return;
    try {
      await this.writer.appendChunks([chunk]);
    } catch (error) {
      if (!(error instanceof StreamBroken)) throw slackAppError(error, 'posting the answer');
      await this.recover(error);
    }
  }

  async finish(outcome: AnswerOutcome): Promise<void> {
    if (this.finished) return;
    try {
      const steps: SplitStep[] = [];
      if (outcome.error !== undefined) {
        // "Incomplete" only when the model's own answer was cut; deterministic checks shown before a
        // failure are complete in themselves, so the note then just says what could not be done.
        if (outcome.incomplete) steps.push(...this.splitter.closeOpenFence(), ...this.splitter.push(incompleteNote(outcome.error.userMessage)));
        else if (this.hasText) steps.push(...this.splitter.closeOpenFence(), ...this.splitter.push(`\n\n${failureNote(outcome.error.userMessage)}`));
        else steps.push(...this.splitter.push(failureNote(outcome.error.userMessage)));
      } else if (!this.hasText) {
        steps.push(...this.splitter.push(emptyAnswerNote()));
      } else {
        steps.push(...this.splitter.closeOpenFence());
      }
      // A note alone is not worth a stream: post it.
      if (!this.hasText && this.writer === undefined) this.streamBroken = true;
      await this.apply(steps);
      await this.endMessage(this.options.closingBlocks?.(outcome));
    } catch (error) {
      this.failedToFinish = error;
      throw error;
    } finally {
      this.finished = true;
      if (this.statusSet) await this.setStatus('');
    }
  }

  private async setStatus(text: string): Promise<void> {
    const { client, target, logger } = this.options;
    try {
      const loading = text === '' ? [] : (this.options.loadingMessages ?? []);
      await client.assistant.threads.setStatus({ channel_id: target.channel, thread_ts: target.threadTs, status: text, ...(loading.length === 0 ? {} : { loading_messages: [...loading] }) });
      this.statusSet = text !== '';
    } catch (error) {
      // The status is a courtesy: never let it stop an answer.
      const code = slackErrorCode(error);
      logger.warn({ slackError: code }, 'could not set the thread status');
      if (code === 'missing_scope' || code === 'not_allowed' || code === 'unknown_method') this.statusDisabled = true;
    }
  }

  private async apply(steps: SplitStep[]): Promise<void> {
    for (const step of steps) {
      if (step.kind === 'break') await this.endMessage();
      else await this.write(step.text, step.synthetic);
    }
  }

  private openWriter(): MessageWriter {
    const { client, target, streaming } = this.options;
    this.stats.messages += 1;
    if (!this.streamBroken && streaming.allowed) return new StreamWriter(client, target, this.bufferSize, this.taskDisplayMode);
    this.stats.usedFallback = true;
    return new UpdateWriter(client, target, this.updateIntervalMs);
  }

  private async write(text: string, synthetic: boolean): Promise<void> {
    this.writer ??= this.openWriter();
    try {
      await this.writer.append(text);
    } catch (error) {
      if (!(error instanceof StreamBroken)) throw slackAppError(error, 'posting the answer');
      await this.recover(error);
    }
    if (!synthetic) this.stats.chars += text.length;
    // Slack clears the status when the bot posts, so the same status may be needed again later.
    this.lastStatus = undefined;
  }

  /** Move what a broken stream did not deliver into a fallback message. */
  private async recover(broken: StreamBroken): Promise<void> {
    const { logger, streaming } = this.options;
    const code = slackErrorCode(broken.cause);
    this.streamBroken = true;
    if (!broken.started) {
      streaming.noteStartFailure(code);
      logger.warn({ slackError: code }, 'Slack refused chat streaming; answering with post + update');
      this.stats.messages -= 1;
    } else {
      logger.warn({ slackError: code, deliveredChars: broken.delivered.length }, 'chat stream died mid-answer; continuing with post + update');
    }
    // A message that died inside a code block leaves it open there; reopen it in the continuation.
    const fences = new FenceTracker();
    fences.feed(broken.delivered);
    const open = fences.afterLineEnd();
    const reopen = open === null ? '' : `${open.marker}${open.info}\n`;
    this.writer = this.openWriter();
    if (broken.undelivered !== '' || reopen !== '') {
      try {
        await this.writer.append(reopen + broken.undelivered);
      } catch (error) {
        throw slackAppError(error, 'posting the answer');
      }
    }
  }

  private async endMessage(blocks?: AnswerBlocks): Promise<void> {
    const writer = this.writer;
    if (writer === undefined) return;
    this.writer = undefined;
    try {
      await writer.end(blocks);
    } catch (error) {
      if (!(error instanceof StreamBroken)) throw slackAppError(error, 'finishing the answer');
      // Stopping failed (the stream died at the very end): post what it never showed.
      await this.recover(error);
      const fallback = this.writer as MessageWriter | undefined;
      this.writer = undefined;
      if (fallback !== undefined) {
        try {
          await fallback.end(blocks);
        } catch (endError) {
          throw slackAppError(endError, 'finishing the answer');
        }
      }
    }
  }
}

export function createThreadSink(options: ThreadSinkOptions): ThreadSink {
  return new ThreadSink(options);
}
