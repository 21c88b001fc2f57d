#!/usr/bin/env python3
"""Django's own SQL for a real project's migration tree, operation by operation (dev tool for bench:sqlmigrate).

Reads a JSON job on stdin: {"root", "apps": [{"label", "module"}], "contrib": [...], "swappable": {...},
"database": {...}}. Each project app becomes a stub app (no models, no code) whose migrations are the
tree's; contrib apps the tree depends on are installed as they are. A migration that cannot be imported
(it imports project code that is not in a migrations folder) is unloadable, and so is every migration
that depends on one, or on an app that is not here.

The loadable migrations are then run in plan order on a throwaway PostgreSQL database, like the fixture
generator does: first collected (sqlmigrate's collect_sql pass, per operation), then applied for real
(RunPython skipped) so Django's introspection sees the schema the tree builds. Prints one JSON object:
{"unloadable": [...], "migrations": [{"app", "name", "operations": [[sql...]], "deferred": [sql...],
"error", "applyError"}]}.

Run with a Django source tree: PYTHONPATH=/tmp/django52 /usr/bin/python3 scripts/django-sqlmigrate.py < job.json
"""
import importlib
import json
import os
import pkgutil
import sys
import tempfile
import traceback

JOB = json.load(sys.stdin)
STUBS = tempfile.mkdtemp(prefix="mh-sqlmigrate-stubs-")
STUBBED = set()
STUBBED_MIGRATIONS = set()


def write_stub_apps(apps):
    """One empty package and AppConfig per project app, so the app label exists without its code."""
    lines = ["from django.apps import AppConfig", ""]
    for i, app in enumerate(apps):
        package = f"mh_stub_{i}"
        os.makedirs(os.path.join(STUBS, package))
        open(os.path.join(STUBS, package, "__init__.py"), "w").close()
        lines += [f"class Stub{i}(AppConfig):", f"    name = {package!r}", f"    label = {app['label']!r}",
                  f"    path = {os.path.join(STUBS, package)!r}", ""]
    with open(os.path.join(STUBS, "mh_stub_apps.py"), "w") as handle:
        handle.write("\n".join(lines))
    return [f"mh_stub_apps.Stub{i}" for i in range(len(apps))]


class StubFinder:
    """Last on sys.meta_path: any module nothing else can import (project or third-party code) is a stub.

    Its attributes are stub classes: names ending in Field/Key/Manager are Django fields with no column
    (the engine never predicts those), anything else a callable that accepts anything.
    """

    def find_spec(self, name, path=None, target=None):
        from importlib.machinery import ModuleSpec

        return None if name.split(".")[0] in ("django", "mh_stub_apps") else ModuleSpec(name, self, is_package=True)

    def create_module(self, spec):
        return None

    def exec_module(self, module):
        STUBBED.add(module.__name__)
        module.__path__ = []
        module.__getattr__ = lambda attr: stub_attribute(module.__name__, attr)


class StubMeta(type):
    """Attributes of a stub class (`Member.Role.ADMIN`) are stubs too."""

    def __getattr__(cls, attr):
        return stub_attribute(f"{cls.__module__}.{cls.__name__}", attr)


def stub_attribute(module, attr):
    if attr.startswith("__"):
        raise AttributeError(attr)
    from django.db import models

    if attr.endswith("Encoder"):
        import json as json_module

        return StubMeta(attr, (json_module.JSONEncoder,), {"__module__": module})
    if attr.endswith("Manager") and "Taggable" not in attr:
        return StubMeta(attr, (models.Manager,), {"__init__": lambda self, *a, **k: models.Manager.__init__(self), "__module__": module})
    if attr.endswith(("Field", "Key", "Manager")):
        def init(self, *args, **kwargs):
            allowed = {"null", "blank", "default", "primary_key", "verbose_name", "help_text", "db_index", "unique"}
            models.Field.__init__(self, **{k: v for k, v in kwargs.items() if k in allowed})

        def db_type(self, connection):
            return None

        return StubMeta(attr, (models.Field,), {"__init__": init, "db_type": db_type, "__module__": module})
    return StubMeta(attr, (), {"__init__": lambda self, *a, **k: None, "__call__": lambda self, *a, **k: None, "__module__": module})


class StubSetting(int):
    """A project setting the tree reads but the stub settings lack: usable as a length or a name."""


class StubSettings:
    def __init__(self):
        from django.conf import global_settings

        self.defaults = global_settings

    def __getattr__(self, name):
        if hasattr(self.defaults, name) or not name.isupper():
            return getattr(self.defaults, name)
        return StubSetting(100)


def configure():
    from django.conf import settings

    sys.path[:0] = [STUBS, JOB["root"]]
    installed = [f"django.contrib.{name}" for name in JOB["contrib"]] + ["django.contrib.postgres"] + write_stub_apps(JOB["apps"])
    settings.configure(
        SECRET_KEY="bench-only", USE_TZ=True, INSTALLED_APPS=installed, DATABASES={"default": JOB["database"]},
        MIGRATION_MODULES={app["label"]: app["module"] for app in JOB["apps"]},
    )
    import django

    django.setup()
    # Project settings the migrations read (max lengths, queue names) are stand-ins.
    settings._wrapped.default_settings = StubSettings()
    # Swappable settings take effect after setup: the stub apps have no models for auth to check.
    for name, value in JOB.get("swappable", {}).items():
        setattr(settings, name, value)
    if JOB.get("stubImports"):
        sys.meta_path.append(StubFinder())


