/**
 * Tracks whether streamed Markdown is inside a fenced code block, so a message split can close the
 * fence and the next message can reopen it with the same language tag. Follows CommonMark's fence
 * rules (up to 3 spaces of indent, 3+ backticks or tildes, a closer at least as long as the opener)
 * and decides only on complete lines, since deltas cut lines anywhere. Hand-written because the
 * Markdown parsers we could use re-parse whole documents and cannot answer "am I inside a fence now"
 * for a stream that is still growing.
 */

export interface OpenFence {
  /** The opening run as written: "```" or "~~~~". */
  marker: string;
  /** The info string after the marker ("python", "sql title=x"), trimmed. */
  info: string;
}

const FENCE_OPEN = /^ {0,3}(`{3,}|~{3,})(.*)$/;
const FENCE_CLOSE = /^ {0,3}(`{3,}|~{3,})[ \t]*$/;

export class FenceTracker {
  private open: OpenFence | null = null;
  /** The current line so far (text after the last newline). */
  private partialLine = '';

  /** The fence the text is inside right now, judged by complete lines. */
  get current(): OpenFence | null {
    return this.open;
  }

  /** True when no partial line is pending (the text fed so far ends with a newline or is empty). */
  get atLineStart(): boolean {
    return this.partialLine === '';
  }

  /** The incomplete last line (used to avoid cutting a fence marker in half). */
  get pendingLine(): string {
    return this.partialLine;
  }

  feed(text: string): void {
    let start = 0;
    for (let newline = text.indexOf('\n', start); newline !== -1; newline = text.indexOf('\n', start)) {
      this.completeLine(this.partialLine + text.slice(start, newline));
      this.partialLine = '';
      start = newline + 1;
    }
    this.partialLine += text.slice(start);
  }

  /** The fence state if the pending partial line were ended now (it may open or close a fence). */
  afterLineEnd(): OpenFence | null {
    if (this.partialLine === '') return this.open;
    return FenceTracker.next(this.open, this.partialLine);
  }

  /**
   * The text that ends the message cleanly from here: ends a pending line and closes the fence
   * that is open once that line is ended ("" when nothing needs closing).
   */
  closingText(): string {
    const open = this.afterLineEnd();
    const endLine = this.atLineStart ? '' : '\n';
    if (open !== null) return `${endLine}${open.marker}\n`;
    // The pending line closes the fence: finish that line so the closer counts.
    return this.open !== null ? endLine : '';
  }

  private completeLine(line: string): void {
    this.open = FenceTracker.next(this.open, line);
  }

  private static next(open: OpenFence | null, line: string): OpenFence | null {
    // A trailing \r (CRLF input) is not part of the fence syntax.
    const clean = line.endsWith('\r') ? line.slice(0, -1) : line;
    if (open === null) {
      const match = FENCE_OPEN.exec(clean);
      if (match === null) return null;
      const marker = match[1]!;
      const info = match[2]!.trim();
      // A backtick fence's info string may not contain backticks (that is inline code).
      if (marker.startsWith('`') && info.includes('`')) return null;
      return { marker, info };
    }
    const match = FENCE_CLOSE.exec(clean);
    if (match !== null && match[1]![0] === open.marker[0] && match[1]!.length >= open.marker.length) return null;
    return open;
  }
}

/** True when every fence opened in `markdown` is closed again. */
export function fencesBalanced(markdown: string): boolean {
  const tracker = new FenceTracker();
  tracker.feed(markdown.endsWith('\n') ? markdown : `${markdown}\n`);
  return tracker.current === null;
}
