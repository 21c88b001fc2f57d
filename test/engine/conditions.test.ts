import { describe, expect, it } from 'vitest';
import { conditionMayHold } from '../../src/engine/conditions.js';

describe('conditionMayHold', () => {
  it.each([
    ["connection.vendor == 'postgresql'", 'postgresql', true],
    ["connection.vendor == 'postgresql'", 'mysql', false],
    ['connection.vendor == "mysql"', 'mariadb', true],
    ['"sqlite" == connection.vendor', 'postgresql', false],
    ["connection.vendor != 'sqlite'", 'sqlite', false],
    ["not (connection.vendor == 'postgresql')", 'postgresql', false],
    ["not (connection.vendor == 'postgresql') and connection.vendor == 'sqlite'", 'postgresql', false],
    ["not (connection.vendor == 'postgresql') and connection.vendor == 'sqlite'", 'sqlite', true],
    ["connection.vendor == 'mysql' and not connection.mysql_is_mariadb", 'mariadb', false],
    ["connection.vendor == 'mysql' and connection.mysql_is_mariadb", 'mariadb', true],
    ["connection.vendor in ('mysql', 'sqlite')", 'postgresql', false],
    ["connection.vendor not in ['mysql', 'sqlite']", 'postgresql', true],
    ['settings.X and connection.vendor == "oracle"', 'postgresql', false],
    // Not about the vendor, or not decidable: the operation may run, so it is linted.
    ['settings.X', 'postgresql', true],
    ["connection.vendor == 'sqlite' or settings.X", 'postgresql', true],
    ["not (connection.vendor == 'sqlite' and settings.X)", 'sqlite', true],
    ['connection.vendor == VENDOR', 'postgresql', true],
  ] as const)('%s on %s: %s', (condition, database, expected) => {
    expect(conditionMayHold(condition, database)).toBe(expected);
  });
});
