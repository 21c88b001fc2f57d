/** Helpers for rules about RunPython callables. */
import type { CallableRef, FunctionInfo, MigrationFile, Operation } from '../../types.js';
import { asBool } from './values.js';

export type CallableSlot = 'code' | 'reverse_code';

export interface RunPythonCallable {
  slot: CallableSlot;
  /** The callable as written (a `functools.partial` unwrapped to what it wraps). */
  ref: CallableRef;
  /** The function's facts when it is defined in this file. */
  fn: FunctionInfo | undefined;
}

/** `functools.partial(f, …)` → `f`, any depth. */
export function unwrapPartial(ref: CallableRef): CallableRef {
  let current = ref;
  while (current.kind === 'partial') current = current.inner;
  return current;
}

/** The forward and reverse callables of a RunPython operation. */
export function runPythonCallables(op: Operation, file: MigrationFile): RunPythonCallable[] {
  const result: RunPythonCallable[] = [];
  const add = (slot: CallableSlot, ref: CallableRef | null | undefined): void => {
    if (!ref) return;
    const inner = unwrapPartial(ref);
    result.push({ slot, ref: inner, fn: inner.kind === 'function' ? file.functions[inner.name] : undefined });
  };
  add('code', op.code);
  add('reverse_code', op.reverseCode);
  return result;
}

/** The function plus the module-level functions it calls directly (one level, as helpers usually go). */
export function withHelpers(fn: FunctionInfo, file: MigrationFile): readonly FunctionInfo[] {
  // Several RunPython rules ask for the same function's bodies: build the list once per analysis.
  const cached = helpersCache.get(fn);
  if (cached && cached.file === file) return cached.bodies;
  const bodies = collectHelpers(fn, file);
  helpersCache.set(fn, { file, bodies });
  return bodies;
}

/** Keyed weakly by the parsed function, which nothing mutates; the file is checked too. */
const helpersCache = new WeakMap<FunctionInfo, { file: MigrationFile; bodies: readonly FunctionInfo[] }>();

function collectHelpers(fn: FunctionInfo, file: MigrationFile): FunctionInfo[] {
  const seen = new Set<string>([fn.name]);
  const result = [fn];
  for (const name of fn.calls) {
    const helper = file.functions[name];
    if (helper && !seen.has(name)) {
      seen.add(name);
      result.push(helper);
    }
  }
  return result;
}

/**
 * Does the operation run inside a transaction? Django wraps an operation when the migration is
 * atomic (and the operation does not opt out with `atomic=False`), or when the operation asks
 * for it with `atomic=True`. On MySQL and Oracle this is the wrapper around RunPython itself.
 */
export function runsInTransaction(op: Operation, migrationAtomic: boolean): boolean {
  const opAtomic = asBool(op.args['atomic']);
  return opAtomic === true || (migrationAtomic && opAtomic !== false);
}

/** How to name a callable in a message: the function name, or the text as written. */
export function callableName(ref: CallableRef): string {
  switch (ref.kind) {
    case 'function':
      return ref.name;
    case 'reference':
      return ref.path;
    case 'noop':
      return 'RunPython.noop';
    case 'lambda':
      return 'lambda';
    case 'partial':
      return callableName(ref.inner);
    case 'other':
      return ref.text;
  }
}
