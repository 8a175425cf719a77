"""`segmart import`: map a user's own orders export (CSV or Parquet) onto the raw layout.

Only a customer id, a date and an amount are required. Row-level problems (a bad amount, an
impossible date, a missing customer id) pass through as they are, so staging quarantines them with
a reason. Whole-file problems (missing file or column, empty file, wrong delimiter, a column with
no usable value at all, an unreadable Parquet file) stop the import with one line naming the file
and the problem, and nothing is written.
"""
from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from segmart.layout import MANIFEST_NAME, RAW_COLUMNS, raw_schema

ISO_FORMATS = ["%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d"]
OTHER_DELIMITERS = [";", "\t", "|"]


class ImportError_(Exception):
    """A whole-file problem: the message names the file and the problem, on one line."""


def _fail(path: Path, problem: str) -> None:
    raise ImportError_(f"{path}: {problem}")


def read_text_table(path: Path, delimiter: str = ",") -> pa.Table:
    """Read a CSV or Parquet file with every column as text."""
    if not path.exists():
        _fail(path, "file not found")
    if path.stat().st_size == 0:
        _fail(path, "file is empty")
    if path.suffix.lower() in {".parquet", ".pq"}:
        try:
            table = pq.read_table(path)
        except Exception as exc:  # pyarrow raises several types for corrupt files
            _fail(path, f"not a readable Parquet file ({type(exc).__name__}: {str(exc).splitlines()[0]})")
        try:
            return pa.table({name: pc.cast(table[name], pa.string()) for name in table.column_names})
        except pa.ArrowNotImplementedError as exc:
            _fail(path, f"a column cannot be read as text ({exc})")
    with open(path, "rb") as handle:
        header = handle.readline().decode("utf-8-sig", errors="replace").rstrip("\r\n")
    names = header.split(delimiter)
    try:
        table = pacsv.read_csv(
            path,
            read_options=pacsv.ReadOptions(encoding="utf8"),
            parse_options=pacsv.ParseOptions(delimiter=delimiter),
            convert_options=pacsv.ConvertOptions(column_types={n.strip(): pa.string() for n in names},
                                                 strings_can_be_null=True, quoted_strings_can_be_null=True),
        )
    except pa.ArrowInvalid as exc:
        if "UTF8" in str(exc) or "UTF-8" in str(exc):
            _fail(path, "not UTF-8 text (broken encoding: re-save the export as UTF-8)")
        hint = _delimiter_hint(header, delimiter)
        _fail(path, f"cannot parse as CSV with delimiter {delimiter!r}{hint} ({str(exc).splitlines()[0]})")
    table = table.rename_columns([n.strip().lstrip("\ufeff") for n in table.column_names])
    return table


def _delimiter_hint(header: str, delimiter: str) -> str:
    for other in OTHER_DELIMITERS:
        if other != delimiter and other in header:
            return f"; wrong delimiter? the header contains {other!r} (use --delimiter)"
    return ""


def _require_columns(path: Path, table: pa.Table, columns: list[str], header_hint: str) -> None:
    missing = [c for c in columns if c not in table.column_names]
    if missing:
        found = ", ".join(table.column_names[:8]) + ("..." if len(table.column_names) > 8 else "")
        _fail(path, f"missing column(s) {', '.join(missing)} (found: {found}){header_hint}")


def _normalise_dates(values: pa.ChunkedArray, date_format: str | None) -> tuple[pa.Array, int]:
    """Valid dates as 'YYYY-MM-DD HH:MM:SS'; values that do not parse (or are impossible, like
    30 February) pass through unchanged, so staging quarantines them. Parsing is strict
    (Python's strptime) and done once per distinct value."""
    original = values.combine_chunks()
    distinct = pc.unique(original)
    formats = [date_format] if date_format else ISO_FORMATS
    mapped = []
    for text in distinct.to_pylist():
        result = None
        if text is not None:
            for fmt in formats:
                try:
                    result = dt.datetime.strptime(text.strip(), fmt).strftime("%Y-%m-%d %H:%M:%S")
                    break
                except ValueError:
                    continue
        mapped.append(result)
    normalised = pc.take(pa.array(mapped, pa.string()), pc.index_in(original, value_set=distinct))
    parsed_count = int(pc.sum(pc.is_valid(normalised)).as_py() or 0)
    return pc.coalesce(normalised, original), parsed_count


