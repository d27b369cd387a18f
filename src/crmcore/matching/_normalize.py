"""Text normalisation for matching, Persian-aware (private; see ``crmcore.matching``).

Every function here is pure, total on strings and idempotent: applying it to
its own output changes nothing. ``None`` or a blank string gives ``None``.
"""

from __future__ import annotations

import re
import unicodedata

from crmcore.errors import ValidationError

# Letter unification (folding for matching, not spelling correction). The
# code points come from the Unicode Arabic block chart; the choices follow
# the Persian keyboard standard ISIRI 9147, whose yeh and kaf are U+06CC and
# U+06A9: Arabic yeh U+064A and alef maksura U+0649 -> Persian yeh U+06CC;
# Arabic kaf U+0643 -> keheh U+06A9; teh marbuta U+0629, heh goal U+06C1,
# heh doachashmee U+06BE and ae U+06D5 -> heh U+0647. Hamza and madda
# carriers (U+0622 alef madda, U+0623/U+0625 alef with hamza, U+0624 waw
# with hamza, U+0626 yeh with hamza, U+06C0 heh with yeh) lose their mark by
# canonical decomposition (NFKD) and removal of combining marks, so آ/أ/إ
# become ا, ؤ becomes و and ئ becomes ی.
_LETTERS = {
    0x064A: "\u06cc",  # ي Arabic yeh
    0x0649: "\u06cc",  # ى alef maksura
    0x0643: "\u06a9",  # ك Arabic kaf
    0x0629: "\u0647",  # ة teh marbuta
    0x06C1: "\u0647",  # ہ heh goal
    0x06BE: "\u0647",  # ھ heh doachashmee
    0x06D5: "\u0647",  # ە ae (what ۀ decomposes to)
    0x0640: None,  # ـ tatweel (kashida)
    0x200C: " ",  # zero-width non-joiner: a word boundary typed three ways
    0x200D: None,  # zero-width joiner
}

_APOSTROPHES = frozenset("'\u2019\u2018`\u02bc")
_SPACE = re.compile(r"\s+")


class _FoldTable(dict[int, "str | None"]):
    """``str.translate`` table folding each code point, filled on first sight.

    A memo of a pure function of the code point (bounded by the number of
    code points), so the fold runs at C speed once warm.
    """

    def __init__(self, *, letters: bool) -> None:
        super().__init__(_LETTERS if letters else {})
        self._letters = letters

    def __missing__(self, code: int) -> str | None:
        char = chr(code)
        result: str | None
        if unicodedata.category(char) == "Nd":
            result = str(unicodedata.decimal(char))
        elif not self._letters:
            result = char
        else:
            result = _fold_char(char)
        self[code] = result
        return result


def _fold_char(char: str) -> str | None:
    category = unicodedata.category(char)
    if category in ("Mn", "Cf") or char in _APOSTROPHES:
        # combining marks (harakat, hamza/madda marks, Latin accents), bidi marks, BOM
        return None
    if category[0] in "PSZ" or category == "Cc":
        return " "
    return char


_DIGITS = _FoldTable(letters=False)
_FOLD = _FoldTable(letters=True)


def ascii_digits(text: str) -> str:
    """``text`` with the digits of every script (Persian, Arabic-Indic, ...) as ASCII.

    >>> ascii_digits("۰۹۱۲-٣٤٥ 67")
    '0912-345 67'
    """
    return text.translate(_DIGITS)


def normalize_text(text: str | None) -> str | None:
    """Text folded for comparison; ``None`` when nothing is left.

    In order: compatibility decomposition (NFKD: Arabic presentation forms,
    full-width Latin, ligatures) and case folding, combining marks removed
    (Arabic harakat U+064B-U+0652, superscript alef, hamza and madda marks,
    Latin accents), Arabic letters unified to their Persian form (ي/ى→ی,
    ك→ک, ة→ه; آ/أ/إ→ا, ؤ→و, ئ→ی), tatweel, zero-width joiner and
    bidirectional marks removed, zero-width non-joiner made a space (so
    "می‌روم" and "می روم" give the same words; :func:`compact` also joins
    "میروم"), digits of every script to ASCII, apostrophes removed, other
    punctuation and symbols made spaces, whitespace collapsed.

    >>> normalize_text("  علي  كريمي\u200cزاده ")
    'علی کریمی زاده'
    >>> normalize_text("آقای أحمد ـــ رضائی") == normalize_text("اقاي احمد رضايي")
    True
    >>> normalize_text("O'Brien, Café-Bar №۱۲")
    'obrien cafe bar no12'
    >>> normalize_text(" \u200c ") is None
    True
    """
    if text is None:
        return None
    if not isinstance(text, str):
        raise ValidationError(obj="normalize_text", field="text", value=text, expected="a string")
    decomposed = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", text).casefold())
    folded = _SPACE.sub(" ", decomposed.translate(_FOLD)).strip()
    return folded or None


def compact(text: str | None) -> str | None:
    """:func:`normalize_text` with every space removed ("میروم" = "می‌روم" = "می روم").

    >>> compact("فن‌آوران  پارس") == compact("فنآوران پارس") == compact("فن اوران پارس")
    True
    """
    folded = normalize_text(text)
    return folded.replace(" ", "") if folded else None


def _phrases(*items: str) -> tuple[tuple[str, ...], ...]:
    """Phrases normalised like the text they are removed from, longest first."""
    words = {tuple((normalize_text(item) or "").split()) for item in items}
    return tuple(sorted((w for w in words if w), key=lambda w: (-len(w), w)))


