/**
 * The safe version in a thread: per migration the deploy-order note, then each generated file as a
 * complete ```python block named by its path, packed into as few messages as Slack allows. A file too
 * long for one message is cut between lines (at a blank line where one is near) into numbered parts,
 * each a block of its own, so that nothing is ever cut inside a line.
 */
import type { FixedFile, FixResult } from '../../engine/fix/index.js';
import type { SafeVersion } from '../../pipeline/safe-version.js';

/** Below the markdown block's limit, with room for a part's heading and fence. */
export const SAFE_VERSION_MESSAGE_CHARS = 11_000;
const PART_HEADROOM = 300;

function fenceFor(source: string): string {
  return source.includes('```') ? '````' : '```';
}

function codeBlock(source: string): string {
  const fence = fenceFor(source);
  return `${fence}python\n${source.endsWith('\n') ? source : `${source}\n`}${fence}`;
}

function fileHeading(file: FixedFile): string {
  return `\`${file.path}\` (release ${file.release}, ${file.original ? 'replaces the original' : 'new file'})`;
}

/** Lines of `source` in chunks of at most `limit` characters, preferring to end a chunk at a blank line. */
export function splitSource(source: string, limit: number): string[] {
  const chunks: string[] = [];
  let current: string[] = [];
  let size = 0;
  let lastBlank = -1;
  const flush = (upTo: number) => {
    chunks.push(current.slice(0, upTo).join(''));
    current = current.slice(upTo);
    size = current.reduce((sum, line) => sum + line.length, 0);
    lastBlank = -1;
  };
  for (const line of source.split(/(?<=\n)/)) {
    if (size + line.length > limit && current.length > 0) flush(lastBlank > current.length / 2 ? lastBlank : current.length);
    current.push(line);
    size += line.length;
    if (line.trim() === '') lastBlank = current.length;
  }
  if (current.length > 0) chunks.push(current.join(''));
  return chunks;
}

function fileSections(file: FixedFile, maxChars: number): string[] {
  const whole = `${fileHeading(file)}\n${codeBlock(file.source)}`;
  if (whole.length <= maxChars) return [whole];
  const parts = splitSource(file.source, maxChars - PART_HEADROOM);
  return parts.map((part, index) => `${fileHeading(file)}, part ${index + 1} of ${parts.length} (paste the parts one after another)\n${codeBlock(part)}`);
}

function resultSections(path: string, result: FixResult, maxChars: number): string[] {
  const note = result.note.join('\n');
  if (result.files.length === 0) return [`**No automatic fix for \`${path}\`**; it stays as written.\n${note}`];
  const count = result.files.length;
  const intro = `**Safe version of \`${path}\`**: ${count} migration file${count === 1 ? '' : 's'} in its place. The last one keeps the original name, so migrations that depend on it still resolve.\n\n**Deploy order**\n${note}`;
  return [intro, ...result.files.flatMap((file) => fileSections(file, maxChars))];
}

/** Sections joined into messages of at most `maxChars` (every section already fits in one). */
function pack(sections: readonly string[], maxChars: number): string[] {
  const messages: string[] = [];
  for (const section of sections) {
    const last = messages[messages.length - 1];
    if (last !== undefined && last.length + 2 + section.length <= maxChars) messages[messages.length - 1] = `${last}\n\n${section}`;
    else messages.push(section);
  }
  return messages;
}

/** The messages to post, in order. */
export function safeVersionMessages(versions: readonly SafeVersion[], maxChars = SAFE_VERSION_MESSAGE_CHARS): string[] {
  const sections = versions.flatMap((version) =>
    'problem' in version ? [`⚠️ No safe version of \`${version.path}\`: ${version.problem}`] : resultSections(version.path, version.result, maxChars),
  );
  return pack(sections, maxChars);
}
