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

With landing=True the two folders are landing zones (README "Daily loads"): every table is a
folder, before/<table>/<cut date>.parquet holds the old rows, and after holds the same file (a
hard link, or a copy) and the next day's export as a new file beside it,
after/<table>/<cut date + 1>.parquet: the new rows, the repeated order id, the corrected order
as a row of its own (a landed file never changes: DECISIONLOG.md "Raw exports land as new
files"), the late customer record (tests_py/test_landing.py).
"""

from __future__ import annotations

import datetime as dt
import os
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


def split_for_append(raw: Path, before: Path, after: Path, fraction: float = 0.01, landing: bool = False) -> dict:
    """Write the before / after folders (landing: as landing zones, the next export a new file
    per table); returns the cut, rows appended per table, the corrected order's id and its
    raw_row_number in after (the old row's, corrected in place; landing: the new row's), and
    with landing the two file names."""
    import duckdb

    raw, before, after = Path(raw), Path(before), Path(after)
    for folder in (before, after):
        folder.mkdir(parents=True, exist_ok=True)
    scratch = tempfile.mkdtemp(prefix="segmart-append-")
    con = duckdb.connect(
        config={"memory_limit": "2GB", "temp_directory": scratch, "threads": 2, "preserve_insertion_order": True}
    )
    try:
        return _split(con, raw, before, after, fraction, landing)
    finally:
        con.close()
        shutil.rmtree(scratch, ignore_errors=True)


class _Outputs:
    """Where the rows go: before gets the old rows of a table; after the old rows (`after_old`
    when they differ: the in-place correction) then the new ones, in one file per table, or, as
    landing zones, the old rows' file and the new rows as a file beside it."""

    def __init__(self, con, before: Path, after: Path, landing: bool, cut: dt.datetime):
        self.con, self.before, self.after, self.landing = con, before, after, landing
        self.first, self.second = (f"{day:%Y-%m-%d}.parquet" for day in (cut, cut + dt.timedelta(days=1)))

    def write(self, table: str, old: list[str], new: list[str], after_old: list[str] | None = None) -> None:
        if not self.landing:
            _write(self.con, old, self.before / f"{table}.parquet")
            _write(self.con, (after_old or old) + new, self.after / f"{table}.parquet")
            return
        for folder in (self.before, self.after):
            (folder / table).mkdir(parents=True, exist_ok=True)
        _write(self.con, old, self.before / table / self.first)
        try:
            os.link(self.before / table / self.first, self.after / table / self.first)
        except OSError:
            shutil.copyfile(self.before / table / self.first, self.after / table / self.first)
        if new:
            _write(self.con, new, self.after / table / self.second)


def _split(con, raw: Path, before: Path, after: Path, fraction: float, landing: bool) -> dict:
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
    out = _Outputs(con, before, after, landing, cut)
    new_order = f"coalesce({orders_time} > timestamp '{cut_text}' and {orders_time} <= {NOW}, false)"
    new_event = f"coalesce({events_time} > timestamp '{cut_text}' and {events_time} <= {NOW}, false)"
    con.execute(f"create table new_order_ids as select distinct order_id from raw_orders where {new_order}")
    new_line = "order_id in (select order_id from new_order_ids)"
    is_new = {"order_items": new_line, "customer_events": new_event}

    appended = {}
    for table, condition in is_new.items():
        cols = ", ".join(RAW_COLUMNS[table])
        out.write(
            table,
            [f"select {cols} from raw_{table} where not {condition}"],
            [f"select {cols} from raw_{table} where {condition}"],
        )
        appended[table] = con.execute(f"select count(*) from raw_{table} where {condition}").fetchall()[0][0]

    # the next export of orders: old rows (one corrected in place; landing: the corrected row
    # as a new row), the new rows, a repeated id
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
    corrected_raw, corrected_id = (found[0][0], found[0][1]) if found else (-1, None)
    old_orders, new_orders = con.execute(
        f"select count(*) filter (where not {new_order}), count(*) filter (where {new_order}) from raw_orders"
    ).fetchall()[0]
    # its position among the old rows (the raw position less the new rows before it), or, as a
    # landed row, after the old and the new rows
    corrected_row_number = (
        -1
        if not found
        else old_orders + new_orders
        if landing
        else corrected_raw
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
    old = [f"select {plain} from raw_orders where not {new_order}"]
    repeated = (
        f"select {plain} from raw_orders where not {new_order} and file_row_number != {corrected_raw} "
        f"order by file_row_number limit 1"
    )
    new = [f"select {plain} from raw_orders where {new_order}"]
    if landing:
        new += [f"select {fixed} from raw_orders where file_row_number = {corrected_raw}", repeated]
        appended["orders"] = new_orders + (2 if found else 1)
        out.write("orders", old, new)
    else:
        out.write("orders", old, new + [repeated], after_old=[f"select {fixed} from raw_orders where not {new_order}"])
        appended["orders"] = new_orders + 1

    customer_cols = ", ".join(RAW_COLUMNS["customers"])
    late = ", ".join(
        f"'{LATE_CUSTOMER_ID}' as customer_id" if c == "customer_id" else c for c in RAW_COLUMNS["customers"]
    )
    out.write(
        "customers",
        [f"select {customer_cols} from raw_customers"],
        [
            f"select {late} from raw_customers where customer_id != '{LATE_CUSTOMER_ID}' order by file_row_number limit 1"
        ],
    )
    survey_cols = ", ".join(RAW_COLUMNS["wallet_survey"])
    out.write("wallet_survey", [f"select {survey_cols} from raw_wallet_survey"], [])
    result = {
        "cut": cut_text,
        "appended": appended,
        "corrected_row_number": corrected_row_number,
        "corrected_order_id": corrected_id,
    }
    if landing:
        result["files"] = [out.first, out.second]
    return result
