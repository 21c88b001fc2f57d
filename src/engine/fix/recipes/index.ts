/** Every fix recipe, tried in this order for an operation (the first that applies wins). */
import type { FixRecipe } from '../types.js';
import addIndexConcurrently from './add-index-concurrently.js';
import addNotNullColumn from './add-not-null-column.js';
import checkNotValid from './check-not-valid.js';
import deleteModelStateFirst from './delete-model-state-first.js';
import fieldIndexConcurrently from './field-index-concurrently.js';
import foreignKeyNotValid from './foreign-key-not-valid.js';
import removeFieldStateFirst from './remove-field-state-first.js';
import setNotNullCheck from './set-not-null-check.js';
import uniqueUsingIndex from './unique-using-index.js';

export const recipes: readonly FixRecipe[] = [addNotNullColumn, addIndexConcurrently, foreignKeyNotValid, uniqueUsingIndex, fieldIndexConcurrently, checkNotValid, setNotNullCheck, removeFieldStateFirst, deleteModelStateFirst];
