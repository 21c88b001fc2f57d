/**
 * The question pipeline shared by Slack and the console: check the input, queue it (one question
 * per user, a global cap on model calls), ground it (engine findings, playbooks, repo tools), stream
 * the expert's answer to the sink, and always finish with an outcome, never a throw.
 */
import Bottleneck from 'bottleneck';
import type { Logger } from 'pino';
import { AppError, asAppError } from '../errors.js';
import { scrubSecrets } from '../logger.js';
import { DEFAULT_HISTORY_BUDGET_CHARS, trimHistory } from './history.js';
import { OFFLINE_NOTE, offlineAnswerFor } from './offline-answer.js';
import type { AnsweredRecord } from '../metrics.js';
import type { AnswerOptions, AnswerOutcome, AnswerService, AnswerSink, ConversationTurn, Expert, ExpertTool, Grounder, GrounderContext, Grounding, Question, TaskUpdate, TokenUsage } from './types.js';

export const MAX_INPUT_CHARS = 20_000;
/** Shared files go to the model as text up to this total; grounders read them in full. */
export const MAX_FILE_CHARS_FOR_MODEL = 60_000;

export interface AnswerServiceDeps {
  /** Absent when ANTHROPIC_API_KEY is not set: answers carry deterministic content and say so. */
  expert?: Expert;
  systemPrompt: string;
  /** Added to the system prompt when a question asks for a brief answer (prompts/brief.md). */
  briefPrompt?: string;
  logger: Logger;
  /** LLM_MAX_CONCURRENT: model calls in flight across all users. */
  maxConcurrent: number;
  grounders?: Grounder[];
  maxInputChars?: number;
  historyBudgetChars?: number;
  maxTokens?: number;
  maxToolCalls?: number;
  /** Exact secret values (from config) to strip from anything sent to the model. */
  secrets?: readonly string[];
  /**
   * The model and per-user limiters; given by main.ts (clustered through Redis when REDIS_URL is
   * set), otherwise in-process ones built from `maxConcurrent`.
   */
  limits?: {
    model: Bottleneck;
    users: Bottleneck.Group;
    /**
     * Clustered limiters only free a slot when its job ends or expires, so a replica that dies
     * mid-answer holds its slots until this expiration (no expiration in-process).
     */
    slotExpirationMs?: number;
  };
  /** Told about every finished answer (metrics). */
  onAnswered?: (record: AnsweredRecord) => void;
}

/** The outcome's code when the asker stopped the answer. */
export const STOPPED_CODE = 'stopped';
const STOPPED_NOTE = 'Stopped at your request. Ask again (or reply here) when you want the rest.';

const NOT_CONFIGURED = new AppError(
  'model_not_configured',
  'The expert model is not configured (ANTHROPIC_API_KEY is not set), so I can only give migrate-help’s own checks, not an explanation. Ask whoever runs migrate-help to set ANTHROPIC_API_KEY.',
);

function formatCount(value: number): string {
  return value.toLocaleString('en-US');
}

/** Jobs just scheduled may not be running yet, so everything in the limiter counts. */
function jobsIn(limiter: Bottleneck): number {
  const counts = limiter.counts();
  return counts.RECEIVED + counts.QUEUED + counts.RUNNING + counts.EXECUTING;
}

type Scrub = (text: string) => string;

function checkInput(question: Question, maxInputChars: number): AppError | undefined {
  const text = question.text.trim();
  if (!text && (question.files ?? []).length === 0) {
    const notRead = (question.skippedFiles ?? []).map((file) => file.note).join(' ');
    return new AppError(
      'input_empty',
      `${notRead ? `${notRead} ` : ''}Your message has no question in it. Ask about a Django migration, paste a traceback or \`showmigrations\` output, or share a migration file.`,
    );
  }
  if (question.text.length > maxInputChars) {
    return new AppError(
      'input_too_long',
      `Your message is ${formatCount(question.text.length)} characters; I can take up to ${formatCount(maxInputChars)}. Paste only the part that matters (the end of the traceback, the migration in question), or share the file as an upload.`,
    );
  }
  return undefined;
}

