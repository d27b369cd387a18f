"""Benchmark crmcore.frames at table scale, in one process; ratios printed.

Run: ``PYTHONPATH=src python benchmarks/frames.py [--customers 1000000] [--leads 1000000]``
(from the repository root; needs pandas, and dask + distributed for part 3).

1. CLV prediction for N customers over a 52-week horizon from a summary
   frame (``predict_clv_frame``: P(alive), E[purchases], Gamma-Gamma spend,
   discounted CLV) with numpy, beside the vectorised formula ``lifetimes``
   uses (scipy's hyp2f1; timed on a slice and scaled, it is slow), and
   beside ``lifetimes`` itself when it is importable (its
   ``GammaGammaFitter.customer_lifetime_value`` over 52 one-week steps;
   run this script in the lifetimes venv of ``benchmarks/clv_lifetimes.py``
   with ``--only clv``). Goal: >= 200,000 customers/s.
2. Scoring an N-row DataFrame with a 20-rule scorecard (16 fit rules, 4
   event rules over an events table) with ``score_frame`` beside the same
   scorecard in hand-written vectorised pandas. Goal: within 1.5x.
3. The CLV pipeline on Dask (partitioned summaries -> counts per partition
   -> combined counts -> one fit_counts -> partitioned prediction) on a
   LocalCluster of 1 and of 2 single-threaded worker processes; wall times
   and equality with the single-process result.

The machine is shared: best of a few runs is reported; tests never assert times.
"""

from __future__ import annotations

import argparse
import sys
import time
import timeit
import warnings
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from typing import Any

import numpy as np
import pandas as pd
from scipy import special

from crmcore.clv import BetaGeoModel, CustomerSummary, GammaGammaModel, customer_lifetime_values
from crmcore.frames import count_frame, fit_clv_frame, predict_clv_frame, score_frame
from crmcore.scoring import (
    Condition,
    EventFilter,
    Frequency,
    Rule,
    RuleGroup,
    Scorecard,
)

CDNOW = BetaGeoModel(r=0.243, alpha=4.414, a=0.793, b=2.426)  # FHL 2005
SPEND = GammaGammaModel(p=6.25, q=3.74, gamma=15.44)  # Fader & Hardie 2013
NOW = datetime(2026, 6, 1, tzinfo=UTC)
HORIZON = {"horizon": 52, "step": 1.0, "discount_rate": "0.0019", "currency": "USD"}


def best(fn: Callable[[], object], repeat: int = 3) -> float:
    return min(timeit.repeat(fn, number=1, repeat=repeat))


def summaries(n: int, seed: int = 7) -> pd.DataFrame:
    """Customers simulated from BG/NBD with the CDNOW parameters, daily dates, weekly units."""
    rng = np.random.default_rng(seed)
    age = rng.integers(1, 546, n) / 7  # first purchase 1 day to 78 weeks before the cut-off
    rate = rng.gamma(CDNOW.r, 1 / CDNOW.alpha, n)  # purchases per week
    drop = rng.beta(CDNOW.a, CDNOW.b, n)
    x = np.zeros(n, dtype=np.int64)
    recency = np.zeros(n)
    clock = np.zeros(n)
    active = np.arange(n)
    while active.size:
        clock[active] += rng.exponential(1 / np.maximum(rate[active], 1e-12))
        bought = clock[active] <= age[active]
        active = active[bought]
        x[active] += 1
        recency[active] = np.floor(clock[active] * 7) / 7  # purchase days
        active = active[rng.random(active.size) >= drop[active]]
    recency = np.minimum(recency, age)
    spend = np.where(x > 0, np.round(rng.gamma(6.25, 1 / rng.gamma(3.74, 1 / 15.44, n)), 2), 0.0)
    return pd.DataFrame(
        {
            "customer_id": pd.array([f"C{i}" for i in range(n)], dtype="string"),
            "frequency": x,
            "recency": recency,
            "age": age,
            "monetary_value": spend,
        }
    )


def lifetimes_style(frame: pd.DataFrame, horizon: int) -> tuple[Any, Any]:
    """lifetimes' BetaGeoFitter.conditional_expected_number_of_purchases_up_to_time, per step."""
    r, alpha, a, b = CDNOW.r, CDNOW.alpha, CDNOW.a, CDNOW.b
    x, t_x, big_t = (frame[c].to_numpy(dtype=float) for c in ("frequency", "recency", "age"))
    denominator = 1 + (x > 0) * (a / np.where(x > 0, b + x - 1, 1)) * (
        (alpha + big_t) / (alpha + t_x)
    ) ** (r + x)
    previous = discounted = np.zeros_like(x)
    for k in range(1, horizon + 1):
        t = float(k)
        _a, _b, _c, _z = r + x, b + x, a + b + x - 1, t / (alpha + big_t + t)
        hyp = np.log(special.hyp2f1(_a, _b, _c, _z))
        second = 1 - np.exp(hyp + (r + x) * np.log((alpha + big_t) / (alpha + t + big_t)))
        current = (a + b + x - 1) / (a - 1) * second / denominator
        discounted = discounted + (current - previous) / 1.0019**k
        previous = current
    return previous, discounted


