/** The fix generator's data: recipe steps, the files they become and what could not be fixed. */
import type { Finding } from '../rules/types.js';
import type { ProjectState } from '../state/index.js';
import type { OperationSql, SqlTarget } from '../sql/index.js';
import type { Database, MigrationFile, Operation } from '../types.js';
import type { SourceText } from './source.js';

/** One generated migration file before it is named and chained. */
export interface FixStep {
  /** Short snake_case words for the file name: `add_nullable`, `validate`. */
  slug: string;
  /**
   * The release (deploy) this file ships with, counted from the release that carries the original
   * migration (1). A recipe's later releases come after its earlier ones have rolled out everywhere.
   */
  release: number;
  /** Set for a migration that must not run in a transaction: the comment saying why. */
  nonAtomicBecause?: string;
  /** Operations as Python source, unindented (continuation lines relative to the first). */
  operations: string[];
  /** Module-level code (RunPython functions) placed above the class. */
  functions?: string[];
  /** Names this step needs from `django.db` besides `migrations` and `models` (e.g. `transaction`). */
  djangoDbNames?: string[];
  /** Other import statements this step needs. */
  imports?: string[];
  /** The step holds operations of the original as written (it needs the original's module-level code). */
  verbatim?: boolean;
  /** What this file does, for the deploy-order note. */
  note: string;
}

/** A change the application code needs in one release of a recipe. */
export interface CodeStep {
  release: number;
  text: string;
}

/** What a recipe makes of one operation. */
export type RecipePlan =
  | { steps: FixStep[]; /** What to change in the code for each release, for the note. */ codeSteps?: CodeStep[] }
  | { noFix: string };

export interface FixContext {
  op: Operation;
  migration: MigrationFile;
  source: SourceText;
  /** The project state just before the operation and just after it. */
  before: ProjectState;
  after: ProjectState;
  target: SqlTarget;
  /** The statements predicted for this operation in place (Django's own SQL and names). */
  predicted: OperationSql | undefined;
  /** The findings at warning or above on this operation. */
  findings: Finding[];
  swappable: Record<string, string>;
}

export interface FixRecipe {
  id: string;
  title: string;
  /** Rule ids whose finding this recipe answers. */
  fixes: readonly string[];
  operationTypes: readonly string[];
  /** Vendors the recipe has a plan for; the others get a noFix saying so. */
  databases: readonly Database[];
  /** Null: the recipe does not apply to this operation (another may). */
  plan(ctx: FixContext): RecipePlan | null;
}

/** One file of the fixed sequence. */
export interface FixedFile {
  /** Migration name (file name without `.py`). */
  name: string;
  /** Path next to the original (POSIX). */
  path: string;
  release: number;
  source: string;
  /** This file keeps the original name (it replaces the original in place). */
  original: boolean;
  note: string;
}

export interface UnfixedOperation {
  index: number;
  type: string;
  ruleIds: string[];
  reason: string;
}

export interface FixedOperation {
  index: number;
  type: string;
  recipe: string;
  ruleIds: string[];
}

export interface FixResult {
  /** The original migration's path. */
  path: string;
  files: FixedFile[];
  fixed: FixedOperation[];
  unfixed: UnfixedOperation[];
  /** The deploy-order note: which file ships with which release, and the code changes in between. */
  note: string[];
}

/** Input the generator refuses: the message says what happened and what to do. */
export class FixInputError extends Error {
  constructor(
    readonly code: 'not-a-migration' | 'unparseable' | 'no-risk' | 'not-in-project' | 'squashed',
    message: string,
    readonly hint: string,
  ) {
    super(message);
    this.name = 'FixInputError';
  }
}