/** The newest user turn as the model sees it: the question plus shared files, secrets removed. */
function userTurnText(question: Question, scrub: Scrub): string {
  const parts = [question.text.trim()];
  let room = MAX_FILE_CHARS_FOR_MODEL;
  for (const file of question.files ?? []) {
    const shown = file.text.length > room ? `${file.text.slice(0, Math.max(0, room))}\n[… cut: the file is ${formatCount(file.text.length)} characters]` : file.text;
    room = Math.max(0, room - file.text.length);
    parts.push(`Shared file \`${file.name}\`:\n\`\`\`\n${shown}\n\`\`\``);
  }
  return scrub(parts.filter(Boolean).join('\n\n'));
}

/** The conversation as sent: earlier turns and the new one scrubbed, trimmed to the history budget. */
function modelTurns(question: Question, scrub: Scrub, historyBudgetChars: number): ConversationTurn[] {
  const history: ConversationTurn[] = question.history.map((turn) => ({ role: turn.role, text: scrub(turn.text) }));
  return trimHistory([...history, { role: 'user', text: userTurnText(question, scrub) }], historyBudgetChars).turns;
}

/** Files the edge could not read: said to the user (with the checks) and to the model. */
function skippedFilesGrounding(question: Question): Grounding | undefined {
  const skipped = question.skippedFiles ?? [];
  if (skipped.length === 0) return undefined;
  const notes = skipped.map((file) => file.note);
  return { deterministicMarkdown: notes.map((note) => `_${note}_`).join('\n'), contextForModel: `Shared files that were not read: ${notes.join(' ')}` };
}

function deterministicChecks(groundings: Grounding[]): string[] {
  return groundings.map((grounding) => grounding.deterministicMarkdown?.trim()).filter((text): text is string => Boolean(text));
}

function modelContext(groundings: Grounding[]): string {
  return groundings
    .map((grounding) => grounding.contextForModel?.trim())
    .filter((text): text is string => Boolean(text))
    .join('\n\n');
}

/**
 * The grounders' tools, one per name (the first grounder offering a name wins, as names must be
 * unique in a request). Tool output and tool errors (repo files, logs, foreign error text) go to the
 * model too, so they are scrubbed like the turns.
 */
function scrubbedTools(groundings: Grounding[], scrub: Scrub, steps: Steps): ExpertTool[] {
  const tools: ExpertTool[] = [];
  // Each call shows as a step card: started, then done or failed, with the tool's sources.
  let callNumber = 0;
  for (const tool of groundings.flatMap((grounding) => grounding.tools ?? [])) {
    if (tools.some((known) => known.definition.name === tool.definition.name)) continue;
    tools.push({
      ...tool,
      run: async (input, context) => {
        callNumber += 1;
        const card = { id: `tool-${callNumber}`, title: (tool.describe?.(input) ?? `Using ${tool.definition.name}…`).replace(/…$/, ''), sources: tool.sources?.(input) ?? [] };
        await steps.task?.({ ...card, status: 'in_progress' });
        try {
          const output = scrub(await tool.run(input, context));
          await steps.task?.({ ...card, status: 'complete' });
          return output;
        } catch (error) {
          const reason = error instanceof AppError ? error.userMessage : error instanceof Error ? error.message : String(error);
          await steps.task?.({ ...card, status: 'error', details: firstLine(scrub(reason)) });
          throw new Error(scrub(reason), { cause: error });
        }
      },
    });
  }
  return tools;
}

function firstLine(text: string): string {
  const line = text.split('\n')[0] ?? '';
  return line.length > 200 ? `${line.slice(0, 199)}…` : line;
}

/** Step cards and the plan: a courtesy like the status line, so a sink failing to show one never costs the answer. */
type Steps = Pick<GrounderContext, 'task' | 'plan'>;

function stepReporter(log: Logger, sink: AnswerSink): Steps {
  const task = sink.task?.bind(sink);
  const plan = sink.plan?.bind(sink);
  return {
    ...(task === undefined ? {} : { task: (update: TaskUpdate) => task(update).catch((error: unknown) => log.warn({ err: error }, 'could not show a step')) }),
    ...(plan === undefined ? {} : { plan: (title: string) => plan(title).catch((error: unknown) => log.warn({ err: error }, 'could not show the plan')) }),
  };
}

function errorOutcome(error: AppError, extra: Partial<AnswerOutcome> = {}): AnswerOutcome {
  return { ok: false, incomplete: false, error: { code: error.code, userMessage: error.userMessage }, ...extra };
}

