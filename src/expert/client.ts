/**
 * The expert model over the real Anthropic SDK: streaming, prompt caching on the system prompt and
 * tool definitions, few SDK retries, an idle timer for stalled streams, and errors translated to
 * ModelError (an AppError) where they enter.
 */
import Anthropic from '@anthropic-ai/sdk';
import type { ContentBlock, ContentBlockParam, MessageStreamEvent, Tool, ToolChoice } from '@anthropic-ai/sdk/resources/messages';
import type { Logger } from 'pino';
import type { Expert, ExpertAnswer, ExpertRequest, ToolDefinition, TokenUsage } from '../pipeline/types.js';
import { translateModelError } from './errors.js';
import { emptyUsage, runToolLoop } from './tools.js';
import type { StreamRequest, StreamResult, Streams } from './types.js';

export interface ExpertOptions {
  apiKey: string;
  /** ANTHROPIC_BASE_URL; passed explicitly so config, not ambient env, decides. */
  baseURL?: string;
  model: string;
  logger: Logger;
  /** Longest wait for response headers and, during a stream, between two events. Default DEFAULT_TIMEOUT_MS. */
  timeoutMs?: number;
  /** SDK retries for 408/409/429/5xx and connection errors. Kept low by default, so a user waits seconds, not minutes. */
  maxRetries?: number;
  /** Default answer length cap. */
  maxTokens?: number;
}

export interface ExpertClient extends Expert, Streams {}

const DEFAULT_TIMEOUT_MS = 60_000;
const DEFAULT_MAX_TOKENS = 4_096;
const DEFAULT_MAX_RETRIES = 1;

/** Definitions as sent: the last one carries the cache breakpoint, so tools + system are cached together. */
export function toolsForRequest(tools: ToolDefinition[]): Tool[] {
  return tools.map((tool, index) => ({
    name: tool.name,
    description: tool.description,
    input_schema: tool.input_schema,
    ...(index === tools.length - 1 ? { cache_control: { type: 'ephemeral' as const } } : {}),
  }));
}

export function createExpert(options: ExpertOptions): ExpertClient {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const model = options.model;
  const log = options.logger.child({ component: 'expert', model });
  const client = new Anthropic({
    apiKey: options.apiKey,
    baseURL: options.baseURL ?? null,
    maxRetries: options.maxRetries ?? DEFAULT_MAX_RETRIES,
    timeout: timeoutMs,
    // The SDK's own warnings (deprecated model, retries) go through our redacting logger, not console.
    logger: options.logger.child({ component: 'anthropic-sdk' }),
    logLevel: 'warn',
  });

  async function stream(request: StreamRequest): Promise<StreamResult> {
    const abort = createStreamAbort(request.signal, timeoutMs);
    const progress: StreamProgress = { text: '', callbackError: undefined, sawMessageStart: false, sawMessageStop: false, usage: emptyUsage(), model };
    const started = Date.now();
    try {
      const messageStream = client.messages.stream(messageParams(request, model, options.maxTokens), { signal: abort.controller.signal });
      abort.arm();
      await readEvents(messageStream as AsyncIterable<MessageStreamEvent>, request, progress, abort.arm);
      abort.stopIdle();
      if (abort.controller.signal.aborted) throw new Anthropic.APIUserAbortError();
      if (!progress.sawMessageStop) throw translateModelError(new Error('the stream ended without message_stop'), { model, partialText: progress.text, endedEarly: true });

      const message = await messageStream.finalMessage();
      log.debug({ latencyMs: Date.now() - started, stopReason: message.stop_reason, usage: progress.usage }, 'model call finished');
      return { text: progress.text, stopReason: message.stop_reason, usage: progress.usage, model: progress.model, content: contentBlocksOf(message.content) };
    } catch (error) {
      if (progress.callbackError && progress.callbackError.error === error) {
        abort.controller.abort();
        throw error;
      }
      const translated = translateModelError(error, {
        model,
        partialText: progress.text,
        streamStarted: progress.sawMessageStart,
        ...(abort.idleFired() ? { idleTimeoutMs: timeoutMs } : {}),
      });
      log.warn({ code: translated.code, status: translated.status, latencyMs: Date.now() - started, partialChars: progress.text.length, err: error }, 'model call failed');
      throw translated;
    } finally {
      abort.dispose();
    }
  }

  const expert: ExpertClient = {
    model,
    stream,
    answer: (request: ExpertRequest): Promise<ExpertAnswer> => runToolLoop(expert, request),
  };
  return expert;
}

