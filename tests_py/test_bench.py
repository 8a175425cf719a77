"""segmart bench's bookkeeping (the measurements themselves run in `segmart bench`, never as tests)."""

from __future__ import annotations

import json
import math

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from segmart import bench
from segmart.layout import dbt_vars


def test_scale_presets_and_numbers():
    assert bench.parse_orders("10m") == ("10M", 10_000_000)
    assert bench.parse_orders("250000") == ("250,000", 250_000)
    with pytest.raises(ValueError):
        bench.parse_orders("lots")


def _run(models, tests, floor, pandas, btyd):
    step = lambda wall: {"wall_s": wall, "cpu_s": wall * 1.5, "peak_rss_mb": 100.0}  # noqa: E731
    return {
        "dbt_models": step(models),
        "dbt_tests": step(tests),
        "floor": step(floor),
        "pandas_lifetimes": step(pandas),
        "nodes": {"int_customer_days_collapsed": btyd / 2, "int_customer_btyd_summarised": btyd / 2, "x": 9.0},
    }


def test_medians_ratios_and_report_section(tmp_path, monkeypatch):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "_manifest.json").write_text('{"rows": {"orders": 1000, "customers": 100}}')
    runs = [_run(30, 12, 10, 40, 2), _run(20, 10, 10, 60, 4), _run(25, 50, 5, 50, 2)]
    for run, loads in zip(runs, [[1.5, 2.0], [0.5, 3.25], [1.0, 1.0]], strict=True):
        run["load_average"] = loads
    result = bench.summarise("1M", 1000, raw, runs)
    assert result["load_average"] == [0.5, 3.25]
    assert result["medians"]["dbt_models"]["wall_s"] == 25
    assert result["ratios"]["dbt_models_over_floor"] == pytest.approx(2.5)
    assert result["ratios"]["dbt_tests_over_models"] == pytest.approx(12 / 25)
    assert result["ratios"]["pandas_over_warehouse_btyd"] == pytest.approx(50 / 2)
    assert result["slowest_nodes"][0] == ("x", 9.0)
    monkeypatch.setattr(bench, "project_root", lambda: tmp_path)
    path = bench.write_report(result)
    first = path.read_text()
    assert "**2.50×** (25.0 s / 10.0 s)" in first and "**25.0×** faster" in first and "load average 0.5–3.2" in first
    bench.write_report(result)  # the section is replaced, not appended
    assert path.read_text().count("<!-- bench:1M -->") == 1


def test_floor_sql_is_filled_from_the_dbt_vars_and_the_manifest(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "_manifest.json").write_text(
        '{"settings": {"reporting_currency": "eur", "business_timezone": "Europe/Paris"}}'
    )
    sql = bench.floor_sql(str(raw))
    assert "{" not in sql and "}" not in sql  # every parameter filled
    assert "ceiling(round(0.2 * tiered.buyers, 9)) then 'iron'" in sql and "(group_size - 1) * 0.9" in sql
    assert "raw_code = 'EUR'" in sql and "timezone('Europe/Paris'" in sql and "age_days < 365" in sql


FEATURE_COLUMNS = [
    "customer_type", "signed_up_date", "first_order_date", "last_order_date", "tenure_days", "is_prospect",
    "recency_days", "order_count", "gross_revenue", "discount_total", "refund_total", "net_revenue", "gross_margin",
    "avg_order_value", "orders_in_recent_window", "orders_in_year_window", "net_revenue_in_year_window",
    "gross_margin_in_year_window", "btyd_frequency", "btyd_recency", "btyd_t", "btyd_monetary_value", "city_tier",
    "income_band", "page_views_in_engagement_window", "ad_clicks_in_engagement_window", "review_count",
    "complaint_count", "product_suggestion_count", "referral_signup_count", "successful_referral_count",
    "value_added_purchase_count", "engagement_score",
]  # fmt: skip


def _assert_same(floor: pd.Series, mart: pd.Series) -> None:
    """Equal values (NULL where the mart has NULL); numbers within a relative 1e-9."""
    assert floor.isna().equals(mart.isna()), f"{mart.name}: NULLs differ"
    floor, mart = floor[mart.notna()], mart[mart.notna()]
    if pd.api.types.is_numeric_dtype(mart) and not pd.api.types.is_bool_dtype(mart):
        assert np.allclose(floor.astype(float), mart.astype(float), rtol=1e-9, atol=1e-6), mart.name
    else:
        assert (floor.astype(str) == mart.astype(str)).all(), mart.name


def _value_tiers(features: pd.DataFrame, shares: dict) -> pd.Series:
    """The customer pyramid by gross margin, from the mart's columns: buyers ranked by gross
    margin (net revenue without costs), ties sharing the better tier, top 1% platinum, next 4%
    gold, next 15% iron, the rest and anyone at or below 0 lead; prospects prospect."""
    buyers = features[~features["is_prospect"]]
    measure = buyers["gross_margin"] if buyers["gross_margin"].notna().any() else buyers["net_revenue"]
    rank = measure.astype(float).rank(method="min", ascending=False, na_option="bottom")
    cuts, cumulative = [], 0.0
    for tier in ["platinum", "gold", "iron"]:
        cumulative = round(cumulative + shares[tier], 10)
        cuts.append((tier, math.ceil(round(cumulative * len(buyers), 9))))
    tiers = pd.Series("lead", index=buyers.index)
    for tier, cut in reversed(cuts):  # the best tier last, so it wins
        tiers[rank <= cut] = tier
    tiers[measure <= 0] = "lead"
    return tiers.reindex(features.index).fillna("prospect")


