/**
 * `/migrate-help <subcommand …>`. Anything that is not a subcommand is a question. To add one, add
 * an entry: its name, usage line, description and handler (channel ones live in channel-subcommands.ts).
 */
import { usageText } from '../../render/messages.js';
import { CHANNEL_SUBCOMMANDS } from './channel-subcommands.js';
import type { Subcommand } from './types.js';

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
