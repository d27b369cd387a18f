"""Phone numbers and Iranian national identifiers (private; see ``crmcore.matching``)."""

from __future__ import annotations

import re
from functools import lru_cache

from crmcore.errors import ValidationError
from crmcore.matching import _optional
from crmcore.matching._normalize import ascii_digits

_SEPARATORS = re.compile(r"[\s\-./()\u200c\u200e\u200f]+")


def normalize_phone(text: str | None, *, region: str = "IR", strict: bool = False) -> str | None:
    """A phone number in E.164 form (``+989121234567``), parsed by ``phonenumbers``.

    Digits of every script are read (۰۹۱۲..., ٠٩١٢...); a national number is
    read in ``region`` (ISO 3166 alpha-2, default ``"IR"``), so an Iranian
    mobile written 0912 123 4567, +98 912 123 4567, 0098 912 123 4567,
    98 912 123 4567 or 912 123 4567 gives one number, and a landline keeps
    its area code (021 8888 1234 is +982188881234). A number that
    ``phonenumbers`` does not find valid for its country (a Tehran landline
    without its area code, a digit too many) gives ``None``, or
    ValidationError naming the value when ``strict``.

    >>> normalize_phone("۰۹۱۲ ۱۲۳ ۴۵۶۷"), normalize_phone("0098-912-1234567")
    ('+989121234567', '+989121234567')
    >>> normalize_phone("021 8888 1234"), normalize_phone("8888 1234")
    ('+982188881234', None)
    """
    if text is None or not text.strip():
        return None
    found = _e164(_SEPARATORS.sub(" ", ascii_digits(text)).strip(), region.upper())
    if found is not None:
        return found
    if strict:
        raise ValidationError(
            obj="normalize_phone",
            field="phone",
            value=text,
            expected=f"a valid phone number (national numbers read in region {region!r})",
        )
    return None


_PLAIN = re.compile(r"\+?\d{4,17}")


@lru_cache(maxsize=64)
def _plain_region(region: str) -> tuple[str, str, str] | None:
    """(country code, international prefix, national prefix) when they are plain digits.

    Read from phonenumbers' metadata; ``None`` for a region whose national
    prefix needs a parsing pattern (then every number takes the full parse).
    """
    lib = _optional.phonenumbers()
    meta = lib.PhoneMetadata.metadata_for_region(region)
    if meta is None or meta.national_prefix_transform_rule:
        return None
    national = meta.national_prefix or ""
    intl = meta.international_prefix or ""
    if meta.national_prefix_for_parsing not in (None, national) or not intl.isdigit():
        return None
    return str(meta.country_code), intl, national


def _e164_plain(text: str, region: str) -> str | None:
    """The E.164 form of a plainly written valid number, without the full parse.

    Only a number written as digits with ``+``, the international prefix,
    the national prefix or nothing before it is handled, and only when
    phonenumbers finds it valid; anything else (``None``) takes the full
    parse, so the result is always the parse's (a test checks it).
    """
    plain = text.replace(" ", "")
    prefixes = _plain_region(region)
    if prefixes is None or not _PLAIN.fullmatch(plain):
        return None
    code, intl, national = prefixes
    if plain[0] == "+" or plain.startswith(intl):
        rest = plain[1:] if plain[0] == "+" else plain[len(intl) :]
        if not rest.startswith(code):
            return None
        nsn = rest[len(code) :]
    elif national and plain.startswith(national):
        nsn = plain[len(national) :]
    elif plain.startswith(code):
        return None  # "98912..." may be a national number: phonenumbers decides
    else:
        nsn = plain
    if not nsn or nsn[0] == "0":
        return None
    lib = _optional.phonenumbers()
    number = lib.PhoneNumber(country_code=int(code), national_number=int(nsn))
    return f"+{code}{nsn}" if lib.is_valid_number(number) else None


@lru_cache(maxsize=1 << 16)
def _e164(text: str, region: str) -> str | None:
    """E.164 of a number written with ASCII digits, or ``None`` (memoised: parsing is costly)."""
    fast = _e164_plain(text, region)
    if fast is not None:
        return fast
    lib = _optional.phonenumbers()
    try:
        number = lib.parse(text, region)
    except lib.NumberParseException:
        return None
    if not lib.is_valid_number(number):
        return None
    return str(lib.format_number(number, lib.PhoneNumberFormat.E164))


