/**
 * State replay: what Django's ProjectState would hold before each migration, without Django.
 * We walk the graph's order once, applying each operation's state effect (state_forwards), and
 * record every model change in a per-model history tagged with a sequence number. A snapshot is
 * then just a position in that history: reading a model is a binary search, taking a snapshot
 * costs nothing, and nothing is ever deep-cloned. Changes made on top of a snapshot (`apply`) go
 * into a small copy-on-write overlay of the models they touch.
 */
import type { MigrationGraph, NodeId } from '../graph/types.js';
import type { ModelState, OperationVisit, StateView } from '../rules/types.js';
import type { FieldDef, MigrationFile, MigrationKey, Operation, PyValue } from '../types.js';

/** A project state you can read (case-insensitive model lookup) and extend without mutating it. */
export interface ProjectState extends StateView {
  /** A new state with `op` applied as migration `at` of `app` would apply it; this one is unchanged. */
  apply(op: Operation, app: string, at?: MigrationKey): ProjectState;
}

export interface StateTimeline {
  /** State just before the migration runs (the final state for a key the replay never saw). */
  before(key: MigrationKey): ProjectState;
  /** State after every migration in the graph. */
  final(): ProjectState;
  /** Order the migrations were replayed in. */
  order: readonly NodeId[];
  /**
   * The state before each top-level operation of `file`, read straight from the replay (nothing is
   * re-applied); undefined unless the replay applied this very file object with no operation failing.
   */
  operationStates?(file: MigrationFile): ProjectState[] | undefined;
}

/** Keys AlterModelOptions replaces wholesale (Django's AlterModelOptions.ALTER_OPTION_KEYS). */
const ALTER_OPTION_KEYS = [
  'base_manager_name',
  'default_manager_name',
  'default_related_name',
  'get_latest_by',
  'managed',
  'ordering',
  'permissions',
  'default_permissions',
  'select_on_save',
  'verbose_name',
  'verbose_name_plural',
];

function modelKey(app: string, name: string): string {
  return `${app}\u0000${name.toLowerCase()}`;
}

function str(value: PyValue | undefined): string | undefined {
  return value?.kind === 'str' ? value.value : undefined;
}

function items(value: PyValue | undefined): PyValue[] {
  return value && (value.kind === 'list' || value.kind === 'tuple' || value.kind === 'set') ? value.items : [];
}

/** A dict literal with string keys as a record (other keys are dropped). */
function dictRecord(value: PyValue | undefined): Record<string, PyValue> {
  const record: Record<string, PyValue> = {};
  if (value?.kind !== 'dict') return record;
  for (const entry of value.entries) if (entry.key.kind === 'str') record[entry.key.value] = entry.value;
  return record;
}

/** The `name=` of an index or constraint call: `models.Index(fields=[...], name="x")`. */
function objectName(value: PyValue): string | undefined {
  return value.kind === 'call' ? str(value.kwargs['name']) : undefined;
}

function withName(value: PyValue, name: string): PyValue {
  return value.kind === 'call' ? { ...value, kwargs: { ...value.kwargs, name: { kind: 'str', value: name } } } : value;
}

function makeModel(app: string, name: string, fields: ReadonlyMap<string, FieldDef>, options: Record<string, PyValue>, createdIn: MigrationKey | null): ModelState {
  const table = options['db_table'];
  return { app, name, fields, options, dbTable: table?.kind === 'str' ? table.value : null, createdIn };
}

function modelName(op: Operation): string | undefined {
  return str(op.args['name']) ?? op.model;
}

function fieldModelName(op: Operation): string | undefined {
  return str(op.args['model_name']) ?? op.model;
}

/** The model (lower-cased) an operation touches, for OperationVisit.model. */
export function operationModel(op: Operation): string | null {
  let name: string | undefined;
  switch (op.type) {
    case 'CreateModel':
    case 'DeleteModel':
    case 'AlterModelTable':
    case 'AlterModelTableComment':
    case 'AlterModelOptions':
    case 'AlterModelManagers':
    case 'AlterUniqueTogether':
    case 'AlterIndexTogether':
    case 'AlterOrderWithRespectTo':
      name = modelName(op);
      break;
    case 'RenameModel':
      name = str(op.args['old_name']) ?? op.oldName ?? op.model;
      break;
    default:
      name = str(op.args['model_name']) ?? op.model;
  }
  return name ? name.toLowerCase() : null;
}

