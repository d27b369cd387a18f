"""DuplicateTally fed in chunks equals the one-shot detection; ``crmcore dedupe`` in chunks.

The references are the one-shot engine functions (:func:`find_duplicates`,
:func:`check_records`) on every record at once, and the CLI's own output
with the whole file in one chunk: the properties say that reading a chunk
at a time changes nothing, pairs, scores, explanations, order and errors.
"""

from __future__ import annotations

import contextlib
import csv
import io
import itertools
import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crmcore.cli import main
from crmcore.cli._matching import load_rules, pair_rows
from crmcore.errors import CrmError, ValidationError
from crmcore.matching import (
    BlockingKey,
    DuplicateTally,
    FieldRule,
    MatchRule,
    check_records,
    find_duplicates,
)
from crmcore.models import Contact, ContactId, Lead, LeadId
from crmcore.serialization import from_rows

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

NAMES = ["علی رضایی", "علي رضائي", "Ali Rezaei", "سارا احمدی", "سارا احمدی‌نژاد", "", "رضا کریمی"]
PHONES = ["09121234567", "۰۹۱۲۱۲۳۴۵۶۷", "+98 912 123 4567", "0935 111 2233", "", "0912", "x"]
EMAILS = ["ali@pars.ir", "ALI@pars.ir", "sara@pars.ir", "", "not-an-email", "a.li+x@gmail.com"]

RULES: dict[str, list[MatchRule]] = {
    "derived": [
        MatchRule(name="person", record_type="row", threshold=0.6, comparisons=[
            FieldRule(field="name", method="jaro_winkler", normalizer="person_name", cutoff=0.8),
            FieldRule(field="phone", method="exact", normalizer="phone", weight=2),
            FieldRule(field="email", method="exact", normalizer="email", weight=2)]),
    ],
    "asymmetric, strict, cut keys": [
        MatchRule(name="phone is email", record_type="row", threshold=0.5, strict=True,
                  comparisons=[
            FieldRule(field="phone", other_field="email", method="same_last", length=3),
            FieldRule(field="name", method="token_set", normalizer="person_name")]),
        MatchRule(name="names", record_type="row", threshold=0.7, comparisons=[
            FieldRule(field="name", method="jaro_winkler", normalizer="person_name")],
            blocking=[BlockingKey(field="name", normalizer="person_name",
                                  method="sorted_prefix", length=4),
                      BlockingKey(field="phone", normalizer="phone", method="suffix", length=7)]),
    ],
    "strict phone, a column the rows may lack": [
        MatchRule(name="strict", record_type="row", threshold=1, strict=True, comparisons=[
            FieldRule(field="phone", method="exact", normalizer="phone", required=True),
            FieldRule(field="city", method="exact")]),
    ],
}  # fmt: skip


@st.composite
def row_lists(draw: st.DrawFn) -> list[dict[str, str]]:
    """Rows with ids unique in shuffled order, sometimes one repeated or blank id."""
    rows = draw(
        st.lists(
            st.fixed_dictionaries(
                {"name": st.sampled_from(NAMES), "phone": st.sampled_from(PHONES),
                 "email": st.sampled_from(EMAILS)},
                optional={"city": st.sampled_from(["تهران", "Tehran"])},
            ),
            max_size=18,
        )
    )  # fmt: skip
    ids = draw(st.permutations([f"r{i:02d}" for i in range(len(rows))]))
    out = [{"id": ident, **row} for ident, row in zip(ids, rows, strict=True)]
    twist = draw(st.sampled_from(["none"] * 6 + ["repeat", "blank"]))
    if out and twist != "none":
        a, b = draw(st.integers(0, len(out) - 1)), draw(st.integers(0, len(out) - 1))
        out[a]["id"] = out[b]["id"] if twist == "repeat" else " "
    return out


def outcome(run: Callable[[], Any]) -> tuple[Any, ...]:
    """The result, or the error's type and message (the same refusal is the same)."""
    try:
        return ("ok", run())
    except CrmError as err:
        return ("error", type(err).__name__, str(err))


def cut(items: list[Any], points: list[int]) -> list[list[Any]]:
    """``items`` split at the (sorted) ``points``: every piece, empty ones too."""
    edges = [0, *sorted(p % (len(items) + 1) for p in points), len(items)]
    return [items[a:b] for a, b in itertools.pairwise(edges)]