/** What a stream has shown so far: the answer if it ends well, the partial text and cause if not. */
interface StreamProgress {
  text: string;
  /** The caller's sink failed, not the model: this error goes back to the caller as it is. */
  callbackError: { error: unknown } | undefined;
  sawMessageStart: boolean;
  sawMessageStop: boolean;
  usage: TokenUsage;
  model: string;
}

/** Our own controller: the caller's signal and the idle timer both abort the SDK stream through it. */
function createStreamAbort(signal: AbortSignal | undefined, timeoutMs: number) {
  const controller = new AbortController();
  const onCallerAbort = () => controller.abort();
  signal?.addEventListener('abort', onCallerAbort, { once: true });
  if (signal?.aborted) controller.abort();
  let idleFired = false;
  let idleTimer: NodeJS.Timeout | undefined;
  return {
    controller,
    arm: () => {
      clearTimeout(idleTimer);
      idleTimer = setTimeout(() => {
        idleFired = true;
        controller.abort();
      }, timeoutMs);
    },
    stopIdle: () => clearTimeout(idleTimer),
    idleFired: () => idleFired,
    dispose: () => {
      clearTimeout(idleTimer);
      signal?.removeEventListener('abort', onCallerAbort);
    },
  };
}

function messageParams(request: StreamRequest, model: string, defaultMaxTokens: number | undefined) {
  const tools = request.tools && request.tools.length > 0 ? toolsForRequest(request.tools) : undefined;
  const toolChoice: ToolChoice | undefined = tools ? { type: request.toolChoice ?? 'auto' } : undefined;
  return {
    model,
    max_tokens: request.maxTokens ?? defaultMaxTokens ?? DEFAULT_MAX_TOKENS,
    system: [{ type: 'text' as const, text: request.system, cache_control: { type: 'ephemeral' as const } }],
    messages: request.messages,
    ...(tools ? { tools, tool_choice: toolChoice } : {}),
  };
}

/** Iterating (rather than listening) gives back-pressure: a slow sink slows the read, nothing piles up. */
async function readEvents(events: AsyncIterable<MessageStreamEvent>, request: StreamRequest, progress: StreamProgress, onEvent: () => void): Promise<void> {
  for await (const event of events) {
    onEvent();
    if (event.type === 'message_start') {
      progress.sawMessageStart = true;
      progress.model = event.message.model || progress.model;
      progress.usage = usageFrom(event.message.usage, progress.usage);
    } else if (event.type === 'message_delta') {
      progress.usage = usageFrom(event.usage, progress.usage);
    } else if (event.type === 'message_stop') {
      progress.sawMessageStop = true;
    } else if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') {
      progress.text += event.delta.text;
      try {
        await request.onText(event.delta.text);
      } catch (error) {
        // The caller's sink failed, not the model: stop reading and let the caller see its own error.
        progress.callbackError = { error };
        throw error;
      }
    }
  }
}

/** The assistant turn as content blocks to send back in a tool-use loop: text and tool calls. */
function contentBlocksOf(blocks: readonly ContentBlock[]): ContentBlockParam[] {
  const content: ContentBlockParam[] = [];
  for (const block of blocks) {
    if (block.type === 'text') content.push({ type: 'text', text: block.text });
    else if (block.type === 'tool_use') content.push({ type: 'tool_use', id: block.id, name: block.name, input: block.input });
  }
  return content;
}

/** Usage counters arrive on message_start and (cumulative) on message_delta; absent ones keep their value. */
function usageFrom(
  raw: { input_tokens?: number | null; output_tokens?: number | null; cache_read_input_tokens?: number | null; cache_creation_input_tokens?: number | null },
  previous: TokenUsage,
): TokenUsage {
  return {
    inputTokens: raw.input_tokens ?? previous.inputTokens,
    outputTokens: raw.output_tokens ?? previous.outputTokens,
    cacheReadTokens: raw.cache_read_input_tokens ?? previous.cacheReadTokens,
    cacheWriteTokens: raw.cache_creation_input_tokens ?? previous.cacheWriteTokens,
  };
}
