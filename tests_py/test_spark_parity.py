"""The same project on DuckDB and on Spark gives the same tables, row for row.

`make test-spark` builds the CI raw data on a standalone Spark cluster (`segmart spark-cluster`,
`dbt build --target spark_cluster`: seeds, models, data tests and unit tests) and runs this test
inside it, reading the Spark side through the cluster's Thrift server; `make test-spark-session`
builds with the session target into SEGMART_SPARK_DIR and reads it with a local session
(tests_py/parity.py, read_spark_tables). This test builds the same raw data on DuckDB
and compares every relation of the staging, intermediate and marts schemas: the same columns,
the same keys, numbers within 1e-9 relative, text, labels, dates and flags equal.

Predictive CLV included: on DuckDB the BTYD fit and scoring are dbt Python models, on Spark the
segmart step fits on the driver and scores on the executors (`segmart build --target spark`);
both fit segmart.clv on the same condensed summary, so the parameters agree within 1e-6 relative
(test_the_clv_fit_is_the_same_on_both) and P(alive), expected purchases, predicted CLV and
everything ranked on them (value tiers, lifecycle, segments) within 1e-9 like every number.
Ignored: staged_at and fitted_at (the time of each build and of each fit) and ENGINE_BOOKKEEPING.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import parity
import pytest
from helpers import PROJECT, dbt_executable, scratch_env

pytestmark = pytest.mark.spark

SCHEMAS = ("staging", "intermediate", "marts")
IGNORED = ("staged_at", "fitted_at")
# DuckDB's bookkeeping of its incremental customer state (the as-of date each state model holds
# for); empty on Spark, where those models are tables rebuilt in full
ENGINE_BOOKKEEPING = {
    "intermediate.int_customer_state_as_of_dates",
    # the CLV back-test: dbt Python models, built on DuckDB (and dbt-databricks) only (README
    # "Can I trust the predictions?")
    *(
        f"{schema}.{name}"
        for schema, names in {
            "intermediate": (
                "int_clv_backtest_dates_resolved",
                "int_customer_btyd_calibration_summarised",
                "int_clv_backtest_purchases_counted",
                "int_clv_backtest_fitted",
                "int_customer_clv_backtested",
                "int_clv_backtest_tracked",
            ),
            "marts": ("clv_backtest", "clv_backtest_parameters", "clv_backtest_summary"),
        }.items()
        for name in names
    ),
}
PARAMETERS = ("r", "alpha", "a", "b", "p", "q", "v")


def _key(frame, relation: str) -> list[str]:
    """The shortest prefix of the columns that is unique: every model leads with its key."""
    for width in range(1, min(5, len(frame.columns)) + 1):
        columns = list(frame.columns[:width])
        if not frame.duplicated(subset=columns).any():
            return columns
    raise AssertionError(f"{relation}: no unique key among its first five columns")


@pytest.fixture(scope="module")
def duckdb_build(tmp_path_factory):
    spark_dir = Path(os.environ.get("SEGMART_SPARK_DIR", ".ci-work/spark"))
    if not parity.spark_build_exists(spark_dir):
        where = "on the cluster's Thrift server" if parity.on_cluster() else f"in {spark_dir}"
        pytest.fail(f"no Spark build {where}: run `make test-spark` (it builds one first)")
    raw = Path(os.environ.get("SEGMART_RAW_DIR", ".ci-work/raw"))
    tmp = tmp_path_factory.mktemp("parity")
    database = tmp / "parity.duckdb"
    env = scratch_env(tmp, raw_dir=raw, database=database)
    for command in (["seed"], ["run"]):
        done = subprocess.run(
            [dbt_executable(), *command, "--target", "ci"],
            cwd=PROJECT,
            env=env,
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0, done.stdout[-3000:]
    return database, spark_dir


def test_every_relation_matches_between_duckdb_and_spark(duckdb_build):
    import duckdb

    database, spark_dir = duckdb_build
    con = duckdb.connect(str(database), read_only=True)
    relations = [
        f"{schema}.{name}"
        for schema, name in con.sql(
            "select table_schema, table_name from information_schema.tables "
            f"where table_schema in {SCHEMAS} order by 1, 2"
        ).fetchall()
        if f"{schema}.{name}" not in ENGINE_BOOKKEEPING
    ]
    assert len(relations) >= 40, relations
    on_spark = parity.read_spark_tables(relations, spark_dir)
    problems: list[str] = []
    compared_rows = 0
    for relation in relations:
        left = con.sql(f"select * from {relation}").df()
        compared_rows += len(left)
        problems += parity.compare_tables(relation, left, on_spark[relation], _key(left, relation), ignore=IGNORED)
    con.close()
    assert compared_rows > 100_000
    assert not problems, "\n".join(problems)


def test_the_clv_fit_is_the_same_on_both(duckdb_build):
    """Both engines fitted (not the stand-in) on the same buyers, with parameters within 1e-6."""
    import duckdb

    database, spark_dir = duckdb_build
    con = duckdb.connect(str(database), read_only=True)
    left = con.sql("select * from marts.clv_model_parameters").df()
    con.close()
    right = parity.read_spark_tables(["marts.clv_model_parameters"], spark_dir)["marts.clv_model_parameters"]
    assert len(left) == len(right) == 1
    on_duckdb, on_spark = left.iloc[0], right.iloc[0]
    assert on_duckdb["clv_method"] == on_spark["clv_method"] == "bg_nbd_gamma_gamma", (on_spark["failure_reason"],)
    assert int(on_duckdb["customer_count"]) == int(on_spark["customer_count"]) > 1000
    assert int(on_duckdb["repeat_customer_count"]) == int(on_spark["repeat_customer_count"])
    for name in PARAMETERS:
        assert float(on_spark[name]) == pytest.approx(float(on_duckdb[name]), rel=1e-6), name


def test_the_comparison_catches_a_difference(duckdb_build):
    """The comparison itself can fail: a changed number, label, key and NULL are each found."""
    import duckdb

    database, _ = duckdb_build
    con = duckdb.connect(str(database), read_only=True)
    left = con.sql("select * from marts.customer_segments").df()
    con.close()
    key = ["customer_id"]
    assert parity.compare_tables("customer_segments", left, left.copy(), key) == []
    changed = left.copy()
    # a row with revenue other than the two changed below (whatever order the rows come in)
    row = changed.index[(changed["net_revenue"].astype(float) > 0) & ~changed.index.isin(changed.index[1:3])][0]
    changed.loc[row, "net_revenue"] = float(changed.loc[row, "net_revenue"]) * (1 + 1e-8)
    changed.loc[changed.index[1], "rfm_segment_label_zh"] = "别的"
    changed.loc[changed.index[2], "customer_id"] = "C-not-a-customer"
    # one predicted value, 1e-6 relative off
    scored = changed.index[changed["predicted_clv"].notna() & ~changed.index.isin([*changed.index[1:3], row])][0]
    changed.loc[scored, "predicted_clv"] = float(changed.loc[scored, "predicted_clv"]) * (1 + 1e-6)
    problems = parity.compare_tables("customer_segments", left, changed, key)
    text = "\n".join(problems)
    assert "customer_segments.predicted_clv: 1 rows differ" in text
    assert "customer_segments.net_revenue: 1 rows differ" in text
    assert "customer_segments.rfm_segment_label_zh: 1 rows differ" in text
    assert "keys on one engine only" in text
