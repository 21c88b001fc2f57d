/**
 * Slack message text → the plain text a model (or a human reading a log) expects. Slack escapes
 * `&`, `<`, `>` in message text and wraps mentions, channels and links in angle brackets; a pasted
 * traceback full of `<module>` only reads right after this.
 */

/** Matches every `<…>` span Slack puts into message text. */
const SLACK_SPAN = /<([^<>]+)>/g;

function unescapeEntities(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

/**
 * Decode Slack's markup: drop mentions of the bot, turn other mentions, channels and links into
 * readable text, unescape entities, and trim.
 */
export function slackTextToPlain(text: string, botUserId?: string): string {
  const decoded = text.replace(SLACK_SPAN, (_whole, inner: string) => {
    const [target = '', label] = inner.split('|', 2);
    if (target.startsWith('@')) {
      const id = target.slice(1);
      if (botUserId !== undefined && id === botUserId) return '';
      return `@${label ?? id}`;
    }
    if (target.startsWith('#')) return `#${label ?? target.slice(1)}`;
    if (target.startsWith('!')) {
      if (label !== undefined) return label;
      const special = target.slice(1).split('^')[0] ?? '';
      return `@${special}`;
    }
    // A link: keep the URL, which is what the reader needs (labels are often the URL again).
    const url = unescapeEntities(target);
    if (label === undefined || label === target || label === url) return url;
    return `${unescapeEntities(label)} (${url})`;
  });
  return unescapeEntities(decoded)
    .replace(/^[ \t]+/, '')
    .trim();
}