/** Where operations read and write models: the live replay, or a snapshot's overlay. */
interface StateIO {
  get(key: string): ModelState | undefined;
  set(key: string, model: ModelState | null): void;
  /** Every model currently present (used to repoint relations on RenameModel). */
  entries(): Iterable<[string, ModelState]>;
}

/** Apply one operation's state effect (Django's state_forwards). Unknown operations change nothing. */
function applyOperation(op: Operation, app: string, at: MigrationKey | null, io: StateIO): void {
  switch (op.type) {
    case 'CreateModel': {
      const name = modelName(op);
      if (!name) return;
      const fields = new Map<string, FieldDef>();
      for (const entry of op.fields ?? []) fields.set(entry.name.toLowerCase(), entry.field);
      io.set(modelKey(app, name), makeModel(app, name, fields, dictRecord(op.args['options']), at));
      return;
    }
    case 'DeleteModel': {
      const name = modelName(op);
      if (name) io.set(modelKey(app, name), null);
      return;
    }
    case 'RenameModel': {
      const oldName = str(op.args['old_name']) ?? op.oldName;
      const newName = str(op.args['new_name']) ?? op.name;
      if (!oldName || !newName) return;
      const model = io.get(modelKey(app, oldName));
      if (!model) return;
      io.set(modelKey(app, oldName), null);
      io.set(modelKey(app, newName), makeModel(app, newName, model.fields, model.options, model.createdIn));
      repointRelations(io, app, oldName, `${app}.${newName}`);
      return;
    }
    case 'AlterModelTable':
      return changeOptions(io, app, modelName(op), (options) => ({ ...options, db_table: op.args['table'] ?? { kind: 'none' } }));
    case 'AlterModelTableComment':
      return changeOptions(io, app, modelName(op), (options) => ({ ...options, db_table_comment: op.args['table_comment'] ?? { kind: 'none' } }));
    case 'AlterModelOptions': {
      const incoming = dictRecord(op.args['options']);
      return changeOptions(io, app, modelName(op), (options) => {
        const next = { ...options, ...incoming };
        for (const key of ALTER_OPTION_KEYS) if (!(key in incoming)) delete next[key];
        return next;
      });
    }
    case 'AlterUniqueTogether':
    case 'AlterIndexTogether': {
      const option = op.type === 'AlterUniqueTogether' ? 'unique_together' : 'index_together';
      const value = op.args[option];
      return changeOptions(io, app, modelName(op), (options) => ({ ...options, [option]: value ?? { kind: 'set', items: [] } }));
    }
    case 'AlterOrderWithRespectTo':
      return changeOptions(io, app, modelName(op), (options) => ({ ...options, order_with_respect_to: op.args['order_with_respect_to'] ?? { kind: 'none' } }));
    case 'AddField':
    case 'AlterField': {
      const name = str(op.args['name']) ?? op.name;
      const field = op.field;
      if (!name || !field) return;
      return changeField(io, app, fieldModelName(op), name.toLowerCase(), field);
    }
    case 'RemoveField': {
      const name = str(op.args['name']) ?? op.name;
      if (!name) return;
      return changeField(io, app, fieldModelName(op), name.toLowerCase(), undefined);
    }
    case 'RenameField':
      return renameField(op, app, at, io);
    case 'AddIndex':
    case 'AddIndexConcurrently': {
      const index = op.args['index'];
      if (!index) return;
      return changeOptions(io, app, fieldModelName(op), (options) => ({ ...options, indexes: { kind: 'list', items: [...items(options['indexes']), index] } }));
    }
    case 'RemoveIndex':
    case 'RemoveIndexConcurrently':
      return removeNamed(io, app, fieldModelName(op), 'indexes', str(op.args['name']) ?? op.name);
    case 'RenameIndex':
      return renameIndex(op, app, at, io);
    case 'AddConstraint':
    case 'AddConstraintNotValid': {
      const constraint = op.args['constraint'];
      if (!constraint) return;
      return changeOptions(io, app, fieldModelName(op), (options) => ({ ...options, constraints: { kind: 'list', items: [...items(options['constraints']), constraint] } }));
    }
    case 'RemoveConstraint':
      return removeNamed(io, app, fieldModelName(op), 'constraints', str(op.args['name']) ?? op.name);
    case 'SeparateDatabaseAndState':
    case 'RunSQL':
      // Only state_operations change the state; database_operations / SQL never do.
      for (const child of op.children?.['state_operations'] ?? []) applyOperation(child, app, at, io);
      return;
    default:
      return;
  }
}

