/**
 * `/migrate-help <question>`: acknowledged at once; a visible root message quotes who asked what and
 * the answer streams into its thread. Alone or with `help`: ephemeral usage. Where the bot cannot
 * post, an ephemeral hint on how to invite it.
 */
import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from '@slack/bolt';
import { asAppError } from '../../../errors.js';
import type { SlackDeps } from '../../deps.js';
import { askedRootText } from '../../render/messages.js';
import { slackTextToPlain } from '../../text.js';
import { botUserOf } from '../../bot-user.js';
import { askInChannel } from './ask-in-channel.js';
import { findSubcommand, helpText } from './subcommands.js';

export function migrateHelpCommand(deps: SlackDeps) {
  return async ({ command, ack, respond, client, context }: SlackCommandMiddlewareArgs & AllMiddlewareArgs): Promise<void> => {
    const receivedAt = Date.now();
    const text = slackTextToPlain(command.text ?? '');
    const log = deps.logger.child({ command: command.command, channel: command.channel_id, user: command.user_id, triggerId: command.trigger_id });
    const teamId = command.team_id ?? context.teamId ?? '';
    const bot = botUserOf(context, deps);

    if (text === '') {
      await ack({ response_type: 'ephemeral', text: helpText(deps.commandName) });
      log.info('usage shown');
      return;
    }
    const sub = findSubcommand(text);
    await ack();
    if (sub !== undefined) {
      try {
        await sub.subcommand.run({ deps, client, respond, log, args: sub.args, userId: command.user_id, channelId: command.channel_id, teamId, triggerId: command.trigger_id, receivedAt, bot });
        log.info({ subcommand: sub.subcommand.name }, 'subcommand handled');
      } catch (error) {
        const appError = asAppError(error);
        log.error({ err: error, code: appError.code, subcommand: sub.subcommand.name }, 'subcommand failed');
        await respond({ response_type: 'ephemeral', text: appError.userMessage }).catch((respondError: unknown) => log.error({ err: respondError }, 'could not reply ephemerally either'));
      }
      return;
    }
    await askInChannel({ deps, client, respond, log, channelId: command.channel_id, userId: command.user_id, teamId, triggerId: command.trigger_id, receivedAt, bot, rootText: askedRootText(command.user_id, text), question: { text } });
  };
}
