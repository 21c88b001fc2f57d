/**
 * Bolt's Assistant: assistant threads (the split-pane assistant and threaded DMs). A thread that
 * opens gets suggested prompts fitted to the channel the user is looking at (its linked repository),
 * and so does a change of that channel; the context is kept in our store, per workspace. Messages in
 * the thread are answered like any DM, and the first one titles the thread.
 */
import { Assistant, type AllMiddlewareArgs, type AssistantConfig, type AssistantUserMessageMiddleware } from '@slack/bolt';
import { LRUCache } from 'lru-cache';
import { botUserOf } from '../bot-user.js';
import type { SlackDeps } from '../deps.js';
import { slackErrorCode } from '../errors.js';
import type { SlackFile } from '../files.js';
import { truncate } from '../render/messages.js';
import { slackTextToPlain } from '../text.js';
import { SUGGESTED_PROMPTS } from './events/app-home-opened.js';
import { answerThreadMessage, dmThreadMessage } from './thread-message.js';

const TITLE_CHARS = 60;

// Bolt exports the Assistant's config, not its context types: derive them from it.
type AssistantThreadContextStore = NonNullable<AssistantConfig['threadContextStore']>;
type AssistantThreadContext = Awaited<ReturnType<AssistantThreadContextStore['get']>>;
type UserMessageArgs = Parameters<AssistantUserMessageMiddleware>[0];

interface ThreadPayload {
  assistant_thread?: { channel_id: string; thread_ts: string; context?: AssistantThreadContext };
  channel?: string;
  thread_ts?: string;
}

function threadOf(payload: ThreadPayload): { channelId: string; threadTs: string } | undefined {
  const channelId = payload.assistant_thread?.channel_id ?? payload.channel;
  const threadTs = payload.assistant_thread?.thread_ts ?? payload.thread_ts;
  return channelId === undefined || threadTs === undefined ? undefined : { channelId, threadTs };
}

/** Thread contexts in our store (Bolt's default keeps them in process memory and message metadata). */
function contextStore(deps: SlackDeps): AssistantThreadContextStore {
  return {
    async get(args) {
      const thread = threadOf(args.payload as ThreadPayload);
      if (thread === undefined) return {};
      const saved = await deps.store.assistantContexts.get(args.context.teamId ?? '', thread.channelId, thread.threadTs);
      return saved === undefined ? {} : { channel_id: saved.channelId, team_id: saved.teamId, enterprise_id: saved.enterpriseId ?? null };
    },
    async save(args) {
      const payload = args.payload as ThreadPayload;
      const thread = threadOf(payload);
      const context = payload.assistant_thread?.context;
      if (thread === undefined || context === undefined) return;
      await deps.store.assistantContexts.save(args.context.teamId ?? '', thread.channelId, thread.threadTs, {
        ...(context.channel_id === undefined ? {} : { channelId: context.channel_id }),
        ...(context.team_id === undefined ? {} : { teamId: context.team_id }),
        ...(context.enterprise_id == null ? {} : { enterpriseId: context.enterprise_id }),
      });
    },
  };
}

/** The standard prompts, led by one about the repository linked to the channel in view. */
export async function promptsFor(deps: SlackDeps, teamId: string, channelId: string | undefined): Promise<Array<{ title: string; message: string }>> {
  if (channelId === undefined || deps.channels === undefined) return SUGGESTED_PROMPTS;
  const status = await deps.channels.status(teamId, channelId).catch(() => undefined);
  if (status?.link == null) return SUGGESTED_PROMPTS;
  const repo = status.link.repo;
  return [
    { title: `Check ${repo}'s latest migrations`, message: `Are the latest migrations in ${repo} safe to deploy on ${status.database} ${status.databaseVersion}? List the risks and the safe way for each.` },
    ...SUGGESTED_PROMPTS.slice(0, 3),
  ];
}

export function createAssistant(deps: SlackDeps): Assistant {
  const titled = new LRUCache<string, true>({ max: 10_000 });

  const offerPrompts = async (args: { context: AllMiddlewareArgs['context']; payload: unknown; setSuggestedPrompts: (params: { prompts: Array<{ title: string; message: string }>; title?: string }) => Promise<unknown> }) => {
    const payload = args.payload as ThreadPayload;
    const prompts = await promptsFor(deps, args.context.teamId ?? '', payload.assistant_thread?.context?.channel_id);
    try {
      await args.setSuggestedPrompts({ title: 'Ask about Django migrations', prompts });
    } catch (error) {
      deps.logger.warn({ slackError: slackErrorCode(error) }, 'could not set the suggested prompts');
    }
  };

  return new Assistant({
    threadContextStore: contextStore(deps),
    threadStarted: async (args) => {
      await args.saveThreadContext().catch((error: unknown) => deps.logger.warn({ err: error }, 'could not save the assistant thread context'));
      await offerPrompts(args);
    },
    threadContextChanged: async (args) => {
      await args.saveThreadContext().catch((error: unknown) => deps.logger.warn({ err: error }, 'could not save the assistant thread context'));
      await offerPrompts(args);
    },
    userMessage: async (args: UserMessageArgs) => {
      const receivedAt = Date.now();
      const { client, context, body } = args;
      const message = args.message as { channel: string; user?: string; bot_id?: string; text?: string; ts: string; thread_ts?: string; team?: string; files?: SlackFile[] };
      const bot = botUserOf(context, deps);
      if (message.bot_id !== undefined || message.user === undefined || message.user === bot.botUserId) return;
      const threadKey = `${message.channel}:${message.thread_ts ?? message.ts}`;
      if (!titled.has(threadKey)) {
        titled.set(threadKey, true);
        const title = truncate(slackTextToPlain(message.text ?? '', bot.botUserId).replace(/\s+/g, ' '), TITLE_CHARS);
        if (title !== '') await args.setTitle(title).catch((error: unknown) => deps.logger.warn({ slackError: slackErrorCode(error) }, 'could not set the thread title'));
      }
      await answerThreadMessage(
        client,
        deps,
        dmThreadMessage({ ...message, user: message.user }, { eventId: (body as { event_id: string }).event_id, retryNum: context.retryNum, retryReason: context.retryReason, teamId: context.teamId, receivedAt, bot }),
      );
    },
  });
}