def tallied(rules: list[MatchRule], backend: str, *parts: tuple[str, list[Any]]) -> Any:
    tally = DuplicateTally(rules, backend=backend)  # type: ignore[arg-type]
    for which, chunk in parts:
        (tally.add if which == "new" else tally.add_existing)(chunk)
    return tally.result()


@settings(max_examples=80, deadline=None)
@given(
    rows=row_lists(),
    points=st.lists(st.integers(0, 40), max_size=5),
    which=st.sampled_from(sorted(RULES)),
    backend=st.sampled_from(["python", "numpy"]),
)
def test_any_split_equals_find_duplicates(
    rows: list[dict[str, str]], points: list[int], which: str, backend: str
) -> None:
    rules = RULES[which]
    expected = outcome(lambda: find_duplicates(rows, rules, backend=backend))  # type: ignore[arg-type]
    pieces = cut(rows, points)
    assert outcome(lambda: tallied(rules, backend, *(("new", p) for p in pieces))) == expected

    def merged() -> Any:
        tallies = []
        for piece in pieces:
            tally = DuplicateTally(rules, backend=backend)  # type: ignore[arg-type]
            tally.add(piece)
            tallies.append(tally)
        total = tallies[0]
        for other in tallies[1:]:
            total = total.merge(other)
        return total.result()

    assert outcome(merged) == expected


@settings(max_examples=60, deadline=None)
@given(
    new=row_lists(),
    existing=row_lists(),
    points=st.lists(st.integers(0, 40), max_size=4),
    which=st.sampled_from(sorted(RULES)),
    backend=st.sampled_from(["python", "numpy"]),
)
def test_any_split_with_existing_equals_check_records(
    new: list[dict[str, str]],
    existing: list[dict[str, str]],
    points: list[int],
    which: str,
    backend: str,
) -> None:
    rules = RULES[which]
    expected = outcome(lambda: check_records(new, existing, rules, backend=backend))  # type: ignore[arg-type]
    # the existing records' pieces come first, then interleave with the new ones'
    olds, news = cut(existing, points), cut(new, points[::-1])
    parts: list[tuple[str, list[Any]]] = [("existing", [])]
    for index in range(max(len(olds), len(news))):
        parts += [("existing", p) for p in olds[index : index + 1]]
        parts += [("new", p) for p in news[index : index + 1]]
    assert outcome(lambda: tallied(rules, backend, *parts)) == expected


ENTITY_RULES = [
    MatchRule(name="lead is a contact", record_type="lead", matching_type="contact",
              threshold=0.6, comparisons=[
        FieldRule(field="full_name", method="jaro_winkler", normalizer="person_name", cutoff=0.8),
        FieldRule(field="phone", other_field="mobile", method="exact", normalizer="phone",
                  weight=2),
        FieldRule(field="email", method="exact", normalizer="email")]),
    MatchRule(name="contacts", record_type="contact", threshold=0.5, comparisons=[
        FieldRule(field="last_name", method="token_set", normalizer="person_name"),
        FieldRule(field="mobile", method="same_last", length=7, normalizer="phone")]),
]  # fmt: skip

people = st.lists(
    st.tuples(
        st.sampled_from(["lead", "contact"]),
        st.sampled_from(["علی", "علي", "Ali", "سارا"]),
        st.sampled_from(["رضایی", "رضائي", "Rezaei", "احمدی"]),
        st.sampled_from(PHONES[:5]),
        st.sampled_from(EMAILS[:4]),
    ),
    max_size=16,
)


def entity(n: int, row: tuple[str, str, str, str, str]) -> object:
    kind, first, last, phone, email = row
    if kind == "lead":
        return Lead(id=LeadId(f"L{n % 7}"), first_name=first, last_name=last,
                    phone=phone or None, email=email or None)  # fmt: skip
    return Contact(id=ContactId(f"C{n % 9}"), first_name=first, last_name=last,
                   mobile=phone or None, email=email or None)  # fmt: skip


@settings(max_examples=40, deadline=None)
@given(found=people, points=st.lists(st.integers(0, 40), max_size=4))
def test_leads_and_contacts_mixed_any_split(
    found: list[tuple[str, str, str, str, str]], points: list[int]
) -> None:
    records = [entity(n, row) for n, row in enumerate(found)]  # ids repeat now and then
    expected = outcome(lambda: find_duplicates(records, ENTITY_RULES, backend="python"))
    pieces = cut(records, points)
    assert outcome(lambda: tallied(ENTITY_RULES, "python", *(("new", p) for p in pieces))) == (
        expected
    )
    leads = [r for r in records if isinstance(r, Lead)]
    contacts = [r for r in records if isinstance(r, Contact)]
    checked = outcome(lambda: check_records(leads, contacts, ENTITY_RULES, backend="numpy"))
    parts = [("existing", p) for p in cut(contacts, points)] + [("new", leads)]
    assert outcome(lambda: tallied(ENTITY_RULES, "numpy", *parts)) == checked


