/**
 * `/migrate-help <question>`: acknowledged at once; a visible root message quotes who asked what and
 * the answer streams into its thread. Alone or with `help`: ephemeral usage. Where the bot cannot
 * post, an ephemeral hint on how to invite it.
 */
import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from '@slack/bolt';
import { asAppError } from '../../../errors.js';
import { answerInThread } from '../../answer-in-thread.js';
import type { SlackDeps } from '../../deps.js';
import { isNotInChannel, slackErrorCode } from '../../errors.js';
import { QUESTION_METADATA_EVENT } from '../../history.js';
import { askedRootText, inviteHintText } from '../../render/messages.js';
import { slackTextToPlain } from '../../text.js';
import { findSubcommand, helpText } from './subcommands.js';

/** Slack caps message metadata at a few KB; the full question still goes to the model. */
const METADATA_QUESTION_BYTES = 3000;

function truncateBytes(text: string, maxBytes: number): string {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= maxBytes) return text;
  // A cut inside a multi-byte character decodes to U+FFFD; drop it.
  return `${bytes.subarray(0, maxBytes - 3).toString('utf8').replace(/\uFFFD+$/, '')}…`;
}

export function migrateHelpCommand(deps: SlackDeps) {
  return async ({ command, ack, respond, client, context }: SlackCommandMiddlewareArgs & AllMiddlewareArgs): Promise<void> => {
    const receivedAt = Date.now();
    const text = slackTextToPlain(command.text ?? '');
    const log = deps.logger.child({ command: command.command, channel: command.channel_id, user: command.user_id, triggerId: command.trigger_id });

    if (text === '') {
      await ack({ response_type: 'ephemeral', text: helpText(deps.commandName) });
      log.info('usage shown');
      return;
    }
    const sub = findSubcommand(text);
    await ack();
    if (sub !== undefined) {
      try {
        await sub.subcommand.run({ deps, client, respond, args: sub.args, userId: command.user_id, channelId: command.channel_id, teamId: command.team_id });
        log.info({ subcommand: sub.subcommand.name }, 'subcommand handled');
      } catch (error) {
        const appError = asAppError(error);
        log.error({ err: error, code: appError.code, subcommand: sub.subcommand.name }, 'subcommand failed');
        await respond({ response_type: 'ephemeral', text: appError.userMessage }).catch(() => undefined);
      }
      return;
    }

    let rootTs: string | undefined;
    try {
      const root = await client.chat.postMessage({
        channel: command.channel_id,
        text: askedRootText(command.user_id, text),
        // A pasted link would otherwise unfurl into the channel under the question.
        unfurl_links: false,
        unfurl_media: false,
        metadata: { event_type: QUESTION_METADATA_EVENT, event_payload: { user_id: command.user_id, question: truncateBytes(text, METADATA_QUESTION_BYTES) } },
      });
      rootTs = root.ts;
    } catch (error) {
      const code = slackErrorCode(error);
      log.warn({ slackError: code }, 'could not post the question in the channel');
      const reply = isNotInChannel(error)
        ? inviteHintText(deps.commandName, deps.identity.botUserId)
        : `I couldn't post your question in this conversation (Slack said \`${code ?? 'unknown error'}\`). Please try again, or ask me in a direct message.`;
      await respond({ response_type: 'ephemeral', text: reply }).catch((respondError: unknown) => log.error({ err: respondError }, 'could not reply ephemerally either'));
      return;
    }
    if (rootTs === undefined) return;

    await deps.track(
      answerInThread(client, deps, {
        question: { id: `slash:${command.trigger_id}`, source: 'slash', userId: command.user_id, teamId: command.team_id ?? context.teamId, text },
        target: { channel: command.channel_id, threadTs: rootTs, userId: command.user_id, teamId: command.team_id ?? context.teamId },
        receivedAt,
      }),
    );
  };
}
