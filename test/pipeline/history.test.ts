import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mergeConsecutive, trimHistory } from '../../src/pipeline/history.js';
import type { ConversationTurn } from '../../src/pipeline/types.js';

const user = (text: string): ConversationTurn => ({ role: 'user', text });
const bot = (text: string): ConversationTurn => ({ role: 'assistant', text });

describe('trimHistory', () => {
  it('keeps a short conversation as it is', () => {
    const turns = [user('a'), bot('b'), user('c')];
    expect(trimHistory(turns, 1_000)).toEqual({ turns, omitted: 0 });
  });

  it('merges consecutive same-role turns and drops empty ones', () => {
    expect(mergeConsecutive([user('a'), user('  '), user('b'), bot('c'), bot('d'), user('e')])).toEqual([user('a\n\nb'), bot('c\n\nd'), user('e')]);
  });

  it('puts a user turn first when the thread opens with the bot', () => {
    const { turns } = trimHistory([bot('root posted by the bot'), user('follow-up')], 1_000);
    expect(turns.map((turn) => turn.role)).toEqual(['user', 'assistant', 'user']);
    expect(turns[1]?.text).toBe('root posted by the bot');
  });

  it('drops a trailing assistant turn so the newest turn is the user', () => {
    const { turns } = trimHistory([user('q'), bot('a')], 1_000);
    expect(turns).toEqual([user('q')]);
  });

  it('drops the oldest turns first and says how many were left out', () => {
    const turns = [user('1'.repeat(50)), bot('2'.repeat(50)), user('3'.repeat(50)), bot('4'.repeat(50)), user('newest')];
    const trimmed = trimHistory(turns, 100);
    expect(trimmed.omitted).toBe(3);
    expect(trimmed.turns.map((turn) => turn.role)).toEqual(['user', 'assistant', 'user']);
    expect(trimmed.turns[0]?.text).toMatch(/3 earlier messages were left out/);
    expect(trimmed.turns[1]?.text).toBe('4'.repeat(50));
    expect(trimmed.turns[2]?.text).toBe('newest');
  });

  it('merges the note into the first kept turn when that is a user turn', () => {
    const trimmed = trimHistory([user('x'.repeat(100)), bot('y'.repeat(100)), user('z'.repeat(10)), bot('w'), user('newest')], 30);
    expect(trimmed.omitted).toBe(2);
    expect(trimmed.turns[0]?.role).toBe('user');
    expect(trimmed.turns[0]?.text).toMatch(/^\[Note from migrate-help: 2 earlier messages were left out[^\]]*\]\n\nzzzz/);
  });

  it('always keeps the newest user turn, even over budget', () => {
    const trimmed = trimHistory([user('old'), bot('older answer'), user('n'.repeat(500))], 100);
    expect(trimmed.turns).toHaveLength(1);
    expect(trimmed.turns[0]?.text).toMatch(/^\[Note from migrate-help: 2 earlier messages/);
    expect(trimmed.turns[0]?.text.endsWith('n'.repeat(500))).toBe(true);
    expect(trimmed.omitted).toBe(2);
  });

  it('always returns turns the API accepts (property)', () => {
    const turnArbitrary = fc.record({ role: fc.constantFrom<'user' | 'assistant'>('user', 'assistant'), text: fc.string({ maxLength: 40 }) });
    fc.assert(
      fc.property(fc.array(turnArbitrary, { maxLength: 30 }), fc.string({ minLength: 1, maxLength: 30 }).filter((text) => text.trim().length > 0), fc.integer({ min: 0, max: 400 }), (history, newest, budget) => {
        const { turns } = trimHistory([...history, user(newest)], budget);
        expect(turns[0]?.role).toBe('user');
        expect(turns.at(-1)?.role).toBe('user');
        expect(turns.at(-1)?.text.endsWith(newest.trim())).toBe(true);
        turns.forEach((turn, index) => {
          expect(turn.text.trim()).not.toBe('');
          if (index > 0) expect(turn.role).not.toBe(turns[index - 1]?.role);
        });
      }),
    );
  });
});
