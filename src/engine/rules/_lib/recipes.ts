/** Whole migration files as Python source, for safe-alternative recipes and the good cases built from them. */

export interface MigrationFileSpec {
  /** Import lines, as written at the top of the file. */
  imports: string[];
  /** Module-level code between the imports and the class (RunPython functions). */
  preamble?: string;
  /** Set for migrations that must not run in a transaction; the text is the comment saying why. */
  nonAtomicBecause?: string;
  /** The migration this one depends on, e.g. `0041_previous`. */
  dependsOn: string;
  app?: string;
  /** The operations, one per line, already indented by 8 spaces where they continue. */
  operations: string[];
}

/** A complete migration file as Python source (used both in recipes and as the rule's good cases). */
export function migrationSource(spec: MigrationFileSpec): string {
  const lines = [...spec.imports, '', ''];
  if (spec.preamble) lines.push(spec.preamble.trimEnd(), '', '');
  lines.push('class Migration(migrations.Migration):');
  if (spec.nonAtomicBecause) lines.push(`    atomic = False  # ${spec.nonAtomicBecause}`, '');
  lines.push(`    dependencies = [("${spec.app ?? 'shop'}", "${spec.dependsOn}")]`, '', '    operations = [');
  for (const operation of spec.operations) lines.push(...operation.split('\n').map((line) => (line ? `        ${line}` : line)));
  lines.push('    ]', '');
  return lines.join('\n');
}

/** The same file as a fenced block with its path as a heading line, for safe-alternative Markdown. */
export function migrationFile(path: string, spec: MigrationFileSpec): string {
  return [`\`${path}\`:`, '', '```python', migrationSource(spec).trimEnd(), '```'].join('\n');
}
