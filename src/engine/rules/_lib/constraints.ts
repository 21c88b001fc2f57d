/** What a constraint value declares: its kind, name and whether an index backs it. */
import type { PyValue } from '../../types.js';
import { asItems, asString, lastSegment } from './values.js';

/** `name=` of an index or constraint value (`models.Index(..., name="x")`), when literal. */
export function objectName(value: PyValue | undefined): string | undefined {
  if (value?.kind !== 'call') return undefined;
  return asString(value.kwargs['name']);
}

export type ConstraintKind = 'check' | 'unique' | 'exclusion' | 'other';

export interface ConstraintInfo {
  kind: ConstraintKind;
  name: string;
  /** Class name as written, last segment. */
  className: string;
  /** UniqueConstraint compiled to CREATE UNIQUE INDEX (condition / expressions / include / opclasses). */
  indexBacked: boolean;
}

/** Classify the `constraint=` value of AddConstraint / AddConstraintNotValid. */
export function constraintInfo(value: PyValue | undefined): ConstraintInfo | undefined {
  if (value?.kind !== 'call') return undefined;
  const className = lastSegment(value.callee);
  const name = asString(value.kwargs['name']) ?? 'unnamed';
  let kind: ConstraintKind = 'other';
  if (className === 'CheckConstraint') kind = 'check';
  else if (className === 'UniqueConstraint') kind = 'unique';
  else if (className === 'ExclusionConstraint') kind = 'exclusion';
  const hasKwarg = (key: string): boolean => {
    const arg = value.kwargs[key];
    if (!arg || arg.kind === 'none') return false;
    const items = asItems(arg);
    return items ? items.length > 0 : true;
  };
  // Positional expressions (`UniqueConstraint(Lower("email"), name=...)`) also compile to an index.
  const indexBacked = kind === 'unique' && (value.args.length > 0 || hasKwarg('condition') || hasKwarg('expressions') || hasKwarg('include') || hasKwarg('opclasses'));
  return { kind, name, className, indexBacked };
}
