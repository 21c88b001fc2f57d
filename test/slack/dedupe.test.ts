import { describe, expect, it } from 'vitest';
import { createMemoryEventLedger } from '../../src/slack/dedupe.js';

describe('createMemoryEventLedger', () => {
  it('claims an id once within its TTL, again after it expires', () => {
    let now = 1000;
    const ledger = createMemoryEventLedger({ now: () => now });
    expect(ledger.claim('Ev1', 500)).toBe(true);
    expect(ledger.claim('Ev1', 500)).toBe(false);
    now += 501;
    expect(ledger.claim('Ev1', 500)).toBe(true);
  });

  it('forgets the oldest ids beyond its capacity', () => {
    const ledger = createMemoryEventLedger({ maxEntries: 2 });
    expect(ledger.claim('a', 60_000)).toBe(true);
    expect(ledger.claim('b', 60_000)).toBe(true);
    expect(ledger.claim('c', 60_000)).toBe(true);
    expect(ledger.claim('b', 60_000)).toBe(false);
    expect(ledger.claim('a', 60_000)).toBe(true);
  });
});