def real_lifetimes(frame: pd.DataFrame) -> Callable[[], Any] | None:
    """lifetimes' own CLV (52 steps of one week, freq="M" so a step is one time unit), if installed."""
    try:
        from lifetimes import BetaGeoFitter, GammaGammaFitter
    except ImportError:
        return None
    bg, gg = BetaGeoFitter(), GammaGammaFitter()
    bg.params_ = pd.Series({"r": CDNOW.r, "alpha": CDNOW.alpha, "a": CDNOW.a, "b": CDNOW.b})
    gg.params_ = pd.Series({"p": SPEND.p, "q": SPEND.q, "v": SPEND.gamma})
    bg.predict = bg.conditional_expected_number_of_purchases_up_to_time  # what fit() sets
    columns = [frame[c] for c in ("frequency", "recency", "age", "monetary_value")]
    return lambda: gg.customer_lifetime_value(bg, *columns, time=52, discount_rate=0.0019, freq="M")


def bench_real_lifetimes(frame: pd.DataFrame, t_float: float) -> None:
    n = len(frame)
    part = frame.head(min(n, 200_000))
    run = real_lifetimes(part)
    if run is None:
        print("   lifetimes itself: not installed here (see benchmarks/clv_lifetimes.py)")
        return
    t_real = best(run, 2) * n / len(part)
    theirs = run().to_numpy()
    ours = predict_clv_frame(part, CDNOW, SPEND, money="float", **HORIZON)["clv"].to_numpy()  # type: ignore[arg-type]
    buyers = part["frequency"].to_numpy() > 0
    agree = float(np.max(np.abs(ours[buyers] - theirs[buyers]) / np.abs(theirs[buyers])))
    print(
        f"   lifetimes customer_lifetime_value {t_real:7.2f} s  {n / t_real:12,.0f} customers/s "
        f"(timed on {len(part):,}, scaled; repeat buyers' CLV max rel diff {agree:.1e})"
        f"   ratio crmcore float CLV/lifetimes {t_float / t_real:.3f}"
    )


def bench_clv(n: int) -> None:
    frame = summaries(n)
    print(f"1. CLV prediction, {n:,} customers, 52 weekly steps (numpy)")
    subset = frame.head(2000)
    customers = [
        CustomerSummary(
            str(row.customer_id),
            frequency=int(row.frequency),
            recency=row.recency,
            age=row.age,
            monetary_value=str(row.monetary_value),
        )
        for row in subset.itertuples()
    ]
    expected = {
        v.customer_id: v for v in customer_lifetime_values(customers, CDNOW, SPEND, **HORIZON)
    }  # type: ignore[arg-type]
    check = predict_clv_frame(subset, CDNOW, SPEND, **HORIZON)  # type: ignore[arg-type]
    worst = max(
        abs(e - expected[c].expected_transactions) / expected[c].expected_transactions
        for c, e in zip(subset["customer_id"], check["expected_transactions"], strict=True)
    )
    cents = max(
        abs(v - expected[c].clv.amount)
        for c, v in zip(subset["customer_id"], check["clv"], strict=True)
    )
    print(
        f"   agreement with customer_lifetime_values on 2,000: rel {worst:.1e}, CLV within {cents} USD"
    )
    t_float = best(lambda: predict_clv_frame(frame, CDNOW, SPEND, money="float", **HORIZON), 3)  # type: ignore[arg-type]
    t_exact = best(lambda: predict_clv_frame(frame, CDNOW, SPEND, **HORIZON), 1)  # type: ignore[arg-type]
    t_count = best(lambda: predict_clv_frame(frame, CDNOW, horizon=52), 3)
    part = frame.head(min(n, 100_000))
    t_peer = best(lambda: lifetimes_style(part, 52), 1) * n / len(part)
    ours, _ = predict_clv_frame(part, CDNOW, horizon=52)["expected_transactions"], None
    theirs, _ = lifetimes_style(part, 52)
    agree = float(np.max(np.abs(ours.to_numpy() - theirs) / theirs))
    print(f"   expected purchases only      {t_count:7.2f} s  {n / t_count:12,.0f} customers/s")
    print(f"   CLV, money='float'           {t_float:7.2f} s  {n / t_float:12,.0f} customers/s")
    print(f"   CLV, exact Decimal cents     {t_exact:7.2f} s  {n / t_exact:12,.0f} customers/s")
    print(
        f"   lifetimes-style scipy hyp2f1 {t_peer:7.2f} s  {n / t_peer:12,.0f} customers/s "
        f"(timed on {len(part):,}, scaled; max rel diff {agree:.1e})   ratio crmcore/peer {t_count / t_peer:.2f}"
    )
    bench_real_lifetimes(frame, t_float)


