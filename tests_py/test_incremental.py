"""Incremental builds give exactly what a full refresh gives, on DuckDB and on Spark.

Build the raw data without its newest 1% of orders, then build again incrementally after the
next export (new rows appended, a repeated id, an old order corrected within the lookback, a late
customer record; segmart/append.py); compare every staged, intermediate and mart relation, row
for row, with a full refresh of the same export.

On Spark (marked spark: `make test-spark` runs it, session target, own metastore in tmp) the
incremental models replace whole Parquet partitions (macros/incremental/incremental.sql); only
they and what they are built from are built there (the parity test covers the rest), and the
tables are read back through Spark (a child process per metastore) into DuckDB to compare. A
third build with a lookback longer than the data restages every row of the second build's event
batch, whose emptied partition must go."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from helpers import PROJECT, dbt_executable, scratch_env

from segmart.append import LATE_CUSTOMER_ID, split_for_append

SCHEMAS = ("staging", "intermediate", "marts")
# History keeps one snapshot per as-of date: the incremental warehouse also holds the snapshot of
# the first build, so it is compared at the latest as-of date; migrations pair snapshots. So do
# the histories of model fits, by the as-of date fitted at: every build refits here (var refit),
# so that the models are compared on the same data, not on a fit reused from the first build.
LATEST_FIT = "fitted_as_of = (select max(fitted_as_of) from {relation})"
LATEST_ONLY = {
    "customer_segment_history": "as_of_date = (select max(as_of_date) from {relation})",
    "int_clv_parameters_fitted": LATEST_FIT,
    "clv_model_parameter_history": LATEST_FIT,
    "int_wallet_peer_quantiles_fitted": LATEST_FIT,
    "wallet_peer_quantile_history": LATEST_FIT,
}
SKIPPED = {"segment_migrations"}
REFIT_EVERY_BUILD = ("--vars", json.dumps({"refit": True}))
# when a run started: differs between two builds by design (staged_at: the run that staged a
# row; fitted_at: the run that fitted)
RUN_TIME_COLUMNS = ("staged_at", "fitted_at")


# on Spark: the incremental models and what they are built from
SPARK_SELECTION = ("+int_customer_days_collapsed", "+int_purchase_lines_netted", "+base_raw__customer_events")
SPARK_INCREMENTAL = {
    "base_raw__orders",
    "base_raw__order_items",
    "base_raw__customer_events",
    "int_orders_netted",
    "int_purchase_lines_netted",
    "int_customer_days_collapsed",
}


def _dbt_run(tmp_path, raw, database, *extra):
    result = subprocess.run(
        [dbt_executable(), "build", "--target", "ci", "--resource-type", "seed", "--resource-type", "model", *extra],
        cwd=PROJECT,
        env=scratch_env(tmp_path, raw, database),
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout[-3000:]


def _spark_run(tmp_path, raw, spark_dir, *extra):
    result = subprocess.run(
        [dbt_executable(), "build", "--target", "spark", "--resource-type", "seed", "--resource-type", "model"]
        + ["--select", *SPARK_SELECTION, *extra],
        cwd=PROJECT,
        env=scratch_env(tmp_path, raw, SEGMART_SPARK_DIR=str(spark_dir)),
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout[-3000:]


# a child process (a JVM of its own per metastore) writes each table of SCHEMAS as Parquet
_DUMP = """
import sys
sys.path.insert(0, "tests_py")
import parity
spark = parity.spark_session(sys.argv[1])
try:
    for schema in sys.argv[3:]:
        if spark.catalog.databaseExists(schema):
            for table in spark.catalog.listTables(schema):
                spark.table(f"{schema}.{table.name}").write.parquet(f"{sys.argv[2]}/{schema}/{table.name}")
finally:
    spark.stop()
