/** Connections to the real servers the verification suite observes; unreachable skips locally, fails in CI. */
import mysql from 'mysql2/promise';
import pg from 'pg';

export const IN_CI = process.env['CI'] !== undefined && process.env['CI'] !== '' && process.env['CI'] !== 'false';
export const PG = { host: '127.0.0.1', port: 5432, user: 'postgres' };
export const MARIADB = { host: '127.0.0.1', port: 3306, user: 'root' };

export function runId(): string {
  return `mh_verify_${process.pid}_${Date.now().toString(36)}`;
}

export async function pgReachable(): Promise<string | null> {
  const client = new pg.Client({ ...PG, database: 'postgres', connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    const { rows } = await client.query<{ server_version: string }>('SHOW server_version');
    return rows[0]!.server_version;
  } catch {
    return null;
  } finally {
    await client.end().catch(() => undefined);
  }
}

export async function mariadbReachable(): Promise<string | null> {
  try {
    const connection = await mysql.createConnection({ ...MARIADB, connectTimeout: 3000 });
    const [rows] = await connection.query('SELECT VERSION() AS v');
    await connection.end();
    return (rows as Array<{ v: string }>)[0]!.v;
  } catch {
    return null;
  }
}

/** Skip with a clear message on a developer machine without the server; in CI a missing server is a failure. */
export function unreachable(name: string): string {
  const message = `${name} is not reachable on 127.0.0.1; the SQL claims were not verified against it`;
  if (IN_CI) throw new Error(`${message} (CI must provide it: .ci/run starts it).`);
  console.warn(`skip: ${message}.`);
  return message;
}
