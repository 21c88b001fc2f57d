/**
 * Reading `showmigrations`, `showmigrations --plan` and `migrate --plan` output, and comparing
 * what a database has applied with the migration graph on disk.
 */
import type { GraphReport, NodeId } from '../graph/types.js';
import type { MigrationFile } from '../types.js';

export interface ShowMigrationsEntry {
  name: string;
  applied: boolean;
  /** `[-]`: every replaced migration ran but the squashed one is not recorded yet. */
  recordingIncomplete?: boolean;
  /** `(4 squashed migrations)` */
  squashed?: number;
  /** `-v 2`: `(applied at 2024-01-01 12:00:00)` in list format. */
  appliedAt?: string;
  /** `--plan -v 2`: `... (app.0001_initial, auth.0012_x)`. */
  dependencies?: NodeId[];
}

export interface ShowMigrations {
  /** 'list': `showmigrations`; 'plan': `showmigrations --plan`; 'migrate-plan': `migrate --plan` (pending only). */
  format: 'list' | 'plan' | 'migrate-plan';
  apps: Record<string, ShowMigrationsEntry[]>;
  /** Every entry as `app.name`, in the order printed. */
  order: NodeId[];
}

// Each pattern starts with a fixed token after optional indentation: linear on any input.
// eslint-disable-next-line no-control-regex -- terminal colour codes are what we strip
const ansi = /\x1b\[[0-9;]*m/g;
const listEntry = /^\s{0,8}\[([ X-])\] (\w+)(?: \((\d+) squashed migrations\))?(?: Run 'manage\.py migrate' to finish recording\.)?(?: \(applied at ([0-9: -]{10,19})\))?\s*$/;
const planEntry = /^\s{0,8}\[([ X-])\]\s{1,4}(\w+)\.(\w+)(?: \.\.\. \(([\w., ]{0,4000})\))?\s*$/;
const appHeader = /^\s{0,4}([A-Za-z_]\w*)\s*$/;
const noMigrations = /^\s{0,8}\(no migrations\)\s*$/;
const plannedHeader = /^\s{0,4}Planned operations:\s*$/;
const plannedMigration = /^\s{0,2}(\w+)\.(\w+)\s*$/;

/** Parse pasted management command output; null when the text holds none. */
export function parseShowMigrations(text: string): ShowMigrations | null {
  const lines = text.replace(ansi, '').split('\n');
  const apps: Record<string, ShowMigrationsEntry[]> = {};
  const order: NodeId[] = [];
  let listEntries = 0;
  let planEntries = 0;
  let migratePlan = false;
  let header: string | undefined;

  const add = (app: string, entry: ShowMigrationsEntry): void => {
    (apps[app] ??= []).push(entry);
    order.push(`${app}.${entry.name}`);
  };

  for (const raw of lines) {
    const line = raw.replace(/\r$/, '');
    if (line.length > 5_000) continue;
    if (plannedHeader.test(line)) {
      migratePlan = true;
      continue;
    }
    if (migratePlan) {
      const planned = plannedMigration.exec(line);
      if (planned) {
        add(planned[1] ?? '', { name: planned[2] ?? '', applied: false });
        planEntries++;
      }
      continue;
    }
    const plan = planEntry.exec(line);
    if (plan) {
      const entry: ShowMigrationsEntry = { name: plan[3] ?? '', applied: plan[1] !== ' ' };
      if (plan[1] === '-') entry.recordingIncomplete = true;
      if (plan[4] !== undefined) entry.dependencies = plan[4].split(',').map((dep) => dep.trim()).filter((dep) => dep.length > 0);
      add(plan[2] ?? '', entry);
      planEntries++;
      continue;
    }
    const list = listEntry.exec(line);
    if (list && header) {
      const entry: ShowMigrationsEntry = { name: list[2] ?? '', applied: list[1] !== ' ' };
      if (list[1] === '-') entry.recordingIncomplete = true;
      if (list[3]) entry.squashed = Number(list[3]);
      if (list[4]) entry.appliedAt = list[4];
      add(header, entry);
      listEntries++;
      continue;
    }
    if (noMigrations.test(line) && header) {
      apps[header] ??= [];
      listEntries++;
      continue;
    }
    const app = appHeader.exec(line);
    header = app ? app[1] : header;
  }

  if (migratePlan) return { format: 'migrate-plan', apps, order };
  if (listEntries === 0 && planEntries === 0) return null;
  return { format: planEntries > listEntries ? 'plan' : 'list', apps, order };
}

export interface GraphComparison {
  /** In the graph, shown as not applied (`[ ]`), in plan order. */
  unapplied: NodeId[];
  /** Recorded as applied but no such migration on disk (deleted, renamed, or another branch's). */
  appliedMissingOnDisk: NodeId[];
  /** In the graph for an app the paste lists, but absent from the paste (a newer file on disk). */
  notShown: NodeId[];
  /**
   * Applied while one of its dependencies is not: Django raises InconsistentMigrationHistory.
   * `basis` says whether dependencies were known or only the order within the app was.
   */
  outOfOrder: Array<{ migration: NodeId; unappliedDependency: NodeId; basis: 'dependency' | 'order' }>;
}

export interface CompareOptions {
  /** The parsed files, for real dependencies (otherwise the paste's `-v 2` dependencies or the order). */
  files?: readonly MigrationFile[];
  /** Swappable settings → `app.Model` (AUTH_USER_MODEL defaults to auth.User). */
  swappable?: Record<string, string>;
}

/** Compare a database's applied migrations (showmigrations output) with the graph on disk. */
export function compareWithGraph(show: ShowMigrations, graph: GraphReport, options: CompareOptions = {}): GraphComparison {
  const onDisk = new Set(graph.plan);
  const replacedBy = new Map<NodeId, NodeId>();
  for (const squash of graph.squashes) for (const replaced of squash.replaces) replacedBy.set(replaced, squash.squashed);

  const status = new Map<NodeId, boolean>();
  for (const [app, entries] of Object.entries(show.apps)) for (const entry of entries) status.set(`${app}.${entry.name}`, entry.applied);

  const unapplied = graph.plan.filter((node) => status.get(node) === false);
  const appliedMissingOnDisk = [...status].filter(([node, applied]) => applied && !onDisk.has(node) && !replacedBy.has(node)).map(([node]) => node);
  // `migrate --plan` lists pending migrations only: absence there means applied, not unknown.
  const notShown =
    show.format === 'migrate-plan' ? [] : graph.plan.filter((node) => !status.has(node) && show.apps[appOf(node)] !== undefined && !replacedBy.has(node));

  const dependencies = dependencyMap(show, graph, options);
  const outOfOrder: GraphComparison['outOfOrder'] = [];
  if (dependencies) {
    for (const [node, applied] of status) {
      if (!applied) continue;
      for (const dep of dependencies.get(node) ?? []) {
        const target = replacedBy.get(dep) ?? dep;
        if (status.get(target) === false || status.get(dep) === false) outOfOrder.push({ migration: node, unappliedDependency: dep, basis: 'dependency' });
      }
    }
  } else if (show.format !== 'migrate-plan') {
    // Without dependencies, rely on the printed order within each app (Django prints a forwards plan).
    for (const [app, entries] of Object.entries(show.apps)) {
      let firstUnapplied: string | undefined;
      for (const entry of entries) {
        if (!entry.applied) firstUnapplied ??= entry.name;
        else if (firstUnapplied) outOfOrder.push({ migration: `${app}.${entry.name}`, unappliedDependency: `${app}.${firstUnapplied}`, basis: 'order' });
      }
    }
  }
  outOfOrder.sort((a, b) => (a.migration === b.migration ? (a.unappliedDependency < b.unappliedDependency ? -1 : 1) : a.migration < b.migration ? -1 : 1));
  return { unapplied, appliedMissingOnDisk, notShown, outOfOrder };
}

function appOf(node: NodeId): string {
  const dot = node.indexOf('.');
  return dot === -1 ? node : node.slice(0, dot);
}

function dependencyMap(show: ShowMigrations, graph: GraphReport, options: CompareOptions): Map<NodeId, NodeId[]> | undefined {
  if (options.files && options.files.length > 0) {
    const firstOf = new Map<string, NodeId>();
    for (const node of graph.plan) if (!firstOf.has(appOf(node))) firstOf.set(appOf(node), node);
    const swappable: Record<string, string> = { AUTH_USER_MODEL: 'auth.User', ...options.swappable };
    const map = new Map<NodeId, NodeId[]>();
    for (const file of options.files) {
      const deps: NodeId[] = [];
      for (const dep of file.dependencies) {
        let app: string;
        let name: string;
        if ('setting' in dep) {
          app = appOf(swappable[dep.setting] ?? '');
          name = '__first__';
        } else {
          app = dep.app;
          name = dep.name;
        }
        if (name === '__first__') {
          const first = firstOf.get(app);
          if (first && app !== file.app) deps.push(first);
        } else if (name === '__latest__') {
          for (const leaf of graph.apps[app]?.leaves ?? []) deps.push(leaf.includes('.') ? leaf : `${app}.${leaf}`);
        } else {
          deps.push(`${app}.${name}`);
        }
      }
      map.set(`${file.app}.${file.name}`, deps);
    }
    return map;
  }
  const fromPaste = new Map<NodeId, NodeId[]>();
  for (const [app, entries] of Object.entries(show.apps)) for (const entry of entries) if (entry.dependencies) fromPaste.set(`${app}.${entry.name}`, entry.dependencies);
  return fromPaste.size > 0 ? fromPaste : undefined;
}
