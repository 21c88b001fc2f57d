import type { MigrationKey } from '../types.js';

/** `app.name`, the form Django prints. */
export type NodeId = string;

export interface GraphConflict {
  app: string;
  /** The leaf migrations (Django: "multiple leaf nodes"). */
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
  /** The cycle, first node repeated at the end: `a.0002 → b.0001 → a.0002`. */
  path: NodeId[];
}

export interface StaleReplace {
  /** The squashed migration. */
  squashed: MigrationKey;
  kind: 'replaced-files-gone' | 'depends-on-replaced' | 'partially-present';
  message: string;
  path: string;
  line: number;
}

export interface GraphReport {
  /** Apps seen, with their leaf migrations (sorted). */
  apps: Record<string, { migrations: number; leaves: string[] }>;
  conflicts: GraphConflict[];
  cycles: GraphCycle[];
  missing: GraphMissing[];
  staleReplaces: StaleReplace[];
  /** Squashed migrations in use, and what they replace. */
  squashes: Array<{ squashed: NodeId; replaces: NodeId[]; used: boolean }>;
  /** Forward plan like `migrate --plan` (empty when a cycle prevents one). */
  plan: NodeId[];
}
