"""Pricing benchmark: crmcore's exact engine beside the same arithmetic in pandas.

Every line uses a percentage pricing method with rounding and a discount
list (the issue's target case), a manual discount and 15 % tax, and the
document has a header discount taken before tax. crmcore computes in
Decimal with half-up rounding at the documented points; the peer is what a
user would otherwise write: vectorised float columns in pandas, rounding
with ``Series.round`` (numpy's round-half-even on binary floats). The
script reports time, lines per second, peak memory, the ratio, and how many
lines' extended amounts differ from the exact figures by at least one
minor unit (cent).

With ``--rules`` it also prices the quotes with 1,000 active pricing rules
over the 200 products (product, product-group, brand and catalog-wide
rules with quantity and amount bands, three stacking policies) and reports
that full-line rate (issue 16: at least 80,000 lines/s), in CPU time and
alternated with the same quote priced without rules, with their ratio.

With ``--columnar`` it runs only the columnar section (issue 14): a
million lines through :func:`crmcore.pricing.price_columns` beside a
hand-written exact integer numpy version of the same arithmetic (the peer,
in this process), the ratio, and ``price_document``'s lines/s on the same
kind of lines; every figure of the two columnar results is checked equal,
and the first 20,000 lines against ``price_document``.

Run: ``python benchmarks/pricing.py [--lines 10 1000 10000 100000] [--rules]``
or ``python benchmarks/pricing.py --columnar [--columnar-lines 1000000]``
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
import timeit
import tracemalloc
from collections.abc import Callable
from decimal import Decimal
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import attrs
import numpy as np
import pandas as pd

from crmcore.money import Money
from crmcore.pricing import (
    Catalog,
    DiscountBand,
    DiscountList,
    DiscountType,
    DocumentKind,
    FlatRateTax,
    LineItem,
    PricedDocument,
    PriceList,
    PriceListItem,
    PricingMethod,
    PricingOptions,
    PricingRule,
    PricingRules,
    Product,
    ProductGroup,
    RoundingOption,
    RoundingPolicy,
    SalesDocument,
    Stacking,
    UnitGroup,
    price_columns,
    price_document,
)

N_PRODUCTS = 200
BANDS = ((1, 9, 0), (10, 49, 5), (50, 99, 7.5), (100, None, 10))


def build(n_lines: int, seed: int = 7) -> tuple[Catalog, PriceList, SalesDocument]:
    """A catalog of 200 products priced by markup on standard cost, and a quote."""
    rng = random.Random(seed)
    each = UnitGroup("each", "each")
    volume = DiscountList(
        "volume",
        DiscountType.PERCENTAGE,
        tuple(DiscountBand(b, e, Decimal(str(d))) for b, e, d in BANDS),
    )
    products = []
    items = []
    for i in range(N_PRODUCTS):
        cost = Money(Decimal(rng.randint(100, 99_999)) / 100, "USD")
        products.append(Product(f"P{i}", f"Product {i}", each, "each", standard_cost=cost))
        items.append(
            PriceListItem(
                f"P{i}",
                "each",
                PricingMethod.MARKUP_STANDARD_COST,
                percentage=Decimal(rng.randint(500, 9_000)) / 100,
                rounding_policy=RoundingPolicy.UP,
                rounding_option=RoundingOption.ENDS_IN,
                rounding_amount=Decimal("0.99"),
                discount_list=volume,
            )
        )
    lines = tuple(
        LineItem(
            f"P{rng.randrange(N_PRODUCTS)}",
            rng.randint(1, 150),
            manual_discount=Money(Decimal(rng.randint(0, 300)) / 100, "USD"),
        )
        for _ in range(n_lines)
    )
    doc = SalesDocument(
        "Q-bench", DocumentKind.QUOTE, "USD", lines, header_discount_percent=Decimal(3)
    )
    return Catalog(tuple(products)), PriceList("bench", "USD", tuple(items)), doc


OPTIONS = PricingOptions(tax_policy=FlatRateTax(Decimal(15)))


N_RULES = 1_000
GROUPS = tuple(
    [ProductGroup(f"G{g}") for g in range(5)]
    + [ProductGroup(f"G{g}", f"G{g % 5}") for g in range(5, 20)]
)


def with_groups(catalog: Catalog) -> Catalog:
    """The same products, each in one of 20 groups (two levels) and one of 50 brands."""
    products = tuple(
        attrs.evolve(p, group=f"G{5 + i % 15}", brand=f"B{i % 50}")
        for i, p in enumerate(catalog.products)
    )
    return Catalog(products, GROUPS)


def build_rules(seed: int = 11) -> PricingRules:
    """1,000 active rules: 40 % on products, 30 % on groups, 29 % on brands, 1 % on all."""
    rng = random.Random(seed)
    rules = []
    for i in range(N_RULES):
        priority = i % 7
        # One stacking per priority, so that no two rules of a priority conflict.
        stacking = (
            Stacking.CUMULATIVE
            if priority < 2
            else (Stacking.FIRST if priority == 6 else Stacking.BEST_PRICE)
        )
        share = i % 100
        target: dict[str, tuple[str, ...]] = {}
        if share < 40:
            target["products"] = (f"P{rng.randrange(N_PRODUCTS)}",)
        elif share < 70:
            target["product_groups"] = (f"G{rng.randrange(20)}",)
        elif share < 99:
            target["brands"] = (f"B{rng.randrange(50)}",)
        low = rng.choice([None, 10, 25, 50, 100])
        rules.append(
            PricingRule(
                f"R{i}",
                "percent_off",
                percent=Decimal(rng.randint(1, 300)) / 100,
                priority=priority,
                stacking=stacking,
                min_quantity=low,
                max_amount=rng.choice([None, Decimal(50_000)]),
                **target,
            )
        )
    return PricingRules(tuple(rules), max_line_discount_percent=Decimal(30))


def crmcore_price(catalog: Catalog, plist: PriceList, doc: SalesDocument) -> PricedDocument:
    """The crmcore path: exact Decimal pricing with explanations available per line."""
    return price_document(doc, catalog, plist, OPTIONS)


def pandas_frame(catalog: Catalog, plist: PriceList, doc: SalesDocument) -> pd.DataFrame:
    """Input columns as a pandas user would hold them (floats); not timed."""
    price = {}
    for item in plist.items:
        product = catalog.product(item.product_id)
        # Unit price per item as floats: cost × (1 + pct), then "ends in .99, up".
        cost = product.standard_cost.amount if product.standard_cost else Decimal(0)
        raw = float(cost) * (1 + float(item.percentage or 0) / 100)
        price[item.product_id] = raw
    return pd.DataFrame(
        {
            "product": [line.product_id for line in doc.lines],
            "qty": [float(line.quantity) for line in doc.lines],
            "raw_price": [price[line.product_id] for line in doc.lines],
            "manual": [
                float(line.manual_discount.amount) if line.manual_discount else 0.0
                for line in doc.lines
            ],
        }
    )


def pandas_price(frame: pd.DataFrame) -> tuple[pd.Series, float]:
    """The same arithmetic, vectorised in float: extended amounts and the total."""
    raw = frame["raw_price"]
    # Ends in 0.99, rounded up: floor(p) + 0.99, one more unit if that is below p.
    down = np.floor(raw) + 0.99
    price = np.where(down >= raw, down, down + 1.0)
    price = pd.Series(price, index=frame.index).round(2)
    qty = frame["qty"]
    conditions = [qty <= 9, qty <= 49, qty <= 99]
    pct = np.select(conditions, [0.0, 5.0, 7.5], default=10.0)
    amount = (qty * price - qty * price * pct / 100).round(2)
    net = amount - frame["manual"].round(2)
    tax = (net * 0.15).round(2)
    extended = net + tax
    detail = float(net.sum())
    header = round(detail * 0.03, 2)
    total = detail - header + float(tax.sum())
    return extended, total


def raw_rows(doc: SalesDocument) -> list[dict[str, str]]:
    """The quote's lines as an integrator receives them: text cells (a CSV or JSON export)."""
    return [
        {
            "product": line.product_id,
            "quantity": str(line.quantity),
            "manual_discount": str(line.manual_discount.amount) if line.manual_discount else "0",
        }
        for line in doc.lines
    ]


