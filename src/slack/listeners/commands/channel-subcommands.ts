/**
 * `/migrate-help link|unlink|status|db|review`: the channel's repository link and target database,
 * and pull request reviews. Changes are announced in the channel; refusals and status are ephemeral.
 */
import { DATABASES } from '../../../engine/types.js';
import { reviewQuestionText } from '../../../pipeline/review.js';
import type { ChannelFeatures } from '../../deps.js';
import {
  databaseSetText,
  dbUsageText,
  githubOffText,
  linkUsageText,
  linkedText,
  notAdminText,
  reviewUsageText,
  statusText,
  unlinkedText,
} from '../../render/channel.js';
import { escapeMrkdwn } from '../../render/messages.js';
import { askInChannel } from './ask-in-channel.js';
import type { Subcommand, SubcommandContext } from './types.js';

function words(args: string): string[] {
  return args.split(/\s+/).filter((word) => word !== '');
}

/** The ephemeral refusal when admins are configured and the user is not one; true when refused. */
async function refuseNonAdmin(context: SubcommandContext): Promise<boolean> {
  const admins = context.deps.adminUserIds;
  if (admins.length === 0 || admins.includes(context.userId)) return false;
  await context.respond({ response_type: 'ephemeral', text: notAdminText(admins) });
  context.log.info({ user: context.userId }, 'channel change refused: not an admin');
  return true;
}

/** The channel features, or an ephemeral note that they are not set up. */
async function featuresOr(context: SubcommandContext, needGitHub: boolean): Promise<ChannelFeatures | undefined> {
  const channels = context.deps.channels;
  if (channels === undefined || (needGitHub && !channels.githubConfigured)) {
    await context.respond({ response_type: 'ephemeral', text: channels === undefined ? 'Channel settings are not available in this deployment of migrate-help.' : githubOffText() });
    return undefined;
  }
  return channels;
}

export const CHANNEL_SUBCOMMANDS: Subcommand[] = [
  {
    name: 'link',
    usage: 'link owner/repo [branch] [path]',
    description: 'link this channel to a GitHub repository, so answers can read its migrations (admins only when SLACK_ADMIN_USER_IDS is set).',
    run: async (context) => {
      const parts = words(context.args);
      const command = context.deps.commandName;
      if (parts.length === 0 || parts.length > 3) {
        await context.respond({ response_type: 'ephemeral', text: linkUsageText(command) });
        return;
      }
      if (await refuseNonAdmin(context)) return;
      const channels = await featuresOr(context, true);
      if (channels === undefined) return;
      const [repo, branch, path] = parts as [string, string | undefined, string | undefined];
      const linked = await channels.link({ teamId: context.teamId, channelId: context.channelId, userId: context.userId, repo, branch: branch ?? null, path: path ?? null });
      await context.respond({ response_type: 'in_channel', text: linkedText(context.userId, linked, command) });
    },
  },
  {
    name: 'unlink',
    usage: 'unlink',
    description: 'remove this channel’s repository link (admins only when SLACK_ADMIN_USER_IDS is set).',
    run: async (context) => {
      if (await refuseNonAdmin(context)) return;
      const channels = await featuresOr(context, false);
      if (channels === undefined) return;
      const removed = await channels.unlink(context.teamId, context.channelId);
      await context.respond({ response_type: removed === null ? 'ephemeral' : 'in_channel', text: unlinkedText(context.userId, removed?.repo ?? null) });
    },
  },
  {
    name: 'status',
    usage: 'status',
    description: 'what is linked here, the target database, GitHub’s rate-limit budget and whether the expert model is configured.',
    run: async (context) => {
      const channels = await featuresOr(context, false);
      if (channels === undefined) return;
      await context.respond({ response_type: 'ephemeral', text: statusText(await channels.status(context.teamId, context.channelId), context.deps.commandName) });
    },
  },
  {
    name: 'db',
    usage: `db <${DATABASES.join('|')}> [version]`,
    description: 'set the database (and version) this channel’s migration checks judge against (admins only when SLACK_ADMIN_USER_IDS is set).',
    run: async (context) => {
      const parts = words(context.args);
      if (parts.length === 0 || parts.length > 2) {
        await context.respond({ response_type: 'ephemeral', text: dbUsageText(context.deps.commandName, DATABASES) });
        return;
      }
      if (await refuseNonAdmin(context)) return;
      const channels = await featuresOr(context, false);
      if (channels === undefined) return;
      const set = await channels.setDatabase({ teamId: context.teamId, channelId: context.channelId, userId: context.userId, database: parts[0]!, version: parts[1] ?? null });
      await context.respond({ response_type: 'in_channel', text: databaseSetText(context.userId, set.database, set.databaseVersion) });
    },
  },
  {
    name: 'review',
    usage: 'review <PR URL | owner/repo#123>',
    description: 'review a pull request’s migrations: a risk report at once, then the expert’s review in the thread.',
    run: async (context) => {
      const channels = context.deps.channels;
      const ref = channels?.parsePullRequest(context.args) ?? null;
      if (words(context.args).length !== 1 || (channels !== undefined && ref === null)) {
        await context.respond({ response_type: 'ephemeral', text: reviewUsageText(context.deps.commandName) });
        return;
      }
      const features = await featuresOr(context, true);
      if (features === undefined || ref === null) return;
      await askInChannel({
        deps: context.deps,
        client: context.client,
        respond: context.respond,
        log: context.log,
        channelId: context.channelId,
        userId: context.userId,
        teamId: context.teamId,
        triggerId: context.triggerId,
        receivedAt: context.receivedAt,
        bot: context.bot,
        rootText: `<@${context.userId}> asked for a migration review of ${escapeMrkdwn(ref)}`,
        question: { text: reviewQuestionText(ref), reviewRef: ref },
      });
    },
  },
];
