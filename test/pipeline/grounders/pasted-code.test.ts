import { beforeAll, describe, expect, it } from 'vitest';
import { initParser } from '../../../src/engine/index.js';
import { MAX_PIECES, discoverCode, extractFences } from '../../../src/pipeline/grounders/index.js';
import { ADD_INDEX, ADD_NOT_NULL, INITIAL, SET_NOT_NULL, fenced, question } from './samples.js';

beforeAll(async () => {
  await initParser();
});

describe('finding migration code in a question', () => {
  it('reads fences the way Slack sends them: language tag, bare, code on the opening line, unclosed', () => {
    const text = 'a\n```python\nx = 1\n```\nb\n```\ny = 2\n```\nc ```class Migration: pass``` d\n```sql\nSELECT 1;';
    expect(extractFences(text).map((fence) => fence.code)).toEqual(['x = 1\n', 'y = 2\n', 'class Migration: pass', 'SELECT 1;']);
  });

  it('splits one fence holding two files marked by path comments, and names them from the comments', () => {
    const text = fenced(`# shop/migrations/0001_initial.py\n${INITIAL}\n# shop/migrations/0002_order_note_required.py\n${SET_NOT_NULL}`);
    const { pieces } = discoverCode(question(text));
    expect(pieces.map((piece) => [piece.file.app, piece.file.name, piece.label])).toEqual([
      ['shop', '0001_initial', '`shop.0001_initial`'],
      ['shop', '0002_order_note_required', '`shop.0002_order_note_required`'],
    ]);
  });

  it('names a piece from the prose line just above its fence', () => {
    const { pieces } = discoverCode(question(`Here is \`0042_order_paid.py\`:\n${fenced(ADD_NOT_NULL)}`));
    expect(pieces[0]?.file.name).toBe('0042_order_paid');
    // The app comes from its dependency on the previous migration of the same number sequence.
    expect(pieces[0]?.file.app).toBe('shop');
    expect(pieces[0]?.label).toBe('`shop.0042_order_paid`');
  });

  it('keeps unrelated unnamed pastes in separate placeholder apps, so they never look like a conflict', () => {
    const { pieces } = discoverCode(question(`${fenced(ADD_NOT_NULL)}\n${fenced(ADD_INDEX)}`));
    expect(new Set(pieces.map((piece) => piece.file.app)).size).toBe(2);
    expect(pieces.map((piece) => piece.label)).toEqual(['pasted migration 1', 'pasted migration 2']);
  });

  it('takes extension-less Slack snippets that hold a migration, ignores other files, and caps the number of pieces', () => {
    const files = [
      { name: 'Untitled', text: ADD_NOT_NULL },
      { name: 'notes.txt', text: ADD_NOT_NULL },
      { name: 'README', text: 'Deploy notes for Friday.' },
    ];
    expect(discoverCode(question('see files', { files })).pieces.map((piece) => piece.label)).toEqual(['file `Untitled`']);

    const many = Array.from({ length: MAX_PIECES + 2 }, () => fenced(ADD_NOT_NULL)).join('\n');
    const { pieces, skipped } = discoverCode(question(many));
    expect(pieces).toHaveLength(MAX_PIECES);
    expect(skipped[0]).toContain(`I checked the first ${MAX_PIECES}`);
  });
});
