"""Raw data already in a warehouse: the sources point at typed tables with other names.

A scratch DuckDB file holds a schema `shop` with `shop.sales_orders` (INTEGER order id, BIGINT
customer id, TIMESTAMP with microseconds, DECIMAL amount, an extra column, no channel, status,
currency, discount, refund or cost) and `shop.shop_customers` (only an id, a sign-up TIMESTAMP and
a city); there are no order lines, survey answers or events (switched off with the vars). The
project is built into that same file with `dbt build --vars` (README "Use your own tables"); the
marts' revenue and counts must equal pandas on the typed tables."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from helpers import PROJECT, dbt_executable, scratch_env

from segmart.build import sources_are_tables

TABLE_VARS = (
    "{segmart_raw_schema: shop, segmart_orders_identifier: sales_orders, "
    "segmart_customers_identifier: shop_customers, segmart__using_order_items: false, "
    "segmart__using_wallet_survey: false, segmart__using_customer_events: false}"
)
START, END = dt.datetime(2023, 1, 1), dt.datetime(2025, 6, 30, 12)


def _shop_tables(seed: int = 3) -> tuple[pd.DataFrame, pd.DataFrame]:
    """320 buyers who sign up and buy within weeks, then buy again at a rate of their own until they
    drop out (BG/NBD's story: well over 80 repeat buyers), and 100 people who sign up and never
    buy (prospects)."""
    rng = np.random.default_rng(seed)
    span = (END - START).total_seconds()
    customers, orders = [], []
    for customer_id in range(1001, 1421):
        signed_up = START + dt.timedelta(seconds=float(rng.uniform(0, span * 0.95)))
        customers.append(
            {
                "customer_id": customer_id,
                "signed_up_at": signed_up,
                "city": ["北京", "上海市", "shenzhen", "广州"][customer_id % 4],
            }
        )
        if customer_id >= 1321:  # prospects
            continue
        # buy till you die: a purchase rate and a chance to drop out after each purchase per buyer
        mean_gap, dropout, basket = 1 / rng.gamma(2.0, 1 / 80), rng.beta(1, 4), rng.uniform(50, 500)
        when = signed_up + dt.timedelta(days=float(rng.exponential(15)))
        while when < END:
            # some times carry microseconds: a typed timestamp read as text keeps them
            micro = int(rng.integers(0, 1_000_000)) if rng.random() < 0.5 else 0
            orders.append(
                {
                    "customer_id": customer_id,
                    "ordered_at": when.replace(microsecond=micro),
                    "gross_amount": round(float(basket * rng.gamma(4, 0.25)), 2),
                }
            )
            if rng.random() < dropout:
                break
            when += dt.timedelta(days=float(rng.exponential(mean_gap)))
    orders_frame = pd.DataFrame(orders).sample(frac=1, random_state=seed).reset_index(drop=True)
    orders_frame.insert(0, "order_id", np.arange(1, len(orders_frame) + 1) * 7)
    orders_frame["note"] = "typed export"
    return pd.DataFrame(customers), orders_frame


def _write_shop(path, customers: pd.DataFrame, orders: pd.DataFrame) -> None:
    con = duckdb.connect(str(path))
    con.execute("create schema shop")
    con.execute("create table shop.shop_customers (customer_id bigint, signed_up_at timestamp, city varchar)")
    con.execute("insert into shop.shop_customers select * from customers")
    con.execute(
        "create table shop.sales_orders (order_id integer, customer_id bigint, ordered_at timestamp, "
        "gross_amount decimal(12, 2), note varchar)"
    )
    con.execute(
        "insert into shop.sales_orders select order_id, customer_id, ordered_at, gross_amount, note from orders"
    )
    con.close()


@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("own_tables")
    database = tmp / "warehouse.duckdb"
    customers, orders = _shop_tables()
    _write_shop(database, customers, orders)
    # no raw folder: nothing may be read from files
    env = scratch_env(tmp, raw_dir=tmp / "no-raw-folder", database=database)
    result = subprocess.run(
        [dbt_executable(), "build", "--target", "ci", "--vars", TABLE_VARS],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-4000:]
    con = duckdb.connect(str(database), read_only=True)
    yield con, customers, orders, result.stdout
    con.close()


def test_the_data_fit_the_purpose(shop):
    _, customers, orders, _ = shop
    per_customer = orders.groupby("customer_id").size()
    assert (per_customer >= 2).sum() >= 80  # BG/NBD needs repeat buyers
    assert len(customers) - per_customer.size == 100
    assert (orders["ordered_at"].dt.microsecond > 0).mean() > 0.3


def test_build_is_green_without_warnings_from_staging(shop):
    con, _, _, stdout = shop
    assert "ERROR=0" in stdout
    quarantined = con.execute("""
        select (select count(*) from staging.quarantine_raw__orders)
             + (select count(*) from staging.quarantine_raw__customers)""").fetchone()[0]
    assert quarantined == 0


def test_marts_equal_pandas_on_the_typed_tables(shop):
    con, customers, orders, _ = shop
    revenue = float(orders["gross_amount"].sum())
    buyers = orders["customer_id"].nunique()
    features = con.execute("""
        select count(*), count(*) filter (where order_count > 0), sum(net_revenue), sum(order_count)
        from marts.customer_features""").fetchone()
    assert features[0] == len(customers)
    assert features[1] == buyers
    assert float(features[2]) == pytest.approx(revenue, abs=0.005)
    assert features[3] == len(orders)
    segments = con.execute("select sum(net_revenue) from marts.customer_segments").fetchone()[0]
    assert float(segments) == pytest.approx(revenue, abs=0.005)
    # per customer, with the text ids the typed BIGINT ids became
    expected = orders.groupby("customer_id")["gross_amount"].sum().round(2)
    expected.index = expected.index.astype(str)
    got = con.execute("select customer_id, net_revenue from marts.customer_features where order_count > 0").df()
    got = got.set_index("customer_id")["net_revenue"].astype(float).sort_index()
    pd.testing.assert_series_equal(got, expected.sort_index(), check_names=False, atol=0.005)


def test_typed_timestamps_keep_their_microseconds(shop):
    con, _, orders, _ = shop
    # staging reads a naive timestamp as source local time (UTC+8) and stores UTC
    first = orders.sort_values("order_id").iloc[0]
    staged = con.execute(
        "select ordered_at from staging.stg_raw__orders where order_id = ?", [str(first["order_id"])]
    ).fetchone()[0]
    assert staged == first["ordered_at"].to_pydatetime() - dt.timedelta(hours=8)


def test_row_numbers_follow_the_key(shop):
    con, _, orders, _ = shop
    staged = con.execute("select order_id, raw_row_number from staging.base_raw__orders").df()
    expected = orders["order_id"].sort_values().astype(str).tolist()  # numeric ids sort as numbers
    assert staged.sort_values("raw_row_number")["order_id"].tolist() == expected
    assert staged["raw_row_number"].tolist() and staged["raw_row_number"].min() == 0


def test_switched_off_tables_are_empty_and_degrade(shop):
    con, _, _, _ = shop
    for table in ("base_raw__order_items", "base_raw__wallet_survey", "base_raw__customer_events"):
        assert con.execute(f"select count(*) from staging.{table}").fetchone()[0] == 0


def test_segmart_build_knows_table_sources():
    assert sources_are_tables(["--vars", TABLE_VARS])
    assert sources_are_tables(["--vars={segmart_raw_schema: erp}"])
    assert not sources_are_tables(["--vars", "{segmart_raw_schema: null}"])
    assert not sources_are_tables(["--vars", "{segmart_raw_schema: ''}"])
    assert not sources_are_tables(["--select", "marts"])  # the project's default: files


def test_segmart_build_from_tables_skips_the_raw_folder(tmp_path):
    customers, orders = _shop_tables(seed=5)
    database = tmp_path / "warehouse.duckdb"
    _write_shop(database, customers, orders)
    env = scratch_env(tmp_path, raw_dir=tmp_path / "no-raw-folder", database=database)
    segmart = str(Path(sys.executable).with_name("segmart"))
    result = subprocess.run(
        [
            segmart,
            "build",
            "--target",
            "ci",
            "--no-publish",
            "--",
            "--select",
            "+base_raw__orders",
            "--resource-type",
            "seed",
            "--resource-type",
            "model",
            "--vars",
            TABLE_VARS,
        ],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "full refresh" in result.stderr
    con = duckdb.connect(str(database), read_only=True)
    assert con.execute("select count(*) from staging.base_raw__orders").fetchone()[0] == len(orders)
    con.close()
    assert not database.with_name(database.name + ".raw.json").exists()


def test_a_table_without_a_needed_column_stops_with_one_line(tmp_path):
    database = tmp_path / "warehouse.duckdb"
    con = duckdb.connect(str(database))
    con.execute("create schema shop")
    con.execute("create table shop.sales_orders (order_id integer, customer_id bigint, ordered_at timestamp)")
    con.close()
    env = scratch_env(tmp_path, raw_dir=tmp_path / "no-raw-folder", database=database)
    result = subprocess.run(
        [dbt_executable(), "compile", "--target", "ci", "--select", "base_raw__orders", "--vars", TABLE_VARS],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "raw table orders: " in result.stdout and "has no column gross_amount" in result.stdout


def test_without_a_customers_table_the_customers_are_those_of_the_orders(tmp_path):
    customers, orders = _shop_tables(seed=6)
    database = tmp_path / "warehouse.duckdb"
    _write_shop(database, customers, orders)
    variables = TABLE_VARS.replace("segmart_customers_identifier: shop_customers", "segmart__using_customers: false")
    env = scratch_env(tmp_path, raw_dir=tmp_path / "no-raw-folder", database=database)
    result = subprocess.run(
        [
            dbt_executable(),
            "build",
            "--target",
            "ci",
            "--select",
            "+base_raw__orders",
            "--resource-type",
            "seed",
            "--resource-type",
            "model",
            "--vars",
            variables,
        ],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:]
    con = duckdb.connect(str(database), read_only=True)
    staged = con.execute(
        "select customer_id, raw_row_number, signed_up_at, city from staging.base_raw__customers "
        "order by raw_row_number"
    ).df()
    accepted = con.execute("select count(*) from staging.base_raw__orders where rejection_reason is null").fetchone()[0]
    con.close()
    # the distinct ids of the orders, in text order, nothing else known about them
    assert staged["customer_id"].tolist() == sorted(orders["customer_id"].astype(str).unique())
    assert staged["raw_row_number"].tolist() == list(range(len(staged)))
    assert staged["signed_up_at"].isna().all() and staged["city"].isna().all()
    assert accepted == len(orders)
