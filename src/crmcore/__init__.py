"""crmcore: the rules of a CRM as a typed, storage-agnostic Python library.

Pricing, SLA calendars, lead scoring, ROI and customer lifetime value, with
exact money (:class:`~crmcore.money.Money`), timezone-aware datetimes and
first-class Jalali (Solar Hijri) support.

>>> from crmcore import Money
>>> Money("12.50", "USD") + Money("0.75", "USD")
Money('13.25', 'USD')
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from crmcore.errors import CrmError
    from crmcore.money import Money, RoundingMode

__all__ = ["CrmError", "Money", "RoundingMode", "__version__"]

__version__ = "0.1.0"

# Loaded on first use, so that ``import crmcore`` (and ``crmcore --version``) stays light.
_LAZY = {"CrmError": "crmcore.errors", "Money": "crmcore.money", "RoundingMode": "crmcore.money"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'crmcore' has no attribute {name!r}")
