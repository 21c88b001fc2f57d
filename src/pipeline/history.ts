/**
 * Conversation turns → what the Messages API accepts: non-empty, alternating, starting and ending
 * with `user`, trimmed oldest-first to a size budget with a note saying what was left out.
 */
import type { ConversationTurn } from './types.js';

export const DEFAULT_HISTORY_BUDGET_CHARS = 60_000;

export interface TrimmedHistory {
  turns: ConversationTurn[];
  /** How many of the original (merged) turns were left out. */
  omitted: number;
}

export function omittedNote(count: number): string {
  return `[Note from migrate-help: ${count} earlier message${count === 1 ? ' was' : 's were'} left out of this conversation to keep it within the model's limits. Ask the user if something from earlier matters.]`;
}

const THREAD_OPENED_BY_BOT_NOTE = '[Note from migrate-help: this thread opens with an earlier reply from migrate-help.]';

/** Consecutive turns of one role become one turn (the API rejects two user turns in a row). */
export function mergeConsecutive(turns: ConversationTurn[]): ConversationTurn[] {
  const merged: ConversationTurn[] = [];
  for (const turn of turns) {
    const text = turn.text.trim();
    if (!text) continue;
    const last = merged.at(-1);
    if (last && last.role === turn.role) last.text = `${last.text}\n\n${text}`;
    else merged.push({ role: turn.role, text });
  }
  return merged;
}

/**
 * `turns` is the whole conversation, oldest first, ending with the newest user message. The newest
 * user turn is always kept; older turns go first when the total exceeds `budgetChars`.
 */
export function trimHistory(turns: ConversationTurn[], budgetChars: number = DEFAULT_HISTORY_BUDGET_CHARS): TrimmedHistory {
  const merged = mergeConsecutive(turns);
  // The API needs a user turn last; a trailing assistant turn (the bot's own last reply) adds nothing new.
  while (merged.length > 0 && merged.at(-1)?.role !== 'user') merged.pop();
  if (merged.length === 0) return { turns: [], omitted: 0 };

  // Keep the newest turns that fit; the newest user turn always stays.
  let size = 0;
  let firstKept = merged.length;
  while (firstKept > 0) {
    const candidate = merged[firstKept - 1];
    if (!candidate) break;
    const isNewest = firstKept === merged.length;
    if (!isNewest && size + candidate.text.length > budgetChars) break;
    size += candidate.text.length;
    firstKept -= 1;
  }
  const omitted = firstKept;
  const kept = merged.slice(firstKept).map((turn) => ({ ...turn }));

  // The API needs a user turn first. When the kept part opens with a bot reply (after trimming, or in
  // a thread whose root the bot posted), a user turn carrying the note goes in front of it.
  const first = kept[0];
  if (omitted > 0 && first?.role === 'user') first.text = `${omittedNote(omitted)}\n\n${first.text}`;
  else if (first?.role === 'assistant') kept.unshift({ role: 'user', text: omitted > 0 ? omittedNote(omitted) : THREAD_OPENED_BY_BOT_NOTE });
  return { turns: kept, omitted };
}
