"""The adapters run per partition on Dask and give the single-process results.

Three workloads (scoring leads, SLA deadlines of tickets, the CLV pipeline:
partitioned summaries -> aggregated (x, t_x, T) counts -> one fit_counts ->
partitioned prediction) on ``dask.dataframe`` with the local processes
scheduler and on a ``distributed.LocalCluster`` of two single-threaded worker
processes, started and stopped here. Skipped only when dask is not installed.
"""

from __future__ import annotations

import concurrent.futures
import copyreg
import multiprocessing
from collections.abc import Iterator
from datetime import UTC, datetime
from functools import partial
from typing import Any

import numpy as np
import pandas as pd
import pytest

from crmcore.calendars import BusinessCalendar, WeeklySchedule
from crmcore.clv import BetaGeoModel
from crmcore.frames import (
    count_frame,
    deadlines_frame,
    fit_clv_frame,
    predict_clv_frame,
    score_frame,
    summarize_frame,
)
from crmcore.scoring import Condition, EventFilter, Rule, RuleGroup, Scorecard
from tests.frames.clv_data import AS_OF, single_process_run, transactions_table

# `import distributed` (and dask's process pool) register tblib picklers for every exception
# class in the process-wide copyreg table, which breaks pickling cattrs' exception groups in
# later tests; the table is put back after the import and after every test here.
_PICKLERS = dict(copyreg.dispatch_table)
dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")
copyreg.dispatch_table.clear()
copyreg.dispatch_table.update(_PICKLERS)


@pytest.fixture(autouse=True)
def _restore_exception_picklers() -> Iterator[None]:
    yield
    copyreg.dispatch_table.clear()
    copyreg.dispatch_table.update(_PICKLERS)


NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)
CARD = Scorecard(
    name="web",
    groups=[
        RuleGroup(
            name="fit",
            rules=[
                Rule(name="retail", points=10, when=Condition.equals("industry", "retail")),
                Rule(name="big", points="7.5", when=Condition.between("employees", low=250)),
                Rule(name="mail", points=3, when=Condition.exists("email")),
            ],
        ),
        RuleGroup(
            name="engagement",
            cap=40,
            rules=[Rule(name="form", points=25, event=EventFilter(kinds=["form_submit"]))],
        ),
    ],
)
OFFICE = BusinessCalendar(
    WeeklySchedule.from_mapping({"sat-wed": "08:00-16:00", "thu": "08:00-12:00"}),
    timezone="Asia/Tehran",
)
SCORE_META = pd.DataFrame({"score": pd.Series([], dtype="float64")})
DEADLINE_META = pd.DataFrame({"deadline": pd.Series([], dtype="datetime64[ns, Asia/Tehran]")})
SUMMARY_META = pd.DataFrame(
    {
        "customer_id": pd.Series([], dtype="string"),
        "frequency": pd.Series([], dtype="Int64"),
        "recency": pd.Series([], dtype="float64"),
        "age": pd.Series([], dtype="float64"),
        "monetary_value": pd.Series([], dtype="float64"),
    }
)
COUNT_META = pd.DataFrame(
    {
        "frequency": pd.Series([], dtype="int64"),
        "recency": pd.Series([], dtype="float64"),
        "age": pd.Series([], dtype="float64"),
        "count": pd.Series([], dtype="int64"),
    }
)
PREDICT_META = pd.DataFrame(
    {
        "probability_alive": pd.Series([], dtype="float64"),
        "expected_transactions": pd.Series([], dtype="float64"),
    }
)


def _leads(n: int = 2000) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(1)
    employees = rng.integers(1, 1000, n).astype(float)
    employees[::7] = np.nan
    leads = pd.DataFrame(
        {
            "id": [f"L{i}" for i in range(n)],
            "industry": rng.choice(["retail", "steel", None], n),
            "employees": employees,
            "email": rng.choice(["a@b.ir", None], n),
        }
    )
    events = pd.DataFrame(
        {
            "lead_id": [f"L{i}" for i in range(0, n, 3)],
            "kind": "form_submit",
            "at": NOW - pd.to_timedelta(rng.integers(0, 100, len(range(0, n, 3))), unit="D"),
        }
    )
    return leads, events


def _tickets(n: int = 2000) -> pd.DataFrame:
    rng = np.random.default_rng(2)
    opened = pd.Timestamp("2026-03-01", tz="UTC") + pd.to_timedelta(
        rng.integers(0, 90 * 24 * 60, n), unit="min"
    )
    return pd.DataFrame(
        {"opened_at": opened, "target": pd.to_timedelta(rng.integers(30, 3000, n), unit="min")}
    )


def _summaries(part: pd.DataFrame) -> pd.DataFrame:
    out = summarize_frame(part.reset_index(), currency="USD", as_of=AS_OF, money="float")
    return out if len(out) else SUMMARY_META


def _predict(part: pd.DataFrame, model: BetaGeoModel) -> pd.DataFrame:
    return predict_clv_frame(part, model, horizon=12, step=52 / 12)


def _clv_pipeline(transactions: Any, compute: Any) -> tuple[BetaGeoModel, pd.DataFrame]:
    """Partitioned summaries -> counts per partition -> combined counts -> one fit -> prediction."""
    summaries = transactions.map_partitions(_summaries, meta=SUMMARY_META)
    counts = compute(summaries.map_partitions(count_frame, meta=COUNT_META))
    model = fit_clv_frame(count_frame(counts, weight="count")).model
    predicted = summaries.map_partitions(partial(_predict, model=model), meta=PREDICT_META)
    both = compute(dd.concat([summaries[["customer_id"]], predicted], axis=1))
    return model, both.set_index("customer_id").sort_index()


def _check_all(compute: Any) -> None:
    leads, events = _leads()
    scored = dd.from_pandas(leads, npartitions=4).map_partitions(
        partial(score_frame, CARD, now=NOW, events=events, scores="float"), meta=SCORE_META
    )
    expected = score_frame(CARD, leads, now=NOW, events=events, scores="float")
    pd.testing.assert_frame_equal(compute(scored), expected)

    tickets = _tickets()
    due = dd.from_pandas(tickets, npartitions=4).map_partitions(
        partial(deadlines_frame, OFFICE), meta=DEADLINE_META
    )
    pd.testing.assert_frame_equal(compute(due), deadlines_frame(OFFICE, tickets))

    transactions = transactions_table()
    # a sorted customer index keeps each customer's purchases in one partition
    partitioned = dd.from_pandas(transactions.set_index("customer_id").sort_index(), npartitions=3)
    model, predicted = _clv_pipeline(partitioned, compute)
    single_model, single = single_process_run(transactions)
    assert model == single_model
    pd.testing.assert_frame_equal(predicted, single, check_dtype=False, check_index_type=False)


def test_local_processes_scheduler() -> None:
    # one pool of two spawned processes for every compute (a pool per compute takes ~3 s each)
    context = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(2, mp_context=context) as pool:
        _check_all(lambda collection: collection.compute(scheduler="processes", pool=pool))


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    with (
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=40,
        ) as cluster,
        distributed.Client(cluster) as connected,
    ):
        yield connected


def test_distributed_local_cluster(client: Any) -> None:
    _check_all(lambda collection: client.compute(collection).result())
    assert len(client.scheduler_info()["workers"]) == 2