"""


def _spark_tables(spark_dir: Path, out: Path, con, catalog: str) -> None:
    """Views in `catalog` of `con` over the tables of the Spark metastore in spark_dir."""
    done = subprocess.run(
        [sys.executable, "-c", _DUMP, str(spark_dir), str(out), *SCHEMAS], cwd=PROJECT, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-3000:]
    for folder in sorted(p for p in out.glob("*/*") if p.is_dir()):
        con.execute(f"create schema if not exists {catalog}.{folder.parent.name}")
        con.execute(
            f"create view {catalog}.{folder.parent.name}.{folder.name} as "
            f"select * from read_parquet('{folder}/*.parquet')"
        )


def _relations(con) -> list[tuple[str, str, list[str]]]:
    rows = con.execute(f"""
        select table_schema, table_name, list(column_name order by ordinal_position)
        from information_schema.columns
        where table_catalog = current_database() and table_schema in {SCHEMAS}
        group by all order by all""").fetchall()
    return [(s, t, [c for c in cols if c not in RUN_TIME_COLUMNS]) for s, t, cols in rows]


@pytest.fixture(scope="module")
def split(tmp_path_factory, small_raw):
    raw, _ = small_raw
    tmp = tmp_path_factory.mktemp("incremental")
    return tmp, split_for_append(raw, tmp / "before", tmp / "after")


@pytest.fixture(scope="module")
def duckdb_builds(split):
    tmp, info = split
    incremental, full = tmp / "incremental.duckdb", tmp / "full.duckdb"
    _dbt_run(tmp / "a", tmp / "before", incremental, *REFIT_EVERY_BUILD)
    _dbt_run(tmp / "b", tmp / "after", incremental, *REFIT_EVERY_BUILD)
    _dbt_run(tmp / "c", tmp / "after", full, "--full-refresh", *REFIT_EVERY_BUILD)
    con = duckdb.connect(str(incremental), read_only=True)
    con.execute(f"attach '{full}' as full_refresh (read_only)")
    yield con, info
    con.close()


@pytest.fixture(scope="module")
def spark_builds(split):
    """The Spark builds: before, then after incrementally (read back as `memory`), a full refresh
    of after (`full_refresh`), and a third incremental build of after whose lookback (a century)
    restages every row with a valid time (`third`)."""
    tmp, info = split
    incremental, full = tmp / "spark-incremental", tmp / "spark-full"
    _spark_run(tmp / "sa", tmp / "before", incremental)
    _spark_run(tmp / "sb", tmp / "after", incremental)
    con = duckdb.connect()
    _spark_tables(incremental, tmp / "dump-incremental", con, "memory")
    _spark_run(tmp / "sc", tmp / "after", full, "--full-refresh")
    con.execute("attach ':memory:' as full_refresh")
    _spark_tables(full, tmp / "dump-full", con, "full_refresh")
    _spark_run(tmp / "sd", tmp / "after", incremental, "--vars", json.dumps({"incremental_lookback_days": 36525}))
    con.execute("attach ':memory:' as third")
    _spark_tables(incremental, tmp / "dump-third", con, "third")
    yield con, info
    con.close()


@pytest.fixture(scope="module", params=["duckdb", pytest.param("spark", marks=pytest.mark.spark)])
def builds(request):
    """(connection, split info): the incremental build's relations, the full refresh's in the
    catalog full_refresh."""
    return request.getfixturevalue(f"{request.param}_builds")


def test_the_second_build_was_incremental(builds):
    con, info = builds
    for table, appended in info["appended"].items():
        batches = con.execute(f"""
            select count(distinct staged_at), count(*) filter (where staged_at = (select max(staged_at)
                from staging.base_raw__{table})), count(*)
            from staging.base_raw__{table}""").fetchone()
        assert batches[0] == 2, f"base_raw__{table} was rebuilt, not appended to"
        assert appended <= batches[1] < 0.2 * batches[2], (table, appended, batches)


def test_the_export_changes_reached_the_warehouse(builds):
    con, info = builds
    reasons = con.execute("""select rejection_reason, count(*) from staging.base_raw__orders
                             where staged_at = (select max(staged_at) from staging.base_raw__orders)
                             group by all""").fetchall()
    assert ("duplicate_id", 1) in reasons
    late = con.execute(f"select count(*) from staging.stg_raw__orders where customer_id = '{LATE_CUSTOMER_ID}'")
    assert late.fetchone()[0] > 0, "orders of the late customer were not accepted"
    corrected = con.execute(f"""select order_status, refund_amount_in_order_currency = gross_amount_in_order_currency, rejection_reason
                                from staging.base_raw__orders
                                where raw_row_number = {info["corrected_row_number"]}""").fetchone()
    assert corrected == ("returned", True, None)


def _differences(con, catalog: str = "") -> list[str]:
    """Relations of the incremental build (in `catalog`) that differ from the full refresh's."""
    different = []
    for schema, name, columns in _relations(con):
        if name in SKIPPED:
            continue
        cols = ", ".join(f'"{c}"' for c in columns)
        ours, theirs = f"{catalog}{schema}.{name}", f"full_refresh.{schema}.{name}"
        ours_rows, theirs_rows = (
            f"select {cols} from {r} where " + LATEST_ONLY.get(name, "true").format(relation=r) for r in (ours, theirs)
        )
        extra = con.execute(f"select count(*) from ({ours_rows} except all {theirs_rows})").fetchone()[0]
        missing = con.execute(f"select count(*) from ({theirs_rows} except all {ours_rows})").fetchone()[0]
        if extra or missing:
            different.append(f"{ours}: {extra} rows only incremental, {missing} only full refresh")
    return different


def test_incremental_equals_full_refresh(builds):
    con, _ = builds
    relations = {name for _, name, _ in _relations(con)}
    assert len(relations) > 40 or relations >= SPARK_INCREMENTAL, relations
    different = _differences(con)
    assert not different, "\n".join(different)


@pytest.mark.spark
def test_spark_third_build_drops_the_partition_it_emptied(spark_builds):
    """With a lookback longer than the data the third build restages every event of the second
    build's batch (its events all have a valid time; an older batch may not: a late event was
    not in the 30 days before the newest): that partition must go, not stay as duplicates; the
    first build's partition is rewritten with only the rows without a time; everything still
    equals the full refresh."""
    con, _ = spark_builds
    second = con.execute("select max(staged_at) from staging.base_raw__customer_events").fetchone()[0]
    staged = con.execute(
        """
        select count(distinct staged_at), count(*) filter (where staged_at = ?), count(*),
            count(distinct raw_row_number)
        from third.staging.base_raw__customer_events""",
        [second],
    ).fetchone()
    assert staged[1] == 0, "the second build's partition was not emptied and dropped"
    assert staged[0] == 2, "the first build's rows without a time were not kept in their partition"
    assert staged[2] == staged[3], "a restaged event kept its older copy"
    different = _differences(con, "third.")
    assert not different, "\n".join(different)
