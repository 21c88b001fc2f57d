import type { MigrationFile, MigrationKey } from '../types.js';

/** `app.name`, the form Django prints. */
export type NodeId = string;

export interface GraphConflict {
  app: string;
  /** The leaf migrations as `app.name`, sorted (Django: "multiple leaf nodes"). */
  leaves: string[];
  /** Per leaf, the migrations only that branch has since the common ancestor, oldest first. */
  branches: Record<string, string[]>;
}

export interface GraphMissing {
  /** The migration that names the missing node. */
  from: MigrationKey;
  missing: MigrationKey;
  via: 'dependency' | 'run_before' | 'replaces';
  /** What Django would say (NodeNotFoundError / ValueError text). */
  message: string;
  path: string;
  line: number;
}

export interface GraphCycle {
  /**
   * The cycle, first node repeated at the end: `a.0002 → b.0001 → a.0002`; each node depends on
   * the next one. One cycle per strongly connected component, starting at its smallest node.
   */
  path: NodeId[];
  /** What Django's CircularDependencyError would print (the same cycle, in execution order). */
  message: string;
}

/**
 * A squash transition left half done. `path`/`line` point at the squashed migration, except for
 * `depends-on-replaced`, where they point at the dependency that names the deleted migration.
 */
export interface StaleReplace {
  /** The squashed migration (for `depends-on-replaced`: the one standing in for the target). */
  squashed: MigrationKey;
  kind: 'replaced-files-gone' | 'depends-on-replaced' | 'partially-present';
  message: string;
  /** For `depends-on-replaced`: the migration that names a replaced migration (path/line point at it). */
  from?: MigrationKey;
  /** For `depends-on-replaced`: the replaced migration it names. */
  target?: MigrationKey;
  /** For `partially-present`: the replaced migrations whose files are gone. */
  absent?: NodeId[];
  path: string;
  line: number;
}

export interface GraphReport {
  /** First-party apps (those with migration files), with their file count and leaf migrations as `app.name` (sorted). */
  apps: Record<string, { migrations: number; leaves: string[] }>;
  conflicts: GraphConflict[];
  cycles: GraphCycle[];
  missing: GraphMissing[];
  staleReplaces: StaleReplace[];
  /** Squashed migrations (files with `replaces`), what they replace, and whether the graph uses them. */
  squashes: Array<{ squashed: NodeId; replaces: NodeId[]; used: boolean }>;
  /** Forward plan like `migrate --plan` (empty when a cycle prevents one). */
  plan: NodeId[];
  /** Two files with the same app and name: only the first (by path) is in the graph. */
  duplicates?: Array<{ id: NodeId; paths: string[] }>;
  /** Swappable dependencies whose setting we could not resolve (treated as external). */
  unresolvedSettings?: Array<{ from: MigrationKey; setting: string; path: string; line: number }>;
}

/** One migration as the graph sees it. */
export interface GraphNode {
  id: NodeId;
  key: MigrationKey;
  path: string;
  /** Nodes this one depends on (after `__first__`/`__latest__`, swappable and squash resolution), sorted. */
  parents: NodeId[];
  /** Nodes that depend on this one, sorted. */
  children: NodeId[];
  /** The squashed migration standing in for this one, when it was replaced. */
  replacedBy: NodeId | null;
  /** False when the node left the graph (replaced by a squash). */
  inGraph: boolean;
}

export interface BuildGraphOptions {
  /** Swappable settings → `app.Model` (AUTH_USER_MODEL defaults to `auth.User`). */
  swappable?: Record<string, string>;
  /**
   * Migrations known to be applied (from `showmigrations`), as `app.name`. Only changes which
   * squashed migrations are used, exactly like Django's loader; absent = nothing applied.
   */
  applied?: readonly NodeId[];
}

export interface MigrationGraph {
  report(): GraphReport;
  /** Forward plan for the targets (default: every leaf), like `migrate --plan` on an empty database. */
  plan(targets?: ReadonlyArray<NodeId | MigrationKey>): NodeId[];
  /**
   * Every node in the graph once, in plan order; nodes the plan cannot reach (a cycle with no
   * leaf) come last. This is the order state replay walks.
   */
  order(): NodeId[];
  /** Leaf migrations of an app, sorted. */
  leaves(app: string): NodeId[];
  node(id: NodeId | MigrationKey): GraphNode | undefined;
  /** The file behind a node (also for nodes replaced by a squash). */
  file(id: NodeId | MigrationKey): MigrationFile | undefined;
  /** First-party apps (those with at least one migration file), sorted. */
  apps(): string[];
}
