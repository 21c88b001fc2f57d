/**
 * `app_home_opened`: the Home tab is (re)published with the workspace's settings; on the Messages
 * tab (agent messaging experience) a few starting questions are offered. Under agent_view the
 * prompts are set without thread_ts (with one, Slack ignores them).
 */
import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from '@slack/bolt';
import type { SlackDeps } from '../../deps.js';
import { slackErrorCode } from '../../errors.js';
import { publishHome } from '../home.js';

export const SUGGESTED_PROMPTS = [
  { title: 'Is this migration safe?', message: 'Is adding a NOT NULL column with a default safe on a large PostgreSQL table? What locks does it take, and what is the safe way?' },
  { title: 'Resolve a migration conflict', message: 'makemigrations says "Conflicting migrations detected" in one app. How do I merge the branches safely?' },
  { title: 'Rename without downtime', message: 'How do I rename a column with zero downtime while old and new app versions run side by side?' },
  { title: 'Explain a migrate error', message: 'I will paste the traceback from manage.py migrate: explain what happened and how to recover.' },
];

/** Opening the tab again within this window does not resend the prompts. */
const PROMPT_COOLDOWN_MS = 30 * 60_000;

export function appHomeOpened(deps: SlackDeps) {
  const lastSent = new Map<string, number>();
  return async ({ event, client, context, body }: SlackEventMiddlewareArgs<'app_home_opened'> & AllMiddlewareArgs): Promise<void> => {
    if (event.tab === 'home') {
      const teamId = context.teamId ?? body.team_id ?? '';
      await publishHome(client, deps, teamId, event.user).catch((error: unknown) => deps.logger.warn({ slackError: slackErrorCode(error), err: error }, 'could not publish App Home'));
      return;
    }
    if (event.tab !== 'messages' || event.channel === undefined) return;
    const now = Date.now();
    if ((lastSent.get(event.channel) ?? 0) > now - PROMPT_COOLDOWN_MS) return;
    lastSent.set(event.channel, now);
    if (lastSent.size > 10_000) lastSent.clear();
    try {
      await client.assistant.threads.setSuggestedPrompts({ channel_id: event.channel, title: 'Ask about Django migrations', prompts: SUGGESTED_PROMPTS });
    } catch (error) {
      lastSent.delete(event.channel);
      deps.logger.warn({ slackError: slackErrorCode(error), channel: event.channel }, 'could not set the suggested prompts');
    }
  };
}
