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
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import duckdb
import pytest
from helpers import FIT_HISTORIES, PROJECT, dbt_executable, differences, pin_fits_of, relations, scratch_env

from segmart.append import LATE_CUSTOMER_ID, split_for_append

SCHEMAS = ("staging", "intermediate", "marts")
# History is compared at the latest as-of date (helpers.LATEST_ONLY); migrations pair snapshots;
# the histories of model fits differ by design (the full refresh is pinned to the fits the
# incremental build scores with, and fits nothing)
SKIPPED = frozenset({"segment_migrations"}) | FIT_HISTORIES


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
    return relations(con, SCHEMAS)


@pytest.fixture(scope="module")
def split(tmp_path_factory, small_raw):
    raw, _ = small_raw
    tmp = tmp_path_factory.mktemp("incremental")
    return tmp, split_for_append(raw, tmp / "before", tmp / "after")


@pytest.fixture(scope="module")
def duckdb_builds(split):
    tmp, info = split
    incremental, full = tmp / "incremental.duckdb", tmp / "full.duckdb"
    # the newest 1% of the orders span a week: a monthly refit makes the second build reuse the
    # first build's fits, the case where stale parameters meet the incremental customer state
    monthly = ("--vars", json.dumps({"clv_refit_every_days": 30, "wallet_peers_refresh_every_days": 30}))
    _dbt_run(tmp / "a", tmp / "before", incremental, *monthly)
    _dbt_run(tmp / "b", tmp / "after", incremental, *monthly)
    # the contract: equal to a full refresh with the same fitted parameters (pinned)
    _dbt_run(tmp / "c", tmp / "after", full, "--full-refresh", *pin_fits_of(incremental, tmp / "fits"))
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
    con = duckdb.connect()
    con.execute("attach ':memory:' as full_refresh")
    # the two metastores are independent: their steps run side by side (one JVM each)
    with ThreadPoolExecutor(max_workers=2) as pool:
        full_built = pool.submit(_spark_run, tmp / "sc", tmp / "after", full, "--full-refresh")
        _spark_run(tmp / "sa", tmp / "before", incremental)
        full_built.result()
        full_read = pool.submit(_spark_tables, full, tmp / "dump-full", con.cursor(), "full_refresh")
        _spark_run(tmp / "sb", tmp / "after", incremental)
        full_read.result()
    _spark_tables(incremental, tmp / "dump-incremental", con, "memory")
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
    return differences(con, catalog, "full_refresh", SCHEMAS, SKIPPED)


def test_incremental_equals_full_refresh(builds):
    con, _ = builds
    names = {name for _, name, _ in _relations(con)}
    assert len(names) > 40 or names >= SPARK_INCREMENTAL, names
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


def test_the_daily_build_reused_the_first_builds_fits(duckdb_builds):
    """A build within the refit interval of the last fit scores with that fit and says so; the
    first build's fits are the only ones in the histories."""
    con, _ = duckdb_builds
    clv = con.execute("""select fit_source, is_refit_this_build, fitted_as_of < as_of_date
                         from marts.clv_model_parameters""").fetchall()
    why = con.execute("select fit_reason, fitted_as_of, as_of_date from marts.clv_model_parameters").fetchall()
    assert clv == [("history", False, True)], (clv, why)
    peers = con.execute("""select distinct fit_source, is_refit_this_build, fitted_as_of < as_of_date
                           from intermediate.int_wallet_peer_quantiles_selected""").fetchall()
    assert peers == [("history", False, True)], peers
    for history in ("clv_model_parameter_history", "wallet_peer_quantile_history"):
        assert con.execute(f"select count(distinct fitted_as_of) from marts.{history}").fetchone()[0] == 1, history


def test_customer_state_recomputes_the_touched_and_the_moved_customers_only(duckdb_builds):
    """The second build recomputed few customers' state (computed_as_of_date = its as-of date),
    among them customers whose orders all came in the first build: their rows changed because
    the as-of date moved an order out of a window, not because the batch touched them."""
    con, _ = duckdb_builds
    recomputed, total, moved = con.execute("""
        with state as (select * from intermediate.int_customer_orders_aggregated),
        first_batch_only as (
            select customer_id from staging.base_raw__orders group by customer_id
            having max(staged_at) = (select min(staged_at) from staging.base_raw__orders)
        )
        select
            count(*) filter (where computed_as_of_date = (select max(computed_as_of_date) from state)),
            count(*),
            count(*) filter (where computed_as_of_date = (select max(computed_as_of_date) from state)
                and customer_id in (select customer_id from first_batch_only))
        from state""").fetchall()[0]
    assert 0 < recomputed < 0.5 * total, (recomputed, total)
    assert moved > 0, "no customer was recomputed for an order that left a window"