def test_floor_computes_the_marts_core_columns(warehouse, raw_dir):
    """The floor against the CI warehouse's marts, customer by customer: the same customers, the
    customer_features columns it computes, the RFM scores of customer_segments and the wallet of
    customer_share_of_wallet within 1e-9; its value tier against the pyramid by gross margin
    (pandas on the mart's column: the marts rank by predicted profit, a CLV fit the floor skips).
    Either side wrong in a rule (a duplicate kept, a window off by a day, a peer level) fails."""
    manifest = json.loads((raw_dir / "_manifest.json").read_text())
    assert manifest["dirty"]["orders"]["duplicate_id"] > 0 and manifest["dirty"]["customers"]["duplicate_id"] > 0
    con = duckdb.connect()
    con.execute(bench.floor_sql(str(raw_dir)))
    floor = con.execute("select * from floor_customers").df().set_index("customer_id").sort_index()
    features = warehouse.execute("select * from marts.customer_features").df().set_index("customer_id").sort_index()
    assert floor.index.equals(features.index)
    for column in FEATURE_COLUMNS:
        _assert_same(floor[column], features[column])
    segments = warehouse.execute("select customer_id, r_score, f_score, m_score from marts.customer_segments").df()
    wallets = warehouse.execute(
        "select customer_id, our_spend_in_year_window, wallet, share_of_wallet from marts.customer_share_of_wallet"
    ).df()
    for mart in [segments, wallets]:
        mart = mart.set_index("customer_id").reindex(floor.index)
        for column in mart.columns:
            _assert_same(floor[column], mart[column])
    assert wallets["wallet"].notna().sum() > 0.5 * len(wallets)  # the wallets were estimated, not all NULL
    expected = _value_tiers(features, dbt_vars()["value_tier_shares"])
    assert (floor["value_tier"] == expected).all()
    assert set(expected) == {"platinum", "gold", "iron", "lead", "prospect"}


def test_incremental_ratios(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "_manifest.json").write_text('{"rows": {"orders": 1000, "customers": 100}}')
    runs = []
    for models, incremental, order_full, order_incremental in [(20, 4, 10, 1), (40, 6, 12, 3), (30, 5, 8, 2)]:
        run = _run(models, 10, 10, 40, 2)
        run["dbt_incremental"] = {"wall_s": incremental, "cpu_s": incremental, "peak_rss_mb": 50.0}
        # the order-grained models: two of them, the rest of the nodes do not count
        run["nodes"].update({"base_raw__orders": order_full / 2, "int_orders_netted": order_full / 2})
        run["incremental_nodes"] = {"base_raw__orders": order_incremental, "int_orders_netted": 0.0, "x": 7.0}
        runs.append(run)
    result = bench.summarise("1M", 1000, raw, runs)
    assert result["ratios"]["incremental_over_models"] == pytest.approx(5 / 30)
    # full: the two above + int_customer_days_collapsed (1 s, from _run) = 11, 13, 9 s; incremental
    # 1, 3, 2 s (x is not order-grained): 1/11, 3/13, 2/9 → median 2/9
    assert result["ratios"]["incremental_order_models_over_full"] == pytest.approx(2 / 9)
    assert "**0.17×** the full build" in bench.markdown(result)


# per raw table: a column whose value the repeated rows change, and the value
REPEATED_ROW_CHANGES = {
    "customers": ("customer_type", "government"),
    "orders": ("gross_amount", "9999.00"),
    "order_items": ("quantity", "50"),
    "customer_events": ("event_type", "review"),
    "wallet_survey": ("stated_annual_spend", "123456"),
}


def test_floor_keeps_the_first_row_of_each_id(small_raw, tmp_path):
    """Every raw row appended again with one value changed (a later export repeating ids) leaves
    the floor's output as it was: each source keeps the first row of an id, as staging does."""
    raw_dir, _ = small_raw
    copy = tmp_path / "raw"
    copy.mkdir()
    for table, (column, value) in REPEATED_ROW_CHANGES.items():
        rows = pq.read_table(raw_dir / f"{table}.parquet")
        repeated = rows.set_column(
            rows.schema.get_field_index(column), column, pa.array([value] * len(rows), pa.string())
        )
        pq.write_table(pa.concat_tables([rows, repeated]), copy / f"{table}.parquet")
    (copy / "_manifest.json").write_text((raw_dir / "_manifest.json").read_text())
    results = []
    for folder in [raw_dir, copy]:
        con = duckdb.connect()
        con.execute(bench.floor_sql(str(folder)))
        results.append(con.execute("select * from floor_customers order by customer_id").df())
    pd.testing.assert_frame_equal(results[0], results[1])


def test_the_floor_reads_a_landing_zone_of_one_file_per_table(tmp_path):
    """The benchmark's data before the next export is a landing zone: the floor reads each
    table's one landed file, and refuses a table of several files, naming it."""
    zone = tmp_path / "zone"
    (zone / "orders").mkdir(parents=True)
    (zone / "orders" / "2025-12-30.parquet").write_bytes(b"")
    (zone / "customers.parquet").write_bytes(b"")
    parameters = bench.floor_parameters(str(zone))
    assert parameters["orders_file"] == zone / "orders" / "2025-12-30.parquet"
    assert parameters["customers_file"] == zone / "customers.parquet"
    (zone / "orders" / "2025-12-31.parquet").write_bytes(b"")
    with pytest.raises(ValueError, match=r"zone/orders: the floor reads one file per table, found 2"):
        bench.floor_parameters(str(zone))