/** The model to change; a placeholder when it was created somewhere we did not read. */
function current(io: StateIO, app: string, name: string): ModelState {
  return io.get(modelKey(app, name)) ?? makeModel(app, name, new Map(), {}, null);
}

function changeOptions(io: StateIO, app: string, name: string | undefined, change: (options: Readonly<Record<string, PyValue>>) => Record<string, PyValue>): void {
  if (!name) return;
  const model = current(io, app, name);
  // Every `change` builds a new record, so the current one is passed without a defensive copy.
  io.set(modelKey(app, name), makeModel(model.app, model.name, model.fields, change(model.options), model.createdIn));
}

/** One field set (or removed, `field` undefined) as a layer over the model's current fields instead of a copy of them. */
function changeField(io: StateIO, app: string, name: string | undefined, fieldName: string, field: FieldDef | undefined): void {
  if (!name) return;
  const model = current(io, app, name);
  io.set(modelKey(app, name), makeModel(model.app, model.name, layerFields(model.fields, fieldName, field), model.options, model.createdIn));
}

function changeFields(io: StateIO, app: string, name: string | undefined, change: (fields: ReadonlyMap<string, FieldDef>) => ReadonlyMap<string, FieldDef>): void {
  if (!name) return;
  const model = current(io, app, name);
  io.set(modelKey(app, name), makeModel(model.app, model.name, change(model.fields), model.options, model.createdIn));
}

function removeNamed(io: StateIO, app: string, model: string | undefined, option: 'indexes' | 'constraints', name: string | undefined): void {
  if (!name) return;
  changeOptions(io, app, model, (options) => ({ ...options, [option]: { kind: 'list', items: items(options[option]).filter((item) => objectName(item) !== name) } }));
}

function renameField(op: Operation, app: string, at: MigrationKey | null, io: StateIO): void {
  const model = fieldModelName(op);
  const oldName = str(op.args['old_name']) ?? op.oldName;
  const newName = str(op.args['new_name']) ?? op.name;
  if (!model || !oldName || !newName) return;
  const lowerOld = oldName.toLowerCase();
  const lowerNew = newName.toLowerCase();
  changeFields(io, app, model, (fields) => {
    const found = fields.get(lowerOld);
    // Field versions are never mutated, so an unchanged map is shared rather than copied.
    if (!found) return fields;
    // Keep the declaration position: the new key goes in the old slot.
    const renamed = new Map<string, FieldDef>();
    for (const [k, v] of fields) renamed.set(k === lowerOld ? lowerNew : k, k === lowerOld ? found : v);
    return renamed;
  });
  // Django also renames the field inside unique_together / index_together / order_with_respect_to.
  const rename = (value: PyValue): PyValue => (value.kind === 'str' && value.value === oldName ? { kind: 'str', value: newName } : value);
  changeOptions(io, app, model, (options) => {
    const next = { ...options };
    for (const option of ['unique_together', 'index_together']) {
      const value = next[option];
      if (value && (value.kind === 'list' || value.kind === 'tuple' || value.kind === 'set')) {
        next[option] = { ...value, items: value.items.map((set) => (set.kind === 'list' || set.kind === 'tuple' || set.kind === 'set' ? { ...set, items: set.items.map(rename) } : rename(set))) };
      }
    }
    const order = next['order_with_respect_to'];
    if (order) next['order_with_respect_to'] = rename(order);
    return next;
  });
}

