/**
 * Identifier helpers as django/db/backends/utils.py and base/schema.py build them: names_digest,
 * split_identifier, truncate_name and _create_index_name.
 */
import { createHash } from 'node:crypto';

/** md5 over the parts, first `length` hex characters (names_digest). */
export function namesDigest(parts: readonly string[], length: number): string {
  const hash = createHash('md5');
  for (const part of parts) hash.update(part, 'utf8');
  return hash.digest('hex').slice(0, length);
}

/** `"schema"."table"` → [schema, table]; a plain name has no namespace (split_identifier). */
export function splitIdentifier(identifier: string): [string, string] {
  const at = identifier.indexOf('"."');
  if (at === -1) return ['', stripQuotes(identifier)];
  return [stripQuotes(identifier.slice(0, at + 1)), stripQuotes(identifier.slice(at + 2))];
}

export function stripQuotes(name: string): string {
  return name.startsWith('"') && name.endsWith('"') && name.length >= 2 ? name.slice(1, -1) : name;
}

/** Shorten to `length` keeping a hash of the whole name (truncate_name). */
export function truncateName(identifier: string, length: number | null, hashLength = 4): string {
  const [namespace, name] = splitIdentifier(identifier);
  if (length === null || name.length <= length) return identifier;
  const digest = namesDigest([name], hashLength);
  return `${namespace ? `${namespace}"."` : ''}${name.slice(0, length - hashLength)}${digest}`;
}

/** Django's generated index/constraint name: table, columns, hash and suffix, fitted to maxLength. */
export function createIndexName(table: string, columns: readonly string[], suffix: string, maxLength: number | null): string {
  const [, tableName] = splitIdentifier(table);
  let hashSuffix = `${namesDigest([tableName, ...columns], 8)}${suffix}`;
  const max = maxLength ?? 200;
  const joined = columns.join('_');
  let name = `${tableName}_${joined}_${hashSuffix}`;
  if (name.length <= max) return name;
  if (hashSuffix.length > max / 3) hashSuffix = hashSuffix.slice(0, Math.floor(max / 3));
  const other = Math.floor((max - hashSuffix.length) / 2) - 1;
  name = `${tableName.slice(0, other)}_${joined.slice(0, other)}_${hashSuffix}`;
  if (name.startsWith('_') || /^[0-9]/.test(name)) name = `D${name.slice(0, -1)}`;
  return name;
}
