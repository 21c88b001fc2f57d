/** The App Home tab and its two settings modals (link a repository, set the database). */
import type { Block, KnownBlock } from '@slack/types';
import type { AskedQuestion } from '../records.js';
import type { ChannelOverview } from '../deps.js';
import { escapeMrkdwn, truncate } from './messages.js';

export const HOME_LINK_ACTION = 'home_link_repo';
export const HOME_DB_ACTION = 'home_set_database';
export const LINK_VIEW = 'home_link_view';
export const DB_VIEW = 'home_db_view';
/** Block ids of the modals' inputs (errors name them). */
export const FIELDS = { channel: 'channel', repo: 'repo', branch: 'branch', path: 'path', database: 'database', version: 'version' } as const;

export interface HomeContent {
  channels: ChannelOverview[];
  questions: AskedQuestion[];
  command: string;
  githubConfigured: boolean;
}

const mrkdwn = (text: string) => ({ type: 'mrkdwn' as const, text });

function channelLine(channel: ChannelOverview): string {
  const repo = channel.repo === null ? '_no repository_' : `\`${channel.repo}\`${channel.branch ? ` @ \`${channel.branch}\`` : ''}${channel.path ? ` in \`${channel.path}\`` : ''}`;
  const database = `${channel.database} ${channel.databaseVersion}${channel.databaseSource === 'default' ? ' (default)' : ''}`;
  return `• <#${channel.channelId}>: ${repo}, ${database}`;
}

function questionLine(question: AskedQuestion): string {
  const where = question.channelId.startsWith('D') ? 'a DM' : `<#${question.channelId}>`;
  return `• <@${question.userId}> in ${where}: ${escapeMrkdwn(truncate(question.excerpt, 100))}`;
}

export function homeView(content: HomeContent) {
  const blocks: Array<KnownBlock | Block> = [
    { type: 'header', text: { type: 'plain_text', text: 'migrate-help' } },
    {
      type: 'section',
      text: mrkdwn(
        [
          '*How to use it*',
          `• \`${content.command} <question>\` in any channel, or mention me; the answer comes in a thread.`,
          '• Send me a direct message, or open me in the assistant pane.',
          '• On any message (a traceback, a PR link, a pasted migration): ⋮ → *Ask migrate-help about this*.',
          `• \`${content.command} review <PR URL>\` reviews a pull request's migrations.`,
        ].join('\n'),
      ),
    },
    {
      type: 'actions',
      elements: [
        { type: 'button', action_id: HOME_LINK_ACTION, text: { type: 'plain_text', text: 'Link a repository' }, style: 'primary' },
        { type: 'button', action_id: HOME_DB_ACTION, text: { type: 'plain_text', text: 'Set the database' } },
      ],
    },
    { type: 'divider' },
    {
      type: 'section',
      text: mrkdwn(
        content.channels.length === 0
          ? `*Linked channels*\nNone yet. ${content.githubConfigured ? 'Link a channel to a repository so answers read its migrations.' : 'GitHub is not set up for this deployment, so repositories cannot be linked; databases can still be set.'}`
          : truncate(`*Linked channels*\n${content.channels.map(channelLine).join('\n')}`, 2900),
      ),
    },
    { type: 'divider' },
    {
      type: 'section',
      text: mrkdwn(content.questions.length === 0 ? '*Recent questions*\nNone yet.' : truncate(`*Recent questions*\n${content.questions.map(questionLine).join('\n')}`, 2900)),
    },
  ];
  return { type: 'home' as const, blocks };
}

const channelInput = {
  type: 'input' as const,
  block_id: FIELDS.channel,
  label: { type: 'plain_text' as const, text: 'Channel' },
  element: { type: 'conversations_select' as const, action_id: 'value', default_to_current_conversation: true, filter: { include: ['public' as const, 'private' as const], exclude_bot_users: true } },
};

const textInput = (blockId: string, label: string, placeholder: string, optional: boolean) => ({
  type: 'input' as const,
  block_id: blockId,
  optional,
  label: { type: 'plain_text' as const, text: label },
  element: { type: 'plain_text_input' as const, action_id: 'value', placeholder: { type: 'plain_text' as const, text: placeholder } },
});

export function linkRepoModal() {
  return {
    type: 'modal' as const,
    callback_id: LINK_VIEW,
    title: { type: 'plain_text' as const, text: 'Link a repository' },
    submit: { type: 'plain_text' as const, text: 'Link' },
    close: { type: 'plain_text' as const, text: 'Cancel' },
    blocks: [
      channelInput,
      textInput(FIELDS.repo, 'Repository', 'owner/name', false),
      textInput(FIELDS.branch, 'Branch', 'the default branch', true),
      textInput(FIELDS.path, 'Folder', 'the whole repository', true),
    ],
  };
}

export function databaseModal(databases: readonly string[]) {
  return {
    type: 'modal' as const,
    callback_id: DB_VIEW,
    title: { type: 'plain_text' as const, text: 'Set the database' },
    submit: { type: 'plain_text' as const, text: 'Save' },
    close: { type: 'plain_text' as const, text: 'Cancel' },
    blocks: [
      channelInput,
      {
        type: 'input' as const,
        block_id: FIELDS.database,
        label: { type: 'plain_text' as const, text: 'Database' },
        element: { type: 'static_select' as const, action_id: 'value', options: databases.map((name) => ({ text: { type: 'plain_text' as const, text: name }, value: name })) },
      },
      textInput(FIELDS.version, 'Version', 'e.g. 16 or 8.0 (empty: the default)', true),
    ],
  };
}