function renameIndex(op: Operation, app: string, at: MigrationKey | null, io: StateIO): void {
  const model = fieldModelName(op);
  const newName = str(op.args['new_name']) ?? op.name;
  const oldName = str(op.args['old_name']) ?? op.oldName;
  const oldFields = op.args['old_fields'];
  if (!model || !newName) return;
  changeOptions(io, app, model, (options) => {
    const next = { ...options };
    if (oldName) {
      next['indexes'] = { kind: 'list', items: items(options['indexes']).map((index) => (objectName(index) === oldName ? withName(index, newName) : index)) };
    } else if (oldFields) {
      // An unnamed index_together entry becomes a named Index (Django's RenameIndex with old_fields).
      const wanted = items(oldFields).map((v) => str(v)).join(',');
      const together = items(options['index_together']).filter((set) => items(set).map((v) => str(v)).join(',') !== wanted);
      next['index_together'] = { kind: 'set', items: together };
      const index: PyValue = { kind: 'call', callee: 'models.Index', args: [], kwargs: { fields: oldFields, name: { kind: 'str', value: newName } }, line: op.span.line };
      next['indexes'] = { kind: 'list', items: [...items(options['indexes']), index] };
    }
    return next;
  });
}

/** After RenameModel, relations elsewhere that pointed at the old name point at the new one. */
function repointRelations(io: StateIO, app: string, oldName: string, target: string): void {
  const oldLower = oldName.toLowerCase();
  // Built once: this test runs on every field of every model.
  const qualified = `${app.toLowerCase()}.${oldLower}`;
  const pointsAtOld = (fieldApp: string, to: string) => {
    const lower = to.toLowerCase();
    return lower === qualified || (fieldApp === app && lower === oldLower);
  };
  const updates: Array<[string, ModelState]> = [];
  for (const [key, model] of io.entries()) {
    let fields: Map<string, FieldDef> | null = null;
    for (const [name, field] of model.fields) {
      const to = field.kwargs['to'];
      if (to?.kind !== 'str' || !pointsAtOld(model.app, to.value)) continue;
      fields ??= new Map(model.fields);
      fields.set(name, { ...field, kwargs: { ...field.kwargs, to: { kind: 'str', value: target } } });
    }
    if (fields) updates.push([key, makeModel(model.app, model.name, fields, model.options, model.createdIn)]);
  }
  for (const [key, model] of updates) io.set(key, model);
}

// ---- field maps ------------------------------------------------------------------------

/** Layers before a change is stored as a full copy again, bounding the walk a `get` makes. */
const MAX_FIELD_LAYERS = 16;

/**
 * A model's fields after one AddField / AlterField / RemoveField, stored as that change over the
 * previous version. The replay keeps every version of every model, and copying the whole field map
 * per change was most of its allocation. `get`/`has` walk the layers; iterating builds the plain
 * map once (same order as Map.set/delete on a copy would give) and keeps it.
 */
class LayeredFields implements ReadonlyMap<string, FieldDef> {
  private flat: Map<string, FieldDef> | undefined;

  constructor(
    private base: ReadonlyMap<string, FieldDef>,
    private readonly key: string,
    /** Undefined: the field was removed. */
    private readonly value: FieldDef | undefined,
    private readonly depth: number,
  ) {}

  /** Layers a lookup walks before reaching a plain map (0 once materialised). */
  layers(): number {
    return this.flat ? 0 : this.depth;
  }

  get(key: string): FieldDef | undefined {
    const found = LayeredFields.find(this, key);
    return found instanceof LayeredFields ? found.value : found.get(key);
  }

  has(key: string): boolean {
    const found = LayeredFields.find(this, key);
    return found instanceof LayeredFields ? found.value !== undefined : found.has(key);
  }

  /** The layer that last set or removed `key`, else the plain map under the layers that holds the answer. */
  private static find(top: LayeredFields, key: string): LayeredFields | ReadonlyMap<string, FieldDef> {
    let layer: ReadonlyMap<string, FieldDef> = top;
    while (layer instanceof LayeredFields) {
      if (layer.flat) return layer.flat;
      if (layer.key === key) return layer;
      layer = layer.base;
    }
    return layer;
  }

