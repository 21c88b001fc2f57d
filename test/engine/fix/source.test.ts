import { beforeAll, describe, expect, it } from 'vitest';
import { initParser } from '../../../src/engine/index.js';
import { keywordSource, pyString, SourceText, withKeywords } from '../../../src/engine/fix/source.js';

beforeAll(() => initParser());

describe('editing a call as written', () => {
  it('sets, adds and removes keyword arguments, leaving the rest byte for byte', () => {
    expect(withKeywords('models.IntegerField(default=0, null=False)', { null: 'True' })).toBe('models.IntegerField(default=0, null=True)');
    expect(withKeywords('models.IntegerField(default=0)', { null: 'True' })).toBe('models.IntegerField(default=0, null=True)');
    expect(withKeywords('models.IntegerField()', { null: 'True' })).toBe('models.IntegerField(null=True)');
    expect(withKeywords('models.IntegerField(null=False, default=0)', { null: null })).toBe('models.IntegerField(default=0)');
    expect(withKeywords('my.Field(\n    max_length=10,\n    default="ü",  # kept\n)', { null: 'True' })).toBe('my.Field(\n    max_length=10,\n    default="ü",  # kept\n    null=True,\n)');
    expect(withKeywords('my.Field(max_length=10,  # why\n)', { null: 'True' })).toBe('my.Field(max_length=10,  # why\n    null=True,\n)'.replace('    null', 'null'));
    expect(withKeywords('not a call', { null: 'True' })).toBeNull();
  });

  it('reads one keyword argument as written', () => {
    expect(keywordSource('models.UUIDField(default=uuid.uuid4, editable=False)', 'default')).toBe('uuid.uuid4');
    expect(keywordSource('models.UUIDField()', 'default')).toBeUndefined();
  });

  it('slices spans by character columns and quotes Python strings', () => {
    const text = new SourceText('a = 1\n    f(é,\n      x)\n');
    expect(text.slice({ line: 2, column: 5, endLine: 3, endColumn: 9 })).toBe('f(é,\n      x)');
    expect(text.block({ line: 2, column: 5, endLine: 3, endColumn: 9 })).toBe('f(é,\n  x)');
    expect(pyString('ALTER TABLE "t"')).toBe('\'ALTER TABLE "t"\'');
    expect(pyString("it's")).toBe('"it\'s"');
    expect(pyString('a "b" \'c\'')).toBe('"a \\"b\\" \'c\'"');
  });
});