def test_leads_against_contacts_entities() -> None:
    rule = MatchRule(name="lead is a contact", record_type="lead", matching_type="contact",
                     threshold=0.6, comparisons=[
        FieldRule(field="full_name", method="jaro_winkler", normalizer="person_name", cutoff=0.8),
        FieldRule(field="phone", other_field="mobile", method="exact", normalizer="phone")])  # fmt: skip
    leads = [Lead(id=LeadId("L1"), first_name="علي", last_name="رضائي", phone="۰۹۱۲۱۲۳۴۵۶۷")]
    contacts = [
        Contact(id=ContactId("C2"), first_name="Ali", last_name="Rezaei", mobile="09121234567"),
        Contact(id=ContactId("C1"), first_name="علی", last_name="رضایی", mobile="+989121234567"),
    ]
    tally = DuplicateTally(rule)
    tally.add(leads)
    tally.add_existing(contacts[:1])
    tally.add_existing(contacts[1:])
    pairs = tally.result()
    # L1~C1: the same name once folded (1.0) and the same phone: (1 + 1) / 2 = 1.
    # L1~C2: Latin vs Persian name share only the space: Jaro (1/10 + 1/9 + 1) / 3 = 0.404,
    #   below the cutoff 0.8 so it counts 0; same phone: (0 + 1) / 2 = 0.5 < 0.6, not a pair.
    assert [(p.left.id, p.right.id, p.score) for p in pairs] == [("L1", "C1", 1.0)]
    assert pairs == check_records(leads, contacts, rule)
    assert len(tally) == 3
    alone = DuplicateTally(rule)  # no contact at all: an empty matching side
    alone.add(leads)
    assert alone.result() == find_duplicates(leads, rule) == ()
    alone.add_existing([])
    assert alone.result() == check_records(leads, [], rule) == ()


def test_merge_is_new_and_refuses_other_rules() -> None:
    rule = RULES["derived"][0]
    a, b = DuplicateTally(rule), DuplicateTally(rule)
    a.add([{"id": "1", "name": "علی", "phone": "09121234567", "email": ""}])
    b.add([{"id": "2", "name": "علي", "phone": "+989121234567", "email": ""}])
    both = a.merge(b)
    assert (len(a), len(b), len(both)) == (1, 1, 2)
    # name 1.0 (ی/ي fold alike) x 1 + phone 1.0 x 2, e-mail blank: 3 / 3 = 1.
    assert [(p.left.id, p.right.id, p.score) for p in both.result()] == [("1", "2", 1.0)]
    assert a.result() == ()  # neither part changed
    with pytest.raises(ValidationError, match="the same rules"):
        a.merge(DuplicateTally(RULES["strict phone, a column the rows may lack"]))
    with pytest.raises(ValidationError, match="an iterable of leads"):
        a.add(None)  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="backend"):
        DuplicateTally(rule, backend="fast")  # type: ignore[arg-type]


# -- the command -------------------------------------------------------------------------------


@contextlib.contextmanager
def chunk_rows(size: int | None) -> Iterator[None]:
    before = os.environ.get("CRMCORE_CSV_CHUNK_ROWS")
    if size is not None:
        os.environ["CRMCORE_CSV_CHUNK_ROWS"] = str(size)
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("CRMCORE_CSV_CHUNK_ROWS", None)
        else:
            os.environ["CRMCORE_CSV_CHUNK_ROWS"] = before


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


def write(path: Path, header: list[str], rows: list[list[str]]) -> str:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return str(path)


contact_rows = st.lists(
    st.tuples(
        st.sampled_from(["علی", "علي", "Ali", "سارا", "محمد رضا", "محمدرضا"]),
        st.sampled_from(["رضایی", "رضائي", "Rezaei", "احمدی", "کريمي"]),
        st.sampled_from([*EMAILS[:4], '"q"@pars.ir', "a,b@x.ir"]),
        st.sampled_from([*PHONES[:5], "021 8888 1234"]),
    ),
    max_size=14,
)
CONTACT_HEADER = ["id", "first_name", "last_name", "email", "mobile"]
OPTIONS = [[], ["--clusters"], ["--format", "json"], ["--clusters", "--format", "json"],
           ["--format", "jsonl"], ["--format", "table"], ["--against"],
           ["--against", "--clusters", "--format", "json"]]  # fmt: skip


