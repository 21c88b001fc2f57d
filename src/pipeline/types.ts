/**
 * The question pipeline's contract, shared by every entry point (Slack slash command, mention,
 * DM, console). Edges adapt their transport to an AnswerSink; main.ts wires the implementation.
 */

export interface ConversationTurn {
  role: 'user' | 'assistant';
  text: string;
}

export type QuestionSource = 'slash' | 'mention' | 'dm' | 'console';

/** A file shared with the question (Slack upload), already downloaded as text. */
export interface SharedFile {
  name: string;
  text: string;
}

export interface Question {
  /** Event id / request id, for logs and dedupe. */
  id: string;
  source: QuestionSource;
  userId: string;
  channel?: string;
  threadTs?: string;
  teamId?: string;
  /** The newest user message, mention already stripped. */
  text: string;
  /** Earlier turns of the conversation, oldest first, not including `text`. */
  history: ConversationTurn[];
  files?: SharedFile[];
}

export interface TokenUsage {
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
}

export interface AnswerOutcome {
  /** True when a complete answer was delivered. */
  ok: boolean;
  /** True when part of an answer was delivered before a failure. */
  incomplete: boolean;
  /** Set when something failed: a stable code and the sentence to show in the thread. */
  error?: { code: string; userMessage: string };
  usage?: TokenUsage;
  model?: string;
}

/** Where an answer goes. Calls are made in order; `finish` exactly once. */
export interface AnswerSink {
  /** A short status line ("Thinking…", "Queued behind 2 questions", "Reading accounts/0042…"). */
  status(text: string): Promise<void>;
  /** A piece of the answer, Markdown. */
  text(delta: string): Promise<void>;
  /** The answer is over: render the outcome (error note, "incomplete" marker). */
  finish(outcome: AnswerOutcome): Promise<void>;
}

export interface AnswerService {
  answer(question: Question, sink: AnswerSink): Promise<AnswerOutcome>;
}