/** What one answer has shown so far: decides the closing message when something fails. */
interface AnswerProgress {
  deterministicSent: boolean;
  modelTextSent: boolean;
  toolCalls: number;
  unavailableNote: string | undefined;
  /** Grounders and the queue change the status line; "Thinking…" comes back before the model starts. */
  lastStatus: string;
}

type ShowStatus = (text: string) => Promise<void>;

/** What the steps of an answer share: settings, logger, the model-call limiter and the scrubber. */
interface PipelineParts {
  deps: AnswerServiceDeps;
  log: Logger;
  modelLimiter: Bottleneck;
  /** Options of every limiter job (the slot expiration when clustered). */
  jobOptions: Bottleneck.JobOptions;
  scrub: Scrub;
}

export function createAnswerService(deps: AnswerServiceDeps): AnswerService {
  const maxInputChars = deps.maxInputChars ?? MAX_INPUT_CHARS;
  const log = deps.logger.child({ component: 'pipeline' });
  const modelLimiter = deps.limits?.model ?? new Bottleneck({ maxConcurrent: deps.maxConcurrent });
  // One limiter per user: a second question waits for the first to finish.
  const userLimiters = deps.limits?.users ?? new Bottleneck.Group({ maxConcurrent: 1 });
  const jobOptions: Bottleneck.JobOptions = deps.limits?.slotExpirationMs === undefined ? {} : { expiration: deps.limits.slotExpirationMs };

  const parts: PipelineParts = { deps, log, modelLimiter, jobOptions, scrub: (text) => scrubSecrets(text, deps.secrets ?? []) };

  const recordAnswered = (question: Question, outcome: AnswerOutcome, timing: { received: number; started: number; toolCalls: number }) => {
    logAnswered(log, question, outcome, timing);
    deps.onAnswered?.({
      source: question.source,
      outcome: outcome.ok ? 'ok' : (outcome.error?.code ?? 'error'),
      latencySeconds: (Date.now() - timing.received) / 1000,
      ...(outcome.model === undefined ? {} : { model: outcome.model }),
      ...(outcome.usage === undefined ? {} : { usage: outcome.usage }),
      toolCalls: timing.toolCalls,
    });
  };

  async function answer(question: Question, sink: AnswerSink, options: AnswerOptions = {}): Promise<AnswerOutcome> {
    const received = Date.now();
    const inputProblem = checkInput(question, maxInputChars);
    if (inputProblem) {
      const outcome = errorOutcome(inputProblem);
      await finishSafely(log, sink, outcome, question);
      recordAnswered(question, outcome, { received, started: received, toolCalls: 0 });
      return outcome;
    }

    // Limits are per workspace: the same member id in two workspaces is two people.
    const userLimiter = userLimiters.key(`${question.teamId ?? ''}:${question.userId}`);
    if (jobsIn(userLimiter) > 0) {
      await statusSafely(log, sink, 'Queued: your previous question is still being answered; this one starts as soon as it is done.');
    }
    return userLimiter.schedule(jobOptions, () => answerNow(question, sink, received, options.signal));
  }

  async function answerNow(question: Question, sink: AnswerSink, received: number, signal: AbortSignal | undefined): Promise<AnswerOutcome> {
    const started = Date.now();
    const progress: AnswerProgress = { deterministicSent: false, modelTextSent: false, toolCalls: 0, unavailableNote: undefined, lastStatus: '' };
    const status: ShowStatus = async (text) => {
      progress.lastStatus = text;
      await sink.status(text);
    };
    const steps = stepReporter(log, sink);
    let outcome: AnswerOutcome;
    let groundings: Grounding[] = [];
    try {
      await status('Thinking…');
      groundings = await runGrounders(parts, question, status, steps, signal);
      progress.unavailableNote = groundings.find((grounding) => grounding.modelUnavailableNote)?.modelUnavailableNote;
      const skipModel = groundings.some((grounding) => grounding.skipModel === true);
      await sendChecks(sink, deterministicChecks(groundings), skipModel, progress);
      if (skipModel) {
        // A grounder answered in full (e.g. a PR without migrations): nothing for the model to add.
        outcome = { ok: true, incomplete: false };
      } else if (!deps.expert) {
        outcome = errorOutcome(NOT_CONFIGURED);
      } else {
        outcome = await askExpert(parts, deps.expert, question, groundings, { sink, status, steps, progress, signal });
      }
    } catch (error) {
      // The asker's Stop shows as the SDK's abort: say it was stopped, not that the model failed.
      outcome = failureOutcome(log, question, signal?.aborted ? new AppError(STOPPED_CODE, STOPPED_NOTE, { cause: error }) : error, progress);
    }
    outcome = withSafeVersions(withChecksNote(outcome, progress), groundings);
    if (!progress.modelTextSent) outcome = await sendOfflineAnswer(log, sink, groundings, outcome);
    await finishSafely(log, sink, outcome, question);
    recordAnswered(question, outcome, { received, started, toolCalls: progress.toolCalls });
    return outcome;
  }

  return { answer };
}

