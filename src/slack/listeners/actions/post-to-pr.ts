/**
 * "Post to PR" under a pull request review: writes the sticky comment on the PR (the one the Action
 * writes) and tells the clicker, privately, where it is or why it could not be written.
 */
import type { AllMiddlewareArgs, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { asAppError } from '../../../errors.js';
import type { PostedComment, SlackDeps } from '../../deps.js';
import { slackErrorCode } from '../../errors.js';
import { escapeMrkdwn } from '../../render/messages.js';

function confirmation(ref: string, posted: PostedComment): string {
  const name = escapeMrkdwn(ref);
  if (posted.action === 'none') return `:white_check_mark: ${name} has no migration risks and no migrate-help comment, so nothing was posted.`;
  const verb = posted.action === 'created' ? 'Posted the review on' : posted.action === 'updated' ? 'Updated the review comment on' : 'The review comment on';
  return `:white_check_mark: ${verb} ${name}${posted.action === 'unchanged' ? ' is already up to date' : ''}: <${posted.url}|open the comment>.`;
}

export function postToPullRequestClicked(deps: SlackDeps) {
  return async ({ ack, body, action, client, context }: SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs): Promise<void> => {
    await ack();
    const channel = body.channel?.id ?? body.container?.channel_id;
    const message = body.message as { ts?: string; thread_ts?: string } | undefined;
    const ref = action.value ?? '';
    const log = deps.logger.child({ action: 'post_to_pr', channel, pr: ref });
    if (channel === undefined) return;
    let text: string;
    if (deps.channels === undefined || !deps.channels.githubConfigured) {
      text = 'GitHub is not set up for migrate-help, so I cannot comment on pull requests: ask whoever runs it to set a GitHub App (or GITHUB_TOKEN) and GITHUB_ALLOWED_REPOS / GITHUB_ALLOWED_ORGS.';
    } else {
      try {
        const posted = await deps.channels.postToPullRequest({ teamId: body.team?.id ?? context.teamId ?? '', channelId: channel, ref });
        log.info({ outcome: posted.action }, 'review comment posted to the pull request');
        text = confirmation(ref, posted);
      } catch (error) {
        const appError = asAppError(error);
        log.warn({ err: error, code: appError.code }, 'could not post the review to the pull request');
        text = `:warning: ${appError.userMessage}`;
      }
    }
    const threadTs = message?.thread_ts ?? message?.ts;
    await client.chat
      .postEphemeral({ channel, user: body.user.id, text, ...(threadTs === undefined ? {} : { thread_ts: threadTs }) })
      .catch((error: unknown) => log.warn({ slackError: slackErrorCode(error) }, 'could not tell the clicker about the PR comment'));
  };
}
