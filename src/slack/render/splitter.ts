/**
 * Splits a Markdown answer that arrives in pieces into Slack messages of bounded size, never
 * leaving a code block cut open: at a split the open fence is closed in the message that ends and
 * reopened (same marker, same language tag) at the top of the next one.
 *
 * The splitter only ever appends, because streamed text cannot be taken back: near the limit it
 * waits for the next line break to split on, and cuts mid-line only when a line alone would
 * overflow the message.
 */
import { FenceTracker } from './fences.js';

/** What the message writer should do next, in order. */
export type SplitStep =
  /** Append to the current message. `synthetic` marks fence text the splitter added. */
  | { kind: 'text'; text: string; synthetic: boolean }
  /** End the current message; later text goes to a new message in the same thread. */
  | { kind: 'break' };

export interface SplitterOptions {
  /** Hard ceiling for one message, in UTF-16 code units (never more than Slack's character count). */
  maxChars: number;
  /** From this length on, split at the next line break (default: a little below maxChars, never under half of it). */
  softChars?: number;
}

/** Room kept free for the closing fence a split may need ("\n" + marker + "\n"). */
const FENCE_RESERVE = 24;
/** How far back from a hard cut to look for a space to cut at instead. */
const WORD_LOOKBACK = 200;

export class MessageSplitter {
  private readonly maxChars: number;
  private readonly softChars: number;
  private used = 0;
  /** False once answer text (not just a reopened fence) went into the current message. */
  private fresh = true;
  private fences = new FenceTracker();

  constructor(options: SplitterOptions) {
    if (options.maxChars < FENCE_RESERVE * 4) throw new RangeError(`maxChars must be at least ${FENCE_RESERVE * 4}`);
    this.maxChars = options.maxChars;
    this.softChars = options.softChars ?? Math.max(Math.floor(options.maxChars / 2), options.maxChars - 1500);
  }

  /** Characters in the current message so far. */
  get length(): number {
    return this.used;
  }

  /** True while the text so far ends inside a code block. */
  get insideCodeBlock(): boolean {
    return this.fences.afterLineEnd() !== null;
  }

  /** Feed the next piece of the answer. */
  push(delta: string): SplitStep[] {
    const steps: SplitStep[] = [];
    let rest = delta;
    while (rest.length > 0) {
      const room = this.maxChars - this.used - FENCE_RESERVE;
      if (room <= 0) {
        this.breakInto(steps);
        continue;
      }
      if (this.used >= this.softChars) {
        const newline = rest.indexOf('\n');
        if (newline !== -1 && newline + 1 <= room) {
          this.emit(steps, rest.slice(0, newline + 1));
          rest = rest.slice(newline + 1);
          this.breakInto(steps);
          continue;
        }
      }
      if (rest.length <= room) {
        this.emit(steps, rest);
        break;
      }
      const cut = this.cutPoint(rest, room);
      if (cut > 0) this.emit(steps, rest.slice(0, cut));
      rest = rest.slice(cut);
      this.breakInto(steps);
    }
    return steps;
  }

  /** Close a code block the answer left open (the model stopped mid-block), before a closing note. */
  closeOpenFence(): SplitStep[] {
    const closing = this.fences.closingText();
    if (closing === '') return [];
    const steps: SplitStep[] = [];
    this.emit(steps, closing, true);
    return steps;
  }

  private emit(steps: SplitStep[], text: string, synthetic = false): void {
    this.fences.feed(text);
    this.used += text.length;
    if (!synthetic) this.fresh = false;
    const last = steps[steps.length - 1];
    if (last !== undefined && last.kind === 'text' && last.synthetic === synthetic) last.text += text;
    else steps.push({ kind: 'text', text, synthetic });
  }

  private breakInto(steps: SplitStep[]): void {
    const open = this.fences.afterLineEnd();
    const closing = this.fences.closingText();
    if (closing !== '') this.emit(steps, closing, true);
    steps.push({ kind: 'break' });
    this.used = 0;
    this.fresh = true;
    this.fences = new FenceTracker();
    if (open !== null) this.emit(steps, `${open.marker}${open.info === '' ? '' : open.info}\n`, true);
  }

  /** Where to cut `text` so that at most `room` characters stay in this message. */
  private cutPoint(text: string, room: number): number {
    const window = text.slice(0, room);
    const newline = window.lastIndexOf('\n');
    if (newline !== -1) return newline + 1;
    // No line break fits. At the start of a line in a message that already holds text, move the whole
    // line to the next message; otherwise the line alone is too long: cut at a space, else anywhere
    // (but never inside a surrogate pair).
    if (this.fences.atLineStart && !this.fresh) return 0;
    const space = window.lastIndexOf(' ');
    if (space >= room - WORD_LOOKBACK && space > 0) return space + 1;
    const code = window.charCodeAt(room - 1);
    return code >= 0xd800 && code <= 0xdbff ? room - 1 : room;
  }
}

/** Split a whole Markdown text at once (same rules as streaming); returns one string per message. */
export function splitMarkdown(markdown: string, options: SplitterOptions): string[] {
  const splitter = new MessageSplitter(options);
  const messages = [''];
  for (const step of [...splitter.push(markdown), ...splitter.closeOpenFence()]) {
    if (step.kind === 'break') messages.push('');
    else messages[messages.length - 1] += step.text;
  }
  return messages.filter((message, index) => message !== '' || index === 0);
}