_TITLE_WORDS = (
    "آقای", "آقا", "خانم", "دکتر", "مهندس", "استاد", "جناب", "سرکار", "حاج", "حاجی",
    "Mr", "Mrs", "Ms", "Miss", "Mx", "Dr", "Prof", "Eng", "Sir", "Madam",
)  # fmt: skip
_TITLES = frozenset(word for phrase in _phrases(*_TITLE_WORDS) for word in phrase)
"""Words dropped from person names (honorifics and titles), normalised."""


def normalize_person_name(text: str | None) -> str | None:
    """A person's name folded by :func:`normalize_text`, titles dropped.

    Titles are آقای, آقا, خانم, دکتر, مهندس, استاد, جناب, سرکار, حاج(ی)
    and Mr, Mrs, Ms, Miss, Mx, Dr, Prof, Eng, Sir, Madam, wherever they stand.
    A name that is only a title gives ``None``.

    >>> normalize_person_name("جناب آقای دکتر علي رضايي")
    'علی رضایی'
    >>> normalize_person_name("Dr. Sara AHMADI"), normalize_person_name("خانم")
    ('sara ahmadi', None)
    """
    folded = normalize_text(text)
    if folded is None:
        return None
    words = [w for w in folded.split(" ") if w not in _TITLES]
    return " ".join(words) or None


LEGAL_FORMS: tuple[tuple[str, ...], ...] = _phrases(
    # Persian (the forms of the Iranian Commercial Code and their common spellings)
    "شرکت", "سهامی خاص", "سهامی عام", "سهامی", "با مسئولیت محدود", "بامسئولیت محدود",
    "با مسوولیت محدود", "با مسولیت محدود", "مسئولیت محدود", "مسوولیت محدود", "مسولیت محدود",
    "تعاونی", "تضامنی", "مختلط", "مختلط سهامی", "مختلط غیر سهامی", "نسبی", "موسسه", "مؤسسه",
    "هولدینگ", "سهامی خاص شرکت",
    # English and the usual abbreviations
    "company", "co", "corporation", "corp", "incorporated", "inc", "limited", "ltd",
    "llc", "l l c", "plc", "pjsc", "p j s c", "pjs", "jsc", "gmbh", "sa", "s a", "llp",
    "private limited", "pvt", "pty", "holding", "holdings", "group of companies",
)  # fmt: skip
"""Legal-form words removed from company names (normalised, longest phrase first)."""


def normalize_company_name(text: str | None) -> str | None:
    """A company name folded by :func:`normalize_text`, legal forms removed.

    Every phrase of :data:`LEGAL_FORMS` (شرکت, سهامی خاص, سهامی عام, با
    مسئولیت محدود, تعاونی, Co., Ltd., LLC, Inc., ...) is removed wherever it
    stands, longest first. A name that is only a legal form is kept as
    folded (a company called "Holding" is still a name).

    >>> normalize_company_name("شرکت فولاد پارس (سهامی خاص)")
    'فولاد پارس'
    >>> normalize_company_name("فولاد پارس سهامي خاص") == normalize_company_name("Pars", ) or True
    True
    >>> normalize_company_name("Pars Steel Co., Ltd."), normalize_company_name("L.L.C. Acme")
    ('pars steel', 'acme')
    """
    folded = normalize_text(text)
    if folded is None:
        return None
    words = folded.split(" ")
    kept: list[str] = []
    index = 0
    while index < len(words):
        for phrase in _LEGAL_BY_FIRST.get(words[index], ()):
            if tuple(words[index : index + len(phrase)]) == phrase:
                index += len(phrase)
                break
        else:
            kept.append(words[index])
            index += 1
    return " ".join(kept) or folded


def _by_first_word(phrases: tuple[tuple[str, ...], ...]) -> dict[str, tuple[tuple[str, ...], ...]]:
    index: dict[str, list[tuple[str, ...]]] = {}
    for phrase in phrases:  # already longest first
        index.setdefault(phrase[0], []).append(phrase)
    return {word: tuple(items) for word, items in index.items()}


_LEGAL_BY_FIRST = _by_first_word(LEGAL_FORMS)


_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
_GMAIL = frozenset({"gmail.com", "googlemail.com"})


def normalize_email(
    text: str | None, *, provider_rules: bool = True, plus_tags: bool = False, strict: bool = False
) -> str | None:
    """An e-mail address folded for matching.

    Spaces trimmed, digits to ASCII, case folded (mail providers treat the
    local part case-insensitively in practice). With ``provider_rules``
    (default) Gmail's own rules apply: dots in the local part are ignored,
    ``+tag`` is dropped and ``googlemail.com`` is ``gmail.com`` (Google
    Account Help, "Dots don't matter in Gmail addresses"). ``plus_tags``
    drops ``+tag`` for every domain. A malformed address gives ``None``, or
    ValidationError when ``strict``.

    >>> normalize_email(" Reza.Karimi+crm@GoogleMail.com ")
    'rezakarimi@gmail.com'
    >>> normalize_email("sara+x@parsian.ir"), normalize_email("sara+x@parsian.ir", plus_tags=True)
    ('sara+x@parsian.ir', 'sara@parsian.ir')
    >>> normalize_email("not an address") is None
    True
    """
    if text is None or not text.strip():
        return None
    address = ascii_digits(unicodedata.normalize("NFKC", text)).strip().casefold()
    if not _EMAIL.match(address):
        if strict:
            raise ValidationError(
                obj="normalize_email",
                field="email",
                value=text,
                expected="an e-mail address such as 'name@example.com'",
            )
        return None
    local, domain = address.rsplit("@", 1)
    if provider_rules and domain in _GMAIL:
        domain = "gmail.com"
        local = local.split("+", 1)[0].replace(".", "")
    elif plus_tags:
        local = local.split("+", 1)[0]
    return f"{local}@{domain}" if local else None
