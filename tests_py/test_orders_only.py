"""Orders-only data: a transaction log with nothing but customer, date and amount builds green,
and the marts say what they could and could not compute.

The raw folder is written here (customers.parquet with ids only, orders with order_id,
customer_id, ordered_at and gross_amount, every other column NULL, the other three tables
empty): 400 customers over two years, 60% buying once, built with dbt into a scratch DuckDB.
Every figure is checked against pandas on the written raw data, never against the marts."""

from __future__ import annotations

import datetime as dt
import subprocess

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from helpers import PROJECT, dbt_executable, scratch_env

from segmart.layout import RAW_COLUMNS, raw_schema

CUSTOMERS = 400
ONE_TIME_SHARE = 0.6
START = dt.datetime(2023, 1, 1)
DAYS = 730


def write_orders_only(out) -> pd.DataFrame:
    """Write the raw folder; return the orders as written (text, like the files)."""
    rng = np.random.default_rng(20240101)
    out.mkdir(parents=True, exist_ok=True)
    rows = []
    order_number = 0
    for index in range(CUSTOMERS):
        customer_id = f"C{index:05d}"
        one_time = index < CUSTOMERS * ONE_TIME_SHARE
        # repeat buyers: 2..12 orders, geometric-ish, most with 2 or 3
        orders = 1 if one_time else int(min(12, 2 + rng.geometric(0.35) - 1))
        first = int(rng.integers(0, DAYS - 30))
        days = sorted([first] + [int(rng.integers(first, DAYS)) for _ in range(orders - 1)])
        basket = float(rng.lognormal(5.0, 0.8))  # the customer's typical order, around 150
        for day in days:
            order_number += 1
            at = START + dt.timedelta(days=day, seconds=int(rng.integers(8 * 3600, 22 * 3600)))
            amount = round(basket * float(rng.lognormal(0, 0.3)), 2)
            rows.append(
                {
                    "order_id": f"O{order_number:06d}",
                    "customer_id": customer_id,
                    "ordered_at": at.strftime("%Y-%m-%d %H:%M:%S"),
                    "gross_amount": f"{amount:.2f}",
                }
            )
    orders = pd.DataFrame(rows)

    def write(table: str, frame: pd.DataFrame) -> None:
        columns = {
            name: (frame[name].tolist() if name in frame else [None] * len(frame)) for name in RAW_COLUMNS[table]
        }
        pq.write_table(pa.table(columns, schema=raw_schema(table)), out / f"{table}.parquet")

    write("customers", pd.DataFrame({"customer_id": [f"C{i:05d}" for i in range(CUSTOMERS)]}))
    write("orders", orders)
    for table in ("order_items", "wallet_survey", "customer_events"):
        write(table, pd.DataFrame())
    return orders


