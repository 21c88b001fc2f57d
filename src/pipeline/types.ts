/**
 * The question pipeline's contract, shared by every entry point (Slack slash command, mention,
 * DM, console). Edges adapt their transport to an AnswerSink; main.ts wires the implementation.
 */

export interface ConversationTurn {
  role: 'user' | 'assistant';
  text: string;
}

export type QuestionSource = 'slash' | 'mention' | 'dm' | 'console' | 'shortcut' | 'button';

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
  /** Shared files that were not read (binary, too large, download failed), with why: shown with the answer. */
  skippedFiles?: Array<{ name: string; note: string }>;
  /** A pull request the user explicitly asked to review (`/migrate-help review …`), as typed. */
  reviewRef?: string;
  /** `brief`: a short answer first (incident channels); the full one comes on request. */
  answerStyle?: 'brief' | 'full';
}

export interface TokenUsage {
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
}

/**
 * Migrations of an answer that a fix recipe covers, by reference (never their text): those found in the
 * question's own message (pasted or shared, by the path the engine gave them) or in a repository at a commit.
 */
export type SafeVersionTarget = { kind: 'question'; paths: string[] } | { kind: 'repository'; repo: string; sha: string; paths: string[] };

export interface AnswerOutcome {
  /** Set when the grounders found migrations "Show the safe version" can rewrite. */
  safeVersions?: SafeVersionTarget[];
  /** True when a complete answer was delivered. */
  ok: boolean;
  /** True when part of an answer was delivered before a failure. */
  incomplete: boolean;
  /** Set when something failed: a stable code and the sentence to show in the thread. */
  error?: { code: string; userMessage: string };
  usage?: TokenUsage;
  model?: string;
}

/** A link shown under a step (a file read, a pull request). */
export interface TaskSource {
  url: string;
  text: string;
}

/** One visible step of an answer: a tool call or an engine run, from start to result. */
export interface TaskUpdate {
  /** Stable across the updates of one step. */
  id: string;
  title: string;
  status: 'in_progress' | 'complete' | 'error';
  /** One line on the result (or why it failed). */
  details?: string;
  sources?: TaskSource[];
}

/** Where an answer goes. Calls are made in order; `finish` exactly once. */
export interface AnswerSink {
  /** A short status line ("Thinking…", "Queued behind 2 questions", "Reading accounts/0042…"). */
  status(text: string): Promise<void>;
  /** A piece of the answer, Markdown. */
  text(delta: string): Promise<void>;
  /** A step card; sinks that cannot show cards leave it out (the status line already named the step). */
  task?(update: TaskUpdate): Promise<void>;
  /** The answer follows a plan (a pull request review): its title, before the steps. */
  plan?(title: string): Promise<void>;
  /** The answer is over: render the outcome (error note, "incomplete" marker). */
  finish(outcome: AnswerOutcome): Promise<void>;
}

export interface AnswerOptions {
  /** Aborting it (the asker pressed Stop) cancels the model stream; the outcome's code is then `stopped`. */
  signal?: AbortSignal;
}

export interface AnswerService {
  answer(question: Question, sink: AnswerSink, options?: AnswerOptions): Promise<AnswerOutcome>;
}

/* ---- Model and grounding contracts (implemented in src/expert, fed by grounders from main.ts) ---- */

/** An Anthropic tool definition (JSON Schema input), kept SDK-free so any edge can offer tools. */
export interface ToolDefinition {
  name: string;
  description: string;
  input_schema: { type: 'object'; properties?: Record<string, unknown>; required?: string[]; [key: string]: unknown };
}

/** A tool the model may call while answering. `run` returns the text handed back as the tool result. */
export interface ExpertTool {
  definition: ToolDefinition;
  /** Throwing marks the result as an error for the model (its message is shown to the model, not the user). */
  run(input: unknown, context: { signal?: AbortSignal }): Promise<string> | string;
  /** Progress line for the thread, e.g. "Reading accounts/0042_auto…"; defaults to "Using <name>…". */
  describe?(input: unknown): string;
  /** Links for the step card (the file on GitHub, the pull request). */
  sources?(input: unknown): TaskSource[];
}

export interface ExpertRequest {
  system: string;
  /** Alternating turns starting and ending with `user`. */
  turns: ConversationTurn[];
  /** Facts for the model (engine findings, diagnoses), sent with the newest user turn. */
  context?: string;
  tools?: ExpertTool[];
  maxTokens?: number;
  /** Tool calls allowed for this answer (default: the expert's budget); past it the model must answer without tools. */
  maxToolCalls?: number;
  signal?: AbortSignal;
  onText(delta: string): void | Promise<void>;
  onToolCall?(name: string, input: unknown, tool: ExpertTool | undefined): void | Promise<void>;
}

export interface ExpertAnswer {
  text: string;
  stopReason: string | null;
  usage: TokenUsage;
  model: string;
  toolCalls: number;
}

/** The expert model. Failures are thrown as AppError (model_* codes) carrying `partialText` when some text streamed. */
export interface Expert {
  readonly model: string;
  answer(request: ExpertRequest): Promise<ExpertAnswer>;
}

/** What a grounder found for one question. */
export interface Grounding {
  /** Facts given to the model as context (treated as true by the system prompt). */
  contextForModel?: string;
  /** Shown to the user before the model's answer, and still shown when the model is unavailable. */
  deterministicMarkdown?: string;
  /** Extra tools for this answer (e.g. reading the linked repository). */
  tools?: ExpertTool[];
  /** The deterministic part is the whole answer (e.g. "this PR changes no migrations"): the model is not called. */
  skipModel?: boolean;
  /** Said after the deterministic part when the model cannot answer, instead of the generic sentence (e.g. "The expert review is unavailable"). */
  modelUnavailableNote?: string;
  /** The answer to show instead of the model's when it cannot answer; `reason` says why, for the label. */
  offlineAnswer?(reason: string): string | undefined;
  /** Migrations found here that a fix recipe covers (the answer then offers "Show the safe version"). */
  safeVersion?: SafeVersionTarget;
}

export interface GrounderContext {
  signal?: AbortSignal;
  status(text: string): Promise<void>;
  /** Show a step card (engine run, graph, PR read); absent where nothing shows cards. */
  task?(update: TaskUpdate): Promise<void>;
  /** Say the answer follows a plan (a pull request review), before its steps. */
  plan?(title: string): Promise<void>;
}

/** Inspects a question (pasted migrations, tracebacks, linked repo) and returns what it can add. */
export interface Grounder {
  readonly name: string;
  ground(question: Question, context: GrounderContext): Promise<Grounding | undefined> | Grounding | undefined;
}
