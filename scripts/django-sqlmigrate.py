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

    Its attributes are stub classes (stub_attribute), made once per name.
    """

    def find_spec(self, name, path=None, target=None):
        from importlib.machinery import ModuleSpec

        return None if name.split(".")[0] in ("django", "mh_stub_apps") else ModuleSpec(name, self, is_package=True)

    def create_module(self, spec):
        return None

    def exec_module(self, module):
        STUBBED.add(module.__name__)
        module.__path__ = []
        def attribute(attr):
            value = stub_attribute(module.__name__, attr)
            setattr(module, attr, value)
            return value

        module.__getattr__ = attribute


STUB_META = []


class TreePackageFinder(StubFinder):
    """First on sys.meta_path: a package above a migrations folder (`saleor.payment`) is the folder plus stubs,
    so `from saleor.payment import TransactionError` works while its migrations still import from disk."""

    def __init__(self, root, modules):
        self.root = root
        self.parents = {module.rsplit(".", i)[0] for module in modules for i in range(1, module.count(".") + 1)}

    def find_spec(self, name, path=None, target=None):
        from importlib.machinery import ModuleSpec

        if name not in self.parents:
            return None
        spec = ModuleSpec(name, self, is_package=True)
        spec.submodule_search_locations = [os.path.join(self.root, *name.split("."))]
        return spec

    def exec_module(self, module):
        StubFinder.exec_module(self, module)
        module.__path__ = [os.path.join(self.root, *module.__name__.split("."))]


def stub_meta():
    """Attributes of a stub class (`Member.Role.ADMIN`) are stubs too. A ModelBase, so a stub can be a model's base."""
    if not STUB_META:
        from django.db.models.base import ModelBase

        class StubMeta(ModelBase):
            def __getattr__(cls, attr):
                if attr.startswith("_"):
                    raise AttributeError(attr)
                return stub_attribute(f"{cls.__module__}.{cls.__name__}", attr)

        STUB_META.append(StubMeta)
    return STUB_META[0]


FIELD_KWARGS = {"null", "blank", "default", "primary_key", "verbose_name", "help_text", "db_index", "unique", "db_column"}
RELATION_KWARGS = FIELD_KWARGS | {"to", "on_delete", "related_name", "to_field", "db_constraint", "related_query_name"}


def stub_field(attr, module, meta):
    """A third-party or project field class: relations stay relations, anything else is a text column."""
    from django.db import models

    if "Taggable" in attr:
        return meta(attr, (models.Field,), {"__init__": lambda self, *a, **k: models.Field.__init__(self, **pick(k, FIELD_KWARGS - {"default"})), "db_type": lambda self, connection: None, "__module__": module})
    if "ManyToMany" in attr:
        base, allowed = models.ManyToManyField, RELATION_KWARGS - {"on_delete", "to_field", "db_index", "unique", "null", "default"} | {"through", "db_table"}
    elif attr.endswith(("Key", "OneToOneField")):
        base, allowed = (models.OneToOneField if "OneToOne" in attr else models.ForeignKey), RELATION_KWARGS
    else:
        base, allowed = models.TextField, FIELD_KWARGS
    return meta(attr, (base,), {"__init__": lambda self, *a, **k: base.__init__(self, *a[:1], **pick(k, allowed)), "__module__": module})


def pick(kwargs, allowed):
    return {key: value for key, value in kwargs.items() if key in allowed}


def stub_attribute(module, attr):
    if attr.startswith("__"):
        raise AttributeError(attr)
    from django.db import models

    meta = stub_meta()
    if attr.endswith("Encoder"):
        import json as json_module

        return meta(attr, (json_module.JSONEncoder,), {"__module__": module})
    if attr.endswith("Manager") and "Taggable" not in attr:
        return meta(attr, (models.Manager,), {"__init__": lambda self, *a, **k: models.Manager.__init__(self), "__module__": module})
    if attr.endswith(("Field", "Key", "Manager")):
        return stub_field(attr, module, meta)
    return meta(attr, (), {"__init__": lambda self, *a, **k: None, "__call__": lambda self, *a, **k: None, "__module__": module})


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
        DEFAULT_AUTO_FIELD=JOB.get("defaultAutoField", "django.db.models.AutoField"),
    )
    import django

    django.setup()
    # Project settings the migrations read (max lengths, queue names) are stand-ins.
    settings._wrapped.default_settings = StubSettings()
    # Swappable settings take effect after setup: the stub apps have no models for auth to check.
    for name, value in JOB.get("swappable", {}).items():
        setattr(settings, name, value)
    if JOB.get("stubImports"):
        sys.meta_path.insert(0, TreePackageFinder(JOB["root"], [app["module"] for app in JOB["apps"]]))
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
            drop_external_dependencies(self.disk_migrations)
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


EXTERNAL = set()


def drop_external_dependencies(disk):
    """Dependencies on apps that are not here (third-party) are dropped, as the engine reads them."""
    labels = {app for app, _ in disk}
    for migration in disk.values():
        kept = [dep for dep in migration.dependencies if dep[0] in labels]
        EXTERNAL.update(dep[0] for dep in migration.dependencies if dep[0] not in labels)
        migration.dependencies = kept


def external_models(plan):
    """Models of external apps the loaded migrations point at: each becomes a stub model with an id."""
    found = set()
    for migration, _ in plan:
        for operation in walk(migration.operations):
            for field in fields_of(operation):
                target = getattr(getattr(field, "remote_field", None), "model", None)
                if isinstance(target, str) and "." in target and target.split(".")[0] in EXTERNAL:
                    found.add(tuple(target.split(".", 1)))
    return sorted(found)


def walk(operations):
    for operation in operations:
        yield operation
        for name in ("database_operations", "state_operations"):
            yield from walk(getattr(operation, name, []) or [])


def fields_of(operation):
    if hasattr(operation, "fields") and isinstance(operation.fields, (list, tuple)):
        return [field for _, field in operation.fields]
    field = getattr(operation, "field", None)
    return [field] if field is not None else []


def add_external_models(state, plan, connection):
    from django.db import models
    from django.db.migrations.state import ModelState

    for label, name in external_models(plan):
        state.add_model(ModelState(label, name, [("id", models.AutoField(primary_key=True))]))
    with connection.schema_editor() as editor:
        for label, name in external_models(plan):
            editor.create_model(state.apps.get_model(label, name))


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


def recover(connection):
    """After a failed statement: leave any aborted transaction and start on a fresh connection."""
    connection.in_atomic_block = False
    connection.savepoint_ids = []
    connection.needs_rollback = False
    connection.closed_in_transaction = False
    connection.close()


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
    add_external_models(state, plan, connection)
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
                    recover(connection)
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
            recover(connection)
            state = forwarded
        if migration.app_label in project:
            out.append(record)
    json.dump({"unloadable": [{"app": a, "name": n, "reason": r} for (a, n), r in sorted(unloadable.items())], "migrations": out}, sys.stdout)


try:
    run()
except Exception:  # noqa: BLE001 - report the failure as JSON so the bench can print it
    json.dump({"fatal": traceback.format_exc()}, sys.stdout)
