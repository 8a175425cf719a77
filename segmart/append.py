"""A daily load, made from one raw folder: what an incremental build is measured and tested on.

split_for_append(raw, before, after) writes two raw folders:
- before: the raw data without its newest orders (the last `fraction` of order times), their
  lines and the events after the same moment;
- after: before, with those rows appended at the end of each file (an append-only export), plus
  what a real next export brings besides new rows:
  * a repeated order id among the new rows (quarantined as duplicate_id against an old row);
  * one old order within the lookback window corrected in place (returned, fully refunded);
  * a customer record for the id that old orders and events referenced before it existed
    (their unknown_customer_id rows are accepted on the next build).
Building `before`, then building `after` incrementally, must give the same marts as a full
refresh of `after` (tests_py/test_incremental.py); `segmart bench` times that incremental build.
Files are streamed in file order through bounded memory, so this works at 100M orders.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from segmart.layout import RAW_COLUMNS

LATE_CUSTOMER_ID = "C999999999"  # the id the generator gives orders of unknown customers
# a raw time to the second, whatever its format (the offset is ignored: close enough to split by)
TIME_TEXT = (
    "coalesce(try_strptime(left(trim({col}), 19), ['%Y-%m-%d %H:%M:%S', '%Y-%m-%dT%H:%M:%S', "
    "'%Y/%m/%d %H:%M:%S']), try_strptime(trim({col}), ['%Y/%m/%d %H:%M', '%Y-%m-%d %H:%M', "
    "'%Y-%m-%d', '%Y/%m/%d']))"
)
NOW = "current_timestamp::timestamp"


def _write(con, queries: list[str], path: Path) -> None:
    """Stream the rows of the queries, one after the other and each in its own order, into one
    Parquet file (DuckDB's COPY of a UNION ALL would not promise the order of the parts)."""
    import pyarrow.parquet as pq

    writer = None
    try:
        for query in queries:
            reader = con.sql(query).to_arrow_reader(500_000)
            if writer is None:
                writer = pq.ParquetWriter(path, reader.schema)
            for batch in reader:
                writer.write_batch(batch)
    finally:
        if writer is not None:
            writer.close()


def split_for_append(raw: Path, before: Path, after: Path, fraction: float = 0.01) -> dict:
    """Write the before / after folders; returns the cut, rows appended per table and the
    raw_row_number (in both files) of the corrected order."""
    import duckdb

    raw, before, after = Path(raw), Path(before), Path(after)
    for folder in (before, after):
        folder.mkdir(parents=True, exist_ok=True)
    scratch = tempfile.mkdtemp(prefix="segmart-append-")
    con = duckdb.connect(
        config={"memory_limit": "2GB", "temp_directory": scratch, "threads": 2, "preserve_insertion_order": True}
    )
    try:
        return _split(con, raw, before, after, fraction)
    finally:
        con.close()
        shutil.rmtree(scratch, ignore_errors=True)


def _split(con, raw: Path, before: Path, after: Path, fraction: float) -> dict:
    for table in RAW_COLUMNS:
        con.execute(
            f"create view raw_{table} as select * from "
            f"read_parquet('{raw / (table + '.parquet')}', file_row_number = true)"
        )
    orders_time = TIME_TEXT.format(col="ordered_at")
    events_time = TIME_TEXT.format(col="occurred_at")
    # the cut: the (1 − fraction) quantile of order times, from a sample of a million orders
    cut = con.execute(f"""
        select quantile_disc(t, {1 - fraction}) from (
            select {orders_time} as t from raw_orders using sample reservoir(1000000 rows) repeatable (7)
        ) where t <= {NOW}""").fetchall()[0][0]
    if cut is None:
        raise ValueError(f"{raw / 'orders.parquet'}: no order time to split at")
    cut_text = cut.strftime("%Y-%m-%d %H:%M:%S")
    new_order = f"coalesce({orders_time} > timestamp '{cut_text}' and {orders_time} <= {NOW}, false)"
    new_event = f"coalesce({events_time} > timestamp '{cut_text}' and {events_time} <= {NOW}, false)"
    con.execute(f"create table new_order_ids as select distinct order_id from raw_orders where {new_order}")
    new_line = "order_id in (select order_id from new_order_ids)"
    is_new = {"orders": new_order, "order_items": new_line, "customer_events": new_event}

    appended = {}
    for table, columns in RAW_COLUMNS.items():
        name, cols = table + ".parquet", ", ".join(columns)
        if table not in is_new:
            shutil.copyfile(raw / name, before / name)
            continue
        old = f"select {cols} from raw_{table} where not {is_new[table]}"
        new = f"select {cols} from raw_{table} where {is_new[table]}"
        _write(con, [old], before / name)
        if table != "orders":
            _write(con, [old, new], after / name)
        appended[table] = con.execute(f"select count(*) from raw_{table} where {is_new[table]}").fetchall()[0][0]

    # the next export of orders: old rows (one corrected in place), the new rows, a repeated id
    old_max = con.execute(
        f"select max({orders_time}) from raw_orders where not {new_order} and {orders_time} <= {NOW}"
    ).fetchall()[0][0]
    found = con.execute(f"""
        select file_row_number, order_id from raw_orders
        where not {new_order}
            and {orders_time} > timestamp '{old_max:%Y-%m-%d %H:%M:%S}' - interval 1 day
            and {orders_time} <= {NOW}
            and coalesce(status, 'completed') = 'completed' and customer_id != '{LATE_CUSTOMER_ID}'
            and try_cast(gross_amount as decimal(18, 2)) > 0
        order by file_row_number limit 1""").fetchall()
    corrected_raw, corrected_row_number = -1, -1
    if found:
        corrected_raw = found[0][0]
        # its position among the old rows: the raw position less the new rows before it
        corrected_row_number = (
            corrected_raw
            - con.execute(
                f"select count(*) from raw_orders where {new_order} and file_row_number < {corrected_raw}"
            ).fetchall()[0][0]
        )
    order_cols = RAW_COLUMNS["orders"]
    fixed = ", ".join(
        f"case when file_row_number = {corrected_raw} then 'returned' else status end as status"
        if c == "status"
        else f"case when file_row_number = {corrected_raw} then gross_amount else refund_amount end as refund_amount"
        if c == "refund_amount"
        else f"case when file_row_number = {corrected_raw} then '0' else discount_amount end as discount_amount"
        if c == "discount_amount"
        else c
        for c in order_cols
    )
    plain = ", ".join(order_cols)
    _write(
        con,
        [
            f"select {fixed} from raw_orders where not {new_order}",
            f"select {plain} from raw_orders where {new_order}",
            f"select {plain} from raw_orders where not {new_order} and file_row_number != {corrected_raw} "
            f"order by file_row_number limit 1",
        ],
        after / "orders.parquet",
    )
    appended["orders"] += 1

    customer_cols = RAW_COLUMNS["customers"]
    late = ", ".join(f"'{LATE_CUSTOMER_ID}' as customer_id" if c == "customer_id" else c for c in customer_cols)
    _write(
        con,
        [
            f"select {', '.join(customer_cols)} from raw_customers",
            f"select {late} from raw_customers where customer_id != '{LATE_CUSTOMER_ID}' order by file_row_number limit 1",
        ],
        after / "customers.parquet",
    )
    shutil.copyfile(raw / "wallet_survey.parquet", after / "wallet_survey.parquet")
    return {"cut": cut_text, "appended": appended, "corrected_row_number": corrected_row_number}
