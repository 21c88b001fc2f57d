#!/usr/bin/env python3
"""Reference reading of Django migration files with CPython's own `ast` (standard library only).

Usage: python3 scripts/fidelity.py <dir> [<dir>...]

Prints one JSON object per migration file (JSON Lines), sorted by path: dependencies, replaces,
run_before, initial, atomic and the operation types (nested operation lists kept under their
argument names). Nothing is imported or executed. scripts/fidelity.ts compares this with the
TypeScript parser; both follow the same reading rules (docs/parser.md):
  * the last module-level `class Migration` is the migration (module-level if/try blocks included);
  * class attributes are read in order: `=` replaces, `+=`/`.append`/`.extend` add, `.insert` prepends;
    statements inside if/for/try blocks of the class body are read as if they ran;
  * names resolve to module-level (and earlier class-level) assignments;
  * an operation is a call whose callee's last segment starts with a capital letter.
"""
import ast
import json
import os
import re
import sys

DJANGO_OPS = {
    "CreateModel", "DeleteModel", "RenameModel", "AlterModelTable", "AlterModelTableComment",
    "AlterUniqueTogether", "AlterIndexTogether", "AlterOrderWithRespectTo", "AlterModelOptions",
    "AlterModelManagers", "AddField", "RemoveField", "AlterField", "RenameField", "AddIndex",
    "RemoveIndex", "RenameIndex", "AddConstraint", "RemoveConstraint", "AlterConstraint", "RunSQL",
    "RunPython", "SeparateDatabaseAndState", "CreateExtension", "BloomExtension", "BtreeGinExtension",
    "BtreeGistExtension", "CITextExtension", "CryptoExtension", "HStoreExtension", "TrigramExtension",
    "UnaccentExtension", "CreateCollation", "RemoveCollation", "AddIndexConcurrently",
    "RemoveIndexConcurrently", "AddConstraintNotValid", "ValidateConstraint",
}
OP_MODULES = {
    "django.db.migrations", "django.db.migrations.operations", "django.db.migrations.operations.fields",
    "django.db.migrations.operations.models", "django.db.migrations.operations.special",
    "django.contrib.postgres.operations",
}
NESTED = {"SeparateDatabaseAndState": ["database_operations", "state_operations"], "RunSQL": ["state_operations"]}
POSITIONAL = {"SeparateDatabaseAndState": ["database_operations", "state_operations"],
              "RunSQL": ["sql", "reverse_sql", "state_operations"]}
LIST_ATTRS = ("dependencies", "operations", "replaces", "run_before")
BLOCKS = (ast.If, ast.For, ast.While, ast.Try, ast.With)


def branches(stmt):
    """The statement lists of a compound statement in source order (every branch is read)."""
    blocks = [getattr(stmt, part, None) or [] for part in ("body", "orelse", "finalbody")]
    blocks += [handler.body for handler in getattr(stmt, "handlers", None) or []]
    blocks = [block for block in blocks if block]
    return sorted(blocks, key=lambda block: (block[0].lineno, block[0].col_offset))


def dotted(node):
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = dotted(node.value)
        return None if base is None else base + "." + node.attr
    return None