def scorecard() -> Scorecard:
    eq = Condition.equals
    fit = [
        Rule(name="retail", points=10, when=eq("industry", "retail")),
        Rule(name="steel", points=8, when=eq("industry", "steel")),
        Rule(name="target", points=5, when=Condition.is_in("industry", ["software", "health"])),
        Rule(name="education", points=-5, when=eq("industry", "education")),
        Rule(name="iran", points=6, when=eq("country", "IR")),
        Rule(name="gulf", points=4, when=Condition.is_in("country", ["AE", "TR"])),
        Rule(name="big", points=15, when=Condition.between("employees", low=500)),
        Rule(name="mid", points=8, when=Condition.between("employees", low=50, high=499)),
        Rule(name="tiny", points=-10, when=Condition.between("employees", high=5)),
        Rule(name="budget", points="12.5", when=Condition.between("budget", low=100000)),
        Rule(name="no budget", points=-3, when=Condition.not_(Condition.exists("budget"))),
        Rule(name="email", points=2, when=Condition.exists("email")),
        Rule(name="free mail", points=-4, when=Condition.contains("email", "gmail")),
        Rule(name="director", points=7, when=Condition.contains("title", "Director")),
        Rule(name="ceo", points=9, when=eq("title", "CEO")),
        Rule(name="intern", points=-6, when=eq("title", "Intern")),
    ]
    engagement = [
        Rule(name="form", points=10, event=EventFilter(kinds=["form_submit"], within_days=90)),
        Rule(name="visit", points=1, event=EventFilter(kinds=["page_view"], within_days=30)),
        Rule(
            name="webinar",
            points=15,
            frequency=Frequency.ONCE,
            event=EventFilter(kinds=["webinar"]),
        ),
        Rule(
            name="silent",
            points=-5,
            frequency=Frequency.NONE,
            event=EventFilter(kinds=["email_click"], within_days=60),
        ),
    ]
    return Scorecard(
        name="bench",
        groups=[
            RuleGroup(name="fit", rules=fit, cap=60),
            RuleGroup(name="engagement", rules=engagement, cap=40),
        ],
        total_cap=100,
    )


def lead_tables(n: int, seed: int = 1) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)

    def pick(values: list[Any], missing: float = 0.0) -> Any:
        out = rng.choice(np.array(values, dtype=object), n)
        out[rng.random(n) < missing] = None
        return out

    budget = rng.integers(1000, 900000, n).astype(float)
    budget[rng.random(n) < 0.3] = np.nan
    ids = np.array([f"L{i}" for i in range(n)], dtype=object)
    leads = pd.DataFrame(
        {
            "id": ids,
            "industry": pick(
                ["retail", "steel", "education", "software", "health", "energy"], 0.05
            ),
            "country": pick(["IR", "DE", "TR", "AE", "US"]),
            "employees": rng.integers(1, 3000, n),
            "budget": budget,
            "email": pick(["sales@corp.ir", "me@gmail.com", "info@firm.de"], 0.3),
            "title": pick(
                ["CEO", "Sales Director", "Engineer", "Purchasing Manager", "Intern"], 0.1
            ),
        }
    )
    m = 2 * n
    events = pd.DataFrame(
        {
            "lead_id": ids[rng.integers(0, n, m)],
            "kind": rng.choice(
                np.array(["page_view", "form_submit", "webinar", "email_click"], dtype=object),
                m,
                p=[0.7, 0.1, 0.05, 0.15],
            ),
            "at": pd.Timestamp(NOW) - pd.to_timedelta(rng.integers(0, 200 * 86400, m), unit="s"),
        }
    )
    return leads, events


def pandas_scores(leads: pd.DataFrame, events: pd.DataFrame) -> pd.Series:
    """The same scorecard as a pandas user would write it (float points)."""
    ind, cty, title, email = leads["industry"], leads["country"], leads["title"], leads["email"]
    emp, bud = leads["employees"], leads["budget"]
    fit = (
        10 * (ind == "retail")
        + 8 * (ind == "steel")
        + 5 * ind.isin(["software", "health"])
        - 5 * (ind == "education")
        + 6 * (cty == "IR")
        + 4 * cty.isin(["AE", "TR"])
        + 15 * (emp >= 500)
        + 8 * ((emp >= 50) & (emp <= 499))
        - 10 * (emp <= 5)
        + 12.5 * (bud >= 100000)
        - 3 * bud.isna()
        + 2 * email.notna()
        - 4 * email.str.contains("gmail", regex=False).eq(True)
        + 7 * title.str.contains("Director", regex=False).eq(True)
        + 9 * (title == "CEO")
        - 6 * (title == "Intern")
    ).clip(upper=60)
    age = pd.Timestamp(NOW) - events["at"]

    def count(kind: str, days: int | None) -> pd.Series:
        mask = (events["kind"] == kind) & (age >= pd.Timedelta(0))
        if days is not None:
            mask &= age <= pd.Timedelta(days=days)
        per_lead = events.loc[mask, "lead_id"].value_counts()
        return leads["id"].map(per_lead).fillna(0)

    engagement = (
        10 * count("form_submit", 90)
        + count("page_view", 30)
        + 15 * (count("webinar", None) > 0)
        - 5 * (count("email_click", 60) == 0)
    ).clip(upper=40)
    return (fit + engagement).clip(upper=100)


