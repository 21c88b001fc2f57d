import { compareVersions, parseVersion } from '../settings.js';
import type { SqlTarget } from './types.js';

export function atLeast(target: SqlTarget, version: string): boolean {
  return compareVersions(parseVersion(target.version), parseVersion(version)) >= 0;
}
