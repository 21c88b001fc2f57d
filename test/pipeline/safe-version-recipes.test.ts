import { describe, expect, it } from 'vitest';
import { recipeCovers, safeVersionOf } from '../../src/pipeline/safe-version.js';
import { FIX_CASES } from '../engine/fix/cases.js';
import { caseTree, RISKY_PATH, risks } from '../engine/fix/helpers.js';

const PG16 = { database: 'postgresql' as const, databaseVersion: '16' };
const RENAME_MODEL = FIX_CASES.find((c) => c.recipe === 'rename-model-expand-contract')!;

describe('"Show the safe version" and the fix recipes', () => {
  it('offers the RenameModel recipe from the same registry the fix command uses', async () => {
    const { files } = await caseTree(RENAME_MODEL.operation);
    const finding = risks(files, [RISKY_PATH], PG16).find((f) => f.ruleId === RENAME_MODEL.rule)!;
    expect(recipeCovers(finding, 'postgresql')).toBe(true);
    expect(recipeCovers(finding, 'sqlite')).toBe(false);
  });

  it('returns the recipe\'s files for a RenameModel migration', async () => {
    const { files, source } = await caseTree(RENAME_MODEL.operation);
    const version = await safeVersionOf({ files, path: RISKY_PATH, source }, PG16);
    expect('result' in version && version.result.fixed.map((f) => f.recipe)).toEqual([RENAME_MODEL.recipe]);
  });
});
