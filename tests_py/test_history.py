"""History: backfill replays past as-of dates, the incremental history keeps earlier dates
untouched, migrations follow customers between dates, and rebuilding the same data at the same
as-of date gives identical segments."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

import duckdb
import pytest
from helpers import PROJECT, scratch_env

from segmart.backfill import as_of_dates


def test_month_ends_stay_month_ends():
    assert as_of_dates(dt.date(2024, 1, 31), dt.date(2024, 4, 30), "month") == [
        dt.date(2024, 1, 31),
        dt.date(2024, 2, 29),
        dt.date(2024, 3, 31),
        dt.date(2024, 4, 30),
    ]
    assert as_of_dates(dt.date(2024, 1, 15), dt.date(2024, 3, 14), "month") == [
        dt.date(2024, 1, 15),
        dt.date(2024, 2, 15),
    ]
    assert as_of_dates(dt.date(2024, 1, 1), dt.date(2024, 1, 15), "week") == [
        dt.date(2024, 1, 1),
        dt.date(2024, 1, 8),
        dt.date(2024, 1, 15),
    ]
    with pytest.raises(ValueError):
        as_of_dates(dt.date(2024, 2, 1), dt.date(2024, 1, 1), "day")


def _segmart(tmp_path, raw_dir, *args):
    env = scratch_env(tmp_path, raw_dir, tmp_path / "history.duckdb")
    return subprocess.run(
        [sys.executable, "-m", "segmart.cli", *args, "--target", "ci"],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
    )


def _rows(con, sql):
    return sorted(con.sql(sql).fetchall(), key=repr)


@pytest.fixture(scope="module")
def history(tmp_path_factory, raw_dir, warehouse):
    if not (raw_dir / "orders.parquet").exists():
        pytest.skip(f"no raw data in {raw_dir}")
    current = warehouse.sql("select max(as_of_date) from marts.customer_segments").fetchall()[0][0]
    tmp_path = tmp_path_factory.mktemp("history")
    earlier = current - dt.timedelta(days=182)
    first = _segmart(
        tmp_path, raw_dir, "backfill", "--from", earlier.isoformat(), "--to", earlier.isoformat(), "--no-restore"
    )
    assert first.returncode == 0, first.stdout[-2000:] + first.stderr[-2000:]
    con = duckdb.connect(str(tmp_path / "history.duckdb"), read_only=True)
    before = _rows(con, f"select * from marts.customer_segment_history where as_of_date = '{earlier}'")
    con.close()
    second = _segmart(tmp_path, raw_dir, "backfill", "--from", current.isoformat(), "--to", current.isoformat())
    assert second.returncode == 0, second.stdout[-2000:] + second.stderr[-2000:]
    con = duckdb.connect(str(tmp_path / "history.duckdb"), read_only=True)
    yield {"con": con, "earlier": earlier, "current": current, "before": before}
    con.close()


def test_history_holds_one_row_per_customer_per_date(history):
    con = history["con"]
    dates = con.sql(
        "select as_of_date, count(*), count(distinct customer_id) from marts.customer_segment_history "
        "group by 1 order by 1"
    ).fetchall()
    assert [d for d, _, _ in dates] == [history["earlier"], history["current"]]
    assert all(rows == customers for _, rows, customers in dates)
    known_then = con.sql(f"""
        select count(*) from staging.stg_raw__customers
        where coalesce(signed_up_date, date '{history["earlier"]}') <= date '{history["earlier"]}'
    """).fetchall()[0][0]
    assert dates[0][1] == known_then < dates[1][1]


def test_adding_a_date_leaves_earlier_dates_untouched(history):
    after = _rows(
        history["con"], f"select * from marts.customer_segment_history where as_of_date = '{history['earlier']}'"
    )
    assert after == history["before"]


def test_migrations_account_for_every_customer(history):
    con = history["con"]
    per_dimension = con.sql("""
        select segment_dimension, sum(customers) from marts.segment_migrations group by 1
    """).fetchall()
    later = con.sql(
        f"select count(*) from marts.customer_segment_history where as_of_date = '{history['current']}'"
    ).fetchall()[0][0]
    assert len(per_dimension) >= 5
    assert all(total == later for _, total in per_dimension)
    new_customers = con.sql("""
        select sum(customers) from marts.segment_migrations
        where segment_dimension = 'value_tier' and from_segment = 'not_yet_customer'
    """).fetchall()[0][0]
    assert new_customers == later - len(history["before"])


def test_two_builds_give_identical_segments(history, warehouse):
    columns = (
        "customer_id, rfm_cell, rfm_segment, value_tier, value_quadrant, lifecycle_stage, "
        "interest_segment, purchase_likelihood, predicted_clv, share_of_wallet"
    )
    ours = _rows(history["con"], f"select {columns} from marts.customer_segments")
    theirs = _rows(warehouse, f"select {columns} from marts.customer_segments")
    assert len(ours) > 100
    assert ours == theirs
