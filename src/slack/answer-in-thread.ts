/**
 * The one path every accepted question takes: status at once, thread history, the pipeline with a
 * thread sink, and whatever goes wrong ends as a message in the thread plus one log line.
 */
import type { WebClient } from '@slack/web-api';
import type { Logger } from 'pino';
import { asAppError } from '../errors.js';
import type { AnswerOutcome, ConversationTurn, Question } from '../pipeline/types.js';
import type { BotUser, SlackDeps } from './deps.js';
import { slackErrorCode } from './errors.js';
import { threadToHistory, type ThreadMessage } from './history.js';
import { downloadSharedFiles, type SlackFile } from './files.js';
import { detailsBlock, feedbackBlock, LOADING_MESSAGES, postToPullRequestBlock, safeVersionBlock, stopBlocks } from './render/answer-blocks.js';
import { encodeSafeVersionRef } from './safe-version-ref.js';
import { failureNote, truncate } from './render/messages.js';
import { createThreadSink, type AnswerBlocks, type ThreadTarget } from './stream-sink.js';

/** The first status shown while the pipeline gets going. */
export const THINKING_STATUS = 'Thinking…';
/** Thread pages read for history (each as large as `conversations.replies` allows); older turns would be trimmed anyway. */
const MAX_HISTORY_PAGES = 5;
const DEFAULT_STOP_BUTTON_AFTER_MS = 8_000;
const QUESTION_EXCERPT_CHARS = 120;

export interface ThreadQuestion {
  question: Omit<Question, 'history' | 'threadTs' | 'channel'>;
  target: ThreadTarget;
  /** When set, the thread's earlier messages become history; this message is the question itself. */
  historyBefore?: string;
  /** Files shared with the message (downloaded here, after the acknowledgement). */
  files?: SlackFile[];
  /** performance-free wall clock of receipt, for the latency figure in the log line. */
  receivedAt: number;
  /** The bot user of the workspace asked (to tell its own turns in the history). */
  bot: BotUser;
  /** History read by the caller (a "Show details" click has no message of its own). */
  history?: ConversationTurn[];
  /** The message holding the question's text and files, read again by "Show the safe version". */
  messageTs?: string;
}

function safeVersionBlocks(outcome: AnswerOutcome, request: ThreadQuestion): AnswerBlocks {
  if (outcome.safeVersions === undefined) return [];
  const { target, messageTs } = request;
  const value = encodeSafeVersionRef(outcome.safeVersions, messageTs === undefined ? undefined : { channel: target.channel, threadTs: target.threadTs, ts: messageTs });
  return value === undefined ? [] : [safeVersionBlock(value)];
}

export async function readThreadHistory(client: WebClient, bot: BotUser, channel: string, threadTs: string, currentTs: string, log: Logger): Promise<ConversationTurn[]> {
  const messages: ThreadMessage[] = [];
  let cursor: string | undefined;
  try {
    for (let page = 0; page < MAX_HISTORY_PAGES; page += 1) {
      const result = await client.conversations.replies({ channel, ts: threadTs, limit: 200, include_all_metadata: true, ...(cursor === undefined ? {} : { cursor }) });
      messages.push(...((result.messages ?? []) as ThreadMessage[]));
      cursor = result.response_metadata?.next_cursor || undefined;
      if (cursor === undefined) break;
    }
  } catch (error) {
    // Without history the answer is still useful; say why in the log.
    log.warn({ slackError: slackErrorCode(error) }, 'could not read the thread history; answering without it');
    return [];
  }
  return threadToHistory(messages, { botUserId: bot.botUserId, botId: bot.botId, currentTs });
}

