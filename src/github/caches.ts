/**
 * In-memory caches: plain maps for tests and runs without persistence, and a small LRU that sits
 * in front of the persistent blob cache so hot blobs skip SQLite.
 */
import type { BlobCache, ConditionalCache, GitHubCaches } from './types.js';

export function createMemoryBlobCache(): BlobCache {
  const blobs = new Map<string, string>();
  return {
    get: (sha) => blobs.get(sha),
    set: (sha, text) => {
      // A sha names one content forever: the first write wins.
      if (!blobs.has(sha)) blobs.set(sha, text);
    },
  };
}

export function createMemoryConditionalCache(): ConditionalCache {
  const entries = new Map<string, { etag: string; body: string }>();
  return {
    get: (key) => entries.get(key),
    set: (key, etag, body) => {
      entries.set(key, { etag, body });
    },
  };
}

export function createMemoryCaches(): GitHubCaches {
  return { blobs: createMemoryBlobCache(), conditional: createMemoryConditionalCache() };
}

/**
 * A memory LRU (bounded by total characters) in front of `backing`. Hand-written: a Map keeps
 * insertion order, which is all an LRU needs, and no LRU package is a direct dependency.
 */
export function createLayeredBlobCache(backing: BlobCache, maxChars = 32 * 1024 * 1024): BlobCache & { readonly memoryChars: number } {
  const memory = new Map<string, string>();
  let chars = 0;
  const remember = (sha: string, text: string): void => {
    if (text.length > maxChars) return;
    const previous = memory.get(sha);
    if (previous !== undefined) {
      memory.delete(sha);
      chars -= previous.length;
    }
    memory.set(sha, text);
    chars += text.length;
    for (const [oldest, value] of memory) {
      if (chars <= maxChars) break;
      memory.delete(oldest);
      chars -= value.length;
    }
  };
  return {
    get memoryChars() {
      return chars;
    },
    get(sha) {
      const hot = memory.get(sha);
      if (hot !== undefined) {
        // Refresh recency.
        memory.delete(sha);
        memory.set(sha, hot);
        return hot;
      }
      const stored = backing.get(sha);
      if (stored !== undefined) remember(sha, stored);
      return stored;
    },
    set(sha, text) {
      if (!memory.has(sha)) remember(sha, text);
      backing.set(sha, text);
    },
  };
}
