/**
 * The migration graph with Django's loader semantics (django/db/migrations/loader.py and graph.py),
 * rebuilt without Django: nodes from files, edges from `dependencies` and `run_before`,
 * `__first__`/`__latest__`, swappable dependencies, squashed migrations standing in for the ones
 * they replace. Where Django would raise (missing node, cycle), we record a diagnostic and carry
 * on, so one broken file never hides the rest of the report. Every walk is iterative: a long
 * history must not hit the call-stack limit.
 */
import type { Dependency, MigrationFile, MigrationKey } from '../types.js';
import type {
  BuildGraphOptions,
  GraphConflict,
  GraphCycle,
  GraphMissing,
  GraphNode,
  GraphReport,
  MigrationGraph,
  NodeId,
  StaleReplace,
} from './types.js';

export type * from './types.js';

const FIRST = '__first__';
const LATEST = '__latest__';

interface Vertex {
  key: MigrationKey;
  id: NodeId;
  parents: Set<Vertex>;
  children: Set<Vertex>;
  /** Named by a dependency but no file defines it (Django's DummyNode). */
  dummy: boolean;
  file: MigrationFile | null;
}

/** A place where a file names another migration, kept to report missing or replaced targets. */
interface Reference {
  from: MigrationFile;
  target: MigrationKey;
  via: 'dependency' | 'run_before';
  line: number;
}

export function nodeId(key: MigrationKey): NodeId {
  return `${key.app}.${key.name}`;
}

/** Map key that cannot collide even if an app label contained a dot. */
function mapKey(app: string, name: string): string {
  return `${app}\u0000${name}`;
}

/** Django compares keys as `(app, name)` tuples. */
export function compareKeys(a: MigrationKey, b: MigrationKey): number {
  if (a.app !== b.app) return a.app < b.app ? -1 : 1;
  if (a.name !== b.name) return a.name < b.name ? -1 : 1;
  return 0;
}

function compareVertices(a: Vertex, b: Vertex): number {
  return compareKeys(a.key, b.key);
}

/** Python's repr of a str, as Django's `%r` prints keys in its messages. */
function pyRepr(text: string): string {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  const escaped = text.replace(/\\/g, '\\\\').replace(new RegExp(quote, 'g'), `\\${quote}`);
  return `${quote}${escaped}${quote}`;
}

function keyRepr(key: MigrationKey): string {
  return `(${pyRepr(key.app)}, ${pyRepr(key.name)})`;
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Tie-break for two files with the same app, name and path, so input order never matters. */
function fingerprint(file: MigrationFile): string {
  try {
    return JSON.stringify([file.dependencies, file.replaces, file.runBefore, file.operations?.length, file.bytes]);
  } catch {
    return '';
  }
}

function isNonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}

function isKey(value: unknown): value is MigrationKey {
  return typeof value === 'object' && value !== null && isNonEmptyString((value as MigrationKey).app) && isNonEmptyString((value as MigrationKey).name);
}

function listOf<T>(value: readonly T[] | undefined | null): readonly T[] {
  return Array.isArray(value) ? value : [];
}

/** Resolve a swappable setting to the `(app, "__first__")` key `swappable_dependency()` produces. */
function resolveSetting(setting: string, swappable: Record<string, string>): MigrationKey | null {
  const name = setting.replace(/^(?:django\.conf\.)?settings\./, '');
  const value = swappable[name] ?? (name === 'AUTH_USER_MODEL' ? 'auth.User' : undefined);
  if (!isNonEmptyString(value)) return null;
  const app = value.split('.', 1)[0];
  return app ? { app, name: FIRST } : null;
}

class Graph implements MigrationGraph {
  private readonly vertices = new Map<string, Vertex>();
  /** Every file-backed vertex ever created, including the ones replaced later. */
  private readonly fileVertices = new Map<string, Vertex>();
  /** Replaced key → the squash that took its place. */
  private readonly replacedBy = new Map<string, Vertex>();
  private readonly references: Reference[] = [];
  private readonly firstParty = new Set<string>();
  private readonly invalidKeys = new Set<string>();
  private readonly squashFiles: MigrationFile[] = [];
  private readonly duplicates: Array<{ id: NodeId; paths: string[] }> = [];
  private readonly unresolvedSettings: NonNullable<GraphReport['unresolvedSettings']> = [];
  /** Roots/leaves per app while edges are still being added (`__first__`/`__latest__`). */
  private readonly rootCache = new Map<string, Vertex[]>();
  private readonly leafCache = new Map<string, Vertex[]>();
  private readonly appVertices = new Map<string, Vertex[]>();
  private cachedReport: GraphReport | null = null;
  private cachedLeaves: Map<string, Vertex[]> | null = null;
  private cachedCycles: GraphCycle[] | null = null;