def tolerant_loader():
    """A MigrationLoader that skips migrations it cannot import and those that depend on them."""
    from django.db.migrations.loader import MigrationLoader

    unloadable = {}

    class Loader(MigrationLoader):
        def load_disk(self):
            super_import = importlib.import_module
            self.disk_migrations, self.unmigrated_apps, self.migrated_apps = {}, set(), set()
            for app in JOB["apps"]:
                self.load_app(app, super_import, unloadable)
            for label in JOB["contrib"]:
                module = super_import(f"django.contrib.{label}.migrations")
                self.add_module(label, module, super_import)
            prune(self.disk_migrations, unloadable)

        def load_app(self, app, super_import, unloadable):
            module = super_import(app["module"])
            self.migrated_apps.add(app["label"])
            for name in sorted(n for _, n, pkg in pkgutil.iter_modules(module.__path__) if not pkg and n[0] not in "_~"):
                try:
                    before = len(STUBBED)
                    migration = super_import(f"{app['module']}.{name}")
                    self.disk_migrations[app["label"], name] = migration.Migration(name, app["label"])
                    if len(STUBBED) > before or any(m in STUBBED for m in vars(migration).values() if isinstance(m, str)):
                        STUBBED_MIGRATIONS.add((app["label"], name))
                except Exception as error:  # noqa: BLE001 - project code the stub cannot provide
                    unloadable[app["label"], name] = f"import: {error.__class__.__name__}: {error}"[:200]

        def add_module(self, label, module, super_import):
            self.migrated_apps.add(label)
            for _, name, pkg in pkgutil.iter_modules(module.__path__):
                if not pkg and name[0] not in "_~":
                    self.disk_migrations[label, name] = super_import(f"{module.__name__}.{name}").Migration(name, label)

    return Loader, unloadable


def resolve(key, disk):
    """A dependency as the graph will see it, or None when no migration can satisfy it."""
    app, name = key
    names = sorted(n for a, n in disk if a == app)
    if name in ("__first__", "__latest__"):
        return (app, names[0] if name == "__first__" else names[-1]) if names else None
    return key if key in disk or any(key in getattr(m, "replaces", []) for m in disk.values()) else None


def prune(disk, unloadable):
    """Drop, until none is left, migrations with a dependency no loaded migration satisfies."""
    changed = True
    while changed:
        changed = False
        for key, migration in list(disk.items()):
            missing = [dep for dep in migration.dependencies if resolve(tuple(dep), disk) is None]
            if missing:
                unloadable[key] = f"depends on {missing[0][0]}.{missing[0][1]}, which is not loadable"
                del disk[key]
                changed = True


def collect(migration, state, connection):
    """sqlmigrate's pass, statement lists per operation, then the deferred SQL; forwards `state`."""
    per_operation = []
    try:
        with connection.schema_editor(collect_sql=True, atomic=migration.atomic) as editor:
            for operation in migration.operations:
                start = len(editor.collected_sql)
                old = state.clone()
                operation.state_forwards(migration.app_label, state)
                if operation.reduces_to_sql:
                    operation.database_forwards(migration.app_label, editor, old, state)
                per_operation.append(editor.collected_sql[start:])
            end = len(editor.collected_sql)
    except Exception as error:
        error.failed_at = len(per_operation)
        error.per_operation = per_operation
        raise
    return per_operation, editor.collected_sql[end:]


def run():
    configure()
    from django.db import connection
    from django.db.migrations import executor as executor_module
    from django.db.migrations.operations.special import RunPython

    RunPython.database_forwards = lambda *args, **kwargs: None
    Loader, unloadable = tolerant_loader()
    executor_module.MigrationLoader = Loader
    executor = executor_module.MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes(), clean_start=True)
    state = executor._create_project_state(with_applied_migrations=False)
    project = {app["label"] for app in JOB["apps"]}
    out = []
    tainted = set()
    for migration, _ in plan:
        record = {"app": migration.app_label, "name": migration.name}
        if (migration.app_label, migration.name) in STUBBED_MIGRATIONS:
            record["stubbed"] = True
        if migration.app_label in tainted:
            record["tainted"] = True
        forwarded = state.clone()
        try:
            if migration.app_label in project:
                try:
                    record["operations"], record["deferred"] = collect(migration, forwarded, connection)
                except Exception as error:  # noqa: BLE001 - Django refuses it on this backend: recorded
                    record["error"] = f"{error.__class__.__name__}: {error}"[:300]
                    record["failedAt"] = getattr(error, "failed_at", 0)
                    record["operations"] = getattr(error, "per_operation", [])
                    tainted.add(migration.app_label)
                    forwarded = migration.mutate_state(state, preserve=True)
            else:
                forwarded = migration.mutate_state(state, preserve=True)
        except Exception as error:  # noqa: BLE001 - the state itself cannot move on: stop here
            record["error"] = f"state: {error.__class__.__name__}: {error}"[:300]
            out.append(record)
            break
        try:
            with connection.schema_editor(atomic=migration.atomic) as editor:
                state = migration.apply(state, editor)
        except Exception as error:  # noqa: BLE001 - the database refused it; later introspection may differ
            record["applyError"] = f"{error.__class__.__name__}: {error}"[:300]
            tainted.add(migration.app_label)
            state = forwarded
        if migration.app_label in project:
            out.append(record)
    json.dump({"unloadable": [{"app": a, "name": n, "reason": r} for (a, n), r in sorted(unloadable.items())], "migrations": out}, sys.stdout)


try:
    run()
except Exception:  # noqa: BLE001 - report the failure as JSON so the bench can print it
    json.dump({"fatal": traceback.format_exc()}, sys.stdout)