class Reader:
    def __init__(self, tree):
        self.constants = {}
        self.bindings = {}
        self.classes = set()
        self.migration = None
        self.visit_module(tree.body)

    def visit_module(self, body):
        for stmt in body:
            if isinstance(stmt, ast.Import):
                for alias in stmt.names:
                    if alias.asname:
                        self.bindings[alias.asname] = alias.name
                    else:
                        root = alias.name.split(".")[0]
                        self.bindings[root] = root
            elif isinstance(stmt, ast.ImportFrom):
                module = "." * stmt.level + (stmt.module or "")
                for alias in stmt.names:
                    if alias.name == "*":
                        continue
                    sep = "" if module.endswith(".") else "."
                    self.bindings[alias.asname or alias.name] = module + sep + alias.name
            elif isinstance(stmt, ast.ClassDef):
                self.classes.add(stmt.name)
                if stmt.name == "Migration":
                    self.migration = stmt
            elif isinstance(stmt, ast.Assign):
                if len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
                    self.constants[stmt.targets[0].id] = stmt.value
            elif isinstance(stmt, BLOCKS):
                for block in branches(stmt):
                    self.visit_module(block)

    def resolve(self, node):
        for _ in range(5):
            if isinstance(node, ast.Name) and node.id in self.constants:
                node = self.constants[node.id]
            else:
                break
        return node

    def string(self, node):
        node = self.resolve(node)
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
        return None

    # ---- attributes -------------------------------------------------------------------------
    def list_parts(self, node):
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            return self.list_parts(node.left) + self.list_parts(node.right)
        resolved = self.resolve(node)
        if isinstance(resolved, (ast.List, ast.Tuple)):
            return [resolved.elts]
        return []

    def read_class(self):
        result = {"dependencies": [], "operations": [], "replaces": [], "run_before": [], "initial": None, "atomic": None}
        self.read_block(self.migration.body, result)
        return result

    def read_block(self, body, result):
        for stmt in body:
            if isinstance(stmt, (ast.Assign, ast.AnnAssign)):
                target = stmt.targets[0] if isinstance(stmt, ast.Assign) else stmt.target
                if not isinstance(target, ast.Name) or stmt.value is None:
                    continue
                self.assign(result, target.id, stmt.value, "set")
            elif isinstance(stmt, ast.AugAssign):
                if isinstance(stmt.target, ast.Name) and stmt.target.id in LIST_ATTRS and isinstance(stmt.op, ast.Add):
                    self.assign(result, stmt.target.id, stmt.value, "extend")
            elif isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
                call = stmt.value
                name = dotted(call.func)
                if not name or name.count(".") != 1:
                    continue
                attr, method = name.split(".")
                if attr not in LIST_ATTRS:
                    continue
                if method == "append" and call.args:
                    self.add(result, attr, [call.args[0]], "extend")
                elif method == "extend" and call.args:
                    self.assign(result, attr, call.args[0], "extend")
                elif method == "insert" and len(call.args) > 1:
                    self.add(result, attr, [call.args[1]], "prepend")
            elif isinstance(stmt, BLOCKS):
                for block in branches(stmt):
                    self.read_block(block, result)

    def assign(self, result, name, value, mode):
        if name in LIST_ATTRS:
            if mode == "set":
                result[name] = []
            for items in self.list_parts(value):
                self.add(result, name, items, "extend")
        elif name in ("initial", "atomic"):
            resolved = self.resolve(value)
            if isinstance(resolved, ast.Constant) and (isinstance(resolved.value, bool) or resolved.value is None):
                result[name] = resolved.value
        else:
            self.constants[name] = value

    def add(self, result, name, items, mode):
        if name == "operations":
            new = []
            self.collect_ops(items, new, 0)
        elif name == "dependencies":
            new = [d for d in (self.dependency(item) for item in items) if d is not None]
        else:
            new = [k for k in (self.key(item) for item in items) if k is not None]
        result[name] = new + result[name] if mode == "prepend" else result[name] + new

    def key(self, node):
        node = self.resolve(node)
        if isinstance(node, (ast.Tuple, ast.List)) and len(node.elts) == 2:
            app, name = self.string(node.elts[0]), self.string(node.elts[1])
            if app is not None and name is not None:
                return [app, name]
        return None

    def dependency(self, node):
        key = self.key(node)
        if key is not None:
            return key
        node = self.resolve(node)
        if isinstance(node, ast.Call) and (dotted(node.func) or "").split(".")[-1] == "swappable_dependency" and node.args:
            arg = self.resolve(node.args[0])
            path = dotted(arg)
            if path and "." in path:
                return {"setting": path.split(".")[-1]}
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                return [arg.value.split(".")[0], "__first__"]
        return None

    # ---- operations -------------------------------------------------------------------------
    def collect_ops(self, items, out, depth):
        for raw in items:
            item = self.resolve(raw)
            if isinstance(item, ast.Call):
                callee = dotted(item.func)
                if callee and re.match(r"_*[A-Z]", callee.split(".")[-1]):
                    out.append(self.operation(item, callee, depth))
            elif isinstance(item, (ast.List, ast.Tuple)) and isinstance(raw, ast.Name):
                self.collect_ops(item.elts, out, depth + 1)

    def known(self, callee, op_type):
        if op_type not in DJANGO_OPS:
            return False
        root = callee.split(".")[0]
        if root in self.bindings:
            resolved = self.bindings[root] + callee[len(root):]
            return resolved[: -len(op_type) - 1] in OP_MODULES
        if "." in callee:
            module = callee[: -len(op_type) - 1]
            return module in OP_MODULES or module in ("migrations", "operations")
        return op_type not in self.classes

    def operation(self, call, callee, depth):
        op_type = callee.split(".")[-1]
        entry = {"type": op_type}
        if op_type in NESTED and self.known(callee, op_type) and depth < 20:
            args = {}
            for index, arg in enumerate(call.args):
                names = POSITIONAL[op_type]
                if index < len(names) and not isinstance(arg, ast.Starred):
                    args[names[index]] = arg
            for keyword in call.keywords:
                if keyword.arg:
                    args[keyword.arg] = keyword.value
            children = {}
            for key in NESTED[op_type]:
                if key in args:
                    value = self.resolve(args[key])
                    nested = []
                    if isinstance(value, (ast.List, ast.Tuple)):
                        self.collect_ops(value.elts, nested, depth + 1)
                    children[key] = nested
            if children:
                entry["children"] = children
        return entry


def migration_files(roots):
    for root in roots:
        for directory, dirs, files in os.walk(root):
            dirs.sort()
            if os.path.basename(directory) != "migrations":
                continue
            for name in sorted(files):
                if name.endswith(".py") and not name.startswith(("_", ".", "~")):
                    yield os.path.join(directory, name)


def read_file(path):
    with open(path, "rb") as handle:
        source = handle.read()
    record = {"path": path}
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError) as error:
        record["error"] = f"{type(error).__name__}: {error}"
        return record
    reader = Reader(tree)
    record["hasMigrationClass"] = reader.migration is not None
    if reader.migration is None:
        return record
    record.update(reader.read_class())
    return record


def main(argv):
    if len(argv) < 2:
        print("usage: fidelity.py <dir> [<dir>...]", file=sys.stderr)
        return 2
    for path in sorted(migration_files(argv[1:])):
        print(json.dumps(read_file(path), ensure_ascii=False, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