  constructor(input: readonly MigrationFile[], private readonly options: BuildGraphOptions) {
    const files = this.admit(input);
    for (const file of files) this.addNode(file);
    const swappable = options.swappable ?? {};
    const resolved = files.map((file) => ({ file, deps: this.resolveDependencies(file, swappable) }));
    // Same-app edges first, so `__first__` from other apps finds the right root (loader.py order).
    for (const { file, deps } of resolved) {
      for (const dep of deps) {
        if (dep.key.app === file.app && dep.key.name !== FIRST) this.addDependency(file, file, dep.key, 'dependency', dep.line);
      }
    }
    for (const { file, deps } of resolved) {
      for (const dep of deps) {
        if (dep.key.app === file.app) continue;
        const parent = this.checkKey(dep.key, file.app);
        if (parent) this.addDependency(file, file, parent, 'dependency', dep.line);
      }
      for (const target of listOf(file.runBefore)) {
        if (!isKey(target)) continue;
        const child = this.checkKey(target, file.app);
        if (child) this.addDependency(file, child, file, 'run_before', file.classLine || 1);
      }
    }
    this.applyReplacements();
  }

  /** Drop malformed entries, sort for determinism, set aside duplicates and files without a Migration class. */
  private admit(input: readonly MigrationFile[]): MigrationFile[] {
    const candidates = listOf(input).filter((file): file is MigrationFile => typeof file === 'object' && file !== null && isNonEmptyString(file.app) && isNonEmptyString(file.name));
    const sorted = [...candidates].sort((a, b) => compareKeys(a, b) || compareText(String(a.path), String(b.path)) || compareText(fingerprint(a), fingerprint(b)));
    const admitted: MigrationFile[] = [];
    const seen = new Map<string, { id: NodeId; paths: string[] }>();
    for (const file of sorted) {
      const key = mapKey(file.app, file.name);
      if (file.hasMigrationClass === false) {
        this.invalidKeys.add(key);
        continue;
      }
      const earlier = seen.get(key);
      if (earlier) {
        earlier.paths.push(file.path);
        continue;
      }
      const entry = { id: nodeId(file), paths: [file.path] };
      seen.set(key, entry);
      admitted.push(file);
      this.firstParty.add(file.app);
    }
    for (const entry of seen.values()) if (entry.paths.length > 1) this.duplicates.push(entry);
    return admitted;
  }

  private addNode(file: MigrationFile): void {
    const vertex: Vertex = { key: { app: file.app, name: file.name }, id: nodeId(file), parents: new Set(), children: new Set(), dummy: false, file };
    const key = mapKey(file.app, file.name);
    this.vertices.set(key, vertex);
    this.fileVertices.set(key, vertex);
    const list = this.appVertices.get(file.app);
    if (list) list.push(vertex);
    else this.appVertices.set(file.app, [vertex]);
    if (listOf(file.replaces).length > 0) this.squashFiles.push(file);
  }

  private resolveDependencies(file: MigrationFile, swappable: Record<string, string>): Array<{ key: MigrationKey; line: number }> {
    const deps: Array<{ key: MigrationKey; line: number }> = [];
    for (const dep of listOf<Dependency>(file.dependencies)) {
      if (typeof dep !== 'object' || dep === null) continue;
      const line = typeof dep.line === 'number' ? dep.line : file.classLine || 1;
      if ('setting' in dep) {
        const key = isNonEmptyString(dep.setting) ? resolveSetting(dep.setting, swappable) : null;
        if (key) deps.push({ key, line });
        else this.unresolvedSettings.push({ from: { app: file.app, name: file.name }, setting: String(dep.setting), path: file.path, line });
      } else if (isKey(dep)) {
        deps.push({ key: { app: dep.app, name: dep.name }, line });
      }
    }
    return deps;
  }

