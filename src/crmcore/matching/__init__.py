"""Duplicate detection and merging for leads, contacts and accounts, Persian-aware.

- Normalisation (pure, composable, idempotent): :func:`normalize_text`
  (Persian/Arabic letter variants, diacritics, tatweel, zero-width
  non-joiner, digits of every script, punctuation), :func:`normalize_person_name`,
  :func:`normalize_company_name`, :func:`normalize_email`,
  :func:`normalize_phone` (E.164 through ``phonenumbers``),
  :func:`normalize_national_id` and :func:`normalize_company_id` with their
  check digits.

The optional extra ``matching`` (rapidfuzz, phonenumbers) is imported on
first use; without it those functions raise :class:`~crmcore.errors.MatchingError`.

>>> normalize_person_name("آقاي علي كريمي") == normalize_person_name("علی کریمی")
True
>>> normalize_phone("۰۹۱۲۱۲۳۴۵۶۷") == normalize_phone("+98 912 123 4567")
True
"""

from crmcore.matching._identifiers import (
    is_valid_company_id,
    is_valid_national_id,
    normalize_company_id,
    normalize_national_id,
    normalize_phone,
)
from crmcore.matching._normalize import (
    LEGAL_FORMS,
    ascii_digits,
    compact,
    normalize_company_name,
    normalize_email,
    normalize_person_name,
    normalize_text,
)

__all__ = [
    "LEGAL_FORMS",
    "ascii_digits",
    "compact",
    "is_valid_company_id",
    "is_valid_national_id",
    "normalize_company_id",
    "normalize_company_name",
    "normalize_email",
    "normalize_national_id",
    "normalize_person_name",
    "normalize_phone",
    "normalize_text",
]
