import { describe, expect, it } from 'vitest';
import { createLayeredBlobCache, createMemoryBlobCache } from '../../src/github/index.js';

describe('layered blob cache', () => {
  it('serves hot blobs from memory, evicts the least recently used past its size, and keeps everything in the backing store', () => {
    const backing = createMemoryBlobCache();
    const reads: string[] = [];
    const counted = { get: (sha: string) => (reads.push(sha), backing.get(sha)), set: backing.set };
    const cache = createLayeredBlobCache(counted, 10);

    cache.set('a', 'aaaa');
    cache.set('b', 'bbbb');
    expect(cache.get('a')).toBe('aaaa'); // memory hit, and `a` becomes the most recent
    cache.set('c', 'cccc'); // 12 chars > 10: evicts `b`, the least recently used
    expect(cache.memoryChars).toBe(8);
    expect(reads).toEqual([]);
    expect(cache.get('b')).toBe('bbbb'); // from the backing store
    expect(reads).toEqual(['b']);
    expect(cache.get('missing')).toBeUndefined();
    // A blob larger than the memory budget still reaches the backing store.
    cache.set('huge', 'x'.repeat(50));
    expect(backing.get('huge')).toHaveLength(50);
  });
});
