"""The CLV pipeline of docs/scale-out.md on Spark (local[2]) equals the single-process run.

Skipped when Java or pyspark is absent (pyspark is not a dependency of crmcore).
"""

from __future__ import annotations

import importlib.util
import shutil
from collections.abc import Iterator

import pandas as pd
import pytest

from crmcore.frames import fit_clv_frame, predict_clv_frame, summarize_frame
from tests.frames.clv_data import AS_OF, single_process_run, transactions_table

pytestmark = pytest.mark.skipif(
    shutil.which("java") is None or importlib.util.find_spec("pyspark") is None,
    reason="Spark needs Java and pyspark",
)


def _summaries(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
    # the whole partition at once: Arrow batches may split one customer's rows
    part = pd.concat(list(batches))
    out = summarize_frame(part, currency="USD", as_of=AS_OF, money="float")
    yield out.astype({"customer_id": object, "frequency": "int64"})


def test_clv_pipeline_on_spark() -> None:
    from pyspark.sql import SparkSession

    spark = SparkSession.builder.master("local[2]").appName("crmcore-clv").getOrCreate()
    try:
        transactions = transactions_table()
        frame = spark.createDataFrame(transactions.assign(date=transactions["date"].astype(str)))
        summaries = frame.repartition(2, "customer_id").mapInPandas(
            _summaries,
            "customer_id string, frequency long, recency double, age double, monetary_value double",
        )
        counts = summaries.groupBy("frequency", "recency", "age").count().toPandas()
        model = fit_clv_frame(counts).model

        def predict(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
            for batch in batches:
                out = predict_clv_frame(batch, model, horizon=12, step=52 / 12)
                yield out.assign(customer_id=batch["customer_id"].to_numpy())

        schema = "probability_alive double, expected_transactions double, customer_id string"
        predicted = summaries.mapInPandas(predict, schema).toPandas()
    finally:
        spark.stop()
    single_model, single = single_process_run(transactions)
    assert model == single_model
    result = predicted.set_index("customer_id").sort_index()[list(single.columns)]
    pd.testing.assert_frame_equal(
        result, single, check_dtype=False, check_index_type=False, check_names=False
    )
