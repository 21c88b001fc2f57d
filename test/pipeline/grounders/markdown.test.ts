import { describe, expect, it } from 'vitest';
import { blocksWithin, firstSentence, unwrapProse } from '../../../src/pipeline/grounders/markdown.js';

describe('grounder markdown helpers', () => {
  it('takes the first sentence without cutting at version numbers or dotted names', () => {
    expect(firstSentence('**Django 5.0 or later: give the column a database default.** A constant is stored.')).toBe('Django 5.0 or later: give the column a database default.');
    expect(firstSentence('Build the index concurrently, in `shop.0043` alone:\n\n```python\nx\n```')).toBe('Build the index concurrently, in `shop.0043` alone.');
    expect(firstSentence('1. Upgrade the server to 14.4. 2. Then run it.')).toBe('Upgrade the server to 14.4.');
  });

  it('joins hard-wrapped prose but leaves code and list items alone', () => {
    const text = 'One line\nwrapped here.\n\n1. Step\n   continued\n2. Next:\n```python\nx = 1\ny = 2\n```';
    expect(unwrapProse(text)).toBe('One line wrapped here.\n\n1. Step continued\n2. Next:\n```python\nx = 1\ny = 2\n```');
  });

  it('cuts between blocks only, never inside a code fence', () => {
    const text = `Intro.\n\n\`\`\`python\n${'x = 1\n\n'.repeat(50)}\`\`\`\n\nAfter.`;
    const cut = blocksWithin(text, 80, '(more)');
    expect(cut).toBe('Intro.\n\n(more)');
    expect(blocksWithin(text, 10_000, '(more)')).toBe(text);
  });
});