async function runGrounders(parts: PipelineParts, question: Question, status: ShowStatus, steps: Steps, signal: AbortSignal | undefined): Promise<Grounding[]> {
  const results: Grounding[] = [];
  for (const grounder of parts.deps.grounders ?? []) {
    if (signal?.aborted) break;
    try {
      const grounding = await grounder.ground(question, { status, ...steps, ...(signal === undefined ? {} : { signal }) });
      if (grounding) results.push(grounding);
    } catch (error) {
      // A grounder failing must not cost the user the answer; the model still answers without it.
      parts.log.warn({ grounder: grounder.name, questionId: question.id, code: asAppError(error).code, err: error }, 'grounder failed');
    }
  }
  const skippedFiles = skippedFilesGrounding(question);
  if (skippedFiles) results.push(skippedFiles);
  return results;
}

/** The engine's checks go first; the blank line separates them from the model's answer, alone they end the message. */
async function sendChecks(sink: AnswerSink, checks: string[], skipModel: boolean, progress: AnswerProgress): Promise<void> {
  if (checks.length === 0) return;
  await sink.text(skipModel ? checks.join('\n\n') : `${checks.join('\n\n')}\n\n`);
  progress.deterministicSent = true;
  progress.lastStatus = ''; // Text replaces the status line in Slack, so "Thinking…" must be shown again.
}

/** Where one answer's model call reports to, and what can stop it. */
interface ExpertCallParts {
  sink: AnswerSink;
  status: ShowStatus;
  steps: Steps;
  progress: AnswerProgress;
  signal: AbortSignal | undefined;
}

function systemPromptFor(deps: AnswerServiceDeps, question: Question): string {
  return question.answerStyle === 'brief' && deps.briefPrompt !== undefined ? `${deps.systemPrompt}\n\n${deps.briefPrompt}` : deps.systemPrompt;
}

async function askExpert(parts: PipelineParts, expert: Expert, question: Question, groundings: Grounding[], call: ExpertCallParts): Promise<AnswerOutcome> {
  const { deps, scrub } = parts;
  const { sink, status, progress, signal } = call;
  const turns = modelTurns(question, scrub, deps.historyBudgetChars ?? DEFAULT_HISTORY_BUDGET_CHARS);
  const context = modelContext(groundings);
  const tools = scrubbedTools(groundings, scrub, call.steps);
  await showModelQueue(parts, status);
  const result = await parts.modelLimiter.schedule(parts.jobOptions, async () => {
    if (progress.lastStatus !== 'Thinking…') await status('Thinking…');
    return expert.answer({
      system: systemPromptFor(deps, question),
      turns,
      ...(context ? { context: scrub(context) } : {}),
      ...(tools.length > 0 ? { tools } : {}),
      ...(deps.maxTokens !== undefined ? { maxTokens: deps.maxTokens } : {}),
      ...(deps.maxToolCalls !== undefined ? { maxToolCalls: deps.maxToolCalls } : {}),
      ...(signal === undefined ? {} : { signal }),
      onText: async (delta) => {
        await sink.text(delta);
        progress.modelTextSent = true;
      },
      onToolCall: async (name, input, tool) => {
        progress.toolCalls += 1;
        await status(tool?.describe?.(input) ?? `Using ${name}…`);
      },
    });
  });
  progress.toolCalls = result.toolCalls;
  return { ok: true, incomplete: false, usage: result.usage, model: result.model };
}