def bench_scoring(n: int) -> None:
    card = scorecard()
    leads, events = lead_tables(n)
    print(
        f"2. score a {n:,}-row DataFrame, 20 rules (16 fit, 4 event rules over {len(events):,} events)"
    )
    ours = score_frame(card, leads, now=NOW, events=events, scores="float")["score"]
    reference = pandas_scores(leads, events)
    assert np.allclose(ours.to_numpy(), reference.to_numpy()), "pandas disagrees"
    t_ours = best(lambda: score_frame(card, leads, now=NOW, events=events, scores="float"), 2)
    t_exact = best(lambda: score_frame(card, leads, now=NOW, events=events), 1)
    t_pandas = best(lambda: pandas_scores(leads, events), 2)
    print(
        f"   score_frame (float scores)   {t_ours:7.2f} s   pandas {t_pandas:6.2f} s   ratio {t_ours / t_pandas:.2f}"
    )
    print(f"   score_frame (Decimal scores) {t_exact:7.2f} s   ratio {t_exact / t_pandas:.2f}")


def _predict(part: pd.DataFrame, model: BetaGeoModel) -> pd.DataFrame:
    return predict_clv_frame(part, model, SPEND, money="float", **HORIZON)  # type: ignore[arg-type]


def _timed_pipeline(
    client: Any, parts: Any, meta: Any, count_meta: Any
) -> tuple[Any, Any, float, float]:
    """Counts per partition -> one fit on the driver -> prediction per partition."""
    start = time.perf_counter()
    counts = client.compute(parts.map_partitions(count_frame, meta=count_meta)).result()
    model = fit_clv_frame(count_frame(counts, weight="count")).model
    fitted = time.perf_counter() - start
    predicted = parts.map_partitions(partial(_predict, model=model), meta=meta)
    result = client.compute(predicted).result()
    return model, result, fitted, time.perf_counter() - start


def bench_dask(n: int) -> None:
    try:
        import dask.dataframe as dd
        import distributed
    except ImportError:
        print("3. dask not installed: skipped")
        return
    warnings.filterwarnings("ignore", message="Sending large graph")  # from_pandas embeds the data
    frame = summaries(n)
    print(f"3. CLV pipeline on Dask, {n:,} customers (2 cores shared with other jobs)")
    start = time.perf_counter()
    fit = fit_clv_frame(frame)
    t_fit = time.perf_counter() - start
    single = _predict(frame, fit.model)
    t_single = time.perf_counter() - start
    print(f"   one process, no Dask             {t_single:7.2f} s   (count + fit {t_fit:.2f} s)")
    meta = single.head(0)
    count_meta = count_frame(frame.head(10)).head(0)
    for workers in (1, 2):
        with (
            distributed.LocalCluster(
                n_workers=workers,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
                silence_logs=40,
            ) as cluster,
            distributed.Client(cluster) as client,
        ):
            start = time.perf_counter()
            parts = dd.from_pandas(frame, npartitions=2 * workers).persist()
            distributed.wait(parts)
            loaded = time.perf_counter() - start
            model, result, fitted, elapsed = _timed_pipeline(client, parts, meta, count_meta)
        same = model == fit.model and result.equals(single)
        print(
            f"   LocalCluster, {workers} worker(s), {2 * workers} parts {elapsed:7.2f} s   (count + fit "
            f"{fitted:.2f} s; +{loaded:.2f} s to load)   equal to one process: {same}"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--leads", type=int, default=1_000_000)
    parser.add_argument("--only", choices=["clv", "scoring", "dask"])
    args = parser.parse_args()
    print(f"python {sys.version.split()[0]}, numpy {np.__version__}, pandas {pd.__version__}")
    if args.only in (None, "clv"):
        bench_clv(args.customers)
    if args.only in (None, "scoring"):
        bench_scoring(args.leads)
    if args.only in (None, "dask"):
        bench_dask(args.customers)


if __name__ == "__main__":
    main()
