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
"""
from __future__ import annotations

import shutil
from pathlib import Path

from segmart.layout import RAW_COLUMNS

LATE_CUSTOMER_ID = "C999999999"  # the id the generator gives orders of unknown customers
# a raw time to the minute, whatever its format (the offset is ignored: close enough to split by)
TIME_TEXT = ("coalesce(try_strptime(left(trim({col}), 19), ['%Y-%m-%d %H:%M:%S', '%Y-%m-%dT%H:%M:%S', "
             "'%Y/%m/%d %H:%M:%S']), try_strptime(trim({col}), ['%Y/%m/%d %H:%M', '%Y-%m-%d %H:%M', "
             "'%Y-%m-%d', '%Y/%m/%d']))")


def split_for_append(raw: Path, before: Path, after: Path, fraction: float = 0.01) -> dict:
    """Write the before / after folders; returns row counts of the appended rows per table."""
    import duckdb

    raw, before, after = Path(raw), Path(before), Path(after)
    for folder in (before, after):
        folder.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    con.execute("set preserve_insertion_order = true")
    for table in RAW_COLUMNS:
        con.execute(f"create view raw_{table} as select * from "
                    f"read_parquet('{raw / (table + '.parquet')}', file_row_number = true)")
    orders_time = TIME_TEXT.format(col="ordered_at")
    cut = con.execute(f"""
        select quantile_disc({orders_time}, {1 - fraction}) from raw_orders
        where {orders_time} <= current_timestamp::timestamp
    """).fetchone()[0]
    if cut is None:
        raise ValueError(f"{raw / 'orders.parquet'}: no order time to split at")
    cut_text = cut.strftime("%Y-%m-%d %H:%M:%S")
    is_new_order = f"({orders_time} > timestamp '{cut_text}' and {orders_time} <= current_timestamp::timestamp)"
    con.execute(f"create table new_order_ids as select distinct order_id from raw_orders where {is_new_order}")
    events_time = TIME_TEXT.format(col="occurred_at")
    is_new = {
        "orders": is_new_order,
        "order_items": "order_id in (select order_id from new_order_ids)",
        "customer_events": f"({events_time} > timestamp '{cut_text}' and {events_time} <= current_timestamp::timestamp)",
    }
    appended = {}
    for table, columns in RAW_COLUMNS.items():
        cols = ", ".join(columns)
        name = table + ".parquet"
        if table not in is_new:
            shutil.copyfile(raw / name, before / name)
            continue
        # position: the row's number in the before file (and in after, where old rows come first)
        con.execute(f"""create table old_{table} as
            select {cols}, row_number() over (order by file_row_number) - 1 as position from raw_{table}
            where not coalesce({is_new[table]}, false)""")
        con.execute(f"""create table new_{table} as
            select {cols}, file_row_number as position from raw_{table}
            where coalesce({is_new[table]}, false)""")
        appended[table] = con.execute(f"select count(*) from new_{table}").fetchone()[0]
        con.execute(f"copy (select {cols} from old_{table} order by position) to '{before / name}' (format parquet)")

    # the next export: old rows (one corrected in place), then the new rows, then a repeated id
    correction = con.execute(f"""
        select position from old_orders
        where {orders_time} > (select max({orders_time}) - interval 1 day from old_orders
                               where {orders_time} <= current_timestamp::timestamp)
            and {orders_time} <= current_timestamp::timestamp
            and coalesce(status, 'completed') = 'completed' and customer_id != '{LATE_CUSTOMER_ID}'
            and try_cast(gross_amount as decimal(18, 2)) > 0
        order by position limit 1
    """).fetchone()
    corrected = correction[0] if correction else -1
    order_cols = RAW_COLUMNS["orders"]
    fixed = ", ".join(
        "'returned' as status" if c == "status" else
        "gross_amount as refund_amount" if c == "refund_amount" else
        "'0' as discount_amount" if c == "discount_amount" else c
        for c in order_cols)
    plain = ", ".join(order_cols)
    con.execute(f"""copy (
        select {plain} from (
            select {fixed}, position, 0 as part from old_orders where position = {corrected}
            union all
            select {plain}, position, 0 as part from old_orders where position != {corrected}
            union all
            select {plain}, position, 1 as part from new_orders
            union all
            select * from (select {plain}, 0 as position, 2 as part from old_orders
                           where position != {corrected} order by position limit 1)
        ) order by part, position
    ) to '{after / 'orders.parquet'}' (format parquet)""")
    for table in ["order_items", "customer_events"]:
        cols = ", ".join(RAW_COLUMNS[table])
        con.execute(f"""copy (
            select {cols} from (
                select {cols}, position, 0 as part from old_{table}
                union all
                select {cols}, position, 1 as part from new_{table}
            ) order by part, position
        ) to '{after / (table + '.parquet')}' (format parquet)""")
    customer_cols = RAW_COLUMNS["customers"]
    late = ", ".join(f"'{LATE_CUSTOMER_ID}' as customer_id" if c == "customer_id" else c for c in customer_cols)
    cols = ", ".join(customer_cols)
    con.execute(f"""copy (
        select {cols} from (
            select {cols}, file_row_number as position from raw_customers
            union all
            select * from (select {late}, 1e18::bigint as position from raw_customers
                           where customer_id not in ('{LATE_CUSTOMER_ID}') order by file_row_number limit 1)
        ) order by position
    ) to '{after / 'customers.parquet'}' (format parquet)""")
    shutil.copyfile(raw / "wallet_survey.parquet", after / "wallet_survey.parquet")
    con.close()
    return {"cut": cut_text, "appended": appended, "corrected_row_number": corrected}
