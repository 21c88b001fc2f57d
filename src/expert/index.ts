export { createExpert, toolsForRequest, type ExpertClient, type ExpertOptions } from './client.js';
export type { StreamRequest, StreamResult } from './types.js';
export { ModelError, translateModelError, retryAfterSeconds } from './errors.js';
export { loadPrompts, DEFAULT_PROMPTS_DIR, type Prompts } from './prompts.js';
export { runToolLoop, toMessages, DEFAULT_TOOL_CALL_BUDGET } from './tools.js';
