/** Small Markdown helpers shared by the grounders: Slack renders standard Markdown, fences must stay whole. */

const DATABASE_NAMES: Record<string, string> = {
  postgresql: 'PostgreSQL',
  mysql: 'MySQL',
  mariadb: 'MariaDB',
  sqlite: 'SQLite',
  oracle: 'Oracle',
};

export function databaseName(database: string): string {
  return DATABASE_NAMES[database] ?? database;
}

/** Inline code that survives backticks inside the content. */
export function inlineCode(text: string): string {
  const clean = text.replace(/\n/g, ' ');
  return clean.includes('`') ? `"${clean}"` : `\`${clean}\``;
}

/** Slack only knows triple-backtick fences: neutralise any inside content we wrap in one. */
export function fence(content: string, lang = ''): string {
  return `\`\`\`${lang}\n${content.replace(/```/g, "'''").trimEnd()}\n\`\`\``;
}

/** Cut at a word boundary, marking the cut. */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max - 1);
  const space = cut.lastIndexOf(' ');
  return `${(space > max / 2 ? cut.slice(0, space) : cut).trimEnd()}…`;
}

/**
 * The first sentence of a Markdown text: bold markers and list numbers dropped, a trailing colon
 * (an intro to a code block) turned into a full stop. Splits only on `.`, `!` or `?` followed by
 * a space, so `5.0` and `shop.0002` stay whole.
 */
export function firstSentence(markdown: string, max = 220): string {
  const paragraph = (markdown.trim().split(/\n\s*\n/)[0] ?? '').replace(/\s*\n\s*/g, ' ');
  const plain = paragraph.replace(/\*\*/g, '').replace(/^\d+\.\s+/, '').trim();
  const sentence = /^(.+?[.!?])(?:\s|$)/.exec(plain)?.[1] ?? plain;
  return clip(sentence.replace(/:\s*$/, '.'), max);
}

/**
 * Blocks of a Markdown text split at blank lines outside code fences, so a cut between blocks
 * never leaves a fence open.
 */
export function markdownBlocks(markdown: string): string[] {
  const blocks: string[] = [];
  let current: string[] = [];
  let inFence = false;
  for (const line of markdown.split('\n')) {
    if (/^\s*```/.test(line)) inFence = !inFence;
    if (!inFence && line.trim() === '') {
      if (current.length > 0) blocks.push(current.join('\n'));
      current = [];
      continue;
    }
    current.push(line);
  }
  if (current.length > 0) blocks.push(current.join('\n'));
  return blocks;
}

/**
 * Join hard-wrapped prose lines (rule texts are hard-wrapped in their modules) so Slack, which keeps
 * single newlines, shows paragraphs; list items, tables and code fences keep their lines.
 */
export function unwrapProse(markdown: string): string {
  return markdownBlocks(markdown)
    .map((block) => {
      const out: string[] = [];
      let inFence = false;
      let joinable = false;
      for (const line of block.split('\n')) {
        const trimmed = line.trim();
        if (trimmed.startsWith('```')) {
          inFence = !inFence;
          out.push(line);
          joinable = false;
          continue;
        }
        const startsItem = /^(?:[-*+]\s|\d+[.)]\s|[|#>])/.test(trimmed);
        if (!inFence && joinable && !startsItem) out[out.length - 1] = `${out[out.length - 1]} ${trimmed}`;
        else out.push(line);
        joinable = !inFence && !trimmed.startsWith('|');
      }
      return out.join('\n');
    })
    .join('\n\n');
}

/** Whole blocks up to `max` characters; `more` is appended when something was left out. */
export function blocksWithin(markdown: string, max: number, more: string): string {
  const blocks = markdownBlocks(markdown.trim());
  const kept: string[] = [];
  let size = 0;
  for (const block of blocks) {
    if (size + block.length + 2 > max) break;
    kept.push(block);
    size += block.length + 2;
  }
  if (kept.length === blocks.length) return kept.join('\n\n');
  if (kept.length === 0) return `${firstSentence(markdown)}\n\n${more}`;
  return `${kept.join('\n\n')}\n\n${more}`;
}
