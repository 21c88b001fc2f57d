/** Every fix recipe, tried in this order for an operation (the first that applies wins). */
import type { FixRecipe } from '../types.js';
import addIndexConcurrently from './add-index-concurrently.js';
import addNotNullColumn from './add-not-null-column.js';
import alterTypeSwap from './alter-type-swap.js';
import checkNotValid from './check-not-valid.js';
import deleteModelStateFirst from './delete-model-state-first.js';
import fieldIndexConcurrently from './field-index-concurrently.js';
import foreignKeyNotValid from './foreign-key-not-valid.js';
import removeFieldStateFirst from './remove-field-state-first.js';
import renameFieldExpandContract from './rename-field-expand-contract.js';
import renameModelExpandContract from './rename-model-expand-contract.js';
import setNotNullCheck from './set-not-null-check.js';
import uniqueUsingIndex from './unique-using-index.js';

export const recipes: readonly FixRecipe[] = [addNotNullColumn, addIndexConcurrently, foreignKeyNotValid, uniqueUsingIndex, fieldIndexConcurrently, checkNotValid, alterTypeSwap, setNotNullCheck, removeFieldStateFirst, deleteModelStateFirst, renameFieldExpandContract, renameModelExpandContract];
