import { beforeAll, describe, expect, it } from 'vitest';
import { initParser } from '../../../src/engine/index.js';
import { appConfigLabel, readAppModule, readMigrationModules } from '../../../src/engine/parse/apps-config.js';

beforeAll(() => initParser());

describe('readAppModule', () => {
  it('reads every AppConfig subclass with label, name and default, and default_app_config', () => {
    const facts = readAppModule(
      [
        'from django.apps import AppConfig',
        'default_app_config = "shop.apps.Second"',
        'class First(AppConfig):',
        '    name = "shop"',
        'class Second(apps.AppConfig):',
        '    name = "project.shop"',
        '    label = "store"',
        '    default = True',
        'class NotAConfig(object):',
        '    label = "nope"',
      ].join('\n'),
    );
    expect(facts.defaultAppConfig).toBe('shop.apps.Second');
    expect(facts.configs).toEqual([
      { className: 'First', label: null, name: 'shop', isDefault: false },
      { className: 'Second', label: 'store', name: 'project.shop', isDefault: true },
    ]);
    expect(facts.configs.map(appConfigLabel)).toEqual(['shop', 'store']);
  });

  it('ignores labels built by code and modules without AppConfig', () => {
    expect(readAppModule('class C(AppConfig):\n    label = f"x{y}"\n').configs[0]?.label).toBeNull();
    expect(readAppModule('x = 1\n')).toEqual({ configs: [], defaultAppConfig: null });
  });
});

describe('readMigrationModules', () => {
  it('reads the dict literal: modules, None, and leaves out what is not a string', () => {
    const source = 'import os\nMIGRATION_MODULES = {\n    "dojo": "dojo.db_migrations",\n    "off": None,\n    "dyn": os.environ["X"],\n}\n';
    expect(readMigrationModules(source)).toEqual({ dojo: 'dojo.db_migrations', off: null });
  });

  it('is null when the settings assign no dict literal', () => {
    expect(readMigrationModules('MIGRATION_MODULES = build()\n')).toBeNull();
    expect(readMigrationModules('DEBUG = True\n')).toBeNull();
  });
});