  /** The fields as a plain map, built once. */
  materialise(): Map<string, FieldDef> {
    if (!this.flat) {
      this.flat = LayeredFields.flatten(this);
      this.base = EMPTY_FIELDS; // the chain is no longer needed by this version
    }
    return this.flat;
  }

  get size(): number {
    return this.materialise().size;
  }
  entries(): MapIterator<[string, FieldDef]> {
    return this.materialise().entries();
  }
  keys(): MapIterator<string> {
    return this.materialise().keys();
  }
  values(): MapIterator<FieldDef> {
    return this.materialise().values();
  }
  [Symbol.iterator](): MapIterator<[string, FieldDef]> {
    return this.materialise().entries();
  }
  forEach(callback: (value: FieldDef, key: string, map: ReadonlyMap<string, FieldDef>) => void): void {
    for (const [key, value] of this.materialise()) callback(value, key, this);
  }

  /** The bottom map (copied) with the layers above it applied oldest first. */
  static flatten(top: LayeredFields): Map<string, FieldDef> {
    const layers: LayeredFields[] = [];
    let bottom: ReadonlyMap<string, FieldDef> = top;
    while (bottom instanceof LayeredFields && !bottom.flat) {
      layers.push(bottom);
      bottom = bottom.base;
    }
    const map = new Map(bottom instanceof LayeredFields ? bottom.flat! : bottom);
    for (let i = layers.length - 1; i >= 0; i--) {
      const layer = layers[i]!;
      if (layer.value === undefined) map.delete(layer.key);
      else map.set(layer.key, layer.value);
    }
    return map;
  }
}

const EMPTY_FIELDS: ReadonlyMap<string, FieldDef> = new Map();

/** `fields` with one field set or removed, leaving `fields` as it was. */
function layerFields(fields: ReadonlyMap<string, FieldDef>, key: string, value: FieldDef | undefined): ReadonlyMap<string, FieldDef> {
  const depth = fields instanceof LayeredFields ? fields.layers() + 1 : 1;
  const layer = new LayeredFields(fields, key, value, depth);
  // Past the bound, store a plain copy so lookups stay short.
  return depth > MAX_FIELD_LAYERS ? LayeredFields.flatten(layer) : layer;
}

// ---- storage ----------------------------------------------------------------------------

/** Per-model history: sequence numbers (ascending) and the model after each change (null = deleted). */
interface History {
  seqs: number[];
  states: Array<ModelState | null>;
}

class HistoryStore {
  readonly histories = new Map<string, History>();
  seq = 0;

  record(key: string, model: ModelState | null): void {
    let history = this.histories.get(key);
    if (!history) {
      history = { seqs: [], states: [] };
      this.histories.set(key, history);
    }
    const last = history.seqs.length - 1;
    if (last >= 0 && history.seqs[last] === this.seq) history.states[last] = model;
    else {
      history.seqs.push(this.seq);
      history.states.push(model);
    }
  }

  /** The model as of position `pos` (changes with seq ≤ pos). */
  at(key: string, pos: number): ModelState | undefined {
    const history = this.histories.get(key);
    if (!history) return undefined;
    let lo = 0;
    let hi = history.seqs.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (history.seqs[mid]! <= pos) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found === -1 ? undefined : (history.states[found] ?? undefined);
  }
}

class Snapshot implements ProjectState {
  constructor(
    private readonly store: HistoryStore,
    private readonly pos: number,
    private readonly overlay: ReadonlyMap<string, ModelState | null>,
  ) {}

  private read(key: string): ModelState | undefined {
    if (this.overlay.has(key)) return this.overlay.get(key) ?? undefined;
    return this.store.at(key, this.pos);
  }

  model(app: string, name: string): ModelState | undefined {
    if (typeof app !== 'string' || typeof name !== 'string') return undefined;
    return this.read(modelKey(app, name));
  }

  models(app?: string): ModelState[] {
    const keys = new Set([...this.store.histories.keys(), ...this.overlay.keys()]);
    const out: Array<[string, ModelState]> = [];
    for (const key of keys) {
      const model = this.read(key);
      if (model && (app === undefined || model.app === app)) out.push([key, model]);
    }
    return out.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map(([, model]) => model);
  }

