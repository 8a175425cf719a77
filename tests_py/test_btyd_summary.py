"""The BTYD columns of customer_features equal lifetimes' summary_data_from_transaction_data
for every customer, in days and in weeks, to 1e-9."""

from __future__ import annotations

import subprocess

import duckdb
import numpy as np
import pandas as pd
import pytest
from helpers import PROJECT, dbt_executable, scratch_env
from lifetimes.utils import summary_data_from_transaction_data

COLUMNS = ["frequency", "recency", "T", "monetary_value"]


def _oracle(con, unit_days: int) -> pd.DataFrame:
    purchases = con.sql("""
        select customer_id, order_date, cast(net_revenue as double) as amount
        from intermediate.int_orders_netted where is_purchase
    """).df()
    as_of = con.sql("select max(order_date) from staging.stg_raw__orders").fetchall()[0][0]
    purchases = purchases[purchases.order_date <= pd.Timestamp(as_of)]
    purchases["order_date"] = pd.to_datetime(purchases["order_date"])
    summary = summary_data_from_transaction_data(
        purchases,
        "customer_id",
        "order_date",
        monetary_value_col="amount",
        observation_period_end=pd.Timestamp(as_of),
        freq="D",
        freq_multiplier=unit_days,
    )
    return summary[COLUMNS].sort_index()


def _ours(con, table: str) -> pd.DataFrame:
    ours = (
        con.sql(f"""
        select customer_id, btyd_frequency as frequency, btyd_recency as recency, btyd_t as "T",
               btyd_monetary_value as monetary_value
        from {table} where btyd_frequency is not null
    """)
        .df()
        .set_index("customer_id")
        .sort_index()
    )
    return ours.astype(float)


def _compare(ours: pd.DataFrame, oracle: pd.DataFrame) -> None:
    assert len(oracle) > 100
    assert list(ours.index) == list(oracle.index)
    for column in COLUMNS:
        np.testing.assert_allclose(
            ours[column].to_numpy(), oracle[column].to_numpy(), rtol=1e-9, atol=1e-9, err_msg=column
        )


def test_btyd_columns_equal_lifetimes_in_days(warehouse):
    _compare(_ours(warehouse, "marts.customer_features"), _oracle(warehouse, 1))


def test_btyd_columns_equal_lifetimes_in_weeks(tmp_path, raw_dir):
    """Rebuild the BTYD models with btyd_time_unit_days = 7 into a scratch database."""
    if not (raw_dir / "orders.parquet").exists():
        pytest.skip(f"no raw data in {raw_dir}")
    result = subprocess.run(
        [
            dbt_executable(),
            "build",
            "--target",
            "ci",
            "--select",
            "+int_customer_btyd_summarised",
            "--resource-type",
            "seed",
            "--resource-type",
            "model",
            "--vars",
            "{btyd_time_unit_days: 7}",
        ],
        cwd=PROJECT,
        env=scratch_env(tmp_path, raw_dir, tmp_path / "weeks.duckdb"),
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout[-3000:]
    con = duckdb.connect(str(tmp_path / "weeks.duckdb"), read_only=True)
    _compare(_ours(con, "intermediate.int_customer_btyd_summarised"), _oracle(con, 7))
