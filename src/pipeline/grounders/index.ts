export { createEngineGrounder, type EngineGrounderOptions } from './engine-grounder.js';
export { createPlaybookGrounder, MAX_LOG_CHARS, type PlaybookGrounderOptions } from './playbook-grounder.js';
export { discoverCode, extractFences, MAX_PIECES, MAX_SHARED_FILE_CHARS, type CodePiece, type DiscoveredCode } from './pasted-code.js';
export { createKnowledgeGrounder, searchKnowledge, type KnowledgeGrounderOptions } from './knowledge-grounder.js';
export { createSqlToolGrounder, type SqlToolGrounderOptions } from './sql-tool-grounder.js';