/** Callers have already waited for `deps.ackFirst()`. */
export async function answerInThread(client: WebClient, deps: SlackDeps, request: ThreadQuestion): Promise<void> {
  const { target } = request;
  const log = deps.logger.child({ questionId: request.question.id, source: request.question.source, channel: target.channel, threadTs: target.threadTs, user: request.question.userId });
  const teamId = target.teamId ?? '';
  const answerStyle = request.question.answerStyle ?? ((await deps.incidents.isIncident(client, teamId, target.channel)) ? 'brief' : 'full');
  const closingBlocks = (outcome: AnswerOutcome): AnswerBlocks => [
    ...(answerStyle === 'brief' && outcome.ok ? [detailsBlock()] : []),
    ...(request.question.reviewRef === undefined ? [] : [postToPullRequestBlock(request.question.reviewRef)]),
    ...safeVersionBlocks(outcome, request),
    ...(outcome.error?.code === 'input_empty' || outcome.error?.code === 'input_too_long' ? [] : [feedbackBlock()]),
  ];
  const sink = createThreadSink({ client, target, logger: log, streaming: deps.streaming, loadingMessages: LOADING_MESSAGES, closingBlocks, ...deps.sink });
  const stopKey = `${target.channel}:${target.threadTs}:${request.question.id}`;
  const signal = deps.stops.register(stopKey, request.question.userId);
  const stopOffer = offerStop(client, deps, target, stopKey, log);
  deps.openSinks.add(sink);
  // Question text only at debug: it can hold anything users paste (the logger scrubs secrets).
  log.debug({ text: request.question.text, historyBefore: request.historyBefore, answerStyle }, 'question received');
  void deps.store.questions
    .record({ teamId, channelId: target.channel, threadTs: target.threadTs, userId: request.question.userId, excerpt: truncate(request.question.text.replace(/\s+/g, ' ').trim(), QUESTION_EXCERPT_CHARS), askedAt: new Date().toISOString() })
    .catch((error: unknown) => log.warn({ err: error }, 'could not record the question for App Home'));
  try {
    await sink.status(THINKING_STATUS);
    const history = request.history ?? (request.historyBefore === undefined ? [] : await readThreadHistory(client, request.bot, target.channel, target.threadTs, request.historyBefore, log));
    const shared = request.files === undefined || request.files.length === 0 ? undefined : await downloadSharedFiles(request.files, { token: client.token, hosts: deps.fileHosts });
    if (shared !== undefined) log.debug({ files: shared.files.map((file) => file.name), skipped: shared.skipped.map((file) => file.name) }, 'shared files read');
    const question: Question = {
      ...request.question,
      answerStyle,
      channel: target.channel,
      threadTs: target.threadTs,
      history,
      ...(shared !== undefined && shared.files.length > 0 ? { files: shared.files } : {}),
      ...(shared !== undefined && shared.skipped.length > 0 ? { skippedFiles: shared.skipped } : {}),
    };
    const outcome = await deps.answers.answer(question, sink, { signal });
    if (!sink.isFinished) await sink.finish(outcome);
    // The pipeline only logs a sink that failed to finish; the thread must still get a note.
    if (sink.finishFailure !== undefined) throw sink.finishFailure;
    const report = sink.report;
    log.debug(
      {
        ok: outcome.ok,
        incomplete: outcome.incomplete,
        errorCode: outcome.error?.code,
        latencyMs: Date.now() - request.receivedAt,
        historyTurns: history.length,
        model: outcome.model,
        inputTokens: outcome.usage?.inputTokens,
        outputTokens: outcome.usage?.outputTokens,
        cacheReadTokens: outcome.usage?.cacheReadTokens,
        cacheWriteTokens: outcome.usage?.cacheWriteTokens,
        messages: report.messages,
        fallback: report.usedFallback,
        answerChars: report.chars,
      },
      'slack reply delivered',
    );
  } catch (error) {
    const appError = asAppError(error);
    log.error({ err: error, code: appError.code, latencyMs: Date.now() - request.receivedAt }, 'question failed');
    await replyWithError(client, sink, target, appError.code, appError.userMessage, log);
  } finally {
    stopOffer.cancel();
    deps.stops.done(stopKey);
    deps.openSinks.delete(sink);
  }
}

/** A long answer offers its asker a private Stop button (ephemeral: only they see it). */
function offerStop(client: WebClient, deps: SlackDeps, target: ThreadTarget, stopKey: string, log: Logger): { cancel(): void } {
  const timer = setTimeout(() => {
    void client.chat
      .postEphemeral({ channel: target.channel, user: target.userId, thread_ts: target.threadTs, text: 'Still working on your answer. Stop it if you have what you need.', blocks: stopBlocks(stopKey) })
      .catch((error: unknown) => log.warn({ slackError: slackErrorCode(error) }, 'could not offer the Stop button'));
  }, deps.sink.stopButtonAfterMs ?? DEFAULT_STOP_BUTTON_AFTER_MS);
  timer.unref();
  return { cancel: () => clearTimeout(timer) };
}

/** Best effort: finish the sink with the error, or post the note directly if the sink is done or cannot finish. */
async function replyWithError(
  client: WebClient,
  sink: ReturnType<typeof createThreadSink>,
  target: ThreadTarget,
  code: string,
  userMessage: string,
  log: Logger,
): Promise<void> {
  if (!sink.isFinished) {
    try {
      await sink.finish({ ok: false, incomplete: sink.hasText, error: { code, userMessage } });
      return;
    } catch (error) {
      log.warn({ err: error }, 'could not end the answer with the error note; posting it on its own');
    }
  }
  try {
    await client.chat.postMessage({ channel: target.channel, thread_ts: target.threadTs, text: failureNote(userMessage) });
  } catch (error) {
    log.error({ slackError: slackErrorCode(error) }, 'could not post the error note in the thread either');
  }
}