  apply(op: Operation, app: string, at?: MigrationKey): ProjectState {
    const overlay = new Map(this.overlay);
    const io: StateIO = {
      get: (key) => (overlay.has(key) ? (overlay.get(key) ?? undefined) : this.store.at(key, this.pos)),
      set: (key, model) => void overlay.set(key, model),
      entries: () => this.liveEntries(overlay),
    };
    try {
      applyOperation(op, app, at ?? null, io);
    } catch {
      // Operations come from parsed files; a shape we did not foresee leaves the state unchanged.
      return this;
    }
    return new Snapshot(this.store, this.pos, overlay);
  }

  private *liveEntries(overlay: Map<string, ModelState | null>): Iterable<[string, ModelState]> {
    const keys = new Set([...this.store.histories.keys(), ...overlay.keys()]);
    for (const key of keys) {
      const model = overlay.has(key) ? overlay.get(key) : this.store.at(key, this.pos);
      if (model) yield [key, model];
    }
  }
}

const EMPTY_OVERLAY: ReadonlyMap<string, ModelState | null> = new Map();

/** Replay every migration of the graph in order. Never throws. */
export function replayState(files: readonly MigrationFile[], graph: MigrationGraph): StateTimeline {
  const store = new HistoryStore();
  const live = new Map<string, ModelState>();
  const io: StateIO = {
    get: (key) => live.get(key),
    set: (key, model) => {
      if (model) live.set(key, model);
      else live.delete(key);
      store.record(key, model);
    },
    entries: () => live.entries(),
  };
  const starts = new Map<string, number>();
  // Files whose every operation applied without error: for them the replay's own positions equal
  // what re-applying the operations on a snapshot would give, so visitOperations can reuse them.
  const cleanFiles = new Map<string, MigrationFile>();
  let order: NodeId[] = [];
  try {
    order = graph.order();
  } catch {
    order = [];
  }
  for (const id of order) {
    const file = graph.file(id);
    if (!file) continue;
    const at = { app: file.app, name: file.name };
    const k = keyOf(at);
    starts.set(k, store.seq);
    let clean = Array.isArray(file.operations);
    for (const op of Array.isArray(file.operations) ? file.operations : []) {
      store.seq++;
      if (!onReplayPath(op)) continue;
      try {
        applyOperation(op, file.app, at, io);
      } catch {
        // A malformed operation changes nothing; the replay goes on.
        clean = false;
      }
    }
    if (clean) cleanFiles.set(k, file);
    else cleanFiles.delete(k);
  }
  const end = store.seq;
  const byKey = new Map<string, MigrationFile>();
  for (const file of Array.isArray(files) ? files : []) if (file && typeof file.app === 'string') byKey.set(keyOf(file), file);
  const replacedCache = new Map<string, ProjectState>();

  const before = (key: MigrationKey): ProjectState => {
    const k = keyOf(key);
    const pos = starts.get(k);
    if (pos !== undefined) return new Snapshot(store, pos, EMPTY_OVERLAY);
    const cached = replacedCache.get(k);
    if (cached) return cached;
    const state = beforeReplaced(key) ?? new Snapshot(store, end, EMPTY_OVERLAY);
    replacedCache.set(k, state);
    return state;
  };

  /**
   * A migration replaced by a squash is not replayed on its own. Its state is the squash's
   * starting state plus the replaced migrations listed before it in `replaces` (the order
   * squashmigrations writes). Other apps' migrations in between are not interleaved.
   */
  const beforeReplaced = (key: MigrationKey): ProjectState | null => {
    const node = graph.node(key);
    if (!node || node.inGraph || !node.replacedBy) return null;
    const squash = graph.file(node.replacedBy);
    if (!squash) return null;
    let state = before(squash);
    for (const replaced of squash.replaces) {
      if (replaced.app === key.app && replaced.name === key.name) return state;
      const file = byKey.get(keyOf(replaced)) ?? graph.file(replaced);
      if (!file) continue;
      for (const op of file.operations) if (onReplayPath(op)) state = state.apply(op, file.app, replaced);
    }
    return state;
  };

  const operationStates = (file: MigrationFile): ProjectState[] | undefined => {
    const k = keyOf(file);
    const pos = starts.get(k);
    if (pos === undefined || cleanFiles.get(k) !== file) return undefined;
    // Operation i's changes were recorded at pos + i + 1, so the state before it is position pos + i.
    return file.operations.map((_, i) => new Snapshot(store, pos + i, EMPTY_OVERLAY));
  };

  return {
    before,
    final: () => new Snapshot(store, end, EMPTY_OVERLAY),
    order,
    operationStates,
  };
}