@settings(max_examples=25, deadline=None)
@given(
    contacts=contact_rows,
    leads=contact_rows,
    size=st.integers(1, 7),
    options=st.sampled_from(OPTIONS),
)
def test_chunks_of_1_to_7_rows_write_what_the_whole_file_writes(
    tmp_path_factory: pytest.TempPathFactory,
    contacts: list[tuple[str, ...]],
    leads: list[tuple[str, ...]],
    size: int,
    options: list[str],
) -> None:
    folder = tmp_path_factory.mktemp("dedupe")
    people = write(
        folder / "c.csv", CONTACT_HEADER, [[f"C{i}", *r] for i, r in enumerate(contacts)]
    )
    argv = ["dedupe", people, "--rules", str(EXAMPLES / "dedupe-rules.json")]
    if "--against" in options:
        new = write(folder / "l.csv", ["id", "first_name", "last_name", "email", "phone"],
                    [[f"L{i}", *r] for i, r in enumerate(leads)])  # fmt: skip
        argv = ["dedupe", new, "--rules", str(EXAMPLES / "dedupe-lead-rules.toml"), "--against"]
        argv += [people]
    argv += [o for o in options if o != "--against"]
    whole = run(*argv)
    with chunk_rows(size):
        assert run(*argv) == whole
        assert run(*argv, "--progress", "always")[:2] == whole[:2]
    assert whole[0] == 0
    if not options:  # the whole-file output is the one-shot engine's, row for row
        records = list(from_rows([dict(zip(CONTACT_HEADER, [f"C{i}", *r], strict=True))
                                  for i, r in enumerate(contacts)], Contact))  # fmt: skip
        rules = load_rules(str(EXAMPLES / "dedupe-rules.json"))
        expected = [
            {k: str(v) for k, v in row.items()}
            for row in pair_rows(find_duplicates(records, rules))
        ]
        assert list(csv.DictReader(io.StringIO(whole[1]))) == expected


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ({"first_name": "Ali", "last_name": ""}, "row 9"),  # from_rows: last_name is required
        ({"id": "C3"}, "records[7].id"),  # a duplicate id, found only once every row is read
    ],
)
def test_a_refused_row_in_a_later_chunk_leaves_no_output(
    tmp_path: Path, bad: dict[str, str], message: str
) -> None:
    rows = [[f"C{i}", "Ali", f"Rezaei{i}", f"a{i}@pars.ir", f"0912000000{i}"] for i in range(10)]
    rows[7] = [bad.get(name, cell) for name, cell in zip(CONTACT_HEADER, rows[7], strict=True)]
    people = write(tmp_path / "c.csv", CONTACT_HEADER, rows)
    target = tmp_path / "pairs.csv"
    argv = ["dedupe", people, "--rules", str(EXAMPLES / "dedupe-rules.json"), "-o", str(target)]
    with chunk_rows(3):  # row 9 of the file (the header is row 1) is in the third chunk
        code, out, err = run(*argv)
    assert (code, out) == (1, "")
    assert message in err
    assert "Traceback" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.csv"]
    target.write_text("kept\n", encoding="utf-8")
    with chunk_rows(3):
        assert run(*argv)[0] == 1
    assert target.read_text(encoding="utf-8") == "kept\n"


def test_a_strict_refusal_in_a_later_chunk_names_the_record(tmp_path: Path) -> None:
    rules = tmp_path / "strict.json"
    rules.write_text(json.dumps({"name": "x", "record_type": "row", "threshold": 1, "strict": True,
        "comparisons": [{"field": "phone", "method": "exact", "normalizer": "phone"}]}),
        encoding="utf-8")  # fmt: skip
    rows = [[str(i), f"0912123456{i}"] for i in range(8)] + [["8", "0912"]]
    records = write(tmp_path / "rows.csv", ["id", "phone"], rows)
    with chunk_rows(2):
        code, out, err = run("dedupe", records, "--rules", str(rules))
    assert (code, out) == (1, "")
    assert "row 8.phone: got '0912'" in err
