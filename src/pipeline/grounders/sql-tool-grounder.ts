/**
 * Offers `predict_sql` on every question, over migration source the model passes, with the question's
 * own pasted or shared migrations as context. Listed after the repository grounders: where a repository
 * is in play, their `predict_sql` (which also reads paths) is the one the model gets.
 */
import { initParser } from '../../engine/index.js';
import type { EngineSettings } from '../../engine/index.js';
import { createPredictSqlTool } from '../sql-tool.js';
import type { Grounder, Question } from '../types.js';
import { discoverCode } from './pasted-code.js';

export interface SqlToolGrounderOptions {
  settingsFor(question: Question): Promise<EngineSettings>;
}

export function createSqlToolGrounder(options: SqlToolGrounderOptions): Grounder {
  return {
    name: 'sql-tool',
    async ground(question) {
      await initParser();
      const context = discoverCode(question).pieces.map((piece) => piece.file);
      return { tools: [createPredictSqlTool({ settings: await options.settingsFor(question), context })] };
    },
  };
}
