/**
 * `# migrate-help: ignore <rule-id>[, <rule-id>…]` (one operation) and
 * `# migrate-help: ignore-file [<rule-id>…]` (the whole file; bare = every rule, stored as '*').
 */
import type { MigrationFile, Operation } from '../types.js';

const MARKER = /#[ \t]*migrate-help:[ \t]*(ignore-file|ignore)\b([^\r\n]*)/g;
const RULE_ID = /^[a-z0-9][a-z0-9-]*$/;

export interface SuppressionComment {
  line: number;
  ids: string[];
  scope: 'operation' | 'file';
  /** True when nothing but whitespace precedes the comment on its line. */
  standalone: boolean;
}

/** Find suppression comments; `isComment` confirms the marker is not inside a string literal. */
export function findSuppressionComments(source: string, isComment: ((offset: number) => boolean) | null): SuppressionComment[] {
  if (!source.includes('migrate-help:')) return [];
  const found: SuppressionComment[] = [];
  MARKER.lastIndex = 0;
  for (let match = MARKER.exec(source); match; match = MARKER.exec(source)) {
    const at = match.index;
    if (isComment && !isComment(at)) continue;
    const lineStart = source.lastIndexOf('\n', at - 1) + 1;
    const line = countLines(source, at);
    found.push({ line, ids: parseIds(match[2] ?? ''), scope: match[1] === 'ignore-file' ? 'file' : 'operation', standalone: source.slice(lineStart, at).trim() === '' });
  }
  return found;
}

function parseIds(rest: string): string[] {
  const ids: string[] = [];
  for (const token of rest.split(/[\s,]+/)) {
    if (token === '') continue;
    // Free text after the ids (`-- reason`) ends the list.
    if (!RULE_ID.test(token)) break;
    ids.push(token);
  }
  return ids.length === 0 ? ['*'] : ids;
}

function countLines(source: string, end: number): number {
  let line = 1;
  for (let index = source.indexOf('\n'); index !== -1 && index < end; index = source.indexOf('\n', index + 1)) line++;
  return line;
}

/** Attach operation-scoped comments to the operations whose call they sit on, above or inside. */
export function applySuppressions(file: MigrationFile, comments: readonly SuppressionComment[]): void {
  file.suppressionComments = comments.map(({ line, ids, scope }) => ({ line, ids, scope }));
  file.fileSuppressions = [...new Set(comments.filter((comment) => comment.scope === 'file').flatMap((comment) => comment.ids))];
  const local = comments.filter((comment) => comment.scope === 'operation');
  if (local.length === 0) return;
  const visit = (ops: readonly Operation[]): void => {
    for (const op of ops) {
      const ids = new Set(op.suppressed);
      for (const comment of local) {
        const inside = comment.line >= op.span.line && comment.line <= op.span.endLine;
        const above = comment.standalone && comment.line === op.span.line - 1;
        if (inside || above) for (const id of comment.ids) ids.add(id);
      }
      op.suppressed = [...ids];
      for (const children of Object.values(op.children ?? {})) visit(children);
    }
  };
  visit(file.operations);
}
