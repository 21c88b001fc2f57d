/**
 * "Show the safe version" under an answer whose migrations a fix recipe covers: acknowledged at once,
 * then the replacement files are written into the thread (see ../../safe-version.ts).
 */
import type { AllMiddlewareArgs, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { botUserOf } from '../../bot-user.js';
import type { SlackDeps } from '../../deps.js';
import { answerSafeVersionClick } from '../../safe-version.js';

const NOT_SET_UP = 'The safe version is not available in this deployment of migrate-help; run `migrate-help fix <migration file>` locally instead.';

export function showSafeVersionClicked(deps: SlackDeps) {
  return async ({ ack, body, action, client, context }: SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs): Promise<void> => {
    await ack();
    const channel = body.channel?.id ?? body.container?.channel_id;
    const message = body.message as { ts?: string; thread_ts?: string } | undefined;
    const threadTs = message?.thread_ts ?? message?.ts;
    if (channel === undefined || threadTs === undefined) {
      // Slack sends message buttons with both; without them there is nowhere to answer, so say so in the log.
      deps.logger.warn({ action: 'show_safe_version', user: body.user.id }, 'a "Show the safe version" click came without its channel or message; nothing could be posted');
      return;
    }
    if (deps.safeVersions === undefined) {
      await client.chat.postEphemeral({ channel, user: body.user.id, thread_ts: threadTs, text: NOT_SET_UP }).catch((error: unknown) => deps.logger.warn({ action: 'show_safe_version', err: error instanceof Error ? error.message : String(error) }, 'could not tell the clicker the safe version is not set up'));
      return;
    }
    const click = { channel, threadTs, userId: body.user.id, teamId: body.team?.id ?? context.teamId ?? '', value: action.value, bot: botUserOf(context, deps) };
    await deps.track(answerSafeVersionClick(client, { service: deps.safeVersions, fileHosts: deps.fileHosts, logger: deps.logger }, click));
  };
}
