/** The App Home tab and its two settings modals (link a repository, set the database). */
import type { Block, KnownBlock } from '@slack/types';
import type { AskedQuestion } from '../records.js';
import type { ChannelOverview, LinkSummary } from '../deps.js';
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

const channelInput = (initial?: string) => ({
  type: 'input' as const,
  block_id: FIELDS.channel,
  label: { type: 'plain_text' as const, text: 'Channel' },
  element: {
    type: 'conversations_select' as const,
    action_id: 'value',
    ...(initial === undefined ? { default_to_current_conversation: true } : { initial_conversation: initial }),
    filter: { include: ['public' as const, 'private' as const], exclude_bot_users: true },
  },
});

const textInput = (blockId: string, label: string, placeholder: string, optional: boolean, initial?: string | null) => ({
  type: 'input' as const,
  block_id: blockId,
  optional,
  label: { type: 'plain_text' as const, text: label },
  element: {
    type: 'plain_text_input' as const,
    action_id: 'value',
    placeholder: { type: 'plain_text' as const, text: placeholder },
    ...(initial ? { initial_value: initial } : {}),
  },
});

/** What the link form held, to show it again with the reason GitHub refused it. */
export interface LinkFormValues {
  channelId: string;
  repo: string;
  branch: string | null;
  path: string | null;
}

const LINK_TITLE = { type: 'plain_text' as const, text: 'Link a repository' };

export function linkRepoModal(refused?: { values: LinkFormValues; reason: string }) {
  const values = refused?.values;
  return {
    type: 'modal' as const,
    callback_id: LINK_VIEW,
    title: LINK_TITLE,
    submit: { type: 'plain_text' as const, text: 'Link' },
    close: { type: 'plain_text' as const, text: 'Cancel' },
    blocks: [
      ...(refused === undefined ? [] : [{ type: 'section' as const, text: mrkdwn(`:warning: ${truncate(refused.reason, 2900)}`) }]),
      channelInput(values?.channelId),
      textInput(FIELDS.repo, 'Repository', 'owner/name', false, values?.repo),
      textInput(FIELDS.branch, 'Branch', 'the default branch', true, values?.branch),
      textInput(FIELDS.path, 'Folder', 'the whole repository', true, values?.path),
    ],
  };
}

/** Shown in place of the form while GitHub is asked (the submission is acknowledged at once). */
export function linkCheckingView(repo: string) {
  return {
    type: 'modal' as const,
    callback_id: LINK_VIEW,
    title: LINK_TITLE,
    close: { type: 'plain_text' as const, text: 'Close' },
    blocks: [{ type: 'section' as const, text: mrkdwn(`:hourglass_flowing_sand: Reading the migrations of *${escapeMrkdwn(repo)}* on GitHub…`) }],
  };
}

export function linkDoneView(channelId: string, link: LinkSummary) {
  const apps = `${link.migrations} migration${link.migrations === 1 ? '' : 's'} in ${link.apps} app${link.apps === 1 ? '' : 's'}`;
  const where = `${link.branch === null ? 'default branch' : `\`${link.branch}\``}${link.path === null ? '' : `, \`${link.path}\``}`;
  return {
    type: 'modal' as const,
    callback_id: LINK_VIEW,
    title: LINK_TITLE,
    close: { type: 'plain_text' as const, text: 'Close' },
    blocks: [{ type: 'section' as const, text: mrkdwn(`:link: Linked <#${channelId}> to *${escapeMrkdwn(link.repo)}* (${where}): ${apps} at commit \`${link.commitSha.slice(0, 7)}\`.`) }],
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
      channelInput(),
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
