"""Normalisation: a table of every variant the issue names, and properties."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crmcore.errors import ValidationError
from crmcore.matching import (
    ascii_digits,
    compact,
    is_valid_company_id,
    is_valid_national_id,
    normalize_company_id,
    normalize_company_name,
    normalize_email,
    normalize_national_id,
    normalize_person_name,
    normalize_phone,
    normalize_text,
)

# Expected outputs written by hand from the Unicode Arabic block chart:
# U+064A ي / U+0649 ى -> U+06CC ی; U+0643 ك -> U+06A9 ک; U+0629 ة -> U+0647 ه;
# U+0622 آ, U+0623 أ, U+0625 إ -> U+0627 ا; U+0624 ؤ -> U+0648 و; U+0626 ئ -> U+06CC ی.
TEXT_CASES = [
    ("علي", "علی"),  # Arabic yeh
    ("موسى", "موسی"),  # alef maksura
    ("كريم", "کریم"),  # Arabic kaf
    ("فاطمة", "فاطمه"),  # teh marbuta
    ("أحمد", "احمد"),  # alef with hamza above
    ("إيران", "ایران"),  # alef with hamza below, Arabic yeh
    ("آرش", "ارش"),  # alef with madda
    ("مؤسسه", "موسسه"),  # waw with hamza
    ("رضائی", "رضایی"),  # yeh with hamza
    ("خانهٔ", "خانه"),  # hamza above as a combining mark
    ("محمَّد", "محمد"),  # fatha + shadda
    ("كِتابٌ", "کتاب"),  # kasra, dammatan
    ("تهــــران", "تهران"),  # tatweel
    ("می\u200cروم", "می روم"),  # zero-width non-joiner -> a word boundary
    ("می روم", "می روم"),  # the same word typed with a space
    ("\u200fسلام\u200e", "سلام"),  # bidi marks
    ("۰۱۲۳۴۵۶۷۸۹", "0123456789"),  # Persian digits U+06F0..U+06F9
    ("٠١٢٣٤٥٦٧٨٩", "0123456789"),  # Arabic-Indic digits U+0660..U+0669
    ("०१२", "012"),  # Devanagari digits: every script
    ("ＡＢＣ１２", "abc12"),  # full-width Latin (NFKD)
    ("ﻋﻠﻲ", "علی"),  # Arabic presentation forms (NFKD)
    ("  a \t b\n c  ", "a b c"),  # whitespace collapsed
    ("Tehran-Steel, Inc.", "tehran steel inc"),  # punctuation to spaces
    ("«پارس»، تهران؛", "پارس تهران"),  # Arabic punctuation
    ("O'Neil", "oneil"),  # apostrophes removed
    ("CAFÉ", "cafe"),  # Latin accents and case
]


@pytest.mark.parametrize(("raw", "expected"), TEXT_CASES)
def test_text_table(raw: str, expected: str) -> None:
    assert normalize_text(raw) == expected


@pytest.mark.parametrize("blank", [None, "", "   ", "\u200c", "ـــ", "،؛"])
def test_blank_gives_none(blank: str | None) -> None:
    assert normalize_text(blank) is None


def test_non_string_is_refused() -> None:
    with pytest.raises(ValidationError, match=r"normalize_text\.text"):
        normalize_text(12)  # type: ignore[arg-type]


def test_compact_joins_the_three_zwnj_spellings() -> None:
    assert compact("می\u200cروم") == compact("می روم") == compact("میروم") == "میروم"


PERSON_CASES = [
    ("آقای علی رضایی", "علی رضایی"),
    ("خانم سارا احمدی", "سارا احمدی"),
    ("دکتر محمد کریمی", "محمد کریمی"),
    ("مهندس رضا تهرانی", "رضا تهرانی"),
    ("جناب آقای دکتر علي رضائي", "علی رضایی"),
    ("Mr. John Smith", "john smith"),
    ("Mrs Jane DOE", "jane doe"),
    ("Dr. Sara Ahmadi", "sara ahmadi"),
    ("Sara Ahmadi, Dr", "sara ahmadi"),
    ("آقا", None),
]


@pytest.mark.parametrize(("raw", "expected"), PERSON_CASES)
def test_person_names(raw: str, expected: str | None) -> None:
    assert normalize_person_name(raw) == expected


COMPANY_CASES = [
    ("شرکت فولاد پارس", "فولاد پارس"),
    ("فولاد پارس (سهامی خاص)", "فولاد پارس"),
    ("شركت فولاد پارس سهامي عام", "فولاد پارس"),
    ("فولاد پارس با مسئولیت محدود", "فولاد پارس"),
    ("فولاد پارس بامسئولیت محدود", "فولاد پارس"),
    ("شرکت تعاونی فولاد پارس", "فولاد پارس"),
    ("سهامی خاص شرکت فولاد پارس", "فولاد پارس"),  # legal form first, any order
    ("Pars Steel Co.", "pars steel"),
    ("Pars Steel Co., Ltd.", "pars steel"),
    ("Pars Steel LLC", "pars steel"),
    ("Pars Steel L.L.C.", "pars steel"),
    ("Pars Steel, Inc.", "pars steel"),
    ("Pars Steel Limited", "pars steel"),
    ("Holding", "holding"),  # a name that is only a legal form is kept
]


@pytest.mark.parametrize(("raw", "expected"), COMPANY_CASES)
def test_company_names(raw: str, expected: str) -> None:
    assert normalize_company_name(raw) == expected


EMAIL_CASES = [
    (" Sara@Parsian.IR ", {}, "sara@parsian.ir"),
    ("reza.karimi@gmail.com", {}, "rezakarimi@gmail.com"),
    ("Reza.Karimi+crm@googlemail.com", {}, "rezakarimi@gmail.com"),
    ("reza.karimi@gmail.com", {"provider_rules": False}, "reza.karimi@gmail.com"),
    ("sara+news@parsian.ir", {}, "sara+news@parsian.ir"),
    ("sara+news@parsian.ir", {"plus_tags": True}, "sara@parsian.ir"),
    ("sara۱۲@parsian.ir", {}, "sara12@parsian.ir"),
    ("no-at-sign", {}, None),
    ("a@b", {}, None),
]


@pytest.mark.parametrize(("raw", "options", "expected"), EMAIL_CASES)
def test_emails(raw: str, options: dict[str, bool], expected: str | None) -> None:
    assert normalize_email(raw, **options) == expected


def test_strict_email_names_the_value() -> None:
    with pytest.raises(ValidationError, match=r"normalize_email\.email: got 'x@'"):
        normalize_email("x@", strict=True)


# Iranian numbering plan (ITU-T E.164 country code 98): mobiles 9xx xxx xxxx,
# landlines a 2-digit area code (21 Tehran, 31 Isfahan) and an 8-digit number.
PHONE_CASES = [
    ("09121234567", "+989121234567"),
    ("0912 123 4567", "+989121234567"),
    ("0912-123-4567", "+989121234567"),
    ("+989121234567", "+989121234567"),
    ("+98 912 123 4567", "+989121234567"),
    ("00989121234567", "+989121234567"),
    ("989121234567", "+989121234567"),
    ("9121234567", "+989121234567"),
    ("۰۹۱۲۱۲۳۴۵۶۷", "+989121234567"),
    ("٠٩١٢١٢٣٤٥٦٧", "+989121234567"),
    ("021 8888 1234", "+982188881234"),
    ("(021) 88881234", "+982188881234"),
    ("+98 21 8888 1234", "+982188881234"),
    ("031-32345678", "+983132345678"),
    ("8888 1234", None),  # a Tehran number without its area code
    ("0912123456", None),  # a digit short
    ("not a phone", None),
    ("", None),
]


@pytest.mark.parametrize(("raw", "expected"), PHONE_CASES)
def test_phones(raw: str, expected: str | None) -> None:
    assert normalize_phone(raw) == expected


def test_phone_default_region() -> None:
    # A US number in national form, read in region US (NANP: 3-digit area code + 7 digits).
    assert normalize_phone("(650) 253-0000", region="US") == "+16502530000"


def test_strict_phone_names_the_value() -> None:
    with pytest.raises(ValidationError, match=r"normalize_phone.phone: got '0912'"):
        normalize_phone("0912", strict=True)


# National ID check (کد ملی): s = Σ d_i·(11−i), i = 1..9; r = s mod 11; d10 = r if r < 2 else 11 − r.
# 0084575948: 0·10+0·9+8·8+4·7+5·6+7·5+5·4+9·3+4·2 = 64+28+30+35+20+27+8 = 212;
#   212 mod 11 = 3 -> 11 − 3 = 8 = d10: valid.
# 0076229645 and 1583250689, 11537027 (padded): rust-persian-tools' documented valid examples;
# 0076229645: 0+0+7·8+6·7+2·6+2·5+9·4+6·3+4·2 = 56+42+12+10+36+18+8 = 182; 182 mod 11 = 6 -> 5. ✓
NATIONAL_ID_CASES = [
    ("0084575948", "0084575948"),
    ("008-457594-8", "0084575948"),
    ("۰۰۸۴۵۷۵۹۴۸", "0084575948"),
    ("84575948", "0084575948"),  # leading zeros dropped by a spreadsheet
    ("0076229645", "0076229645"),
    ("1583250689", "1583250689"),
    ("11537027", "0011537027"),
    ("0084575949", None),  # wrong check digit
    ("1111111111", None),  # passes the sum (54 mod 11 = 10 -> 1) but ten equal digits
    ("0000000000", None),
    ("123", None),
    ("12345678901", None),
]


@pytest.mark.parametrize(("raw", "expected"), NATIONAL_ID_CASES)
def test_national_ids(raw: str, expected: str | None) -> None:
    assert normalize_national_id(raw) == expected
    assert is_valid_national_id(raw) is (expected is not None)


# Company national ID (شناسه ملی), persian-tools' example 10380284790:
# d = 9 + 2 = 11; weights 29,27,23,19,17,29,27,23,19,17 over (digit + 11):
# 12·29+11·27+14·23+19·19+11·17+13·29+19·27+15·23+18·19+20·17
# = 348+297+322+361+187+377+513+345+342+340 = 3432 = 11·312 -> r = 0 = last digit. ✓
COMPANY_ID_CASES = [
    ("10380284790", "10380284790"),
    ("۱۰۳۸۰۲۸۴۷۹۰", "10380284790"),
    ("103-8028479-0", "10380284790"),
    ("10380284791", None),
    ("10300000000", None),  # zero serial
    ("1038028479", None),  # ten digits
]


@pytest.mark.parametrize(("raw", "expected"), COMPANY_ID_CASES)
def test_company_ids(raw: str, expected: str | None) -> None:
    assert normalize_company_id(raw) == expected
    assert is_valid_company_id(raw) is (expected is not None)


def test_strict_ids_name_the_value() -> None:
    with pytest.raises(ValidationError, match="national_id: got '0084575949'"):
        normalize_national_id("0084575949", strict=True)
    with pytest.raises(ValidationError, match="company_id: got '1'"):
        normalize_company_id("1", strict=True)


# -- properties ------------------------------------------------------------------------------

_VARIANTS = {
    "ی": "يى",
    "ک": "ك",
    "ه": "ة",
    "ا": "أإآ",
}
_PERSIAN = "ابپتثجچحخدذرزژسشصضطظعغفقکگلمنوهی"
_DIGIT_SCRIPTS = ("0123456789", "۰۱۲۳۴۵۶۷۸۹", "٠١٢٣٤٥٦٧٨٩")

persian_words = st.text(alphabet=_PERSIAN + " 0123456789", min_size=1, max_size=30)


@settings(max_examples=150)
@given(st.text(max_size=40))
def test_normalize_text_is_idempotent(text: str) -> None:
    once = normalize_text(text)
    assert normalize_text(once) == once


@settings(max_examples=100)
@given(st.text(max_size=40))
def test_names_are_idempotent(text: str) -> None:
    for fold in (normalize_person_name, normalize_company_name, compact):
        once = fold(text)
        assert fold(once) == once


@settings(max_examples=100)
@given(persian_words, st.randoms(use_true_random=False))
def test_letter_variants_and_digit_scripts_map_to_one_form(text: str, rnd: object) -> None:
    import random

    assert isinstance(rnd, random.Random)
    variant = []
    for char in text:
        if char in _VARIANTS and rnd.random() < 0.5:
            variant.append(rnd.choice(_VARIANTS[char]))
        elif char.isdigit():
            variant.append(rnd.choice(_DIGIT_SCRIPTS)[int(char)])
        elif char == " " and rnd.random() < 0.5:
            variant.append(rnd.choice(["\u200c", "  ", " \u200c"]))
        else:
            variant.append(char)
        if rnd.random() < 0.1:
            variant.append(rnd.choice(["\u0640", "\u064e", "\u0651"]))  # tatweel, fatha, shadda
    assert normalize_text("".join(variant)) == normalize_text(text)


@settings(max_examples=100)
@given(st.text(alphabet="0123456789", min_size=1, max_size=15))
def test_ascii_digits_of_every_script(digits: str) -> None:
    for script in _DIGIT_SCRIPTS:
        assert ascii_digits(digits.translate(str.maketrans("0123456789", script))) == digits


@settings(max_examples=100)
@given(st.integers(0, 10**9 - 1))
def test_exactly_one_check_digit_is_valid(serial: int) -> None:
    body = f"{serial:09d}"
    valid = [d for d in "0123456789" if is_valid_national_id(body + d)]
    if len(set(body)) == 1 or int(body[3:9]) == 0:
        return  # refused whatever the check digit
    # r = s mod 11 in 0..10 names one check digit (r < 2 -> r, else 11 − r in 1..9).
    assert len(valid) == 1


@settings(max_examples=300)
@given(
    st.sampled_from(["", "+", "00", "0", "98", "+98", "0098", "+1", "001", "+44"]),
    st.one_of(
        st.text(alphabet="0123456789", min_size=4, max_size=12),
        # mostly valid: Iranian mobiles and landlines, US (650) numbers
        st.from_regex(r"(9[0-3][0-9]|21[2-8]|31[3-9]|650[2-9])[0-9]{6,7}", fullmatch=True),
    ),
    st.sampled_from(["IR", "US", "GB", "DE"]),
)
def test_phone_fast_path_equals_the_full_parse(prefix: str, digits: str, region: str) -> None:
    # The shortcut for plainly written numbers must give what phonenumbers.parse gives.
    import phonenumbers

    text = prefix + digits
    try:
        number = phonenumbers.parse(text, region)
        expected = (
            phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
            if phonenumbers.is_valid_number(number)
            else None
        )
    except phonenumbers.NumberParseException:
        expected = None
    assert normalize_phone(text, region=region) == expected
