export { createAnswerService, MAX_INPUT_CHARS, type AnswerServiceDeps } from './answer-service.js';
export { trimHistory, mergeConsecutive, omittedNote, DEFAULT_HISTORY_BUDGET_CHARS, type TrimmedHistory } from './history.js';
export type * from './types.js';
