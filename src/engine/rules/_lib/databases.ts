/** Display names of the databases and the range that means every vendor. */
import type { Database } from '../../types.js';

const DATABASE_NAMES: Record<Database, string> = { postgresql: 'PostgreSQL', mysql: 'MySQL', mariadb: 'MariaDB', sqlite: 'SQLite', oracle: 'Oracle' };

/** Display name of the target database: `PostgreSQL`, `MySQL`… */
export function databaseName(database: Database): string {
  return DATABASE_NAMES[database];
}

/** Every vendor, for rules that hold whatever the database. */
export const ALL_DATABASES = { postgresql: '*', mysql: '*', mariadb: '*', sqlite: '*', oracle: '*' } as const;
