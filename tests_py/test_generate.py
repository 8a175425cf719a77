"""The demo data generator: determinism, schema, dirty rows, and the shape later models rely on."""

from __future__ import annotations

import datetime as dt
import hashlib

import duckdb
import pyarrow.parquet as pq
import pytest

from segmart.generate import generate
from segmart.layout import RAW_COLUMNS


def _digests(folder):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def test_same_seed_gives_identical_bytes(tmp_path):
    generate(400, seed=11, out_dir=tmp_path / "a", progress=False)
    generate(400, seed=11, out_dir=tmp_path / "b", progress=False)
    generate(400, seed=12, out_dir=tmp_path / "c", progress=False)
    a, b, c = (_digests(tmp_path / x) for x in "abc")
    assert a == b
    assert a["orders.parquet"] != c["orders.parquet"]


def test_landing_writes_the_same_tables_as_new_files_and_never_replaces_one(tmp_path):
    """generate --landing NAME: every table as <table>/NAME.parquet, the bytes a whole-folder
    generate writes; a second landing under the same name is refused naming the file, which is
    kept."""
    from segmart.layout import RawFolderError

    generate(300, seed=5, out_dir=tmp_path / "whole", progress=False)
    generate(300, seed=5, out_dir=tmp_path / "zone", progress=False, landing="2025-12-31")
    whole = _digests(tmp_path / "whole")
    landed = {f"{table}.parquet": _digests(tmp_path / "zone" / table) for table in RAW_COLUMNS}
    assert landed == {name: {"2025-12-31.parquet": whole[name]} for name in landed}
    assert (tmp_path / "zone" / "_manifest.json").exists()
    with pytest.raises(RawFolderError, match=r"/2025-12-31\.parquet: landed already"):
        generate(300, seed=6, out_dir=tmp_path / "zone", progress=False, landing="2025-12-31")
    assert _digests(tmp_path / "zone" / "orders") == {"2025-12-31.parquet": whole["orders.parquet"]}
    with pytest.raises(RawFolderError, match=r"not a name for a landed file"):
        generate(300, seed=6, out_dir=tmp_path / "zone", progress=False, landing="../2026-01-01")


def test_every_table_has_the_raw_layout_as_text(small_raw):
    folder, _ = small_raw
    for table, columns in RAW_COLUMNS.items():
        schema = pq.read_schema(folder / f"{table}.parquet")
        assert schema.names == columns, table
        assert all(str(field.type) == "string" for field in schema), table


def test_manifest_row_counts_match_files(small_raw):
    folder, manifest = small_raw
    for table in RAW_COLUMNS:
        assert pq.read_metadata(folder / f"{table}.parquet").num_rows == manifest["rows"][table]


def test_dirty_rows_are_a_few_percent_and_every_kind_is_present(small_raw):
    _, manifest = small_raw
    for table in ["customers", "orders", "order_items", "customer_events"]:
        dirty = sum(manifest["dirty"][table].values())
        share = dirty / manifest["rows"][table]
        assert 0.001 < share < 0.06, (table, share)
    assert set(manifest["dirty"]["orders"]) == {
        "missing_customer_id",
        "unknown_customer_id",
        "duplicate_id",
        "unparseable_timestamp",
        "future_timestamp",
        "negative_amount",
        "refund_above_gross",
        "unknown_currency",
        "unparseable_number",
    }
    assert all(count > 0 for count in manifest["dirty"]["orders"].values())


def test_dirty_counts_recounted_from_the_files(small_raw):
    """Count some faults straight from the Parquet files, independently of the generator's tally."""
    folder, manifest = small_raw
    con = duckdb.connect()
    orders = f"'{folder}/orders.parquet'"
    recount = (
        con.sql(f"""
        select
            count(*) filter (where customer_id is null) as missing_customer_id,
            count(*) filter (where customer_id = 'C999999999') as unknown_customer_id,
            count(*) filter (where ordered_at like '2031%') as future_timestamp,
            count(*) filter (where upper(trim(currency)) = 'XYZ') as unknown_currency,
            count(*) filter (where discount_amount like '-%') as negative_amount,
            count(*) - count(distinct order_id) as duplicate_id
        from {orders}
    """)
        .df()
        .iloc[0]
        .to_dict()
    )
    for reason, count in recount.items():
        assert manifest["dirty"]["orders"][reason] == count, reason


def test_shape_heavy_tail_prospects_and_seasonality(small_raw):
    folder, _ = small_raw
    con = duckdb.connect()
    stats = (
        con.sql(f"""
        with orders as (
            select customer_id, cast(try_strptime(left(ordered_at, 10), '%Y-%m-%d') as date) as day,
                   try_cast(gross_amount as double) - try_cast(discount_amount as double)
                   - try_cast(refund_amount as double) as net
            from '{folder}/orders.parquet'
            where status = 'completed' and try_cast(gross_amount as double) is not null
        ),
        per_customer as (select customer_id, sum(net) as value from orders group by 1),
        ranked as (select value, row_number() over (order by value desc) as rn, count(*) over () as n from per_customer)
        select
            (select sum(value) filter (where rn <= n * 0.2) / sum(value) from ranked) as top20_share,
            (select count(*) from '{folder}/customers.parquet') - (select count(distinct customer_id) from orders) as non_buyers,
            (select count(*) filter (where strftime(day, '%m-%d') between '11-01' and '11-11') / 11.0
                 / (count(*) / 365.0) from orders) as double11_lift
    """)
        .df()
        .iloc[0]
    )
    assert 0.6 <= stats.top20_share <= 0.8
    assert stats.non_buyers > 100
    assert stats.double11_lift > 1.5


def test_business_customers_are_fewer_but_larger(small_raw):
    folder, _ = small_raw
    con = duckdb.connect()
    rows = (
        con.sql(f"""
        select c.customer_type, count(distinct c.customer_id) as customers,
               avg(try_cast(o.gross_amount as double)) as avg_order
        from '{folder}/customers.parquet' as c
        join '{folder}/orders.parquet' as o using (customer_id)
        where c.customer_type in ('individual', 'business')
        group by 1
    """)
        .df()
        .set_index("customer_type")
    )
    assert rows.loc["business", "customers"] < rows.loc["individual", "customers"] / 5
    assert rows.loc["business", "avg_order"] > 2 * rows.loc["individual", "avg_order"]


def test_bad_arguments_are_refused(tmp_path):
    with pytest.raises(ValueError):
        generate(0, seed=1, out_dir=tmp_path / "x", progress=False)
    with pytest.raises(ValueError):
        generate(10, seed=1, out_dir=tmp_path / "x", start=dt.date(2024, 1, 1), end=dt.date(2023, 1, 1))
