/**
 * Hand-written guides (knowledge/*.md) for topics no rule or playbook covers. Each file starts
 * with a front matter block:
 *
 *     ---
 *     title: Squashing migrations
 *     summary: One or two sentences.
 *     keywords: squashmigrations replaces elidable
 *     ---
 *
 * The id is the file name without `.md`. Pure: the caller reads the file.
 */
import { parse as parseYaml } from 'yaml';
import type { KnowledgeDoc } from './types.js';

export class GuideError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GuideError';
  }
}

export function parseGuide(path: string, text: string): KnowledgeDoc {
  const match = /^---\r?\n([\s\S]*?)\r?\n---\r?\n([\s\S]*)$/.exec(text);
  if (!match) throw new GuideError(`${path}: a guide starts with a front matter block (---, title, summary, keywords, ---).`);
  let front: unknown;
  try {
    front = parseYaml(match[1]!);
  } catch (error) {
    throw new GuideError(`${path}: the front matter is not valid YAML (${(error as Error).message}).`);
  }
  const fields = (front ?? {}) as Record<string, unknown>;
  for (const key of ['title', 'summary', 'keywords']) {
    if (typeof fields[key] !== 'string' || (fields[key] as string).trim() === '') throw new GuideError(`${path}: the front matter needs a non-empty "${key}".`);
  }
  const name = path.split('/').pop()!.replace(/\.md$/, '');
  return {
    id: `guide:${name}`,
    kind: 'guide',
    title: (fields['title'] as string).trim(),
    summary: (fields['summary'] as string).trim(),
    body: match[2]!.trim(),
    keywords: (fields['keywords'] as string).trim(),
    source: path,
  };
}