  /**
   * loader.check_key: plain keys pass through; `__first__`/`__latest__` become the app's root or
   * leaf, and are ignored for the same app. Apps we did not read (Django contrib, third-party)
   * are external: we cannot see their migrations, so we neither link nor flag them.
   */
  private checkKey(key: MigrationKey, currentApp: string): MigrationKey | null {
    const special = key.name === FIRST || key.name === LATEST;
    if (!special || this.vertices.has(mapKey(key.app, key.name))) {
      return this.firstParty.has(key.app) || this.vertices.has(mapKey(key.app, key.name)) ? key : null;
    }
    if (key.app === currentApp || !this.firstParty.has(key.app)) return null;
    const candidates = key.name === FIRST ? this.rootsOf(key.app) : this.liveLeavesOf(key.app);
    return candidates[0]?.key ?? null;
  }

  private rootsOf(app: string): Vertex[] {
    let roots = this.rootCache.get(app);
    if (!roots) {
      roots = (this.appVertices.get(app) ?? []).filter((v) => this.vertices.get(mapKey(v.key.app, v.key.name)) === v && ![...v.parents].some((p) => p.key.app === app && !p.dummy)).sort(compareVertices);
      this.rootCache.set(app, roots);
    }
    return roots;
  }

  private liveLeavesOf(app: string): Vertex[] {
    let leaves = this.leafCache.get(app);
    if (!leaves) {
      leaves = (this.appVertices.get(app) ?? []).filter((v) => this.vertices.get(mapKey(v.key.app, v.key.name)) === v && ![...v.children].some((c) => c.key.app === app && !c.dummy)).sort(compareVertices);
      this.leafCache.set(app, leaves);
    }
    return leaves;
  }

  private vertexFor(key: MigrationKey): Vertex | null {
    const k = mapKey(key.app, key.name);
    const existing = this.vertices.get(k);
    if (existing) return existing;
    // A dependency on a file that is not a migration (no Migration class) is reported by the
    // no-migration-class rule; flagging it as missing too would only repeat that finding.
    if (this.invalidKeys.has(k)) return null;
    const vertex: Vertex = { key: { app: key.app, name: key.name }, id: nodeId(key), parents: new Set(), children: new Set(), dummy: true, file: null };
    this.vertices.set(k, vertex);
    return vertex;
  }

  /** graph.add_dependency with skip_validation: missing ends become dummy vertices. */
  private addDependency(from: MigrationFile, childKey: MigrationKey, parentKey: MigrationKey, via: Reference['via'], line: number): void {
    this.references.push({ from, target: via === 'dependency' ? parentKey : childKey, via, line });
    const child = this.vertexFor(childKey);
    const parent = this.vertexFor(parentKey);
    if (!child || !parent) return;
    child.parents.add(parent);
    parent.children.add(child);
    if (child.key.app === parent.key.app) {
      this.rootCache.delete(child.key.app);
      this.leafCache.delete(child.key.app);
    }
  }

  /** loader.build_graph's replacement step, with an optional applied set like a real database. */
  private applyReplacements(): void {
    const applied = new Set(listOf(this.options.applied));
    const squashKeys = new Set(this.squashFiles.map((f) => mapKey(f.app, f.name)));
    // A squash that is itself replaced by another goes first, so the outer one can absorb it.
    const nested = new Set<string>();
    for (const file of this.squashFiles) for (const r of listOf(file.replaces)) if (isKey(r) && squashKeys.has(mapKey(r.app, r.name))) nested.add(mapKey(r.app, r.name));
    const ordered = [...this.squashFiles].sort((a, b) => Number(nested.has(mapKey(b.app, b.name))) - Number(nested.has(mapKey(a.app, a.name))) || compareKeys(a, b));
    for (const file of ordered) {
      const replaces = listOf(file.replaces).filter(isKey);
      const replacement = this.vertices.get(mapKey(file.app, file.name));
      if (!replacement || replacement.dummy) continue;
      const statuses = replaces.map((r) => applied.has(nodeId(r)));
      const all = statuses.every(Boolean);
      const none = !statuses.some(Boolean);
      if (all || none) this.removeReplacedNodes(replacement, replaces);
      else this.removeReplacementNode(replacement, replaces);
    }
    this.rootCache.clear();
    this.leafCache.clear();
  }

