/**
 * Playbooks: recognise an error people paste (traceback, log line, management command output) and
 * answer with what it means and how to recover. One pattern per module; the registry runs them all.
 */
import type { Database } from '../types.js';

export type Confidence = 'high' | 'medium' | 'low';

/** Names pulled out of the matched text; the recovery commands are filled with them. */
export interface Extracted {
  app?: string;
  migration?: string;
  table?: string;
  column?: string;
  model?: string;
  field?: string;
  database?: Database;
  /** Any other name a playbook extracts (dependency, alias, index, cycle…). */
  [key: string]: string | undefined;
}

export interface RecoveryStep {
  text: string;
  /** The exact command to run, when the step is one. */
  command?: string;
}

export interface Diagnosis {
  id: string;
  title: string;
  /** The line of the paste that was recognised (trimmed, capped). */
  matched: string;
  extracted: Extracted;
  meaning: string;
  likelyCauses: string[];
  steps: RecoveryStep[];
  verify: string[];
  prevent: string[];
  confidence: Confidence;
}

/** What a playbook says for one set of extracted names. */
export interface Explanation {
  meaning: string;
  likelyCauses: string[];
  steps: RecoveryStep[];
  verify: string[];
  prevent: string[];
}

export interface PlaybookPattern {
  /**
   * Tried on each line. Must start with literal text (no leading quantifier) and use only
   * unambiguous character classes, so matching stays linear on huge pastes.
   */
  regex: RegExp;
  /** `following` holds the next few lines (PostgreSQL puts DETAIL/HINT lines under the error). */
  extract(match: RegExpExecArray, following: readonly string[]): Extracted;
  confidence?: Confidence;
}

export interface PlaybookCase {
  name: string;
  text: string;
  /** The extracted names the match must give (a subset check). */
  expect: Extracted;
}

export interface Playbook {
  /** kebab-case, equal to the file name. */
  id: string;
  title: string;
  /** One line for listings. */
  summary: string;
  patterns: PlaybookPattern[];
  explain(extracted: Extracted): Explanation;
  cases: {
    /** Pasted texts that must be recognised, with what must be extracted. */
    match: PlaybookCase[];
    /** Texts that look close but must not be recognised by this playbook. */
    nearMiss: string[];
  };
}

export function definePlaybook(playbook: Playbook): Playbook {
  return playbook;
}

/** `<app>` placeholder when a name was not in the paste, so commands stay copyable and obvious. */
export function orPlaceholder(value: string | undefined, placeholder: string): string {
  return value && value.length > 0 ? value : `<${placeholder}>`;
}

export function step(text: string, command?: string): RecoveryStep {
  return command === undefined ? { text } : { text, command };
}

/** `db.table` (MySQL qualifies table names with the schema) → `table`. */
export function unqualified(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot === -1 ? name : name.slice(dot + 1);
}

/**
 * Django names tables `<app_label>_<model>`; the part before the first underscore is the usual
 * app label, good enough to pre-fill a command (the text says it is a guess).
 */
export function appFromTable(table: string | undefined): string | undefined {
  if (!table) return undefined;
  const underscore = table.indexOf('_');
  return underscore > 0 ? table.slice(0, underscore) : undefined;
}
