import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FenceTracker, fencesBalanced } from '../../../src/slack/render/fences.js';
import { MessageSplitter, splitMarkdown, type SplitStep } from '../../../src/slack/render/splitter.js';

/** Run the splitter over `pieces`, returning messages and the text with synthetic parts removed. */
function run(pieces: string[], maxChars: number): { messages: string[]; original: string } {
  const splitter = new MessageSplitter({ maxChars });
  const steps: SplitStep[] = [];
  for (const piece of pieces) steps.push(...splitter.push(piece));
  steps.push(...splitter.closeOpenFence());
  const messages = [''];
  let original = '';
  for (const step of steps) {
    if (step.kind === 'break') messages.push('');
    else {
      messages[messages.length - 1] += step.text;
      if (!step.synthetic) original += step.text;
    }
  }
  return { messages, original };
}

describe('FenceTracker', () => {
  it('knows when text is inside a fence, with its marker and language', () => {
    const tracker = new FenceTracker();
    tracker.feed('Intro\n```python\nx = 1\n');
    expect(tracker.current).toEqual({ marker: '```', info: 'python' });
    tracker.feed('```\nafter\n');
    expect(tracker.current).toBeNull();
  });

  it('decides on complete lines only, whatever the delta boundaries', () => {
    const tracker = new FenceTracker();
    for (const piece of ['``', '`sq', 'l\nSELECT 1;\n`', '``']) tracker.feed(piece);
    // The closing line is not complete yet.
    expect(tracker.current).toEqual({ marker: '```', info: 'sql' });
    tracker.feed('\n');
    expect(tracker.current).toBeNull();
  });

  it('needs a closer of the same character and at least the same length', () => {
    const tracker = new FenceTracker();
    tracker.feed('````md\n```\nstill code\n~~~~\n');
    expect(tracker.current?.marker).toBe('````');
    tracker.feed('`````\n');
    expect(tracker.current).toBeNull();
  });

  it('ignores inline code and over-indented backticks', () => {
    expect(fencesBalanced('use ```inline``` here\n    ```\nindented code, not a fence\n')).toBe(true);
    expect(fencesBalanced('```py\nopen')).toBe(false);
  });
});

describe('MessageSplitter', () => {
  it('keeps a short answer in one message, unchanged', () => {
    const { messages } = run(['Hello ', 'world.\n', '```sql\nSELECT 1;\n```\n'], 1000);
    expect(messages).toEqual(['Hello world.\n```sql\nSELECT 1;\n```\n']);
  });

  it('closes a code block at the split and reopens it with the same language', () => {
    const code = Array.from({ length: 60 }, (_, i) => `migrations.AddField(model_name="m${i}", name="f")`).join('\n');
    const answer = `Do this:\n\n\`\`\`python\n${code}\n\`\`\`\n\nDone.\n`;
    const messages = splitMarkdown(answer, { maxChars: 1200 });
    expect(messages.length).toBeGreaterThan(1);
    for (const message of messages) {
      expect(message.length).toBeLessThanOrEqual(1200);
      expect(fencesBalanced(message)).toBe(true);
    }
    expect(messages[0]!.endsWith('\n```\n')).toBe(true);
    expect(messages[1]!.startsWith('```python\n')).toBe(true);
  });

  it('splits at line breaks once past the soft limit', () => {
    const lines = Array.from({ length: 40 }, (_, i) => `Line ${i} of a long explanation.`).join('\n');
    const messages = splitMarkdown(lines, { maxChars: 400, softChars: 300 });
    for (const message of messages.slice(0, -1)) expect(message.endsWith('\n')).toBe(true);
  });

  it('cuts a line longer than a message at a space, never mid surrogate pair', () => {
    const long = `${'word '.repeat(300)}${'😀'.repeat(200)}`;
    const messages = splitMarkdown(long, { maxChars: 500 });
    for (const message of messages) {
      expect(message.length).toBeLessThanOrEqual(500);
      expect(/[\uD800-\uDBFF]$/.test(message)).toBe(false);
    }
    expect(messages.join('')).toBe(long);
  });

  it('closes a fence the answer left open', () => {
    const messages = splitMarkdown('Partial:\n```sql\nALTER TABLE x', { maxChars: 1000 });
    expect(messages).toEqual(['Partial:\n```sql\nALTER TABLE x\n```\n']);
  });

  it('property: any text, any delta boundaries → bounded, balanced messages that add up to the text', () => {
    const line = fc.oneof(
      fc.constantFrom('```python', '```', '~~~', '```sql', '````', 'x = 1', '', '    ```', 'Some prose with `code`.'),
      fc.string({ maxLength: 120 }),
    );
    const text = fc.array(line, { maxLength: 80 }).map((lines) => lines.join('\n'));
    fc.assert(
      fc.property(text, fc.array(fc.integer({ min: 1, max: 90 }), { minLength: 1, maxLength: 20 }), fc.integer({ min: 100, max: 700 }), (markdown, sizes, maxChars) => {
        const pieces: string[] = [];
        for (let at = 0, i = 0; at < markdown.length; i += 1) {
          const size = sizes[i % sizes.length]!;
          pieces.push(markdown.slice(at, at + size));
          at += size;
        }
        const { messages, original } = run(pieces, maxChars);
        expect(original).toBe(markdown);
        for (const message of messages) {
          expect(message.length).toBeLessThanOrEqual(maxChars);
          expect(fencesBalanced(message)).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });
});
