/**
 * The tool-use loop: stream a turn, run the tools the model asked for, send their results back,
 * until the model answers. A per-answer budget keeps a confused model from looping on tools.
 */
import type { ContentBlockParam, MessageParam, ToolResultBlockParam } from '@anthropic-ai/sdk/resources/messages';
import { isAppError } from '../errors.js';
import type { ConversationTurn, ExpertAnswer, ExpertRequest, ExpertTool, TokenUsage } from '../pipeline/types.js';
import type { StreamResult, Streams } from './types.js';
import { ModelError } from './errors.js';

export const DEFAULT_TOOL_CALL_BUDGET = 8;
/** Tool results above this are cut: the model rarely needs more and every token is paid per round. */
export const MAX_TOOL_RESULT_CHARS = 60_000;

export function emptyUsage(): TokenUsage {
  return { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 };
}

export function addUsage(total: TokenUsage, more: TokenUsage): TokenUsage {
  return {
    inputTokens: total.inputTokens + more.inputTokens,
    outputTokens: total.outputTokens + more.outputTokens,
    cacheReadTokens: total.cacheReadTokens + more.cacheReadTokens,
    cacheWriteTokens: total.cacheWriteTokens + more.cacheWriteTokens,
  };
}

/** Turns → API messages; the grounding context travels as a first text block of the newest user turn. */
export function toMessages(turns: ConversationTurn[], context?: string): MessageParam[] {
  const messages: MessageParam[] = turns.map((turn) => ({ role: turn.role, content: turn.text }));
  const last = messages.at(-1);
  if (context && last && last.role === 'user' && typeof last.content === 'string') {
    last.content = [
      { type: 'text', text: `<context source="migrate-help engine">\n${context}\n</context>` },
      { type: 'text', text: last.content },
    ];
  }
  return messages;
}

/** The answer so far across rounds of one tool-use loop. */
interface LoopState {
  text: string;
  toolCalls: number;
  usage: TokenUsage;
  model: string;
  /** Text from successive rounds is one answer; keep paragraphs apart where the model did not. */
  needsBreak: boolean;
}

type ToolUse = Extract<ContentBlockParam, { type: 'tool_use' }>;

export async function runToolLoop(client: Streams, request: ExpertRequest): Promise<ExpertAnswer> {
  const tools = request.tools ?? [];
  const toolsByName = new Map(tools.map((tool) => [tool.definition.name, tool]));
  const budget = request.maxToolCalls ?? DEFAULT_TOOL_CALL_BUDGET;
  const messages = toMessages(request.turns, request.context);
  const state: LoopState = { text: '', toolCalls: 0, usage: emptyUsage(), model: '', needsBreak: false };
  const onText = joinedText(request, state);

  // Each round either ends the answer or spends at least one call; the +1 round answers after the budget.
  for (let round = 0; round <= budget + 1; round += 1) {
    state.needsBreak = state.text.length > 0 && !state.text.endsWith('\n');
    const result = await streamRound(client, request, messages, budget - state.toolCalls, onText, state.usage);
    state.usage = addUsage(state.usage, result.usage);
    state.model = result.model;
    const toolUses = result.content.filter((block): block is ToolUse => block.type === 'tool_use');
    if (result.stopReason !== 'tool_use' || toolUses.length === 0) {
      return { text: state.text, stopReason: result.stopReason, usage: state.usage, model: state.model, toolCalls: state.toolCalls };
    }

    messages.push({ role: 'assistant', content: result.content });
    const results: ToolResultBlockParam[] = [];
    for (const use of toolUses) {
      results.push(await runTool(use, toolsByName.get(use.name), request, budget, state));
    }
    messages.push({ role: 'user', content: results });
  }
  // Only reachable if the model keeps calling tools after being told the budget is spent.
  return { text: state.text, stopReason: 'tool_budget_exhausted', usage: state.usage, model: state.model, toolCalls: state.toolCalls };
}

/** The caller's text sink, with a paragraph break between rounds where the model left none. */
function joinedText(request: ExpertRequest, state: LoopState): (delta: string) => Promise<void> {
  return async (delta) => {
    if (state.needsBreak) {
      state.needsBreak = false;
      state.text += '\n\n';
      await request.onText('\n\n');
    }
    state.text += delta;
    await request.onText(delta);
  };
}

/** One model turn; with the budget spent, tools stay defined but new calls are refused. */
async function streamRound(
  client: Streams,
  request: ExpertRequest,
  messages: MessageParam[],
  budgetLeft: number,
  onText: (delta: string) => Promise<void>,
  usageSoFar: TokenUsage,
): Promise<StreamResult> {
  const tools = request.tools ?? [];
  try {
    return await client.stream({
      system: request.system,
      messages,
      ...(tools.length > 0 ? { tools: tools.map((tool) => tool.definition), toolChoice: budgetLeft > 0 ? 'auto' : 'none' } : {}),
      ...(request.maxTokens !== undefined ? { maxTokens: request.maxTokens } : {}),
      ...(request.signal ? { signal: request.signal } : {}),
      onText,
    });
  } catch (error) {
    // Usage of the rounds that did finish still counts (logs and outcome show it).
    if (error instanceof ModelError) error.usageBefore = usageSoFar;
    throw error;
  }
}

async function runTool(use: { id: string; name: string; input: unknown }, tool: ExpertTool | undefined, request: ExpertRequest, budget: number, state: LoopState): Promise<ToolResultBlockParam> {
  if (!tool) return { type: 'tool_result', tool_use_id: use.id, is_error: true, content: `There is no tool named ${use.name}.` };
  if (state.toolCalls >= budget) {
    return {
      type: 'tool_result',
      tool_use_id: use.id,
      is_error: true,
      content: `The budget of ${budget} tool calls for this answer is used up. Answer with what you have and say what you could not check.`,
    };
  }
  state.toolCalls += 1;
  await request.onToolCall?.(use.name, use.input, tool);
  try {
    const output = await tool.run(use.input, request.signal ? { signal: request.signal } : {});
    const content = output.length > MAX_TOOL_RESULT_CHARS ? `${output.slice(0, MAX_TOOL_RESULT_CHARS)}\n[… cut at ${MAX_TOOL_RESULT_CHARS} characters]` : output;
    return { type: 'tool_result', tool_use_id: use.id, content: content || '(empty result)' };
  } catch (error) {
    // The model sees why the tool failed and can tell the user or try another way.
    const reason = isAppError(error) ? error.userMessage : error instanceof Error ? error.message : String(error);
    return { type: 'tool_result', tool_use_id: use.id, is_error: true, content: `The tool failed: ${reason}` };
  }
}
