"""Imports run one way: portal ← organizations ← members ← services ← councils (DESIGN.md, issue 17;
councils reads the services ledger for the evidence beside a member's appraisal, never the other way).

An app may import itself and the layers below it, never one above it nor a neighbour on its own
layer; the portal imports no app. Apps above plug into the layers below (portal/registry.py,
organizations/hooks.py) instead. Every module counts, functions' local imports included, and so do
imports by name (``import_module``, ``import_string``, ``apps.get_model``); migrations and tests
do not.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LAYERS = {"portal": 0, "organizations": 1, "members": 2, "services": 3, "councils": 4}
BY_NAME = {"import_module", "import_string", "get_model"}


def imported(tree, package):
    """(line, top-level package) of every import in a module of ``package``."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom):
            yield node.lineno, package if node.level else (node.module or "").split(".")[0]
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if name in BY_NAME and isinstance(node.args[0].value, str):
                yield node.lineno, node.args[0].value.split(".")[0]


def violations(source, package, filename="<module>"):
    found = []
    for line, target in imported(ast.parse(source, filename), package):
        if target in LAYERS and target != package and LAYERS[target] >= LAYERS[package]:
            found.append(f"{filename}:{line}: {package} imports {target}")
    return found


def modules():
    for package in LAYERS:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).parts
            if "migrations" not in parts and "tests" not in parts:
                yield package, path


def test_every_app_imports_only_the_layers_below_it():
    checked, found = 0, []
    for package, path in modules():
        found += violations(path.read_text(encoding="utf-8"), package, str(path.relative_to(ROOT)))
        checked += 1
    assert checked > 50, "the walk found too few modules to mean anything"
    assert found == []


@pytest.mark.parametrize(
    "package, source",
    [
        ("portal", "from organizations.models import Organization"),
        ("portal", "def f():\n    import members.models"),
        ("organizations", "from members import views"),
        ("organizations", "from django.apps import apps\napps.get_model('members.Member')"),
        ("members", "from importlib import import_module\nimport_module('services.models')"),
        ("services", "from councils.models import Meeting"),
    ],
)
def test_an_import_against_the_order_is_caught(package, source):
    assert violations(source, package)


@pytest.mark.parametrize(
    "package, source",
    [
        ("portal", "from portal.models import User\nfrom . import registry"),
        ("organizations", "from portal import registry"),
        ("members", "from organizations.models import Organization\nfrom portal.identity import make_id_number"),
        ("services", "import members.models"),
        ("councils", "from services.models import ServiceEntry\nfrom members.models import Member"),
    ],
)
def test_an_import_along_the_order_is_allowed(package, source):
    assert violations(source, package) == []
