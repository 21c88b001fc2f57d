/**
 * What the client and the tool-use loop share: one streamed model turn, asked for and answered.
 */
import type { ContentBlockParam, MessageParam } from '@anthropic-ai/sdk/resources/messages';
import type { ToolDefinition, TokenUsage } from '../pipeline/types.js';

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

/** Whatever streams one turn: the Anthropic client, as the tool loop sees it. */
export interface Streams {
  stream(request: StreamRequest): Promise<StreamResult>;
}