  private removeReplacedNodes(replacement: Vertex, replaces: MigrationKey[]): void {
    const replacedKeys = new Set(replaces.map((r) => mapKey(r.app, r.name)));
    for (const k of replacedKeys) {
      const replaced = this.vertices.get(k);
      if (!replaced || replaced === replacement) continue;
      this.vertices.delete(k);
      this.replacedBy.set(k, replacement);
      for (const child of replaced.children) {
        child.parents.delete(replaced);
        if (!replacedKeys.has(mapKey(child.key.app, child.key.name))) {
          replacement.children.add(child);
          child.parents.add(replacement);
        }
      }
      for (const parent of replaced.parents) {
        parent.children.delete(replaced);
        if (!replacedKeys.has(mapKey(parent.key.app, parent.key.name))) {
          replacement.parents.add(parent);
          parent.children.add(replacement);
        }
      }
    }
  }

  private removeReplacementNode(replacement: Vertex, replaces: MigrationKey[]): void {
    this.vertices.delete(mapKey(replacement.key.app, replacement.key.name));
    const replaced = new Set<Vertex>();
    const replacedParents = new Set<Vertex>();
    for (const r of replaces) {
      const vertex = this.vertices.get(mapKey(r.app, r.name));
      if (!vertex) continue;
      replaced.add(vertex);
      for (const p of vertex.parents) replacedParents.add(p);
    }
    for (const p of replacedParents) replaced.delete(p);
    for (const child of replacement.children) {
      child.parents.delete(replacement);
      for (const vertex of replaced) {
        vertex.children.add(child);
        child.parents.add(vertex);
      }
    }
    for (const parent of replacement.parents) parent.children.delete(replacement);
  }

  // ---- queries ---------------------------------------------------------------------------

  private resolveTarget(id: NodeId | MigrationKey): Vertex | undefined {
    if (typeof id === 'string') {
      const dot = id.indexOf('.');
      if (dot <= 0) return undefined;
      return this.fileVertices.get(mapKey(id.slice(0, dot), id.slice(dot + 1)));
    }
    return isKey(id) ? this.fileVertices.get(mapKey(id.app, id.name)) : undefined;
  }

  private inGraph(vertex: Vertex): boolean {
    return !vertex.dummy && this.vertices.get(mapKey(vertex.key.app, vertex.key.name)) === vertex;
  }

  /** The squash that finally stands in for a replaced key (squashes of squashes followed). */
  private standIn(k: string): Vertex | undefined {
    let current = this.replacedBy.get(k);
    for (let hops = 0; current && hops < 1000; hops++) {
      const next = this.replacedBy.get(mapKey(current.key.app, current.key.name));
      if (!next) return current;
      current = next;
    }
    return current;
  }

  private leafMap(): Map<string, Vertex[]> {
    if (this.cachedLeaves) return this.cachedLeaves;
    const leaves = new Map<string, Vertex[]>();
    for (const vertex of this.vertices.values()) {
      if (vertex.dummy) continue;
      let isLeaf = true;
      for (const child of vertex.children) {
        if (!child.dummy && child.key.app === vertex.key.app) {
          isLeaf = false;
          break;
        }
      }
      if (!isLeaf) continue;
      const list = leaves.get(vertex.key.app);
      if (list) list.push(vertex);
      else leaves.set(vertex.key.app, [vertex]);
    }
    for (const list of leaves.values()) list.sort(compareVertices);
    this.cachedLeaves = leaves;
    return leaves;
  }

  apps(): string[] {
    return [...this.firstParty].sort();
  }

  leaves(app: string): NodeId[] {
    return (this.leafMap().get(app) ?? []).map((v) => v.id);
  }

  node(id: NodeId | MigrationKey): GraphNode | undefined {
    const vertex = this.resolveTarget(id);
    if (!vertex || !vertex.file) return undefined;
    const live = (set: Set<Vertex>) => [...set].filter((v) => !v.dummy).sort(compareVertices).map((v) => v.id);
    const stand = this.inGraph(vertex) ? undefined : this.standIn(mapKey(vertex.key.app, vertex.key.name));
    return {
      id: vertex.id,
      key: { ...vertex.key },
      path: vertex.file.path,
      parents: live(vertex.parents),
      children: live(vertex.children),
      replacedBy: stand ? stand.id : null,
      inGraph: this.inGraph(vertex),
    };
  }

  file(id: NodeId | MigrationKey): MigrationFile | undefined {
    return this.resolveTarget(id)?.file ?? undefined;
  }