def crmcore_from_rows(
    catalog: Catalog, plist: PriceList, rows: list[dict[str, str]]
) -> PricedDocument:
    """Document building included: typed lines from the text cells, then pricing."""
    lines = tuple(
        LineItem(
            row["product"],
            Decimal(row["quantity"]),
            manual_discount=Money(row["manual_discount"], "USD"),
        )
        for row in rows
    )
    doc = SalesDocument(
        "Q-rows", DocumentKind.QUOTE, "USD", lines, header_discount_percent=Decimal(3)
    )
    return price_document(doc, catalog, plist, OPTIONS)


def pandas_from_rows(prices: pd.DataFrame, rows: list[dict[str, str]]) -> tuple[pd.Series, float]:
    """Frame building included on the pandas side too: rows → typed columns → merge → price."""
    frame = pd.DataFrame(rows)
    frame["qty"] = frame["quantity"].astype(float)
    frame["manual"] = frame["manual_discount"].astype(float)
    frame = frame.merge(prices, on="product", how="left")
    return pandas_price(frame)


def columnar_inputs(n_lines: int, seed: int = 5) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Product ids (text, as exported), quantities and manual discounts (cents) as columns."""
    rng = np.random.default_rng(seed)
    products = np.array([f"P{i}" for i in range(N_PRODUCTS)])
    ids = products[rng.integers(0, N_PRODUCTS, n_lines)].tolist()
    quantities = rng.integers(1, 151, n_lines, dtype=np.int64)
    manual = rng.integers(0, 301, n_lines, dtype=np.int64)
    return ids, quantities, manual


def integer_peer(
    catalog: Catalog, plist: PriceList, ids: list[str], qty: np.ndarray, manual: np.ndarray
) -> dict[str, np.ndarray]:
    """The exact integer numpy version a user would hand-write for this one catalog.

    Prices per product once (Decimal markup, "ends in .99, up", to the cent),
    then per line in int64 cents: the band's percentage in tenths of a
    percent by ``searchsorted``, half-up as ``(n + d // 2) // d``, 15 % tax.
    Same inputs and the same eight output columns as ``price_columns``.
    """
    cents = {}
    for item in plist.items:
        cost = catalog.product(item.product_id).standard_cost
        raw = cost.amount * (1 + (item.percentage or Decimal(0)) / 100) if cost else Decimal(0)
        down = raw.to_integral_value(rounding="ROUND_FLOOR") + Decimal("0.99")
        price = down if down >= raw else down + 1
        cents[item.product_id] = int(price * 100)
    index = {pid: i for i, pid in enumerate(cents)}
    table = np.array(list(cents.values()), dtype=np.int64)
    codes = np.fromiter(map(index.__getitem__, ids), dtype=np.int64, count=len(ids))
    price = table[codes]
    tenths = np.array([0, 50, 75, 100], dtype=np.int64)[
        np.searchsorted(np.array([10, 50, 100]), qty, side="right")
    ]
    gross = qty * price
    amount = (gross * (1000 - tenths) + 500) // 1000
    net = amount - manual
    tax = (net * 15 + 50) // 100
    return {
        "unit_prices": price,
        "gross_amounts": gross,
        "volume_discounts": gross - amount,
        "amounts": amount,
        "manual_discounts": manual,
        "net_amounts": net,
        "taxes": tax,
        "extended_amounts": net + tax,
    }


def _clocked(task: Callable[[], object], repeat: int) -> tuple[float, float]:
    """Best wall time and best CPU time of one call over ``repeat`` calls."""
    walls, cpus = [], []
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        task()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return min(walls), min(cpus)


def columnar(n_lines: int, repeat: int) -> None:
    """The columnar section: price_columns beside the integer peer and price_document."""
    catalog, plist, _ = build(10)
    ids, qty, manual = columnar_inputs(n_lines)
    ours = partial(
        price_columns, catalog, plist, ids, qty, manual_discounts=manual, options=OPTIONS
    )
    peer = partial(integer_peer, catalog, plist, ids, qty, manual)
    priced = ours()
    theirs = peer()
    for name, column in theirs.items():
        if name != "unit_prices" and not np.array_equal(getattr(priced, name), column):
            raise SystemExit(f"columnar {name} differs from the integer peer")
    if not np.array_equal(
        np.asarray(priced.unit_prices) // 10 ** (priced.price_places - 2), theirs["unit_prices"]
    ):
        raise SystemExit("columnar unit prices differ from the integer peer")
    check = min(n_lines, 20_000)
    lines = tuple(
        LineItem(ids[i], int(qty[i]), manual_discount=Money.from_minor_units(int(manual[i]), "USD"))
        for i in range(check)
    )
    doc = SalesDocument("Q-col", DocumentKind.QUOTE, "USD", lines)
    scalar = price_document(doc, catalog, plist, OPTIONS)
    exact = [line.extended_amount.minor_units() for line in scalar.lines]
    if exact != np.asarray(priced.extended_amounts[:check]).tolist():
        raise SystemExit("columnar extended amounts differ from price_document")
    wall, cpu = _clocked(ours, repeat)
    peer_wall, peer_cpu = _clocked(peer, repeat)
    doc_wall, doc_cpu = _clocked(partial(price_document, doc, catalog, plist, OPTIONS), 1)
    load = os.getloadavg()
    print(
        f"columnar pricing, {n_lines:,} lines (backend {priced.backend}); load average "
        f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f} on {os.cpu_count()} cores"
    )
    print(f"{'':>16} {'wall':>9} {'CPU':>9} {'lines/s (CPU)':>14}")
    for name, w, c, n in (
        ("price_columns", wall, cpu, n_lines),
        ("integer peer", peer_wall, peer_cpu, n_lines),
        ("price_document", doc_wall, doc_cpu, check),
    ):
        print(f"{name:>16} {w * 1e3:>7.1f}ms {c * 1e3:>7.1f}ms {n / c:>14,.0f}")
    print(
        f"ratio price_columns / peer: {wall / peer_wall:.2f}× wall, {cpu / peer_cpu:.2f}× CPU "
        "(goal: within 5×)"
    )
    print(
        f"price_columns / price_document per line: "
        f"{(check / doc_cpu) and (n_lines / cpu) / (check / doc_cpu):.0f}× faster (CPU)"
    )
    print(
        "every column equal to the peer's; extended amounts equal to price_document's on "
        f"the first {check:,} lines"
    )
    # Invoicing run: 10 lines per document, 3 % header discount, taxed after it.
    doc_ids = [f"D{i // 10}" for i in range(n_lines)]
    percent = dict.fromkeys(dict.fromkeys(doc_ids), Decimal(3))
    after = attrs.evolve(OPTIONS, tax_after_header_discount=True)
    run = partial(
        price_columns,
        catalog,
        plist,
        ids,
        qty,
        manual_discounts=manual,
        options=after,
        document_ids=doc_ids,
        header_discount_percent=percent,
    )
    documents = run().documents
    first = SalesDocument(
        "D0", DocumentKind.INVOICE, "USD", lines[:10], header_discount_percent=Decimal(3)
    )
    if (
        documents is None
        or documents.total_amounts[0]
        != price_document(first, catalog, plist, after).total_amount.minor_units()
    ):
        raise SystemExit("columnar document total differs from price_document")
    doc_wall, doc_cpu = _clocked(run, repeat)
    print(
        f"with {len(percent):,} documents (3 % header discount, shares, tax after it, totals): "
        f"{doc_wall * 1e3:.1f}ms wall, {doc_cpu * 1e3:.1f}ms CPU, "
        f"{n_lines / doc_cpu:,.0f} lines/s"
    )
    # The --rules catalog: 1,000 active pricing rules, one outcome per (product, quantity).
    grouped, rules = with_groups(catalog), build_rules()
    ruled = partial(
        price_columns,
        grouped,
        plist,
        ids,
        qty,
        manual_discounts=manual,
        options=OPTIONS,
        rules=rules,
    )
    sample = SalesDocument("Q-rules", DocumentKind.QUOTE, "USD", lines[:2_000])
    scalar_ruled = price_document(sample, grouped, plist, OPTIONS, rules)
    got = np.asarray(ruled().extended_amounts[:2_000]).tolist()
    if got != [line.extended_amount.minor_units() for line in scalar_ruled.lines]:
        raise SystemExit("columnar lines under rules differ from price_document")
    rule_wall, rule_cpu = _clocked(ruled, repeat)
    print(
        f"with {N_RULES:,} pricing rules: {rule_wall * 1e3:.1f}ms wall, {rule_cpu * 1e3:.1f}ms "
        f"CPU, {n_lines / rule_cpu:,.0f} lines/s (equal to price_document on 2,000 lines)"
    )


def _best(task: Callable[[], object], number: int, repeat: int) -> float:
    """Best time of one call, over ``repeat`` runs of ``number`` calls."""
    return min(timeit.repeat(task, number=number, repeat=repeat)) / number


def _interleaved(
    tasks: tuple[Callable[[], object], ...], number: int, repeat: int
) -> tuple[float, ...]:
    """Best CPU time of one call of each task, the tasks run in turn ``repeat`` times.

    CPU time and alternation: on a shared machine the ratio of the tasks
    holds better than either time.
    """
    best = [float("inf")] * len(tasks)
    for _ in range(repeat):
        for i, task in enumerate(tasks):
            timer = timeit.Timer(task, timer=time.process_time)
            best[i] = min(best[i], timer.timeit(number) / number)
    return tuple(best)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, nargs="+", default=[10, 1_000, 10_000, 100_000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--rules", action="store_true", help="also price with 1,000 rules")
    parser.add_argument("--columnar", action="store_true", help="only the columnar section")
    parser.add_argument("--columnar-lines", type=int, default=1_000_000)
    args = parser.parse_args()
    if args.columnar:
        columnar(args.columnar_lines, args.repeat)
        return
    print(
        f"{'lines':>8} {'crmcore':>10} {'lines/s':>10} {'plain/s':>10} {'peak MiB':>9} "
        f"{'pandas':>10} {'ratio':>7} {'float≠exact':>12} {'total diff':>11}"
    )
    for n in args.lines:
        catalog, plist, doc = build(n)
        number = max(1, 2_000 // n)
        ours = _best(partial(crmcore_price, catalog, plist, doc), number, args.repeat)
        # The target line: percentage method, rounding and a discount list only.
        plain_doc = attrs.evolve(
            doc,
            lines=tuple(attrs.evolve(line, manual_discount=None) for line in doc.lines),
            header_discount_percent=None,
        )
        plain = _best(partial(price_document, plain_doc, catalog, plist), number, args.repeat)
        tracemalloc.start()
        priced = crmcore_price(catalog, plist, doc)
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
        frame = pandas_frame(catalog, plist, doc)
        theirs = _best(partial(pandas_price, frame), number, args.repeat)
        extended, total = pandas_price(frame)
        exact = np.array([float(line.extended_amount.amount) for line in priced.lines])
        differ = int((np.abs(extended.to_numpy() - exact) >= 0.01 - 1e-9).sum())
        total_diff = abs(total - float(priced.total_amount.amount))
        print(
            f"{n:>8} {ours * 1e3:>8.2f}ms {n / ours:>10,.0f} {n / plain:>10,.0f} {peak:>9.1f} "
            f"{theirs * 1e3:>8.2f}ms {ours / theirs:>6.1f}× {differ:>12,} {total_diff:>11.2f}"
        )
    print(
        f"\n{'lines':>8} {'from rows':>11} {'pandas':>10} {'ratio':>7}   (document building included)"
    )
    for n in args.lines:
        catalog, plist, doc = build(n)
        rows = raw_rows(doc)
        frame = pandas_frame(catalog, plist, doc)
        prices = frame[["product", "raw_price"]].drop_duplicates("product")
        number = max(1, 2_000 // n)
        ours = _best(partial(crmcore_from_rows, catalog, plist, rows), number, args.repeat)
        theirs = _best(partial(pandas_from_rows, prices, rows), number, args.repeat)
        print(f"{n:>8} {ours * 1e3:>9.2f}ms {theirs * 1e3:>8.2f}ms {ours / theirs:>6.1f}×")
    if args.rules:
        rules = build_rules()
        print(
            f"\n{'lines':>8} {'with 1,000 rules':>17} {'lines/s':>10} {'no rules/s':>11} "
            f"{'ratio':>6}   (CPU time, the two alternated)"
        )
        for n in args.lines:
            catalog, plist, doc = build(n)
            grouped = with_groups(catalog)
            number = max(1, 2_000 // n)
            ruled, full = _interleaved(
                (
                    partial(price_document, doc, grouped, plist, OPTIONS, rules),
                    partial(price_document, doc, grouped, plist, OPTIONS),
                ),
                number,
                args.repeat,
            )
            print(
                f"{n:>8} {ruled * 1e3:>15.2f}ms {n / ruled:>10,.0f} {n / full:>11,.0f} "
                f"{full / ruled:>6.2f}"
            )
    print("lines/s: full line (manual discount, 15 % tax, 3 % header discount);")
    print("plain/s: percentage method + rounding + discount list only (the issue's target).")
    if args.rules:
        print("ratio (rules table) = rate with 1,000 rules / full-line rate without rules.")
    print("ratio = crmcore time / pandas time (above 1: pandas is faster, in float).")


if __name__ == "__main__":
    main()
