"""Hypothesis strategies, one per public type, for property tests.

Each area keeps its strategies in a module of this package
(``tests.strategies.core`` for money and models, one per engine); this module
re-exports them so tests import from one place: ``from tests.strategies import money``.
"""

from tests.strategies.core import *  # noqa: F403 - re-export, listed in __all__ below
from tests.strategies.core import __all__ as _core_all

__all__ = list(_core_all)