  /**
   * graph.forwards_plan for each target, skipping what an earlier target already planned (what
   * executor.migration_plan does on an empty database). Parents are pushed in sorted order, so
   * the largest is walked first, exactly like iterative_dfs. Unlike Django it also terminates on
   * a cycle (a node already being expanded is not expanded again).
   */
  order(): NodeId[] {
    const leaves = [...this.leafMap().values()].flat().sort(compareVertices);
    const rest = [...this.vertices.values()].filter((v) => !v.dummy).sort(compareVertices);
    return this.walk([...leaves, ...rest]);
  }

  plan(targets?: ReadonlyArray<NodeId | MigrationKey>): NodeId[] {
    let starts: Vertex[];
    if (targets === undefined) {
      starts = [...this.leafMap().values()].flat().sort(compareVertices);
    } else {
      starts = [];
      for (const target of listOf(targets)) {
        let vertex = this.resolveTarget(target);
        if (vertex && !this.inGraph(vertex)) vertex = this.standIn(mapKey(vertex.key.app, vertex.key.name));
        if (vertex && this.inGraph(vertex)) starts.push(vertex);
      }
    }
    return this.walk(starts);
  }

  private walk(starts: Vertex[]): NodeId[] {
    const done = new Set<Vertex>();
    const expanding = new Set<Vertex>();
    const out: NodeId[] = [];
    // Parallel stacks (vertex, processed) and one reused parent list: no tuple or array per step.
    const stack: Vertex[] = [];
    const processedStack: boolean[] = [];
    const parents: Vertex[] = [];
    for (const start of starts) {
      stack.push(start);
      processedStack.push(false);
      while (stack.length > 0) {
        const vertex = stack.pop()!;
        const processed = processedStack.pop()!;
        if (done.has(vertex)) continue;
        if (processed) {
          done.add(vertex);
          expanding.delete(vertex);
          out.push(vertex.id);
          continue;
        }
        if (expanding.has(vertex)) continue;
        expanding.add(vertex);
        stack.push(vertex);
        processedStack.push(true);
        parents.length = 0;
        for (const parent of vertex.parents) if (!parent.dummy && !done.has(parent)) parents.push(parent);
        if (parents.length > 1) parents.sort(compareVertices);
        for (const parent of parents) {
          stack.push(parent);
          processedStack.push(false);
        }
      }
    }
    return out;
  }

  // ---- report ----------------------------------------------------------------------------

  report(): GraphReport {
    if (this.cachedReport) return this.cachedReport;
    const leaves = this.leafMap();
    const apps: GraphReport['apps'] = {};
    for (const app of this.apps()) {
      apps[app] = { migrations: (this.appVertices.get(app) ?? []).length, leaves: (leaves.get(app) ?? []).map((v) => v.id) };
    }
    const cycles = this.cycles();
    const report: GraphReport = {
      apps,
      conflicts: this.conflicts(leaves),
      cycles,
      missing: this.missing(),
      staleReplaces: this.staleReplaces(),
      squashes: this.squashFiles
        .map((file) => {
          const vertex = this.fileVertices.get(mapKey(file.app, file.name));
          return { squashed: nodeId(file), replaces: listOf(file.replaces).filter(isKey).map(nodeId), used: vertex ? this.inGraph(vertex) : false };
        })
        .sort((a, b) => (a.squashed < b.squashed ? -1 : a.squashed > b.squashed ? 1 : 0)),
      plan: cycles.length > 0 ? [] : this.plan(),
    };
    if (this.duplicates.length > 0) report.duplicates = this.duplicates.map((d) => ({ id: d.id, paths: [...d.paths] }));
    if (this.unresolvedSettings.length > 0) report.unresolvedSettings = this.unresolvedSettings.map((u) => ({ ...u, from: { ...u.from } }));
    this.cachedReport = report;
    return report;
  }

  /** loader.detect_conflicts, plus what each branch added since the branches split. */
  private conflicts(leaves: Map<string, Vertex[]>): GraphConflict[] {
    const conflicts: GraphConflict[] = [];
    const apps = [...leaves.keys()].sort();
    let order: Map<string, number> | null = null;
    for (const app of apps) {
      const appLeaves = leaves.get(app)!;
      if (appLeaves.length < 2) continue;
      order ??= new Map(this.plan().map((id, i) => [id, i]));
      const ancestry = appLeaves.map((leaf) => this.sameAppAncestors(leaf));
      const counts = new Map<Vertex, number>();
      for (const set of ancestry) for (const v of set) counts.set(v, (counts.get(v) ?? 0) + 1);
      const branches: Record<string, string[]> = {};
      appLeaves.forEach((leaf, i) => {
        const rank = order!;
        branches[leaf.id] = [...ancestry[i]!]
          .filter((v) => counts.get(v) === 1)
          .sort((a, b) => (rank.get(a.id) ?? 0) - (rank.get(b.id) ?? 0) || compareVertices(a, b))
          .map((v) => v.id);
      });
      conflicts.push({ app, leaves: appLeaves.map((v) => v.id), branches });
    }
    return conflicts;
  }

