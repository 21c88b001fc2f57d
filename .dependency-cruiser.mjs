/**
 * Import circles are forbidden across src/, type-only imports included: a circle of types still ties two
 * modules together, and shared types belong in a module both sides import (e.g. src/github/types.ts).
 * Runs in `npm run lint`.
 * @type {import('dependency-cruiser').IConfiguration}
 */
export default {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'Move what both modules share (types, small values) into a module both can import.',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
