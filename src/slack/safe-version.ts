/**
 * What a "Show the safe version" click does after its acknowledgement: read the migrations again
 * (the question's message and its files from Slack, repository files from GitHub at the commit the
 * answer saw), have the fix engine write their replacements, and post them in the thread. Whatever
 * fails ends as a message in the thread saying what happened and what to do.
 */
import type { WebClient } from '@slack/web-api';
import type { Logger } from 'pino';
import { asAppError } from '../errors.js';
import type { SafeVersion, SafeVersionService } from '../pipeline/safe-version.js';
import type { BotUser } from './deps.js';
import { slackErrorCode } from './errors.js';
import { downloadSharedFiles, type SlackFile } from './files.js';
import { messageText, quotedQuestion, type ThreadMessage } from './history.js';
import { failureNote } from './render/messages.js';
import { safeVersionMessages } from './render/safe-version.js';
import { decodeSafeVersionRef, type SafeVersionRef } from './safe-version-ref.js';
import { slackTextToPlain } from './text.js';

export interface SafeVersionClick {
  channel: string;
  threadTs: string;
  userId: string;
  teamId: string;
  value: string | undefined;
  bot: BotUser;
}

export interface SafeVersionEdge {
  service: SafeVersionService;
  /** Hosts the bot token may be sent to when downloading shared files. */
  fileHosts: readonly string[];
  logger: Logger;
}

const OLD_BUTTON = 'I could not read what this button points at (it may come from an older version of migrate-help). Ask again with the migration pasted or shared, or the pull request named.';
const UNAVAILABLE = 'Something went wrong while writing the safe version. Try the button again in a minute; if it keeps failing, run `migrate-help fix <migration file>` locally.';

type ReadMessage = { found: true; text: string; files: SlackFile[] } | { found: false; why: string };

/** One message of a thread, by ts (a slash command's root gives the question it quotes). */
async function readMessage(client: WebClient, bot: BotUser, ref: NonNullable<SafeVersionRef['m']>): Promise<ReadMessage> {
  try {
    const result = await client.conversations.replies({ channel: ref.c, ts: ref.th, oldest: ref.t, latest: ref.t, inclusive: true, include_all_metadata: true });
    const message = (result.messages ?? []).find((candidate) => candidate.ts === ref.t) as (ThreadMessage & { files?: SlackFile[] }) | undefined;
    if (message === undefined) return { found: false, why: 'the message with the migration is gone (deleted?). Paste the migration again and ask me.' };
    const own = message.user === bot.botUserId || (message.bot_id !== undefined && message.bot_id === bot.botId);
    const text = (own ? quotedQuestion(message) : undefined) ?? slackTextToPlain(messageText(message), bot.botUserId);
    return { found: true, text, files: message.files ?? [] };
  } catch (error) {
    const code = slackErrorCode(error);
    if (code === 'thread_not_found' || code === 'message_not_found') return { found: false, why: 'the message with the migration is gone (deleted?). Paste the migration again and ask me.' };
    return { found: false, why: `Slack would not let me read the message with the migration again (\`${code ?? 'unknown error'}\`). Try again in a minute, or paste the migration again.` };
  }
}

async function versionsInMessage(client: WebClient, edge: SafeVersionEdge, click: SafeVersionClick, ref: NonNullable<SafeVersionRef['m']>): Promise<SafeVersion[]> {
  const read = await readMessage(client, click.bot, ref);
  if (!read.found) return ref.p.map((path) => ({ path, problem: read.why }));
  const shared = read.files.length === 0 ? undefined : await downloadSharedFiles(read.files, { token: client.token, hosts: edge.fileHosts });
  return edge.service.inMessage({ teamId: click.teamId, channelId: click.channel, text: read.text, files: shared?.files ?? [], paths: ref.p });
}

/** The safe versions a button value points at; a message of another channel is not read. */
async function versionsFor(client: WebClient, edge: SafeVersionEdge, click: SafeVersionClick, ref: SafeVersionRef): Promise<SafeVersion[]> {
  const versions: SafeVersion[] = [];
  if (ref.m !== undefined) {
    if (ref.m.c !== click.channel) versions.push(...ref.m.p.map((path) => ({ path, problem: 'the button belongs to an answer in another conversation; press it there.' })));
    else versions.push(...(await versionsInMessage(client, edge, click, ref.m)));
  }
  if (ref.r !== undefined) versions.push(...(await edge.service.inRepository({ teamId: click.teamId, channelId: click.channel, repo: ref.r.r, sha: ref.r.s, paths: ref.r.p })));
  return versions;
}

async function post(client: WebClient, click: SafeVersionClick, markdown: string, preview: string): Promise<void> {
  await client.chat.postMessage({ channel: click.channel, thread_ts: click.threadTs, text: preview, blocks: [{ type: 'markdown', text: markdown }], unfurl_links: false, unfurl_media: false });
}

/** A note the thread must get; when posting fails the clicker is told privately. */
async function postNote(client: WebClient, click: SafeVersionClick, note: string, log: Logger): Promise<void> {
  try {
    await post(client, click, failureNote(note), failureNote(note));
  } catch (error) {
    log.warn({ slackError: slackErrorCode(error) }, 'could not post the safe version note in the thread; telling the clicker');
    await client.chat.postEphemeral({ channel: click.channel, user: click.userId, thread_ts: click.threadTs, text: failureNote(note) }).catch((ephemeralError: unknown) => log.error({ slackError: slackErrorCode(ephemeralError) }, 'could not tell the clicker either'));
  }
}

export async function answerSafeVersionClick(client: WebClient, edge: SafeVersionEdge, click: SafeVersionClick): Promise<void> {
  const log = edge.logger.child({ action: 'show_safe_version', channel: click.channel, threadTs: click.threadTs, user: click.userId });
  const ref = decodeSafeVersionRef(click.value);
  if (ref === null) return postNote(client, click, OLD_BUTTON, log);
  let messages: string[];
  try {
    const versions = await versionsFor(client, edge, click, ref);
    messages = safeVersionMessages(versions);
    log.info({ migrations: versions.length, fixed: versions.filter((version) => 'result' in version && version.result.files.length > 0).length, messages: messages.length }, 'safe version written');
  } catch (error) {
    log.error({ err: error, code: asAppError(error).code }, 'could not write the safe version');
    return postNote(client, click, UNAVAILABLE, log);
  }
  try {
    for (const [index, markdown] of messages.entries()) await post(client, click, markdown, `The safe version (${index + 1} of ${messages.length})`);
  } catch (error) {
    log.warn({ slackError: slackErrorCode(error) }, 'could not post the safe version');
    await postNote(client, click, `I wrote the safe version but Slack refused the message (\`${slackErrorCode(error) ?? 'unknown error'}\`). Try the button again, or run \`migrate-help fix <migration file>\` locally.`, log);
  }
}