@pytest.fixture(scope="module")
def orders_only(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("orders_only")
    raw = tmp / "raw"
    orders = write_orders_only(raw)
    database = tmp / "orders_only.duckdb"
    result = subprocess.run(
        [dbt_executable(), "build", "--target", "ci"],
        cwd=PROJECT,
        env=scratch_env(tmp, raw, database),
        capture_output=True,
        text=True,
    )
    con = duckdb.connect(str(database), read_only=True) if database.exists() else None
    yield {"orders": orders, "result": result, "con": con}
    if con is not None:
        con.close()


@pytest.fixture(scope="module")
def con(orders_only):
    result = orders_only["result"]
    if result.returncode != 0:
        pytest.fail("dbt build on orders-only data failed:\n" + result.stdout[-4000:])
    return orders_only["con"]


def test_the_raw_data_is_what_the_test_claims():
    orders = write_orders_only_to_memory()
    per_customer = orders.groupby("customer_id").size()
    assert len(per_customer) == CUSTOMERS
    assert (per_customer == 1).mean() == pytest.approx(ONE_TIME_SHARE)
    assert (per_customer > 1).sum() >= 80  # enough repeat buyers for the BG/NBD fit
    days = pd.to_datetime(orders["ordered_at"])
    assert (days.max() - days.min()).days > 600


def write_orders_only_to_memory() -> pd.DataFrame:
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as folder:
        return write_orders_only(Path(folder))


def test_build_is_green_and_says_the_back_test_was_skipped(orders_only):
    result = orders_only["result"]
    assert result.returncode == 0, result.stdout[-4000:]
    assert "ERROR=0" in result.stdout.replace(" ", "")
    assert "no prospects: back-test skipped" in result.stdout


def test_revenue_and_buyers_match_pandas(orders_only, con):
    orders = orders_only["orders"]
    expected_revenue = orders["gross_amount"].astype(float).sum()
    expected_buyers = orders["customer_id"].nunique()
    revenue, buyers, customers = con.execute("""
        select sum(net_revenue), count(*) filter (where not is_prospect), count(*)
        from marts.customer_segments""").fetchone()
    assert float(revenue) == pytest.approx(expected_revenue, abs=0.005)
    assert buyers == expected_buyers
    assert customers == CUSTOMERS
    features_revenue = con.execute("select sum(net_revenue) from marts.customer_features").fetchone()[0]
    assert float(features_revenue) == pytest.approx(expected_revenue, abs=0.005)


def test_every_value_tier_is_assigned(con):
    tiers = {row[0] for row in con.execute("select distinct value_tier from marts.customer_segments").fetchall()}
    assert {"platinum", "gold", "iron", "lead"} <= tiers


def test_value_matrix_uses_revenue_and_all_four_quadrants(orders_only, con):
    sources = con.execute("""select distinct value_matrix_current_source from marts.customer_segments
                         where not is_prospect""").fetchall()
    assert sources == [("net_revenue",)]
    quadrants = con.execute("""select value_quadrant, count(*) from marts.customer_segments
                           where not is_prospect group by 1""").fetchall()
    assert len(quadrants) == 4, quadrants
    # current value = 12-month net revenue, from pandas
    orders = orders_only["orders"].assign(
        amount=lambda f: f["gross_amount"].astype(float), day=lambda f: pd.to_datetime(f["ordered_at"]).dt.date
    )
    as_of = orders["day"].max()
    recent = orders[orders["day"] > as_of - dt.timedelta(days=365)]
    expected = recent.groupby("customer_id")["amount"].sum()
    got = con.execute("select customer_id, current_value from marts.customer_segments where current_value <> 0").df()
    got = got.set_index("customer_id")["current_value"].astype(float).sort_index()
    assert len(got) == len(expected)
    assert np.allclose(got.values, expected.sort_index().reindex(got.index).values, atol=0.005)


def test_discounted_clv_falls_back_to_a_margin_rate(con):
    missing, sources = con.execute("""
        select count(*) filter (where discounted_clv is null),
               list(distinct discounted_clv_margin_source)
        from marts.customer_lifetime_value where not is_prospect""").fetchone()
    assert missing == 0
    assert sources == ["default_margin_rate"]


def test_no_label_is_null(con):
    columns = con.execute("""
        select table_name, column_name from information_schema.columns
        where table_schema = 'marts' and (column_name like '%label_en' or column_name like '%label_zh')
        order by all""").fetchall()
    assert ("customer_segments", "interest_segment_label_zh") in columns
    for table, column in columns:
        nulls = con.execute(f"select count(*) from marts.{table} where {column} is null").fetchone()[0]
        assert nulls == 0, f"{table}.{column}: {nulls} NULL labels"


def test_rfm_frequency_uses_five_levels(orders_only, con):
    scores = con.execute("select customer_id, f_score from marts.customer_segments where not is_prospect").df()
    assert sorted(scores["f_score"].unique()) == [1, 2, 3, 4, 5]
    # distinct-value ranks: 1, 2, 3, 4 orders score 1..4, five or more score 5 here
    counts = orders_only["orders"].groupby("customer_id").size().clip(upper=5)
    merged = scores.set_index("customer_id")["f_score"].astype(int)
    assert (merged.sort_index() == counts.sort_index().reindex(merged.sort_index().index)).all()


def test_wallets_are_not_made_up_without_peers(con):
    # no customer attribute is known: no peer group to compare anyone with, so no estimate, no
    # wallet, no headroom, and nobody on the share-of-wallet target list
    rows = con.execute("""
        select wallet_estimate_source, count(*), count(estimated_wallet), count(wallet), count(wallet_headroom)
        from marts.customer_share_of_wallet group by 1""").fetchall()
    assert rows == [("no_known_peer_keys", CUSTOMERS, 0, 0, 0)]
    targets = con.execute("select count(*) from marts.customer_segments where is_high_wallet_low_share").fetchone()
    assert targets == (0,)
    # the value matrix's growth potential falls back to predicted CLV
    sources = con.execute("""select distinct value_matrix_potential_source from marts.customer_segments
                             where not is_prospect""").fetchall()
    assert sources == [("predicted_clv",)]


def test_lifecycle_stages_cover_the_buyers(orders_only, con):
    orders = orders_only["orders"].assign(day=lambda f: pd.to_datetime(f["ordered_at"]).dt.date)
    as_of = orders["day"].max()
    first = orders.groupby("customer_id")["day"].min()
    new_buyers = int((first > as_of - dt.timedelta(days=90)).sum())
    stages = dict(con.execute("select lifecycle_stage, count(*) from marts.customer_segments group by 1").fetchall())
    assert None not in stages
    assert {"new", "active", "dormant", "churned"} <= set(stages), stages
    assert sum(stages.values()) == CUSTOMERS
    # lifecycle_new_days = 90: a first purchase within 90 days of the as-of date is new
    assert stages.get("new", 0) == new_buyers
