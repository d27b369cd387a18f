"""House rules that keep one vocabulary and clean layers (issue 9).

- no two public classes share a name across packages;
- no module imports a private name from another package (root-level
  ``crmcore._x`` modules are the shared internals every package may use);
- no function in ``src/`` is longer than 80 lines;
- the one backend keyword: nobody spells it ``use_numpy``.
"""

from __future__ import annotations

import ast
import importlib
import inspect
from collections import defaultdict
from pathlib import Path

import crmcore
from tests.test_public_api import _MODULES

SRC = Path(crmcore.__file__).parent
MAX_FUNCTION_LINES = 80


def _sources() -> list[Path]:
    return sorted(SRC.rglob("*.py"))


def _package_of(path: Path) -> str:
    """``crmcore.scoring`` for ``src/crmcore/scoring/_rfm.py``; ``crmcore`` for root modules."""
    parts = path.relative_to(SRC.parent).with_suffix("").parts
    return ".".join(parts[:2]) if len(parts) > 2 else parts[0]


def test_public_class_names_are_unique_across_packages() -> None:
    owners: dict[str, set[str]] = defaultdict(set)
    for name in _MODULES:
        module = importlib.import_module(name)
        for export in module.__all__:
            obj = getattr(module, export)
            if inspect.isclass(obj):
                owners[export].add(f"{obj.__module__}.{obj.__qualname__}")
    clashes = {name: sorted(where) for name, where in owners.items() if len(where) > 1}
    assert clashes == {}


def _private_imports(path: Path, source: str | None = None) -> list[str]:
    own = _package_of(path)
    found = []
    text = path.read_text(encoding="utf-8") if source is None else source
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module + "." + a.name for a in node.names]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        else:
            continue
        for dotted in names:
            parts = dotted.split(".")
            if parts[0] != "crmcore":
                continue
            for depth in range(2, len(parts) + 1):
                if parts[depth - 1].startswith("_") and not parts[depth - 1].startswith("__"):
                    owner = ".".join(parts[: depth - 1])
                    # crmcore._x (depth 2) is a shared root internal.
                    if depth > 2 and owner != own and not own.startswith(owner + "."):
                        found.append(f"{path.relative_to(SRC.parent)}: {dotted}")
                    break
    return found


def test_no_module_imports_a_private_name_of_another_package() -> None:
    found = [hit for path in _sources() for hit in _private_imports(path)]
    assert found == []


def test_private_import_check_catches_a_leak() -> None:
    # The checker must flag the kind of import issue 9 found, and allow shared root internals
    # and a package's own private modules.
    source = (
        "from crmcore.models._base import to_frozen_map\n"
        "from crmcore._checks import text\n"
        "from crmcore.scoring._rules import Rule\n"
    )
    found = _private_imports(SRC / "scoring" / "probe.py", source)
    assert found == ["crmcore/scoring/probe.py: crmcore.models._base.to_frozen_map"]


def test_no_function_is_longer_than_80_lines() -> None:
    long = []
    for path in _sources():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                assert node.end_lineno is not None
                length = node.end_lineno - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    long.append(
                        f"{path.relative_to(SRC.parent)}:{node.lineno} {node.name} ({length})"
                    )
    assert long == []


def test_one_backend_keyword() -> None:
    spelled = [
        str(path.relative_to(SRC.parent))
        for path in _sources()
        if "use_numpy" in path.read_text(encoding="utf-8")
    ]
    assert spelled == []
