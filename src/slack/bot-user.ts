import type { Context } from '@slack/bolt';
import type { BotUser, SlackDeps } from './deps.js';

/**
 * The bot user of the workspace a request came from: Bolt's authorize puts it in the context (from
 * the installation in OAuth mode); single-token mode knows it from auth.test at start.
 */
export function botUserOf(context: Context, deps: Pick<SlackDeps, 'identity'>): BotUser {
  return { botUserId: context.botUserId ?? deps.identity.botUserId, botId: context.botId ?? deps.identity.botId };
}
