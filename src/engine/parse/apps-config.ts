/** The `label` an app's AppConfig declares in apps.py (it replaces the folder name as app label). */
import type { Node } from 'web-tree-sitter';
import { loadedParser } from './grammar.js';
import { decodeStringToken } from './literals.js';

/** `label = "..."` of an AppConfig subclass; null when there is none (or the file cannot be read). */
export function parseAppConfigLabel(appsPySource: string): string | null {
  if (typeof appsPySource !== 'string' || !appsPySource.includes('label')) return null;
  let tree = null;
  try {
    tree = loadedParser().parse(appsPySource);
    if (!tree) return null;
    let fallback: string | null = null;
    for (const stmt of tree.rootNode.namedChildren) {
      const cls = stmt?.type === 'decorated_definition' ? stmt.childForFieldName('definition') : stmt;
      if (cls?.type !== 'class_definition') continue;
      const label = classLabel(cls, appsPySource);
      if (label === null) continue;
      const bases = cls.childForFieldName('superclasses');
      const text = bases ? appsPySource.slice(bases.startIndex, bases.endIndex) : '';
      if (/AppConfig\b/.test(text)) return label;
      fallback ??= label;
    }
    return fallback;
  } catch {
    return null;
  } finally {
    tree?.delete();
  }
}

function classLabel(cls: Node, source: string): string | null {
  const body = cls.childForFieldName('body');
  for (const stmt of body?.namedChildren ?? []) {
    const assignment = stmt?.type === 'expression_statement' ? stmt.firstNamedChild : null;
    if (assignment?.type !== 'assignment') continue;
    const left = assignment.childForFieldName('left');
    const right = assignment.childForFieldName('right');
    if (!left || !right || source.slice(left.startIndex, left.endIndex) !== 'label' || right.type !== 'string') continue;
    const decoded = decodeStringToken(source.slice(right.startIndex, right.endIndex));
    if (decoded && !decoded.formatted && !decoded.bytes && decoded.value !== '') return decoded.value;
  }
  return null;
}