function keyOf(key: MigrationKey): string {
  return `${key.app}\u0000${key.name}`;
}

/** Shared stand-in for an operation without children (most of them): no empty object per visit. */
const NO_CHILDREN: Readonly<Record<string, Operation[]>> = {};

/**
 * Operations built under a condition are alternatives (docs/parser.md): the replay follows the first
 * branch of every `if` chain, so an operation of another branch changes no state.
 */
export function onReplayPath(op: Operation): boolean {
  return op.condition === undefined || op.condition.replayed;
}

/** Can both operations be in the list in one run (no chain where they sit in different branches)? */
function compatible(a: Operation, b: Operation): boolean {
  for (const x of a.condition?.branches ?? []) {
    for (const y of b.condition?.branches ?? []) {
      if (x.chain !== y.chain) continue;
      if (!x.negated && !y.negated && x.branch !== y.branch) return false;
      if (x.negated !== y.negated && x.branch === y.branch) return false;
    }
  }
  return true;
}

/** Files with more conditional operations than this see the replay path's state everywhere. */
const MAX_ALTERNATIVE_REPLAY = 200;

/**
 * Every operation of a migration in execution order, with the state each one sees. Inside
 * SeparateDatabaseAndState, database_operations see the state their predecessors in that list
 * produce (Django's database_forwards), and the state after the operation is what
 * state_operations produce. state_operations (and RunSQL's) are not database-effective.
 * An operation off the replay path sees the state its own branch builds: the earlier operations
 * that can run together with it.
 */
export function visitOperations(file: MigrationFile, start: ProjectState, topStates?: readonly ProjectState[]): OperationVisit[] {
  const visits: OperationVisit[] = [];
  const at = { app: file.app, name: file.name };
  const top = Array.isArray(file.operations) ? file.operations : [];
  /** Visit one operation (and its nested ones); the state after it, unless `apply` is false for a plain one. */
  const walkOne = (op: Operation, state: ProjectState, dbEffective: boolean, depth: number, apply = true): ProjectState => {
    visits.push({ op, dbEffective, stateBefore: state, model: operationModel(op) });
    const children = op.children ?? NO_CHILDREN;
    if (depth < 20 && (op.type === 'SeparateDatabaseAndState' || op.type === 'RunSQL')) {
      walk(children['database_operations'] ?? [], state, dbEffective, depth + 1);
      return walk(children['state_operations'] ?? [], state, false, depth + 1);
    }
    return apply ? state.apply(op, file.app, at) : state;
  };
  const walk = (ops: readonly Operation[], state: ProjectState, dbEffective: boolean, depth: number): ProjectState => {
    for (const op of ops) state = walkOne(op, state, dbEffective, depth);
    return state;
  };
  const branchState = (index: number): ProjectState => {
    const op = top[index]!;
    let state = topStates?.[0] ?? start;
    for (let earlier = 0; earlier < index; earlier++) if (compatible(top[earlier]!, op)) state = state.apply(top[earlier]!, file.app, at);
    return state;
  };
  const alternatives = top.length <= MAX_ALTERNATIVE_REPLAY && top.some((op) => !onReplayPath(op));
  try {
    let state = start;
    for (let i = 0; i < top.length; i++) {
      const op = top[i]!;
      // With the replay's own states (StateTimeline.operationStates), top-level operations need not be re-applied.
      const known = topStates?.[i];
      if (known) state = known;
      if (!onReplayPath(op)) {
        walkOne(op, alternatives ? branchState(i) : state, true, 0);
        continue;
      }
      state = walkOne(op, state, true, 0, !known);
    }
  } catch {
    // Visits gathered so far are still useful.
  }
  return visits;
}
