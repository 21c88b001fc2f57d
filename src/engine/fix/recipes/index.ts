/** Every fix recipe, tried in this order for an operation (the first that applies wins). */
import type { FixRecipe } from '../types.js';
import addNotNullColumn from './add-not-null-column.js';

export const recipes: readonly FixRecipe[] = [addNotNullColumn];
