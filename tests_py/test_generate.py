"""The demo data generator: determinism, schema, dirty rows, and the shape later models rely on."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from segmart import generate as generate_module
from segmart.generate import _ids, _local_text, _money, generate
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


def test_workers_do_not_change_a_byte(tmp_path, monkeypatch):
    """Chunks drawn by 1, 2 or 3 worker processes give the same files (small chunks: 5 of them)."""
    monkeypatch.setattr(generate_module, "CHUNK_CUSTOMERS", 500)
    digests = []
    for workers in (1, 2, 3):
        generate(2_300, seed=5, out_dir=tmp_path / str(workers), progress=False, workers=workers)
        digests.append(_digests(tmp_path / str(workers)))
    assert digests[0] == digests[1] == digests[2]
    assert len(pq.ParquetFile(tmp_path / "2" / "orders.parquet").metadata.to_dict()["row_groups"]) == 5


def test_a_failing_worker_fails_the_run_and_leaves_nothing(tmp_path, monkeypatch):
    """A chunk that fails in a worker process fails generate with its error; no raw folder, no
    temporary folder and no spooled chunk is left behind."""
    monkeypatch.setattr(generate_module, "CHUNK_CUSTOMERS", 300)
    draw = generate_module.Generator.chunk

    def failing(self, chunk_no, first_id, n):
        if chunk_no == 3:
            raise RuntimeError("chunk 3 failed")
        return draw(self, chunk_no, first_id, n)

    monkeypatch.setattr(generate_module.Generator, "chunk", failing)
    spools = set(Path("/dev/shm").glob(".segmart-generate-*"))
    with pytest.raises(RuntimeError, match="chunk 3 failed"):
        generate(2_000, seed=1, out_dir=tmp_path / "raw", progress=False, workers=2)
    assert list(tmp_path.iterdir()) == []
    assert set(Path("/dev/shm").glob(".segmart-generate-*")) == spools


def test_ids_run_on_across_chunks(tmp_path, monkeypatch):
    """Orders, events and survey answers are numbered 1..n over the whole file, whichever worker
    drew their chunk: the chunks number within themselves and the writer numbers them on."""
    monkeypatch.setattr(generate_module, "CHUNK_CUSTOMERS", 400)
    folder = tmp_path / "raw"
    manifest = generate(2_000, seed=9, out_dir=folder, progress=False, workers=2)
    con = duckdb.connect()
    for table, column, digits in [
        ("orders", "order_id", 10),
        ("customer_events", "event_id", 11),
        ("wallet_survey", "response_id", 9),
    ]:
        low, high, distinct, width = con.execute(f"""
            select min(cast(substr({column}, 2) as bigint)), max(cast(substr({column}, 2) as bigint)),
                   count(distinct {column}), max(length({column}))
            from '{folder}/{table}.parquet'
        """).fetchone()
        duplicates = manifest["dirty"][table].get("duplicate_id", 0)
        assert (low, high, distinct, width) == (1, manifest["rows"][table] - duplicates, high, digits + 1), table
    lines_without_order = con.execute(f"""
        select count(*) from '{folder}/order_items.parquet' as i
        anti join '{folder}/orders.parquet' as o using (order_id)
    """).fetchone()[0]
    assert lines_without_order == 0


@pytest.mark.parametrize(
    "fmt", ["%Y-%m-%d %H:%M:%S", "%Y%m%d", "%Y-%m-%d", "%Y-%m-%dT%H:%M:%S+08:00", "%Y/%m/%d %H:%M"]
)
def test_local_text_writes_what_arrow_strftime_writes(fmt):
    rng = np.random.default_rng(3)
    # 1890 to 2096, both sides of 1970 and of leap days, and the day boundaries
    epoch = np.concatenate([rng.integers(-2_524_608_000, 3_976_214_400, 50_000), [0, -1, 86_399, 86_400, 951_782_400]])
    expected = pc.strftime(pa.array(epoch, pa.timestamp("s")), format=fmt)
    assert _local_text(epoch, fmt).equals(expected)


def test_money_and_ids_are_written_as_python_formats_them():
    rng = np.random.default_rng(4)
    cents = np.concatenate([rng.integers(-(10**9), 10**12, 20_000), [0, -1, 5, -5, 99, 100, -100, 10**15]])
    expected = [f"{'-' if c < 0 else ''}{abs(c) // 100}.{abs(c) % 100:02d}" for c in cents.tolist()]
    assert _money(cents).to_pylist() == expected
    assert _money(np.array([], dtype=np.int64)).to_pylist() == []
    numbers = np.concatenate([rng.integers(0, 10**10, 20_000), [0, 9_999_999_999, 10**10, 123]])
    assert _ids("O", numbers, 10).to_pylist() == [f"O{n:010d}" for n in numbers.tolist()]


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
