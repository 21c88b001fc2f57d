/**
 * The expert model over the real Anthropic SDK: streaming, prompt caching on the system prompt and
 * tool definitions, few SDK retries, an idle timer for stalled streams, and errors translated to
 * ModelError (an AppError) where they enter.
 */
import Anthropic from '@anthropic-ai/sdk';
import type { ContentBlockParam, MessageParam, MessageStreamEvent, Tool, ToolChoice } from '@anthropic-ai/sdk/resources/messages';
import type { Logger } from 'pino';
import type { Expert, ExpertAnswer, ExpertRequest, ToolDefinition, TokenUsage } from '../pipeline/types.js';
import { translateModelError } from './errors.js';
import { emptyUsage, runToolLoop } from './tools.js';

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

export interface StreamRequest {
  system: string;
  messages: MessageParam[];
  tools?: ToolDefinition[];
  /** `none` keeps tools defined (required once tool blocks are in the history) but forbids new calls. */
  toolChoice?: 'auto' | 'none';
  maxTokens?: number;
  signal?: AbortSignal;
  onText(delta: string): void | Promise<void>;
}

export interface StreamResult {
  text: string;
  stopReason: string | null;
  usage: TokenUsage;
  model: string;
  /** The assistant turn as content blocks, to send back in a tool-use loop. */
  content: ContentBlockParam[];
}

export interface ExpertClient extends Expert {
  stream(request: StreamRequest): Promise<StreamResult>;
}

const DEFAULT_TIMEOUT_MS = 60_000;
const DEFAULT_MAX_TOKENS = 4_096;

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
    maxRetries: options.maxRetries ?? 1,
    timeout: timeoutMs,
    // The SDK's own warnings (deprecated model, retries) go through our redacting logger, not console.
    logger: options.logger.child({ component: 'anthropic-sdk' }),
    logLevel: 'warn',
  });

  async function stream(request: StreamRequest): Promise<StreamResult> {
    // Our own controller: the caller's signal and the idle timer both abort the SDK stream through it.
    const controller = new AbortController();
    const onCallerAbort = () => controller.abort();
    request.signal?.addEventListener('abort', onCallerAbort, { once: true });
    if (request.signal?.aborted) controller.abort();

    let idleFired = false;
    let idleTimer: NodeJS.Timeout | undefined;
    const armIdleTimer = () => {
      clearTimeout(idleTimer);
      idleTimer = setTimeout(() => {
        idleFired = true;
        controller.abort();
      }, timeoutMs);
    };

    let text = '';
    let callbackError: { error: unknown } | undefined;
    let sawMessageStart = false;
    let sawMessageStop = false;
    let usage = emptyUsage();
    let responseModel = model;
    const started = Date.now();
    const tools = request.tools && request.tools.length > 0 ? toolsForRequest(request.tools) : undefined;
    const toolChoice: ToolChoice | undefined = tools ? { type: request.toolChoice ?? 'auto' } : undefined;

    try {
      const messageStream = client.messages.stream(
        {
          model,
          max_tokens: request.maxTokens ?? options.maxTokens ?? DEFAULT_MAX_TOKENS,
          system: [{ type: 'text', text: request.system, cache_control: { type: 'ephemeral' } }],
          messages: request.messages,
          ...(tools ? { tools, tool_choice: toolChoice } : {}),
        },
        { signal: controller.signal },
      );
      armIdleTimer();
      // Iterating (rather than listening) gives back-pressure: a slow sink slows the read, nothing piles up.
      for await (const event of messageStream as AsyncIterable<MessageStreamEvent>) {
        armIdleTimer();
        if (event.type === 'message_start') {
          sawMessageStart = true;
          responseModel = event.message.model || model;
          usage = usageFrom(event.message.usage, usage);
        } else if (event.type === 'message_delta') {
          usage = usageFrom(event.usage, usage);
        } else if (event.type === 'message_stop') {
          sawMessageStop = true;
        } else if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') {
          text += event.delta.text;
          try {
            await request.onText(event.delta.text);
          } catch (error) {
            // The caller's sink failed, not the model: stop reading and let the caller see its own error.
            callbackError = { error };
            throw error;
          }
        }
      }
      clearTimeout(idleTimer);
      if (controller.signal.aborted) throw new Anthropic.APIUserAbortError();
      if (!sawMessageStop) throw translateModelError(new Error('the stream ended without message_stop'), { model, partialText: text, endedEarly: true });

      const message = await messageStream.finalMessage();
      const content: ContentBlockParam[] = [];
      for (const block of message.content) {
        if (block.type === 'text') content.push({ type: 'text', text: block.text });
        else if (block.type === 'tool_use') content.push({ type: 'tool_use', id: block.id, name: block.name, input: block.input });
      }
      log.debug({ latencyMs: Date.now() - started, stopReason: message.stop_reason, usage }, 'model call finished');
      return { text, stopReason: message.stop_reason, usage, model: responseModel, content };
    } catch (error) {
      if (callbackError && callbackError.error === error) {
        controller.abort();
        throw error;
      }
      const translated = translateModelError(error, {
        model,
        partialText: text,
        streamStarted: sawMessageStart,
        ...(idleFired ? { idleTimeoutMs: timeoutMs } : {}),
      });
      log.warn({ code: translated.code, status: translated.status, latencyMs: Date.now() - started, partialChars: text.length, err: error }, 'model call failed');
      throw translated;
    } finally {
      clearTimeout(idleTimer);
      request.signal?.removeEventListener('abort', onCallerAbort);
    }
  }

  const expert: ExpertClient = {
    model,
    stream,
    answer: (request: ExpertRequest): Promise<ExpertAnswer> => runToolLoop(expert, request),
  };
  return expert;
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
