/**
 * The value of a "Show the safe version" button: where to read the migrations again, never their text
 * (a button value holds at most 2,000 characters). A question's migrations are named by the message
 * that holds them; a repository's by repository, commit and path.
 */
import { z } from 'zod';
import type { SafeVersionTarget } from '../pipeline/types.js';

/** Slack's limit on a button value. */
export const MAX_BUTTON_VALUE_CHARS = 2000;

const refSchema = z.object({
  /** The message holding pasted or shared migrations: channel, thread and message ts, paths. */
  m: z.object({ c: z.string().min(1), th: z.string().min(1), t: z.string().min(1), p: z.array(z.string().min(1)).min(1) }).optional(),
  /** Repository migrations: owner/repo, commit sha, paths. */
  r: z.object({ r: z.string().min(1), s: z.string().regex(/^[0-9a-f]{40}$/i), p: z.array(z.string().min(1)).min(1) }).optional(),
});

export type SafeVersionRef = z.infer<typeof refSchema>;

/** Where the answer's question came from: the message re-read for pasted or shared migrations. */
export interface QuestionMessage {
  channel: string;
  threadTs: string;
  ts: string;
}

function refFor(targets: readonly SafeVersionTarget[], message: QuestionMessage | undefined): SafeVersionRef {
  const ref: SafeVersionRef = {};
  for (const target of targets) {
    if (target.kind === 'question' && message !== undefined) ref.m = { c: message.channel, th: message.threadTs, t: message.ts, p: [...target.paths] };
    if (target.kind === 'repository') ref.r = { r: target.repo, s: target.sha, p: [...target.paths] };
  }
  return ref;
}

/** Drop the last path of the longest list (a review of very many files): the click says nothing about it, the answer still lists it. */
function dropOnePath(ref: SafeVersionRef): boolean {
  const lists = [ref.m?.p, ref.r?.p].filter((list): list is string[] => list !== undefined && list.length > 1);
  const longest = lists.sort((a, b) => b.length - a.length)[0];
  if (longest === undefined) return false;
  longest.pop();
  return true;
}

/** The button value, or undefined when nothing can be referenced (a question without a message to re-read). */
export function encodeSafeVersionRef(targets: readonly SafeVersionTarget[], message: QuestionMessage | undefined): string | undefined {
  const ref = refFor(targets, message);
  if (ref.m === undefined && ref.r === undefined) return undefined;
  let value = JSON.stringify(ref);
  while (value.length > MAX_BUTTON_VALUE_CHARS && dropOnePath(ref)) value = JSON.stringify(ref);
  return value.length > MAX_BUTTON_VALUE_CHARS ? undefined : value;
}

/** Null for a value this version did not write. */
export function decodeSafeVersionRef(value: string | undefined): SafeVersionRef | null {
  if (value === undefined) return null;
  try {
    const parsed = refSchema.safeParse(JSON.parse(value));
    return parsed.success && (parsed.data.m !== undefined || parsed.data.r !== undefined) ? parsed.data : null;
  } catch {
    return null;
  }
}