async function showModelQueue(parts: PipelineParts, status: ShowStatus): Promise<void> {
  const inLimiter = jobsIn(parts.modelLimiter);
  if (inLimiter < parts.deps.maxConcurrent) return;
  const ahead = inLimiter - parts.deps.maxConcurrent + 1;
  await status(`Queued: the expert model is busy with other questions (${ahead} ahead of yours); yours starts when one finishes.`);
}

function failureOutcome(log: Logger, question: Question, error: unknown, progress: AnswerProgress): AnswerOutcome {
  const appError = asAppError(error);
  // Usage of the model rounds that did finish still counts (logs and outcome show it).
  const usage = (error as { usageBefore?: TokenUsage }).usageBefore;
  if (appError.code === 'unknown') log.error({ questionId: question.id, err: error }, 'unexpected error while answering');
  const userMessage = progress.deterministicSent
    ? `${appError.userMessage} ${progress.unavailableNote ?? 'The checks above come from migrate-help’s own analysis and do not depend on the model.'}`
    : appError.userMessage;
  return { ok: false, incomplete: progress.modelTextSent, error: { code: appError.code, userMessage }, ...(usage ? { usage } : {}) };
}

/** Without a model, checks already shown still stand: the closing message says so. */
function withChecksNote(outcome: AnswerOutcome, progress: AnswerProgress): AnswerOutcome {
  if (outcome.ok || outcome.error?.code !== NOT_CONFIGURED.code || !progress.deterministicSent) return outcome;
  return { ...outcome, error: { code: NOT_CONFIGURED.code, userMessage: `${NOT_CONFIGURED.userMessage} ${progress.unavailableNote ?? 'The checks above come from migrate-help’s own analysis.'}` } };
}

/** The engine's findings stand without the model, so the safe version is offered whatever the model did. */
function withSafeVersions(outcome: AnswerOutcome, groundings: readonly Grounding[]): AnswerOutcome {
  const targets = groundings.flatMap((grounding) => (grounding.safeVersion === undefined ? [] : [grounding.safeVersion]));
  return targets.length === 0 ? outcome : { ...outcome, safeVersions: targets };
}

/** No model answer: a grounder's offline answer (labelled as such) takes its place, and the closing note says so. */
async function sendOfflineAnswer(log: Logger, sink: AnswerSink, groundings: readonly Grounding[], outcome: AnswerOutcome): Promise<AnswerOutcome> {
  const offline = offlineAnswerFor(groundings, outcome);
  if (!offline || !outcome.error) return outcome;
  try {
    await sink.text(`${offline}\n\n`);
  } catch (error) {
    log.warn({ err: error }, 'could not show the offline answer');
    return outcome;
  }
  return { ...outcome, error: { ...outcome.error, userMessage: `${outcome.error.userMessage} ${OFFLINE_NOTE}` } };
}

async function statusSafely(log: Logger, sink: AnswerSink, text: string): Promise<void> {
  try {
    await sink.status(text);
  } catch (error) {
    log.warn({ err: error }, 'could not show status');
  }
}

async function finishSafely(log: Logger, sink: AnswerSink, outcome: AnswerOutcome, question: Question): Promise<void> {
  try {
    await sink.finish(outcome);
  } catch (error) {
    // The transport failed on the last step; nothing else can be shown, so it is at least logged.
    log.error({ questionId: question.id, err: error }, 'could not deliver the end of an answer');
  }
}

function logAnswered(log: Logger, question: Question, outcome: AnswerOutcome, timing: { received: number; started: number; toolCalls: number }): void {
  const now = Date.now();
  log.info(
    {
      questionId: question.id,
      source: question.source,
      user: question.userId,
      channel: question.channel,
      ok: outcome.ok,
      incomplete: outcome.incomplete,
      code: outcome.error?.code,
      latencyMs: now - timing.received,
      queuedMs: timing.started - timing.received,
      model: outcome.model,
      inputTokens: outcome.usage?.inputTokens ?? 0,
      outputTokens: outcome.usage?.outputTokens ?? 0,
      cacheReadTokens: outcome.usage?.cacheReadTokens ?? 0,
      cacheWriteTokens: outcome.usage?.cacheWriteTokens ?? 0,
      toolCalls: timing.toolCalls,
    },
    'question answered',
  );
}
