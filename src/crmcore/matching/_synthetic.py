"""A labelled synthetic Persian customer list, and match quality (private).

:func:`synthetic_customers` writes the same customers the ways people in
Iran type them (Arabic or Persian letters, three digit scripts, five phone
forms, legal forms in any order, typos), so a rule set can be measured with
:func:`match_quality` on known duplicates.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable

import attrs

from crmcore.errors import ValidationError
from crmcore.matching._normalize import normalize_company_name
from crmcore.models import FrozenMap

_FIRST = (
    "علی", "محمد", "رضا", "حسین", "مهدی", "امیر", "حمید", "مجید", "سعید", "مسعود", "کامران",
    "بهروز", "فرهاد", "کیوان", "یاسر", "پیمان", "سیاوش", "کوروش", "داریوش", "بابک", "مریم",
    "زهرا", "فاطمه", "سارا", "نرگس", "لیلا", "مینا", "شیرین", "یگانه", "کیمیا", "نیلوفر",
    "الهام", "آزاده", "آرزو", "پریسا", "سمیه", "محمدرضا", "علیرضا", "امیرحسین", "فاطمه‌زهرا",
)  # fmt: skip
_LAST = (
    "کریمی", "رضایی", "احمدی", "محمدی", "حسینی", "موسوی", "جعفری", "کاظمی", "رحیمی", "هاشمی",
    "قاسمی", "صادقی", "یزدانی", "کیانی", "تهرانی", "شیرازی", "اصفهانی", "تبریزی", "کرمانی",
    "یوسفی", "نیک‌نام", "کریم‌زاده", "حسن‌زاده", "علی‌پور", "قلی‌زاده", "میرزایی", "بیگی",
    "فرهادی", "شکوهی", "آقایی", "اکبری", "امینی", "بهرامی", "پاکزاد", "توکلی", "جلالی",
    "خسروی", "دهقان", "ذاکری", "زمانی", "سلیمانی", "شریفی", "طاهری", "عباسی", "فتحی",
    "کاوه", "گودرزی", "مرادی", "نوری", "وکیلی", "یکتا", "نیکخواه", "کیهانی", "مهاجر",
)  # fmt: skip
_SUFFIXES = ("", "", "", "\u200cزاده", "\u200cپور", " نژاد", "\u200cنیا", "\u200cفر", "ی")
_SURNAMES = tuple(
    dict.fromkeys(
        last + suffix
        for last in _LAST
        for suffix in _SUFFIXES
        if not (suffix == "ی" and last.endswith("ی"))
    )
)
_COMPANY_WORDS = (
    "فولاد", "پارس", "کیان", "آریا", "سپهر", "نوین", "ایده", "پردازش", "صنعت", "تجارت",
    "آتی", "گستر", "مهر", "سازه", "راهبرد", "فن‌آوران", "بهین", "کاوش", "پیشرو", "تدبیر",
    "سامانه", "نیک", "ارتباط", "دانش", "البرز", "دماوند", "زاگرس", "کویر", "خلیج", "امید",
)  # fmt: skip
_CITIES = ("تهران", "اصفهان", "شیراز", "تبریز", "مشهد", "کرج", "کرمان", "یزد", "رشت", "قم")
_AREA = {"تهران": "21", "اصفهان": "31", "شیراز": "71", "تبریز": "41", "مشهد": "51",
         "کرج": "26", "کرمان": "34", "یزد": "35", "رشت": "13", "قم": "25"}  # fmt: skip
_MOBILE_PREFIXES = ("912", "913", "919", "935", "936", "901", "902", "990", "921", "937")
_LATIN = "abcdefghijklmnopqrstuvwxyz"
_DOMAINS = ("gmail.com", "yahoo.com", "chmail.ir", "parsian.ir", "outlook.com")

VARIANTS: tuple[str, ...] = (
    "letters",
    "digits",
    "phone_form",
    "zwnj",
    "legal_form",
    "transposition",
    "title",
    "email_form",
    "diacritics",
    "missing",
)
"""The ways a synthetic duplicate differs from its original (one to three per duplicate)."""


@attrs.frozen(kw_only=True)
class SyntheticCustomers:
    """Customer rows with known duplicates.

    ``records`` are rows with ``id``, ``name``, ``company``, ``email``,
    ``phone``, ``national_id`` and ``city``; ``pairs`` are the true
    duplicate pairs (smaller id first); ``variants`` names, per duplicate
    id, the variants that made it.
    """

    records: tuple[FrozenMap[str, str], ...]
    pairs: frozenset[tuple[str, str]]
    variants: FrozenMap[str, tuple[str, ...]]


@attrs.frozen(kw_only=True)
class MatchQuality:
    """Precision, recall and F1 of found pairs against true pairs."""

    true_positives: int
    false_positives: int
    false_negatives: int

    @property
    def precision(self) -> float:
        """Found pairs that are true: TP / (TP + FP); 1.0 when nothing was found."""
        found = self.true_positives + self.false_positives
        return self.true_positives / found if found else 1.0

    @property
    def recall(self) -> float:
        """True pairs that were found: TP / (TP + FN); 1.0 when there are none."""
        actual = self.true_positives + self.false_negatives
        return self.true_positives / actual if actual else 1.0

    @property
    def f1(self) -> float:
        """Harmonic mean of precision and recall."""
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def explain(self) -> tuple[str, ...]:
        """The counts, then the three measures."""
        return (
            f"TP {self.true_positives}, FP {self.false_positives}, FN {self.false_negatives}",
            f"precision {self.precision:.4f}, recall {self.recall:.4f}, F1 {self.f1:.4f}",
        )


def _pair(a: object, b: object) -> tuple[str, str]:
    x, y = str(a), str(b)
    return (x, y) if x <= y else (y, x)


def match_quality(
    found: Iterable[tuple[object, object]], truth: Iterable[tuple[object, object]]
) -> MatchQuality:
    """Compare found pairs with true pairs (each pair unordered; ids compared as strings).

    Pass the ``(pair.left.id, pair.right.id)`` of :func:`find_duplicates`
    results, or any pairs of ids.

    >>> q = match_quality([("1", "2"), ("3", "4"), ("5", "6")], [("2", "1"), ("3", "4"), ("7", "8")])
    >>> q.explain()
    ('TP 2, FP 1, FN 1', 'precision 0.6667, recall 0.6667, F1 0.6667')
    """
    found_set = {_pair(a, b) for a, b in found}
    true_set = {_pair(a, b) for a, b in truth}
    hits = len(found_set & true_set)
    return MatchQuality(
        true_positives=hits,
        false_positives=len(found_set) - hits,
        false_negatives=len(true_set) - hits,
    )


# -- the generator --------------------------------------------------------------------------------


def _national_id(rnd: random.Random) -> str:
    body = [rnd.randrange(10) for _ in range(9)]
    body[3] = rnd.randrange(1, 10)  # a non-zero serial
    r = sum(d * (10 - i) for i, d in enumerate(body)) % 11
    return "".join(map(str, body)) + str(r if r < 2 else 11 - r)


def _company(rnd: random.Random) -> str:
    words = rnd.sample(_COMPANY_WORDS, rnd.choice((2, 2, 3)))
    form = rnd.choice(("شرکت {}", "{}", "{} (سهامی خاص)", "شرکت {} با مسئولیت محدود"))
    return form.format(" ".join(words))


def _email(rnd: random.Random) -> str:
    local = "".join(rnd.choice(_LATIN) for _ in range(rnd.randint(4, 8)))
    if rnd.random() < 0.5:
        local += "." + "".join(rnd.choice(_LATIN) for _ in range(rnd.randint(3, 6)))
    return f"{local}{rnd.randint(1, 999)}@{rnd.choice(_DOMAINS)}"


def _original(rnd: random.Random, index: int) -> dict[str, str]:
    city = rnd.choice(_CITIES)
    if rnd.random() < 0.7:
        phone = "0" + rnd.choice(_MOBILE_PREFIXES) + f"{rnd.randrange(10**7):07d}"
    else:
        phone = "0" + _AREA[city] + str(rnd.randint(2, 8)) + f"{rnd.randrange(10**7):07d}"
    return {
        "id": f"P{index:07d}",
        "name": f"{rnd.choice(_FIRST)} {rnd.choice(_SURNAMES)}",
        "company": _company(rnd),
        "email": _email(rnd),
        "phone": phone,
        "national_id": _national_id(rnd),
        "city": city,
    }


_TO_ARABIC = str.maketrans({"ی": "ي", "ک": "ك"})
_PERSIAN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
_ARABIC_DIGITS = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


def _letters(row: dict[str, str], rnd: random.Random) -> None:
    field = rnd.choice(("name", "company"))
    text = row[field].translate(_TO_ARABIC)
    if text.endswith("ه") and rnd.random() < 0.3:
        text = text[:-1] + "ة"
    row[field] = text.replace("آ", "ا") if rnd.random() < 0.5 else text


def _digits(row: dict[str, str], rnd: random.Random) -> None:
    table = rnd.choice((_PERSIAN_DIGITS, _ARABIC_DIGITS))
    for field in ("phone", "national_id"):
        row[field] = row[field].translate(table)


def _phone_form(row: dict[str, str], rnd: random.Random) -> None:
    national = row["phone"][1:]
    spaced = (
        f"{national[:3]} {national[3:6]} {national[6:]}"
        if national.startswith("9")
        else (f"{national[:2]} {national[2:]}")
    )
    row["phone"] = rnd.choice(
        (f"+98{national}", f"0098{national}", f"98{national}", f"+98 {spaced}", f"0{spaced}")
    )


def _zwnj(row: dict[str, str], rnd: random.Random) -> None:
    name = row["name"]
    if "\u200c" in name:
        row["name"] = name.replace("\u200c", rnd.choice(("", " ")))
    else:
        first, _, last = name.partition(" ")
        row["name"] = f"{first}\u200c{last}" if rnd.random() < 0.3 else f"{first}  {last}"


def _legal_form(row: dict[str, str], rnd: random.Random) -> None:
    core = normalize_company_name(row["company"]) or row["company"]
    row["company"] = rnd.choice(
        (
            f"{core} سهامی خاص",
            f"شركت {core}",
            f"سهامی خاص شرکت {core}",
            f"{core} بامسئولیت محدود",
            f"{core} Co., Ltd.",
            core,
        )
    )


def _transposition(row: dict[str, str], rnd: random.Random) -> None:
    first, _, last = row["name"].partition(" ")
    if len(last) > 3:
        i = rnd.randrange(1, len(last) - 2)  # keep the first letter, as typists mostly do
        last = last[:i] + last[i + 1] + last[i] + last[i + 2 :]
    row["name"] = f"{first} {last}"


def _title(row: dict[str, str], rnd: random.Random) -> None:
    row["name"] = rnd.choice(("آقای", "خانم", "دکتر", "مهندس", "جناب آقای")) + " " + row["name"]


def _email_form(row: dict[str, str], rnd: random.Random) -> None:
    local, _, domain = row["email"].partition("@")
    if domain == "gmail.com" and rnd.random() < 0.5:
        local = local.replace(".", "") + "+crm"
    row["email"] = (
        f"{local.title()}@{domain.upper()}" if rnd.random() < 0.5 else f" {local}@{domain} "
    )


def _diacritics(row: dict[str, str], rnd: random.Random) -> None:
    name = row["name"]
    i = rnd.randrange(1, max(len(name), 2))
    mark = rnd.choice(("\u0640\u0640", "\u064e", "\u0650", "\u0651"))
    row["name"] = name[:i] + mark + name[i:] if name[i - 1] != " " else name


def _missing(row: dict[str, str], rnd: random.Random) -> None:
    row[rnd.choice(("email", "phone", "national_id"))] = ""


_MAKERS: dict[str, Callable[[dict[str, str], random.Random], None]] = {
    "letters": _letters,
    "digits": _digits,
    "phone_form": _phone_form,
    "zwnj": _zwnj,
    "legal_form": _legal_form,
    "transposition": _transposition,
    "title": _title,
    "email_form": _email_form,
    "diacritics": _diacritics,
    "missing": _missing,
}


def synthetic_customers(
    count: int, *, duplicate_rate: float = 0.3, seed: int = 0
) -> SyntheticCustomers:
    """``count`` customer rows, about ``duplicate_rate`` of them duplicates of others.

    Each duplicate copies an original and applies one to three of
    :data:`VARIANTS` (a duplicate never loses more than one field, so it
    stays recognisable). The same ``seed`` gives the same rows.

    >>> data = synthetic_customers(10, duplicate_rate=0.3, seed=1)
    >>> len(data.records), len(data.pairs)
    (10, 3)
    """
    if isinstance(count, bool) or not isinstance(count, int) or count < 0:
        raise ValidationError(
            obj="synthetic_customers", field="count", value=count, expected="an int >= 0"
        )
    if not isinstance(duplicate_rate, (int, float)) or not 0 <= duplicate_rate < 1:
        raise ValidationError(
            obj="synthetic_customers",
            field="duplicate_rate",
            value=duplicate_rate,
            expected="a number in [0, 1)",
        )
    rnd = random.Random(seed)  # noqa: S311 - reproducible test data, not secrets
    duplicates = round(count * duplicate_rate)
    originals = [_original(rnd, i) for i in range(count - duplicates)]
    rows = list(originals)
    pairs: set[tuple[str, str]] = set()
    variants: dict[str, tuple[str, ...]] = {}
    for index in range(count - duplicates, count):
        source = rnd.choice(originals)
        row = dict(source, id=f"P{index:07d}")
        chosen = tuple(sorted(rnd.sample(VARIANTS, rnd.randint(1, 3))))
        for name in chosen:
            _MAKERS[name](row, rnd)
        rows.append(row)
        pairs.add(_pair(source["id"], row["id"]))
        variants[row["id"]] = chosen
    # Duplicates of one original are duplicates of each other too (transitively).
    by_source: dict[str, list[str]] = {}
    for a, b in sorted(pairs):
        by_source.setdefault(a, []).append(b)
    for copies in by_source.values():
        pairs.update(_pair(x, y) for i, x in enumerate(copies) for y in copies[i + 1 :])
    rnd.shuffle(rows)
    return SyntheticCustomers(
        records=tuple(FrozenMap(r) for r in rows),
        pairs=frozenset(pairs),
        variants=FrozenMap(variants),
    )
