/**
 * RunSQL read by PostgreSQL's own parser (libpg-query, WASM): each statement's lock, rewrite and scan
 * facts and the risks the rules warn about. Other vendors, and PostgreSQL before `loadSqlParser()`
 * has resolved, fall back to the keyword scanner the rules already use.
 */
import { loadModule, parseSync } from 'libpg-query';
import { splitSqlStatements } from '../rules/_lib/sql.js';
import { PG_LOCK_MODES } from './types.js';
import type { LockClaim, PgLockMode, SqlStatement, SqlTarget } from './types.js';

/** What a rule can warn about in one RunSQL statement. */
export type RunSqlRisk =
  | 'create-index-not-concurrently'
  | 'set-not-null'
  | 'constraint-validates'
  | 'write-without-where'
  | 'drop-table'
  | 'drop-column'
  | 'alter-column-type';

export interface ClassifiedStatement extends SqlStatement {
  risks: RunSqlRisk[];
  /** How the statement was read: the PostgreSQL parser, or the keyword scanner. */
  reader: 'libpg-query' | 'scanner';
  /** The parser's error when the text is not valid PostgreSQL (read by the scanner instead). */
  parseError?: string;
}

let loaded = false;
let loading: Promise<void> | undefined;

/** Load the parser's WASM once; classification is synchronous afterwards. */
export function loadSqlParser(): Promise<void> {
  loading ??= loadModule().then(() => {
    loaded = true;
  });
  return loading;
}

export function sqlParserLoaded(): boolean {
  return loaded;
}

type Node = Record<string, unknown>;

function relname(value: unknown): string | null {
  const rel = value as { relname?: string; schemaname?: string } | undefined;
  return rel?.relname ?? null;
}

function stronger(a: PgLockMode | null, b: PgLockMode): PgLockMode {
  return a === null || PG_LOCK_MODES.indexOf(b) > PG_LOCK_MODES.indexOf(a) ? b : a;
}

interface Reading {
  mode: PgLockMode | null;
  table: string | null;
  extra: LockClaim[];
  rewrite: boolean;
  scan: boolean;
  transactional: boolean;
  risks: RunSqlRisk[];
}

function alterTable(stmt: Node, reading: Reading): void {
  reading.table = relname(stmt['relation']);
  for (const wrapped of (stmt['cmds'] as Node[] | undefined) ?? []) {
    const cmd = (wrapped['AlterTableCmd'] ?? {}) as Node;
    const subtype = cmd['subtype'] as string;
    const constraint = ((cmd['def'] as Node | undefined)?.['Constraint'] ?? null) as Node | null;
    if (subtype === 'AT_AddConstraint' && constraint) {
      const contype = constraint['contype'] as string;
      const notValid = constraint['skip_validation'] === true;
      const usingIndex = typeof constraint['indexname'] === 'string';
      if (contype === 'CONSTR_FOREIGN') {
        reading.mode = stronger(reading.mode, 'SHARE ROW EXCLUSIVE');
        const ref = relname(constraint['pktable']);
        if (ref) reading.extra.push({ relation: ref, mode: 'SHARE ROW EXCLUSIVE' });
      } else reading.mode = stronger(reading.mode, 'ACCESS EXCLUSIVE');
      if (!notValid && !usingIndex) {
        reading.scan = true;
        reading.risks.push('constraint-validates');
      }
      continue;
    }
    if (subtype === 'AT_ValidateConstraint') {
      reading.mode = stronger(reading.mode, 'SHARE UPDATE EXCLUSIVE');
      reading.scan = true;
      continue;
    }
    reading.mode = stronger(reading.mode, 'ACCESS EXCLUSIVE');
    if (subtype === 'AT_SetNotNull') {
      reading.scan = true;
      reading.risks.push('set-not-null');
    } else if (subtype === 'AT_DropColumn') reading.risks.push('drop-column');
    else if (subtype === 'AT_AlterColumnType') {
      reading.rewrite = true;
      reading.risks.push('alter-column-type');
    }
  }
}

