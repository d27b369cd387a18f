"""Hypothesis strategies, one per public type, for property tests.

Each area keeps its strategies in a module of this package
(``tests.strategies.core`` for money and models, one per engine); this module
re-exports the core ones so tests import from one place
(``from tests.strategies import money``); the engine modules are reached as
``tests.strategies.<engine>`` because their helper names overlap (each has its
own ``aware_datetimes``, for instance).
"""

from tests.strategies import calendars, clv, core, roi, scoring, sla
from tests.strategies.core import *  # noqa: F403 - re-export, listed in __all__ below
from tests.strategies.core import __all__ as _core_all

__all__ = [*_core_all, "calendars", "clv", "core", "roi", "scoring", "sla"]  # noqa: PLE0604 - names from core
