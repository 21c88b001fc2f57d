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

/** One AppConfig subclass as Django would read it: `label` wins, else the last part of `name`. */
export interface AppConfigDecl {
  className: string;
  label: string | null;
  name: string | null;
  /** `default = True`: the one Django picks when a module declares several. */
  isDefault: boolean;
}

export interface AppModuleFacts {
  configs: AppConfigDecl[];
  /** `default_app_config = "pkg.apps.ShopConfig"` (Django < 4.1, still common). */
  defaultAppConfig: string | null;
}

const NO_FACTS: AppModuleFacts = { configs: [], defaultAppConfig: null };

/** Every AppConfig subclass a module of an app package declares, and its `default_app_config`. */
export function readAppModule(source: string): AppModuleFacts {
  if (typeof source !== 'string' || (!source.includes('AppConfig') && !source.includes('default_app_config'))) return NO_FACTS;
  let tree = null;
  try {
    tree = loadedParser().parse(source);
    if (!tree) return NO_FACTS;
    const facts: AppModuleFacts = { configs: [], defaultAppConfig: null };
    for (const stmt of tree.rootNode.namedChildren) {
      if (!stmt) continue;
      const assigned = moduleStringAssignment(stmt, source);
      if (assigned?.name === 'default_app_config') facts.defaultAppConfig = assigned.value;
      const cls = stmt.type === 'decorated_definition' ? stmt.childForFieldName('definition') : stmt;
      if (cls?.type !== 'class_definition') continue;
      const bases = cls.childForFieldName('superclasses');
      if (!bases || !/AppConfig\b/.test(source.slice(bases.startIndex, bases.endIndex))) continue;
      const nameNode = cls.childForFieldName('name');
      const attrs = classAttributes(cls, source);
      facts.configs.push({
        className: nameNode ? source.slice(nameNode.startIndex, nameNode.endIndex) : '',
        label: typeof attrs['label'] === 'string' && attrs['label'] !== '' ? attrs['label'] : null,
        name: typeof attrs['name'] === 'string' && attrs['name'] !== '' ? attrs['name'] : null,
        isDefault: attrs['default'] === true,
      });
    }
    return facts;
  } catch {
    return NO_FACTS;
  } finally {
    tree?.delete();
  }
}

/** The label Django gives an AppConfig: its `label`, else the last dotted part of its `name`. */
export function appConfigLabel(config: AppConfigDecl): string | null {
  return config.label ?? (config.name ? (config.name.split('.').pop() ?? null) : null);
}

function moduleStringAssignment(stmt: Node, source: string): { name: string; value: string } | null {
  const assignment = stmt.type === 'expression_statement' ? stmt.firstNamedChild : null;
  if (assignment?.type !== 'assignment') return null;
  const left = assignment.childForFieldName('left');
  const right = assignment.childForFieldName('right');
  if (left?.type !== 'identifier' || right?.type !== 'string') return null;
  const decoded = decodeStringToken(source.slice(right.startIndex, right.endIndex));
  if (!decoded || decoded.formatted || decoded.bytes) return null;
  return { name: source.slice(left.startIndex, left.endIndex), value: decoded.value };
}

/** String and boolean class attributes (`label = "x"`, `default = True`). */
function classAttributes(cls: Node, source: string): Record<string, string | boolean> {
  const out: Record<string, string | boolean> = {};
  for (const stmt of cls.childForFieldName('body')?.namedChildren ?? []) {
    if (!stmt) continue;
    const text = moduleStringAssignment(stmt, source);
    if (text) {
      out[text.name] = text.value;
      continue;
    }
    const assignment = stmt.type === 'expression_statement' ? stmt.firstNamedChild : null;
    const left = assignment?.type === 'assignment' ? assignment.childForFieldName('left') : null;
    const right = assignment?.type === 'assignment' ? assignment.childForFieldName('right') : null;
    if (left?.type === 'identifier' && (right?.type === 'true' || right?.type === 'false')) out[source.slice(left.startIndex, left.endIndex)] = right.type === 'true';
  }
  return out;
}

/**
 * `MIGRATION_MODULES = {"app_label": "pkg.db_migrations", "other": None}` from a settings module:
 * a label mapped to a dotted module, or to null (migrations turned off for that app). Null when the
 * module assigns no dict literal to it; entries that are not string → string/None are left out.
 */
export function readMigrationModules(settingsSource: string): Record<string, string | null> | null {
  if (typeof settingsSource !== 'string' || !settingsSource.includes('MIGRATION_MODULES')) return null;
  let tree = null;
  try {
    tree = loadedParser().parse(settingsSource);
    if (!tree) return null;
    let found: Record<string, string | null> | null = null;
    for (const stmt of tree.rootNode.namedChildren) {
      const assignment = stmt?.type === 'expression_statement' ? stmt.firstNamedChild : null;
      if (assignment?.type !== 'assignment') continue;
      const left = assignment.childForFieldName('left');
      const right = assignment.childForFieldName('right');
      if (!left || settingsSource.slice(left.startIndex, left.endIndex) !== 'MIGRATION_MODULES' || right?.type !== 'dictionary') continue;
      found = dictOfStrings(right, settingsSource);
    }
    return found;
  } catch {
    return null;
  } finally {
    tree?.delete();
  }
}

function dictOfStrings(dict: Node, source: string): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const pair of dict.namedChildren) {
    if (pair?.type !== 'pair') continue;
    const key = pair.childForFieldName('key');
    const value = pair.childForFieldName('value');
    if (key?.type !== 'string' || !value) continue;
    const label = decodeStringToken(source.slice(key.startIndex, key.endIndex));
    if (!label || label.formatted || label.bytes) continue;
    if (value.type === 'none') out[label.value] = null;
    else if (value.type === 'string') {
      const module = decodeStringToken(source.slice(value.startIndex, value.endIndex));
      if (module && !module.formatted && !module.bytes) out[label.value] = module.value;
    }
  }
  return out;
}
