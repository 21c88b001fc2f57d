#!/usr/bin/env python3
"""Fidelity check for the graph: feed migration files to Django's own MigrationLoader/MigrationGraph.

Dev tool, not run in CI. Reads every migrations/*.py under <dir> with Python's `ast` (never
imports the files), takes `dependencies`, `replaces` and `run_before` from `class Migration`,
and builds Django's graph with the loader's own replacement logic. Prints JSON: leaf nodes per
app, conflicts, the forward plan (like `migrate --plan` on an empty database) and the error
Django would raise, if any.

Apps found under <dir> are first-party. Dependencies on other apps (contrib, third-party) are
dropped before Django sees them, which is the engine's "external app" rule, so both sides answer
the same question.

Needs Django importable (Debian: apt-get install python3-django; run with /usr/bin/python3).

    /usr/bin/python3 scripts/django-graph.py /tmp/corpus/saleor [--swappable AUTH_USER_MODEL=account.User] [--files]

--files also prints what was extracted per file, so the engine's graph can be fed exactly the
same input when the comparison should not depend on the parser.
"""
import argparse
import ast
import json
import os
import sys


def literal_key(node):
    """('app', 'name') tuple/list of two string constants, else None."""
    if isinstance(node, (ast.Tuple, ast.List)) and len(node.elts) == 2:
        parts = [e.value if isinstance(e, ast.Constant) and isinstance(e.value, str) else None for e in node.elts]
        if None not in parts:
            return parts
    return None


def swappable_setting(node):
    """migrations.swappable_dependency(settings.X) -> 'X'."""
    if isinstance(node, ast.Call) and node.args:
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, 'id', None)
        arg = node.args[0]
        if name == 'swappable_dependency' and isinstance(arg, ast.Attribute):
            return arg.attr
    return None


def read_migration(path):
    with open(path, 'rb') as handle:
        source = handle.read()
    try:
        tree = ast.parse(source, filename=path)
    except SyntaxError as error:
        return {'error': 'syntax error: %s' % error}
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and node.name == 'Migration':
            found = {'dependencies': [], 'replaces': [], 'run_before': []}
            for stmt in node.body:
                targets = []
                if isinstance(stmt, ast.Assign):
                    targets = [t.id for t in stmt.targets if isinstance(t, ast.Name)]
                elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and stmt.value is not None:
                    targets = [stmt.target.id]
                for target in targets:
                    if target not in found or not isinstance(stmt.value, (ast.List, ast.Tuple)):
                        continue
                    items = []
                    for element in stmt.value.elts:
                        key = literal_key(element)
                        if key:
                            items.append({'app': key[0], 'name': key[1]})
                        elif target == 'dependencies' and swappable_setting(element):
                            items.append({'setting': swappable_setting(element)})
                    found[target] = items
            return found
    return {'error': 'no Migration class'}


def app_label(package_dir):
    """The `label` an AppConfig in apps.py declares, else the package folder name (Django's default)."""
    apps_py = os.path.join(package_dir, 'apps.py')
    if os.path.exists(apps_py):
        try:
            with open(apps_py, 'rb') as handle:
                tree = ast.parse(handle.read())
        except SyntaxError:
            tree = None
        for node in ast.walk(tree) if tree else []:
            if isinstance(node, ast.ClassDef):
                for stmt in node.body:
                    if (isinstance(stmt, ast.Assign) and any(isinstance(t, ast.Name) and t.id == 'label' for t in stmt.targets)
                            and isinstance(stmt.value, ast.Constant) and isinstance(stmt.value.value, str)):
                        return stmt.value.value
    return os.path.basename(package_dir)


def collect(root):
    """Every migrations/*.py (not starting with _ . ~) under root; app label from apps.py or the folder."""
    files = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        if os.path.basename(dirpath) != 'migrations':
            continue
        app = app_label(os.path.dirname(dirpath))
        for filename in sorted(filenames):
            if not filename.endswith('.py') or filename[0] in '_.~':
                continue
            path = os.path.join(dirpath, filename)
            entry = read_migration(path)
            entry.update({'path': os.path.relpath(path, root), 'app': app, 'name': filename[:-3]})
            files.append(entry)
    return files


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('root')
    parser.add_argument('--swappable', action='append', default=[], help='SETTING=app.Model (AUTH_USER_MODEL defaults to auth.User)')
    parser.add_argument('--files', action='store_true', help='also print the extracted files')
    args = parser.parse_args()
    swappable = {'AUTH_USER_MODEL': 'auth.User'}
    for item in args.swappable:
        setting, _, value = item.partition('=')
        swappable[setting] = value

    import django
    from django.conf import settings

    settings.configure(INSTALLED_APPS=[], DATABASES={})
    django.setup()
    from django.db.migrations.exceptions import CircularDependencyError, NodeNotFoundError
    from django.db.migrations.loader import MigrationLoader
    from django.db.migrations.migration import Migration

    files = collect(args.root)
    valid = [f for f in files if 'error' not in f]
    first_party = {f['app'] for f in valid}

    disk = {}
    for entry in valid:
        migration = Migration(entry['name'], entry['app'])
        deps = []
        for dep in entry['dependencies']:
            if 'setting' in dep:
                value = swappable.get(dep['setting'])
                if not value:
                    continue
                dep = {'app': value.split('.', 1)[0], 'name': '__first__'}
            if dep['app'] in first_party:
                deps.append((dep['app'], dep['name']))
        migration.dependencies = deps
        migration.replaces = [(r['app'], r['name']) for r in entry['replaces']]
        migration.run_before = [(r['app'], r['name']) for r in entry['run_before'] if r['app'] in first_party]
        disk.setdefault((entry['app'], entry['name']), migration)

    class StaticLoader(MigrationLoader):
        """MigrationLoader whose 'disk' is the files read above; no database (nothing applied)."""

        def load_disk(self):
            self.disk_migrations = dict(sorted(disk.items()))
            self.migrated_apps = set(first_party)
            self.unmigrated_apps = set()

    loader = StaticLoader(connection=None, load=False)
    error = None
    try:
        loader.build_graph()
    except (NodeNotFoundError, CircularDependencyError, ValueError) as exc:
        error = '%s: %s' % (type(exc).__name__, exc)
    graph = loader.graph

    from django.db.migrations.graph import DummyNode

    real = [key for key in graph.nodes if not isinstance(graph.node_map[key], DummyNode)]
    apps = {}
    for app_label, name in graph.leaf_nodes():
        if (app_label, name) in real:
            apps.setdefault(app_label, {'leaves': []})['leaves'].append('%s.%s' % (app_label, name))
    plan = []
    if error is None:
        seen = set()
        for target in graph.leaf_nodes():
            for key in graph.forwards_plan(target):
                if key not in seen:
                    seen.add(key)
                    plan.append('%s.%s' % key)
    result = {
        'files': len(files),
        'apps': apps,
        'conflicts': {app: info['leaves'] for app, info in sorted(apps.items()) if len(info['leaves']) > 1},
        'plan': plan,
        'error': error,
    }
    if args.files:
        result['migrations'] = files
    json.dump(result, sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write('\n')


if __name__ == '__main__':
    main()
