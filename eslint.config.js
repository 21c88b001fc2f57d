// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const edges = ['slack', 'github', 'expert', 'store', 'cli'];

/** Edges may use the engine and shared modules, never each other: main.ts wires them. */
const edgeBoundaries = edges.map((edge) => ({
  files: [`src/${edge}/**/*.ts`],
  rules: {
    'no-restricted-imports': [
      'error',
      {
        patterns: edges
          .filter((other) => other !== edge)
          .map((other) => ({ group: [`**/${other}/*`, `../${other}/**`], message: `src/${edge} must not import src/${other}; pass what it needs through deps built in src/main.ts.` })),
      },
    ],
  },
}));

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'coverage/**', 'bin/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'off',
    },
  },
  {
    files: ['src/engine/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: ['fs', 'node:fs', 'fs/promises', 'node:fs/promises', 'http', 'node:http', 'https', 'node:https', 'net', 'node:net', 'child_process', 'node:child_process', 'pino', '@slack/bolt', '@slack/web-api', '@anthropic-ai/sdk', '@octokit/rest', 'better-sqlite3'].map((name) => ({ name, message: 'src/engine is pure: no I/O, SDK or logger imports.' })),
          patterns: [{ group: ['**/slack/**', '**/github/**', '**/expert/**', '**/store/**', '**/cli/**', '**/logger*', '**/config*'], message: 'src/engine must not depend on the edges.' }],
        },
      ],
      'no-restricted-globals': ['error', { name: 'process', message: 'src/engine is pure: take settings as arguments.' }, { name: 'fetch', message: 'src/engine does no I/O.' }],
    },
  },
  ...edgeBoundaries,
);
