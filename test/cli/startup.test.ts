/**
 * `migrate-help --version` and `--help` must not load the engine: the built entry's static imports
 * (what Node loads before any command runs) stay free of the rules and the parser. One value imported
 * from the wrong module is enough to pull the whole engine chunk into every start.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const DIST = resolve(dirname(fileURLToPath(import.meta.url)), '../../dist');

/** Files Node loads eagerly from `entry`: static `import … from "./x.js"` and `import "./x.js"`, transitively. */
function staticallyLoaded(entry: string): Map<string, string> {
  const loaded = new Map<string, string>();
  const pending = [join(DIST, entry)];
  while (pending.length > 0) {
    const file = pending.pop()!;
    if (loaded.has(file)) continue;
    const text = readFileSync(file, 'utf8');
    loaded.set(file, text);
    for (const match of text.matchAll(/(?:^|[;\n])\s*import\s*(?:[^"'();]*?\sfrom\s*)?["'](\.{1,2}\/[^"']+)["']/g)) pending.push(join(dirname(file), match[1]!));
  }
  return loaded;
}

describe('start-up of the built CLI', () => {
  it('loads no rule, parser or SQL code before a command runs', () => {
    const loaded = staticallyLoaded('cli.js');
    expect(loaded.size).toBeGreaterThan(1);
    const code = [...loaded.values()].join('\n');
    expect(code).toContain('commander');
    // Strings only the engine's modules hold: a rule id, the literal reader, the SQL predictor.
    for (const marker of ['add-index-non-concurrent', 'initParser', 'predictSql']) expect(code, marker).not.toContain(marker);
  });

  it('the check command, imported when it runs, does load them (the markers are real)', () => {
    const eager = [...staticallyLoaded('cli.js')];
    const lazy = eager.flatMap(([file, text]) => [...text.matchAll(/import\(["'](\.\/check-[^"']+)["']\)/g)].map((m) => join(dirname(file), m[1]!)));
    expect(lazy).toHaveLength(1);
    const code = [...staticallyLoaded(lazy[0]!.slice(DIST.length + 1)).values()].join('\n');
    for (const marker of ['add-index-non-concurrent', 'initParser']) expect(code, marker).toContain(marker);
  });
});
