"""The public API of every crmcore package: ``__all__`` sorted, complete and documented.

Public modules are those whose dotted path has no ``_private`` part
(``crmcore.models``, ``crmcore.scoring.evaluation``, ...). New engine
packages are picked up automatically.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
import types
import typing
from pathlib import Path
from typing import Any

import attrs
import pytest

import crmcore


def _public_module_names() -> list[str]:
    names = ["crmcore"]
    for info in pkgutil.walk_packages(crmcore.__path__, "crmcore."):
        if not any(part.startswith("_") for part in info.name.split(".")):
            names.append(info.name)
    return sorted(names)


_MODULES = _public_module_names()
_WITH_ALL = _MODULES


def _isort_key(name: str) -> tuple[int, str]:
    # The order ruff's RUF022 calls "isort-style": CONSTANTS, then Classes, then functions.
    if name.isupper() and len(name) > 1:
        return (0, name)
    return (1, name) if name[:1].isupper() else (2, name)


def test_every_engine_package_is_found() -> None:
    for package in ("models", "calendars", "pricing", "sla", "scoring", "roi", "repositories"):
        assert f"crmcore.{package}" in _MODULES


@pytest.mark.parametrize("name", _WITH_ALL)
def test_all_is_sorted_unique_and_exists(name: str) -> None:
    module = importlib.import_module(name)
    exported = getattr(module, "__all__", None)
    assert isinstance(exported, (list, tuple)), f"{name} has no __all__"
    assert len(set(exported)) == len(exported), f"duplicates in {name}.__all__"
    assert list(exported) == sorted(exported, key=_isort_key), f"{name}.__all__ is not sorted"
    missing = [n for n in exported if not hasattr(module, n)]
    assert missing == [], f"{name}.__all__ names what does not exist: {missing}"
    private = [n for n in exported if n.startswith("_") and not n.startswith("__")]
    assert private == [], f"{name}.__all__ exports private names: {private}"


def _attribute_docstrings(module: types.ModuleType) -> set[str]:
    """Names assigned at the top of ``module`` (or its package's modules) followed by a docstring."""
    paths: list[Path] = []
    file = getattr(module, "__file__", None)
    if file:
        path = Path(file)
        paths = sorted(path.parent.glob("*.py")) if path.name == "__init__.py" else [path]
    found: set[str] = set()
    for path in paths:
        body = ast.parse(path.read_text(encoding="utf-8")).body
        for node, after in zip(body, [*body[1:], None], strict=True):
            documented = (
                isinstance(after, ast.Expr)
                and isinstance(after.value, ast.Constant)
                and isinstance(after.value.value, str)
            )
            if not documented:
                continue
            if isinstance(node, ast.Assign):
                found |= {t.id for t in node.targets if isinstance(t, ast.Name)}
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                found.add(node.target.id)
    return found


@pytest.mark.parametrize("name", _WITH_ALL)
def test_every_public_name_has_a_docstring(name: str) -> None:
    module = importlib.import_module(name)
    assert (module.__doc__ or "").strip(), f"{name} has no module docstring"
    attribute_docs = _attribute_docstrings(module)
    undocumented = []
    for export in module.__all__:
        if export.startswith("__"):
            continue
        obj = getattr(module, export)
        if inspect.isclass(obj) or callable(obj) or inspect.ismodule(obj):
            # A class's own docstring (not inherited); a cached function keeps its own.
            doc = obj.__dict__.get("__doc__") if inspect.isclass(obj) else obj.__doc__
            if not (doc or "").strip():
                undocumented.append(export)
        elif export not in attribute_docs:
            undocumented.append(export)
    assert undocumented == [], f"{name}: no docstring for {undocumented}"


def _exported_objects() -> dict[int, str]:
    exported: dict[int, str] = {}
    for name in _WITH_ALL:
        module = importlib.import_module(name)
        for export in module.__all__:
            exported[id(getattr(module, export))] = f"{name}.{export}"
    return exported


def _classes_in(annotation: Any) -> set[type]:
    found: set[type] = set()
    if isinstance(annotation, type) and not typing.get_args(annotation):
        found.add(annotation)
    origin = typing.get_origin(annotation)
    if isinstance(origin, type):
        found.add(origin)
    for arg in typing.get_args(annotation):
        found |= _classes_in(arg)
    return found


def _hints(obj: Any) -> dict[str, Any]:
    try:
        return typing.get_type_hints(obj)
    except Exception:  # annotations that only resolve under TYPE_CHECKING
        return {}


def _public_surface(obj: Any) -> list[Any]:
    """The annotated things a caller of ``obj`` meets: fields, methods, properties."""
    if not inspect.isclass(obj):
        return [obj] if callable(obj) else []
    surface: list[Any] = [obj]
    for attr_name, member in vars(obj).items():
        if attr_name.startswith("_"):
            continue
        if isinstance(member, property) and member.fget is not None:
            surface.append(member.fget)
        elif isinstance(member, (classmethod, staticmethod)):
            surface.append(member.__func__)
        elif inspect.isfunction(member):
            surface.append(member)
    return surface


def test_types_reachable_from_the_public_api_are_exported() -> None:
    """A public signature or field must not mention a crmcore class callers cannot import."""
    exported = _exported_objects()
    unexported: set[str] = set()
    for name in _WITH_ALL:
        module = importlib.import_module(name)
        for export in module.__all__:
            obj = getattr(module, export)
            for item in _public_surface(obj):
                hints = _hints(item)
                if inspect.isclass(item) and attrs.has(item):
                    hints = {
                        a.name: a.type
                        for a in attrs.fields(attrs.resolve_types(item))
                        if a.init and not a.name.startswith("_")
                    }
                for key, hint in hints.items():
                    if key.startswith("_"):
                        continue
                    for cls in _classes_in(hint):
                        module_name = getattr(cls, "__module__", "")
                        if module_name.startswith("crmcore.") and id(cls) not in exported:
                            unexported.add(
                                f"{cls.__module__}.{cls.__qualname__} (used by {name}.{export})"
                            )
    assert sorted(unexported) == []
