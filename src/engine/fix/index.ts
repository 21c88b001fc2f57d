/** The fix generator: safe replacement migrations for the risky operations of one migration. */
export { generateFix } from './generate.js';
export type { FixInput } from './generate.js';
export { recipes as fixRecipes } from './recipes/index.js';
export { FixInputError } from './types.js';
export type { FixedFile, FixedOperation, FixRecipe, FixResult, UnfixedOperation } from './types.js';
