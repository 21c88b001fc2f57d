/**
 * A repository migration read again for "Show the safe version": the file at a commit and, as context
 * for state replay, every migration of its app and of the apps it depends on at that commit. Reads go
 * through the client (allowlist, caches by sha).
 */
import { initParser, parseMigration } from '../engine/index.js';
import { AppError } from '../errors.js';
import type { MigrationToFix, RepositoryMigrationRef } from '../pipeline/safe-version.js';
import type { GitHub } from './client.js';
import { createScopeReader, parsedWithContext } from './repo-context.js';

export async function readMigrationToFix(github: GitHub, wanted: RepositoryMigrationRef): Promise<MigrationToFix> {
  const repo = github.parseRepo(wanted.repo);
  if (repo === null) throw new AppError('github_not_found', `"${wanted.repo}" is not a GitHub repository (owner/repo).`);
  github.allowlist.check(repo);
  const reader = createScopeReader(github, { repo, ref: wanted.sha, label: `${wanted.repo}@${wanted.sha.slice(0, 12)}` });
  const entry = (await reader.tree()).migrations.find((candidate) => candidate.path === wanted.path);
  if (entry === undefined) throw new AppError('github_not_found', `${wanted.path} is not a migration of ${wanted.repo} at ${wanted.sha.slice(0, 12)} any more.`);
  const read = await reader.readEntries([entry]);
  const file = read.files[0];
  if (file === undefined) throw new AppError('github_not_found', read.skipped[0]?.note ?? `${wanted.path} could not be read from GitHub.`);
  await initParser();
  const parsed = parseMigration(file.text, { path: file.path, appLabel: entry.app });
  const dependencyApps = parsed.dependencies.flatMap((dep) => ('app' in dep ? [dep.app] : []));
  const { files } = await parsedWithContext(reader, [entry], dependencyApps);
  return { files, path: entry.path, source: file.text };
}
