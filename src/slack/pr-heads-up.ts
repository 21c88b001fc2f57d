/**
 * Posts the pull request heads-up (see render/pr-heads-up.ts) to each linked channel with the bot
 * token's client. A channel Slack refuses (bot not invited, archived) is logged and skipped: the
 * check run on GitHub already carries the report.
 */
import type { WebClient } from '@slack/web-api';
import type { Logger } from 'pino';
import { slackErrorCode } from './errors.js';
import { headsUpMessage, type PullRequestHeadsUp } from './render/pr-heads-up.js';

export async function postPullRequestHeadsUp(client: WebClient, token: string, headsUp: PullRequestHeadsUp, channels: readonly string[], logger: Logger): Promise<number> {
  const message = headsUpMessage(headsUp);
  if (message === null) return 0;
  let posted = 0;
  for (const channel of channels) {
    try {
      await client.chat.postMessage({ token, channel, text: message.text, blocks: message.blocks, unfurl_links: false, unfurl_media: false });
      posted += 1;
    } catch (error) {
      logger.warn({ channel, pr: headsUp.ref, slackError: slackErrorCode(error) }, 'could not post the pull request heads-up');
    }
  }
  return posted;
}