  /** The leaf and every migration of its app it depends on, directly or through other apps. */
  private sameAppAncestors(leaf: Vertex): Set<Vertex> {
    const seen = new Set<Vertex>([leaf]);
    const stack = [leaf];
    const result = new Set<Vertex>([leaf]);
    while (stack.length > 0) {
      const vertex = stack.pop()!;
      for (const parent of vertex.parents) {
        if (parent.dummy || seen.has(parent)) continue;
        seen.add(parent);
        stack.push(parent);
        if (parent.key.app === leaf.key.app) result.add(parent);
      }
    }
    return result;
  }

  /** Tarjan's strongly connected components (iterative), one concrete cycle per component. */
  private cycles(): GraphCycle[] {
    if (this.cachedCycles) return this.cachedCycles;
    const live = [...this.vertices.values()].filter((v) => !v.dummy).sort(compareVertices);
    const index = new Map<Vertex, number>();
    const low = new Map<Vertex, number>();
    const onStack = new Set<Vertex>();
    const sccStack: Vertex[] = [];
    const components: Vertex[][] = [];
    let counter = 0;
    for (const root of live) {
      if (index.has(root)) continue;
      const work: Array<{ v: Vertex; parents: Vertex[]; i: number }> = [];
      const enter = (v: Vertex) => {
        index.set(v, counter);
        low.set(v, counter);
        counter++;
        sccStack.push(v);
        onStack.add(v);
        work.push({ v, parents: [...v.parents].filter((p) => !p.dummy), i: 0 });
      };
      enter(root);
      while (work.length > 0) {
        const frame = work[work.length - 1]!;
        if (frame.i < frame.parents.length) {
          const next = frame.parents[frame.i++]!;
          if (!index.has(next)) enter(next);
          else if (onStack.has(next)) low.set(frame.v, Math.min(low.get(frame.v)!, index.get(next)!));
          continue;
        }
        work.pop();
        const caller = work[work.length - 1];
        if (caller) low.set(caller.v, Math.min(low.get(caller.v)!, low.get(frame.v)!));
        if (low.get(frame.v) === index.get(frame.v)) {
          const component: Vertex[] = [];
          let member: Vertex;
          do {
            member = sccStack.pop()!;
            onStack.delete(member);
            component.push(member);
          } while (member !== frame.v);
          if (component.length > 1 || frame.v.parents.has(frame.v)) components.push(component);
        }
      }
    }
    const cycles = components.map((component) => this.cycleIn(component)).sort((a, b) => (a.path[0]! < b.path[0]! ? -1 : a.path[0]! > b.path[0]! ? 1 : 0));
    this.cachedCycles = cycles;
    return cycles;
  }

  /** Shortest cycle through the component's smallest node, following "depends on" edges. */
  private cycleIn(component: Vertex[]): GraphCycle {
    const members = new Set(component);
    const start = [...component].sort(compareVertices)[0]!;
    const previous = new Map<Vertex, Vertex>();
    const queue: Vertex[] = [start];
    let closing: Vertex | null = null;
    for (let head = 0; head < queue.length && !closing; head++) {
      const vertex = queue[head]!;
      for (const parent of [...vertex.parents].sort(compareVertices)) {
        if (!members.has(parent)) continue;
        if (parent === start) {
          closing = vertex;
          break;
        }
        if (previous.has(parent)) continue;
        previous.set(parent, vertex);
        queue.push(parent);
      }
    }
    const path: Vertex[] = [];
    for (let v: Vertex | undefined = closing ?? start; v && v !== start; v = previous.get(v)) path.push(v);
    path.push(start);
    path.reverse();
    const ids = [...path.map((v) => v.id), start.id];
    // Django walks children (execution order), so its message lists the same cycle reversed.
    const execution = [start, ...[...path.slice(1)].reverse()].map((v) => v.id);
    return { path: ids, message: execution.join(', ') };
  }

