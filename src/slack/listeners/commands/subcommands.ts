/**
 * `/migrate-help <subcommand …>`. Anything that is not a subcommand is a question. To add one, add
 * an entry: its name, usage line, description and handler (channel ones live in channel-subcommands.ts).
 */
import type { RespondFn } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import type { Logger } from 'pino';
import type { BotUser, SlackDeps } from '../../deps.js';
import { usageText, type SubcommandHelp } from '../../render/messages.js';
import { CHANNEL_SUBCOMMANDS } from './channel-subcommands.js';

export interface SubcommandContext {
  deps: SlackDeps;
  client: WebClient;
  respond: RespondFn;
  /** Words after the subcommand name. */
  args: string;
  userId: string;
  channelId: string;
  teamId: string;
  triggerId: string;
  /** When the command arrived (for the latency in the log line). */
  receivedAt: number;
  bot: BotUser;
  log: Logger;
}

export interface Subcommand extends SubcommandHelp {
  name: string;
  /** Runs after the command was acknowledged. */
  run(context: SubcommandContext): Promise<void>;
}

export const SUBCOMMANDS: Subcommand[] = [
  {
    name: 'help',
    usage: 'help',
    description: 'show this list.',
    run: async ({ deps, respond }) => {
      await respond({ response_type: 'ephemeral', text: helpText(deps.commandName) });
    },
  },
  ...CHANNEL_SUBCOMMANDS,
];

export function helpText(commandName: string): string {
  return usageText(commandName, SUBCOMMANDS);
}

/** The subcommand a command's text starts with, if any (case-insensitive). */
export function findSubcommand(text: string): { subcommand: Subcommand; args: string } | undefined {
  const match = /^(\S+)(?:\s+([\s\S]*))?$/.exec(text.trim());
  if (match === null) return undefined;
  const subcommand = SUBCOMMANDS.find((candidate) => candidate.name === match[1]!.toLowerCase());
  return subcommand === undefined ? undefined : { subcommand, args: (match[2] ?? '').trim() };
}