function readPg(stmt: Node): Reading {
  const reading: Reading = { mode: null, table: null, extra: [], rewrite: false, scan: false, transactional: true, risks: [] };
  const [type, body] = Object.entries(stmt)[0] ?? ['', {}];
  const node = body as Node;
  switch (type) {
    case 'IndexStmt':
      reading.table = relname(node['relation']);
      reading.scan = true;
      if (node['concurrent'] === true) {
        reading.mode = 'SHARE UPDATE EXCLUSIVE';
        reading.transactional = false;
      } else {
        reading.mode = 'SHARE';
        reading.risks.push('create-index-not-concurrently');
      }
      break;
    case 'AlterTableStmt':
      alterTable(node, reading);
      break;
    case 'UpdateStmt':
    case 'DeleteStmt':
      reading.table = relname(node['relation']);
      reading.mode = 'ROW EXCLUSIVE';
      reading.scan = true;
      if (node['whereClause'] === undefined) reading.risks.push('write-without-where');
      break;
    case 'DropStmt': {
      const objects = (node['objects'] as Node[] | undefined) ?? [];
      const first = ((objects[0]?.['List'] as Node | undefined)?.['items'] as Node[] | undefined) ?? [];
      const name = (first[first.length - 1]?.['String'] as { sval?: string } | undefined)?.sval ?? null;
      if (node['removeType'] === 'OBJECT_TABLE') {
        reading.table = name;
        reading.mode = 'ACCESS EXCLUSIVE';
        reading.risks.push('drop-table');
      } else if (node['removeType'] === 'OBJECT_INDEX') {
        reading.table = name;
        reading.mode = node['concurrent'] === true ? 'SHARE UPDATE EXCLUSIVE' : 'ACCESS EXCLUSIVE';
        reading.transactional = node['concurrent'] !== true;
      }
      break;
    }
  }
  return reading;
}

function fromScanner(sql: string, reason?: string): ClassifiedStatement[] {
  return splitSqlStatements(sql).map((statement) => ({
    sql: statement.text,
    lock: null,
    rewrite: false,
    scan: false,
    table: null,
    locks: [],
    transactional: !/\bCONCURRENTLY\b/.test(statement.masked),
    risks: scannerRisks(statement.masked),
    reader: 'scanner' as const,
    ...(reason ? { parseError: reason } : {}),
  }));
}

/** The scanner's view of the same risks, for MySQL/MariaDB and text PostgreSQL cannot parse. */
function scannerRisks(masked: string): RunSqlRisk[] {
  const risks: RunSqlRisk[] = [];
  if (/^CREATE (UNIQUE )?INDEX (?!CONCURRENTLY)/.test(masked)) risks.push('create-index-not-concurrently');
  if (/\bSET NOT NULL\b/.test(masked)) risks.push('set-not-null');
  if (/\bADD (CONSTRAINT \S+ )?(CHECK|FOREIGN KEY|UNIQUE)\b/.test(masked) && !/\bNOT VALID\b/.test(masked)) risks.push('constraint-validates');
  if (/^(UPDATE|DELETE)\b/.test(masked) && !/\bWHERE\b/.test(masked)) risks.push('write-without-where');
  if (/^DROP TABLE\b/.test(masked)) risks.push('drop-table');
  if (/^ALTER TABLE .*\bDROP (COLUMN )?(?!CONSTRAINT|INDEX|FOREIGN|PRIMARY|CHECK|DEFAULT)/.test(masked)) risks.push('drop-column');
  return risks;
}

/** Classify the statements of one RunSQL text for the target. Never throws. */
export function classifyRunSql(sql: string, target: SqlTarget): ClassifiedStatement[] {
  if (target.database !== 'postgresql' || !loaded) return fromScanner(sql);
  let parsed: ReturnType<typeof parseSync>;
  try {
    parsed = parseSync(sql);
  } catch (error) {
    return fromScanner(sql, (error as Error).message);
  }
  const out: ClassifiedStatement[] = [];
  const bytes = Buffer.from(sql, 'utf8');
  for (const raw of parsed.stmts ?? []) {
    const start = raw.stmt_location ?? 0;
    const length = raw.stmt_len ?? bytes.length - start;
    const text = bytes.subarray(start, start + length).toString('utf8').trim();
    if (!raw.stmt || text.length === 0) continue;
    const reading = readPg(raw.stmt as Node);
    const locks: LockClaim[] = reading.mode && reading.table ? [{ relation: reading.table, mode: reading.mode }, ...reading.extra] : [];
    out.push({ sql: text, lock: reading.mode, rewrite: reading.rewrite, scan: reading.scan, table: reading.table, locks, transactional: reading.transactional, risks: reading.risks, reader: 'libpg-query' });
  }
  return out;
}

/** RunSQL statements as SqlStatements for the SQL model. */
export function classifyStatements(sql: string, target: SqlTarget): SqlStatement[] {
  return classifyRunSql(sql, target).map(({ risks: _risks, reader: _reader, parseError: _error, ...statement }) => statement);
}
