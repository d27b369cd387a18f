"""crmcore: the rules of a CRM as a typed, storage-agnostic Python library.

Pricing, SLA calendars, lead scoring, ROI and customer lifetime value, with
exact money (:class:`~crmcore.money.Money`), timezone-aware datetimes and
first-class Jalali (Solar Hijri) support.

>>> from crmcore import Money
>>> Money("12.50", "USD") + Money("0.75", "USD")
Money('13.25', 'USD')
"""

from crmcore.errors import CrmError
from crmcore.money import Money, RoundingMode

__all__ = ["CrmError", "Money", "RoundingMode", "__version__"]

__version__ = "0.1.0"
