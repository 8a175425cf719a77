"""Incremental builds give exactly what a full refresh gives.

Build the raw data without its newest 1% of orders, then build again incrementally after the
next export (new rows appended, a repeated id, an old order corrected within the lookback, a late
customer record; segmart/append.py); compare every staged, intermediate and mart relation, row
for row, with a full refresh of the same export."""

from __future__ import annotations

import subprocess

import duckdb
import pytest
from helpers import PROJECT, dbt_executable, scratch_env

from segmart.append import LATE_CUSTOMER_ID, split_for_append

SCHEMAS = ("staging", "intermediate", "marts")
# History keeps one snapshot per as-of date: the incremental warehouse also holds the snapshot of
# the first build, so it is compared at the latest as-of date; migrations pair snapshots.
LATEST_ONLY = {"customer_segment_history": "as_of_date = (select max(as_of_date) from {relation})"}
SKIPPED = {"segment_migrations"}


def _dbt_run(tmp_path, raw, database, *extra):
    result = subprocess.run(
        [dbt_executable(), "build", "--target", "ci", "--resource-type", "seed", "--resource-type", "model", *extra],
        cwd=PROJECT,
        env=scratch_env(tmp_path, raw, database),
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout[-3000:]


def _relations(con) -> list[tuple[str, str, list[str]]]:
    rows = con.execute(f"""
        select table_schema, table_name, list(column_name order by ordinal_position)
        from information_schema.columns
        where table_catalog = current_database() and table_schema in {SCHEMAS}
        group by all order by all""").fetchall()
    # staged_at records which run staged a row: it differs between the two builds by design
    return [(s, t, [c for c in cols if c != "staged_at"]) for s, t, cols in rows]


@pytest.fixture(scope="module")
def builds(tmp_path_factory, small_raw):
    raw, _ = small_raw
    tmp = tmp_path_factory.mktemp("incremental")
    info = split_for_append(raw, tmp / "before", tmp / "after")
    incremental, full = tmp / "incremental.duckdb", tmp / "full.duckdb"
    _dbt_run(tmp / "a", tmp / "before", incremental)
    _dbt_run(tmp / "b", tmp / "after", incremental)
    _dbt_run(tmp / "c", tmp / "after", full, "--full-refresh")
    con = duckdb.connect(str(incremental), read_only=True)
    con.execute(f"attach '{full}' as full_refresh (read_only)")
    yield con, info
    con.close()


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


def test_incremental_equals_full_refresh(builds):
    con, _ = builds
    relations = _relations(con)
    assert len(relations) > 40
    different = []
    for schema, name, columns in relations:
        if name in SKIPPED:
            continue
        cols = ", ".join(f'"{c}"' for c in columns)
        ours, theirs = f"{schema}.{name}", f"full_refresh.{schema}.{name}"
        ours_rows, theirs_rows = (
            f"select {cols} from {r} where " + LATEST_ONLY.get(name, "true").format(relation=r) for r in (ours, theirs)
        )
        extra = con.execute(f"select count(*) from ({ours_rows} except all {theirs_rows})").fetchone()[0]
        missing = con.execute(f"select count(*) from ({theirs_rows} except all {ours_rows})").fetchone()[0]
        if extra or missing:
            different.append(f"{ours}: {extra} rows only incremental, {missing} only full refresh")
    assert not different, "\n".join(different)