def _digits_only(text: str) -> str:
    return _SEPARATORS.sub("", ascii_digits(text).strip())


def is_valid_national_id(text: str | None) -> bool:
    """Whether ``text`` is a well-formed Iranian national ID (کد ملی).

    Ten digits d1..d10 (8 or 9 digits are padded with leading zeros, as
    spreadsheets drop them; separators and Persian digits are accepted);
    s = Σ d_i·(11 − i) for i = 1..9, r = s mod 11; valid when d10 = r if
    r < 2, else d10 = 11 − r. Ten equal digits are refused: they pass the
    sum but are not issued, and so are IDs whose digits 4-9 are all zero.
    Sources: the check-digit rule as implemented by persian-tools
    (``persian-tools/dart-persian-tools``,
    ``lib/src/core/national_id/national_id.dart``, which also pads and
    refuses a zero serial) and rust-persian-tools, whose documented valid
    examples 0076229645, 1583250689 and 11537027 the tests reuse.

    >>> is_valid_national_id("008-457594-8"), is_valid_national_id("0084575949")
    (True, False)
    """
    return normalize_national_id(text) is not None


def normalize_national_id(text: str | None, *, strict: bool = False) -> str | None:
    """The 10-digit national ID if valid (see :func:`is_valid_national_id`), else ``None``.

    With ``strict`` an invalid ID raises ValidationError naming it.

    >>> normalize_national_id("۰۰۸۴۵۷۵۹۴۸"), normalize_national_id("84575948")
    ('0084575948', '0084575948')
    """
    if text is None or not text.strip():
        return None
    digits = _digits_only(text)
    if digits.isdecimal() and 8 <= len(digits) <= 10:
        digits = digits.zfill(10)
        total = sum(int(d) * (10 - i) for i, d in enumerate(digits[:9]))
        r = total % 11
        check = r if r < 2 else 11 - r
        if int(digits[9]) == check and len(set(digits)) > 1 and int(digits[3:9]) != 0:
            return digits
    if strict:
        raise ValidationError(
            obj="normalize_national_id",
            field="national_id",
            value=text,
            expected="a 10-digit Iranian national ID with a valid check digit",
        )
    return None


_LEGAL_WEIGHTS = (29, 27, 23, 19, 17)


def is_valid_company_id(text: str | None) -> bool:
    """Whether ``text`` is a well-formed Iranian company national ID (شناسه ملی).

    Eleven digits; the last is the check digit. With d = (the tenth digit)
    + 2 and the weights 29, 27, 23, 19, 17 repeated over the first ten
    digits: s = Σ (d_i + d)·w_i, r = s mod 11, and r = 10 counts as 0;
    valid when the eleventh digit equals r. Digits 4-9 (the serial) must
    not all be zero. Source: the algorithm published by aliarash.com
    ("shenasa_meli") and implemented in persian-tools
    (``src/modules/legalId/index.ts``, ``verifyIranianLegalId``).

    >>> is_valid_company_id("10380284790"), is_valid_company_id("10380284791")
    (True, False)
    """
    return normalize_company_id(text) is not None


def normalize_company_id(text: str | None, *, strict: bool = False) -> str | None:
    """The 11-digit company national ID if valid (:func:`is_valid_company_id`), else ``None``.

    >>> normalize_company_id("۱۰۳۸۰۲۸۴۷۹۰")
    '10380284790'
    """
    if text is None or not text.strip():
        return None
    digits = _digits_only(text)
    if digits.isdecimal() and len(digits) == 11 and int(digits[3:9]) != 0:
        shift = int(digits[9]) + 2
        total = sum((int(d) + shift) * _LEGAL_WEIGHTS[i % 5] for i, d in enumerate(digits[:10]))
        r = total % 11
        if int(digits[10]) == (0 if r == 10 else r):
            return digits
    if strict:
        raise ValidationError(
            obj="normalize_company_id",
            field="company_id",
            value=text,
            expected="an 11-digit Iranian company national ID with a valid check digit",
        )
    return None