def _count_numbers(values: pa.ChunkedArray) -> int:
    text = pc.utf8_trim_whitespace(values.combine_chunks())
    matches = pc.match_substring_regex(text, r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
    return int(pc.sum(pc.fill_null(matches, False)).as_py() or 0)


def import_files(orders: Path, customer_col: str, date_col: str, amount_col: str, out_dir: Path,
                 order_id_col: str | None = None, date_format: str | None = None,
                 customers: list[Path] | None = None, delimiter: str = ",") -> dict:
    table = read_text_table(orders, delimiter)
    with open(orders, "rb") as handle:
        header = handle.readline().decode("utf-8", errors="replace")
    hint = _delimiter_hint(header, delimiter) if orders.suffix.lower() not in {".parquet", ".pq"} else ""
    required = [customer_col, date_col, amount_col] + ([order_id_col] if order_id_col else [])
    _require_columns(orders, table, required, hint)
    if table.num_rows == 0:
        _fail(orders, "no data rows (only a header)")
    if _count_numbers(table[amount_col]) == 0:
        _fail(orders, f"column {amount_col!r} has no numeric value")
    dates, parsed_count = _normalise_dates(table[date_col], date_format)
    if parsed_count == 0:
        shown = date_format or "ISO 8601 (YYYY-MM-DD[ HH:MM:SS])"
        _fail(orders, f"column {date_col!r} has no date in the format {shown} (use --date-format)")

    n = table.num_rows
    if order_id_col:
        order_id = table[order_id_col].combine_chunks()
    else:
        numbers = pc.cast(pa.array(range(1, n + 1), pa.int64()), pa.string())
        order_id = pc.binary_join_element_wise(pa.scalar(f"{orders.stem}-"), numbers, "")
    nulls = pa.nulls(n, pa.string())
    raw_orders = pa.table({
        "order_id": order_id, "customer_id": table[customer_col].combine_chunks(), "ordered_at": dates,
        "channel": nulls, "status": nulls, "currency": nulls,
        "gross_amount": table[amount_col].combine_chunks(), "discount_amount": nulls,
        "refund_amount": nulls, "cost_amount": nulls,
    }, schema=raw_schema("orders"))

    if customers:
        parts = []
        for path in customers:
            part = read_text_table(path, delimiter)
            if "customer_id" not in part.column_names and customer_col in part.column_names:
                part = part.rename_columns(["customer_id" if c == customer_col else c for c in part.column_names])
            _require_columns(path, part, ["customer_id"], _delimiter_hint(",".join(part.column_names), delimiter))
            m = part.num_rows
            parts.append(pa.table({c: part[c].combine_chunks() if c in part.column_names else pa.nulls(m, pa.string())
                                   for c in RAW_COLUMNS["customers"]}, schema=raw_schema("customers")))
        raw_customers = pa.concat_tables(parts)
    else:
        ids = pc.unique(pc.drop_null(pc.utf8_trim_whitespace(raw_orders["customer_id"].combine_chunks())))
        ids = pc.filter(ids, pc.not_equal(ids, ""))
        ids = pc.take(ids, pc.sort_indices(ids))
        m = len(ids)
        raw_customers = pa.table({c: ids if c == "customer_id" else pa.nulls(m, pa.string())
                                  for c in RAW_COLUMNS["customers"]}, schema=raw_schema("customers"))

    out_dir = Path(out_dir)
    tmp = out_dir.parent / f".{out_dir.name}.import-tmp"
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir(parents=True)
    try:
        pq.write_table(raw_orders, tmp / "orders.parquet", compression="zstd")
        pq.write_table(raw_customers, tmp / "customers.parquet", compression="zstd")
        for name in ["order_items", "wallet_survey", "customer_events"]:
            pq.write_table(raw_schema(name).empty_table(), tmp / f"{name}.parquet", compression="zstd")
        summary = {"orders": raw_orders.num_rows, "customers": raw_customers.num_rows}
        manifest = {"imported": {"orders_file": str(orders), "customer_files": [str(p) for p in customers or []],
                                 "rows": summary}}
        (tmp / MANIFEST_NAME).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    except Exception:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if out_dir.exists():
        shutil.rmtree(out_dir)
    tmp.rename(out_dir)
    return summary
