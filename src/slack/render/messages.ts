/**
 * The fixed sentences the bot posts around answers. Slack `text` fields are mrkdwn, so user text
 * quoted into them is escaped; answers themselves go out as standard Markdown.
 */

/** Escape the three characters mrkdwn treats as control characters. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Shorten to at most `max` characters, marking the cut. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  return `${text.slice(0, Math.max(0, max - 1)).trimEnd()}…`;
}

/** Longest question quoted in the channel; the full text still goes to the model. */
const ROOT_QUOTE_MAX = 2800;

/** The visible root message of a slash command question: who asked what. */
export function askedRootText(userId: string, question: string): string {
  const quoted = escapeMrkdwn(truncate(question.trim(), ROOT_QUOTE_MAX))
    .split('\n')
    .map((line) => `> ${line}`)
    .join('\n');
  return `<@${userId}> asked:\n${quoted}`;
}

export interface SubcommandHelp {
  /** As typed after the command: "help", "link owner/repo [branch] [path]". */
  usage: string;
  description: string;
}

/** Ephemeral usage for `/migrate-help` alone or `help`. */
export function usageText(command: string, subcommands: readonly SubcommandHelp[]): string {
  const lines = [
    `*${command}* answers Django migration questions in a thread: locks, conflicts, data migrations, rollbacks, errors you paste.`,
    '',
    `• \`${command} <question>\`: ask anything, e.g. \`${command} is adding a NOT NULL column with a default safe on PostgreSQL 11?\``,
    ...subcommands.map((sub) => `• \`${command} ${sub.usage}\`: ${sub.description}`),
    '',
    'You can also mention me in a channel (follow-ups in the thread need the mention too) or send me a direct message.',
  ];
  return lines.join('\n');
}

/** Ephemeral reply when the bot cannot post where the command was used. */
export function inviteHintText(command: string, botUserId: string | undefined): string {
  const bot = botUserId === undefined ? '@migrate-help' : `<@${botUserId}>`;
  return [
    `I can't post in this conversation yet, so I couldn't answer here.`,
    `Invite me first with \`/invite @migrate-help\` (or mention ${bot} and accept Slack's prompt to add me), then run \`${command}\` again.`,
    'In a private channel or a group DM only a member can invite me; you can also ask me in a direct message.',
  ].join('\n');
}

/** Reply to a mention or DM with no question in it. */
export function emptyQuestionText(): string {
  return 'What would you like to know? Ask a question about Django migrations (or paste the error you see) after the mention, e.g. _why does `migrate` say my migrations have conflicts?_';
}

/** Appended (as Markdown) when an answer stops early. */
export function incompleteNote(userMessage: string): string {
  return `\n\n⚠️ *The answer is incomplete:* ${userMessage}`;
}

/** Posted (as Markdown) when a question failed before any answer text arrived. */
export function failureNote(userMessage: string): string {
  return `⚠️ ${userMessage}`;
}

/** Posted when the model finished without saying anything. */
export function emptyAnswerNote(): string {
  return '⚠️ The expert model returned an empty answer. Please ask again, perhaps with more detail.';
}