  private missing(): GraphMissing[] {
    const reverseReplacements = new Map<string, Vertex[]>();
    for (const file of this.squashFiles) {
      const vertex = this.fileVertices.get(mapKey(file.app, file.name));
      if (!vertex) continue;
      for (const r of listOf(file.replaces)) {
        if (!isKey(r)) continue;
        const k = mapKey(r.app, r.name);
        const list = reverseReplacements.get(k);
        if (list) list.push(vertex);
        else reverseReplacements.set(k, [vertex]);
      }
    }
    const missing: GraphMissing[] = [];
    for (const ref of this.references) {
      const k = mapKey(ref.target.app, ref.target.name);
      const vertex = this.vertices.get(k);
      if (!vertex || !vertex.dummy) continue;
      const from = nodeId(ref.from);
      let message = `Migration ${from} dependencies reference nonexistent ${ref.via === 'dependency' ? 'parent' : 'child'} node ${keyRepr(ref.target)}`;
      const candidates = reverseReplacements.get(k);
      if (candidates && !candidates.some((c) => this.inGraph(c))) {
        message =
          `Migration ${from} depends on nonexistent node ${keyRepr(ref.target)}. Django tried to replace migration ${nodeId(ref.target)} with any of ` +
          `[${candidates.map((c) => c.id).join(', ')}] but wasn't able to because some of the replaced migrations are already applied.`;
      }
      missing.push({ from: { app: ref.from.app, name: ref.from.name }, missing: { ...ref.target }, via: ref.via, message, path: ref.from.path, line: ref.line });
    }
    return missing.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : a.line - b.line || compareKeys(a.missing, b.missing)));
  }

  private staleReplaces(): StaleReplace[] {
    const stale: StaleReplace[] = [];
    for (const file of this.squashFiles) {
      const vertex = this.fileVertices.get(mapKey(file.app, file.name));
      if (!vertex || !this.inGraph(vertex)) continue;
      const replaces = listOf(file.replaces).filter(isKey);
      const present = replaces.filter((r) => this.fileVertices.has(mapKey(r.app, r.name)));
      const id = nodeId(file);
      const line = file.classLine || 1;
      if (present.length === 0) {
        stale.push({
          squashed: { app: file.app, name: file.name },
          kind: 'replaced-files-gone',
          message: `${id} still lists \`replaces\`, but none of the ${replaces.length} migrations it replaces exist any more. Once every database has applied it, remove \`replaces\` and point dependents at ${id}.`,
          path: file.path,
          line,
        });
      } else if (present.length < replaces.length) {
        const absent = replaces.filter((r) => !this.fileVertices.has(mapKey(r.app, r.name))).map(nodeId);
        stale.push({
          squashed: { app: file.app, name: file.name },
          kind: 'partially-present',
          message: `${id} replaces ${replaces.length} migrations but only ${present.length} of them exist (missing: ${absent.join(', ')}). A database that applied some of them cannot use the squash, and Django then fails with NodeNotFoundError.`,
          path: file.path,
          line,
          absent,
        });
      }
    }
    for (const ref of this.references) {
      const k = mapKey(ref.target.app, ref.target.name);
      if (this.fileVertices.has(k) || this.vertices.has(k)) continue;
      const squash = this.standIn(k);
      if (!squash || !squash.file) continue;
      stale.push({
        squashed: { ...squash.key },
        kind: 'depends-on-replaced',
        message: `${nodeId(ref.from)} ${ref.via === 'dependency' ? 'depends on' : 'runs before'} ${nodeId(ref.target)}, which no longer exists and resolves only through the \`replaces\` list of ${squash.id}; it breaks once \`replaces\` is removed.`,
        path: ref.from.path,
        line: ref.line,
        from: { app: ref.from.app, name: ref.from.name },
        target: { ...ref.target },
      });
    }
    return stale.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : a.line - b.line));
  }
}

/** An inert graph for input we could not even start on (never thrown at callers). */
function emptyGraph(): MigrationGraph {
  return new Graph([], {});
}

/** Build the migration graph of a set of files. Never throws. */
export function buildGraph(files: readonly MigrationFile[], opts: BuildGraphOptions = {}): MigrationGraph {
  try {
    return new Graph(files, opts ?? {});
  } catch {
    // Only reachable with input that breaks the MigrationFile contract (e.g. getters that throw).
    return emptyGraph();
  }
}
