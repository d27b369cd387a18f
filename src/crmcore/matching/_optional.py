"""Lazy imports of the optional ``matching`` extra (private).

The core of crmcore imports without rapidfuzz and phonenumbers; the
functions that need them import them on first use and raise
:class:`~crmcore.errors.MatchingError` with the install command when they
are missing.
"""

from __future__ import annotations

import importlib
from functools import cache
from types import ModuleType

from crmcore.errors import MatchingError

_INSTALL = "install the extra: pip install 'crmcore[matching]'"


@cache
def _load(name: str) -> ModuleType:
    try:
        return importlib.import_module(name)
    except ImportError:
        package = name.split(".", 1)[0]
        raise MatchingError(
            obj="crmcore.matching",
            field="dependency",
            value=package,
            expected=f"the {package!r} package ({_INSTALL})",
        ) from None


def phonenumbers() -> ModuleType:
    """The ``phonenumbers`` module, or MatchingError if it is not installed."""
    return _load("phonenumbers")


def rapidfuzz_distance() -> ModuleType:
    """``rapidfuzz.distance`` (Jaro-Winkler lives here), or MatchingError."""
    return _load("rapidfuzz.distance")


def rapidfuzz_fuzz() -> ModuleType:
    """``rapidfuzz.fuzz`` (token-set ratio), or MatchingError."""
    return _load("rapidfuzz.fuzz")


def rapidfuzz_process() -> ModuleType:
    """``rapidfuzz.process`` (``cpdist`` for the numpy path), or MatchingError."""
    return _load("rapidfuzz.process")
