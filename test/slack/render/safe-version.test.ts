import { describe, expect, it } from 'vitest';
import type { FixResult } from '../../../src/engine/fix/index.js';
import { safeVersionMessages, splitSource } from '../../../src/slack/render/safe-version.js';
import { decodeSafeVersionRef, encodeSafeVersionRef, MAX_BUTTON_VALUE_CHARS } from '../../../src/slack/safe-version-ref.js';

function result(files: Array<{ name: string; source: string }>): FixResult {
  return {
    path: 'shop/migrations/0002_x.py',
    files: files.map((file, index) => ({ ...file, path: `shop/migrations/${file.name}.py`, release: 1, original: index === files.length - 1, note: 'does it' })),
    fixed: [],
    unfixed: [],
    note: ['Release 1 (the release that carried the original migration):', '  - 0002_x.py: does it'],
  };
}

describe('splitSource', () => {
  it('keeps every line whole, stays under the limit and ends a chunk at a blank line near its end', () => {
    const source = `${'a = 1\n'.repeat(30)}\n${'b = 2\n'.repeat(10)}`;
    const chunks = splitSource(source, 200);
    expect(chunks.join('')).toBe(source);
    for (const chunk of chunks) expect(chunk.length).toBeLessThanOrEqual(200);
    expect(chunks[0]).toBe(`${'a = 1\n'.repeat(30)}\n`);
    expect(chunks.every((chunk) => chunk.split('\n').every((line) => line === '' || line === 'a = 1' || line === 'b = 2'))).toBe(true);
  });

  it('ignores a blank line early in the chunk (cutting there would waste most of a message)', () => {
    const source = `${'x = 1\n'.repeat(2)}\n${'y = 2\n'.repeat(40)}`;
    const [first] = splitSource(source, 150);
    expect(first!.length).toBeGreaterThan(140);
    expect(first!.startsWith(`${'x = 1\n'.repeat(2)}\n`)).toBe(true);
  });
});

describe('safeVersionMessages', () => {
  it('puts the note first, then each file as a python block, in one message when it fits', () => {
    const [message, ...rest] = safeVersionMessages([{ path: 'shop/migrations/0002_x.py', result: result([{ name: '0002_x', source: 'print(1)\n' }]) }]);
    expect(rest).toEqual([]);
    expect(message).toBe(
      '**Safe version of `shop/migrations/0002_x.py`**: 1 migration file in its place. The last one keeps the original name, so migrations that depend on it still resolve.\n\n**Deploy order**\nRelease 1 (the release that carried the original migration):\n  - 0002_x.py: does it\n\n`shop/migrations/0002_x.py` (release 1, replaces the original)\n```python\nprint(1)\n```',
    );
  });

  it('starts a new message instead of overflowing one, and uses a longer fence for code holding backticks', () => {
    const big = 'y = 0\n'.repeat(300);
    const messages = safeVersionMessages([{ path: 'a.py', result: result([{ name: 'one', source: big }, { name: 'two', source: 'z = "```"\n' }]) }], 1000);
    for (const message of messages) expect(message.length).toBeLessThanOrEqual(1000);
    expect(messages.join('\n')).toContain('part 1 of');
    expect(messages.at(-1)).toContain('````python\nz = "```"\n````');
  });

  it('says why for a migration without a safe version', () => {
    expect(safeVersionMessages([{ path: 'a.py', problem: 'it is gone.' }])).toEqual(['⚠️ No safe version of `a.py`: it is gone.']);
  });
});

describe('the button value', () => {
  const message = { channel: 'C1', threadTs: '1.1', ts: '1.2' };

  it('round-trips and carries no message reference for a question it cannot re-read', () => {
    const value = encodeSafeVersionRef([{ kind: 'question', paths: ['a/migrations/x.py'] }], message)!;
    expect(decodeSafeVersionRef(value)).toEqual({ m: { c: 'C1', th: '1.1', t: '1.2', p: ['a/migrations/x.py'] } });
    expect(encodeSafeVersionRef([{ kind: 'question', paths: ['a/migrations/x.py'] }], undefined)).toBeUndefined();
  });

  it('drops paths until it fits Slack’s limit', () => {
    const paths = Array.from({ length: 60 }, (_, i) => `app${i}/migrations/0001_a_rather_long_migration_name_${i}.py`);
    const value = encodeSafeVersionRef([{ kind: 'repository', repo: 'acme/shop', sha: 'a'.repeat(40), paths }], message)!;
    expect(value.length).toBeLessThanOrEqual(MAX_BUTTON_VALUE_CHARS);
    const ref = decodeSafeVersionRef(value)!;
    expect(ref.r!.p.length).toBeGreaterThan(10);
    expect(ref.r!.p).toEqual(paths.slice(0, ref.r!.p.length));
  });

  it('refuses values it did not write', () => {
    for (const value of [undefined, 'not json', '{}', '{"r":{"r":"a/b","s":"short","p":["x"]}}']) expect(decodeSafeVersionRef(value)).toBeNull();
  });
});
