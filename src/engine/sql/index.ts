/** SQL prediction: what Django's schema editor runs for each operation, with lock, rewrite and scan facts. */
export { predictSql } from './predict.js';
export type { PredictOptions } from './predict.js';
export { classifyRunSql, classifyStatements, loadSqlParser, sqlParserLoaded } from './classify.js';
export type { ClassifiedStatement, RunSqlRisk } from './classify.js';
export { Catalog } from './catalog.js';
export { createIndexName, namesDigest, splitIdentifier, truncateName } from './names.js';
export { PG_LOCK_MODES } from './types.js';
export type { LockClaim, MigrationSql, MysqlAlgorithm, MysqlLock, OperationSql, PgLockMode, SqlStatement, SqlTarget } from './types.js';
export { columnOf, quoteName, tableName, vendorOf } from './columns.js';
export type { Column } from './columns.js';
