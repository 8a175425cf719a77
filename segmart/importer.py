"""`segmart import`: map a shop's own export (CSV or Parquet) onto the raw layout.

Two shapes: one row per order (a customer id, a date and an amount), or one row per order line
(quantity x unit price, or a line amount), grouped into orders by the order id. Presets
(segmart/presets.py) hold the mappings of well-known exports. Row-level problems (a bad amount, an
impossible date, a missing customer id) pass through as they are, so staging quarantines them with
a reason. Whole-file problems (missing file or column, empty file, wrong delimiter, a column with
no usable value at all, an unreadable Parquet file) and a share of rows staging would reject above
`max_quarantine_rate_error` stop the import with one line naming the file and the problem, and
nothing is written. The output folder is replaced only when segmart wrote it
(segmart.layout.write_raw_folder); with `landing` the export lands as new files beside the
earlier ones instead (`<out>/<table>/<name>.parquet`, segmart.layout.land_raw_folder), never
replacing a file, and its customers file holds only the customers not landed before.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import re
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from segmart.errors import SegmartError
from segmart.layout import (
    MANIFEST_NAME,
    RAW_COLUMNS,
    RawFolderError,
    check_landing,
    check_out_folder,
    dbt_vars,
    land_raw_folder,
    landing_file_name,
    project_root,
    raw_schema,
    raw_table_files,
    write_raw_folder,
)
from segmart.presets import PRESETS
from segmart.privacy import pseudonymous_id

log = logging.getLogger(__name__)

ISO_FORMATS = [
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d",
    "%Y-%m-%d %H:%M:%S %z",
    "%Y-%m-%dT%H:%M:%S%z",
    "%Y-%m-%d %H:%M:%S%z",
]
# tried (only to suggest --date-format) when no value parses in the declared or ISO formats
COMMON_FORMATS = [
    "%d/%m/%Y %H:%M",
    "%m/%d/%Y %H:%M",
    "%d/%m/%Y %H:%M:%S",
    "%m/%d/%Y %H:%M:%S",
    "%d/%m/%Y",
    "%m/%d/%Y",
    "%d.%m.%Y %H:%M",
    "%d.%m.%Y",
    "%d-%m-%Y",
    "%Y%m%d",
]
NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
DECIMAL_COMMA = re.compile(r"^[+-]?(\d{1,3}(\.\d{3})+|\d*)(,\d*)?$")
INTEGRAL_ID = re.compile(r"^[+-]?\d+(\.0*)?$")
CURRENCY_SEED = "seeds/currency_codes.csv"
OTHER_DELIMITERS = [";", "\t", "|"]


class ImportProblem(SegmartError):
    """A whole-file problem: the message names the file and the problem, on one line."""


def _fail(path: Path, problem: str) -> None:
    raise ImportProblem(f"{path}: {problem}")


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
            convert_options=pacsv.ConvertOptions(
                column_types={n.strip(): pa.string() for n in names},
                strings_can_be_null=True,
                quoted_strings_can_be_null=True,
            ),
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


# The mapping options that name a column of the export (the CLI's --<option> flags too).
COLUMN_OPTIONS = [
    "customer_col",
    "email_col",
    "date_col",
    "amount_col",
    "order_id_col",
    "quantity_col",
    "unit_price_col",
    "line_amount_col",
    "product_col",
    "category_col",
    "currency_col",
    "discount_col",
    "refund_col",
    "city_col",
]


@dataclasses.dataclass
class Mapping:
    """How an export's columns map onto the raw layout (CLI options and preset keys)."""

    customer_col: str | None = None
    email_col: str | None = None
    date_col: str | None = None
    amount_col: str | None = None
    order_id_col: str | None = None
    quantity_col: str | None = None
    unit_price_col: str | None = None
    line_amount_col: str | None = None
    product_col: str | None = None
    category_col: str | None = None
    currency_col: str | None = None
    discount_col: str | None = None
    refund_col: str | None = None
    city_col: str | None = None
    date_format: str | None = None
    decimal_separator: str = "."
    currency: str | None = None
    timezone: str | None = None
    cancelled_prefix: str | None = None
    order_fields_on_first_row: bool = False  # later lines of an order leave its fields (even the id) blank
    preset: str | None = None

    @property
    def line_level(self) -> bool:
        return bool(self.quantity_col or self.unit_price_col or self.line_amount_col)

    def columns(self) -> list[str]:
        return [getattr(self, n) for n in COLUMN_OPTIONS if getattr(self, n)]


def build_mapping(preset: str | None = None, **options) -> Mapping:
    """A preset's mapping with the options given explicitly (not None) laid over it."""
    values: dict = {}
    if preset:
        if preset not in PRESETS:
            raise ImportProblem(f"unknown preset {preset!r} (known: {', '.join(sorted(PRESETS))})")
        values.update(PRESETS[preset])
    values.update({k: v for k, v in options.items() if v is not None})
    return Mapping(preset=preset, **values)


def seed_currencies() -> set[str]:
    table = pacsv.read_csv(
        project_root() / CURRENCY_SEED, convert_options=pacsv.ConvertOptions(column_types={"raw_code": pa.string()})
    )
    return {c.strip().upper() for c in table["raw_code"].to_pylist() if c}


def max_reject_share() -> float:
    """`max_quarantine_rate_error` from dbt_project.yml: the build fails above it."""
    return float(dbt_vars()["max_quarantine_rate_error"])


def _validate(mapping: Mapping) -> None:
    if not (mapping.customer_col or mapping.email_col):
        raise ImportProblem("name the customer: --customer-col (or --email-col, or a --preset)")
    if not mapping.date_col:
        raise ImportProblem("name the date column: --date-col (or a --preset)")
    if mapping.line_level:
        if not (mapping.line_amount_col or (mapping.quantity_col and mapping.unit_price_col)):
            raise ImportProblem("line-level data needs both --quantity-col and --unit-price-col, or --line-amount-col")
        if not mapping.order_id_col:
            raise ImportProblem("line-level data needs --order-id-col to group lines into orders")
    elif not mapping.amount_col:
        raise ImportProblem(
            "name the amount: --amount-col for one row per order, or --quantity-col and "
            "--unit-price-col (or --line-amount-col) for one row per order line"
        )
    if mapping.decimal_separator not in {".", ","}:
        raise ImportProblem(f"decimal separator must be . or , (got {mapping.decimal_separator!r})")
    if mapping.currency is not None:
        mapping.currency = mapping.currency.strip().upper()
        if mapping.currency not in seed_currencies():
            raise ImportProblem(
                f"currency {mapping.currency} has no rate in {CURRENCY_SEED} (add a row "
                "raw_code,currency_code,cny_per_unit for it)"
            )
    if mapping.timezone is None and mapping.date_format and "%z" in mapping.date_format:
        # the offsets fix each instant, not the shop's calendar day (and they change with summer time)
        raise ImportProblem(
            "the dates carry UTC offsets, not the shop's time zone: pass --timezone with the shop's "
            "IANA zone (e.g. --timezone America/New_York); business days are counted there"
        )
    if mapping.timezone is not None:
        try:
            ZoneInfo(mapping.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ImportProblem(
                f"unknown time zone {mapping.timezone!r} (use an IANA name like Europe/London)"
            ) from None


# ------------------------------------------------------------------ parsing, per distinct value


class _Dates:
    """Strict strptime per distinct value. Valid dates become 'YYYY-MM-DD HH:MM:SS' (naive local
    time) or 'YYYY-MM-DDTHH:MM:SS+HH:MM' (the value carries its offset)."""

    def __init__(self, date_format: str | None):
        self.formats = [date_format] if date_format else ISO_FORMATS
        self.cache: dict[str, str | None] = {}

    @staticmethod
    def parse_with(text: str, formats: list[str]) -> str | None:
        for fmt in formats:
            try:
                value = dt.datetime.strptime(text.strip(), fmt)
            except ValueError:
                continue
            if value.tzinfo is not None:
                return value.isoformat(timespec="seconds")
            return value.strftime("%Y-%m-%d %H:%M:%S")
        return None

    def __call__(self, text: str | None) -> str | None:
        if text is None:
            return None
        if text not in self.cache:
            self.cache[text] = self.parse_with(text, self.formats)
        return self.cache[text]


def _swapped(fmt: str) -> str | None:
    if "%d" in fmt and "%m" in fmt:
        return fmt.replace("%d", "\0").replace("%m", "%d").replace("\0", "%m")
    return None


class _Numbers:
    def __init__(self, separator: str):
        self.separator = separator
        self.cache: dict[str, Decimal | None] = {}

    def __call__(self, text: str | None) -> Decimal | None:
        if text is None:
            return None
        if text not in self.cache:
            value = text.strip()
            if self.separator == "," and DECIMAL_COMMA.match(value):
                value = value.replace(".", "").replace(",", ".")
            self.cache[text] = Decimal(value) if NUMBER.match(value) else None
        return self.cache[text]


def _text(value: Decimal) -> str:
    if value == value.to_integral_value():
        return str(int(value))
    return format(value.normalize(), "f")


def _clean(values: list) -> list[str | None]:
    out = []
    for v in values:
        v = v.strip() if v is not None else None
        out.append(v or None)
    return out


def _integral_ids(values: list[str | None]) -> list[str | None]:
    """'17850.0' -> '17850' when every non-null value of the column is an integral number."""
    present = [v for v in values if v is not None]
    if not present or not all(INTEGRAL_ID.match(v) for v in present):
        return values
    return [None if v is None else str(int(Decimal(v))) for v in values]


# ------------------------------------------------------------------ the import


@dataclasses.dataclass
class _Rejects:
    """Rows staging would quarantine, by (column, reason), with an example value."""

    denominators: dict[str, int]
    counts: dict[tuple[str, str, str], int] = dataclasses.field(default_factory=dict)
    examples: dict[tuple[str, str, str], str] = dataclasses.field(default_factory=dict)

    def add(self, level: str, column: str, reason: str, example) -> None:
        key = (level, column, reason)
        self.counts[key] = self.counts.get(key, 0) + 1
        self.examples.setdefault(key, "" if example is None else str(example))

    def by_reason(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for (_, _, reason), n in self.counts.items():
            out[reason] = out.get(reason, 0) + n
        return out


def import_export(
    orders: Path,
    mapping: Mapping,
    out_dir: Path,
    customers: list[Path] | None = None,
    delimiter: str = ",",
    landing: str | None = None,
) -> dict:
    """Read, check and write; returns the summary. Raises ImportProblem (nothing written).
    landing: land the export as new files named so (e.g. 2026-11-30) in the raw folder's table
    folders instead of replacing the raw folder."""
    _validate(mapping)
    out_dir = Path(out_dir)
    try:
        check_landing(out_dir, landing_file_name(landing)) if landing else check_out_folder(out_dir)
    except RawFolderError as exc:
        raise ImportProblem(str(exc)) from None
    table = read_text_table(orders, delimiter)
    is_csv = orders.suffix.lower() not in {".parquet", ".pq"}
    header = ""
    if is_csv:
        with open(orders, "rb") as handle:
            header = handle.readline().decode("utf-8", errors="replace")
    _require_columns(orders, table, mapping.columns(), _delimiter_hint(header, delimiter) if is_csv else "")
    rows_read = table.num_rows
    log.debug(
        "read %s rows of %s; mapping %s",
        f"{rows_read:,}",
        orders,
        {k: v for k, v in dataclasses.asdict(mapping).items() if v is not None},
    )
    # a header line repeated in the middle (exports concatenated from several files)
    repeated = pa.array([True] * table.num_rows, pa.bool_())
    for name in table.column_names:
        repeated = pc.and_(
            repeated, pc.fill_null(pc.equal(pc.utf8_trim_whitespace(table[name].combine_chunks()), name), False)
        )
    repeated_headers = int(pc.sum(repeated).as_py() or 0)
    if repeated_headers:
        table = table.filter(pc.invert(repeated))
    if table.num_rows == 0:
        _fail(orders, "no data rows (only a header)")
    amount_cols = (
        [mapping.amount_col]
        if not mapping.line_level
        else ([mapping.line_amount_col] if mapping.line_amount_col else [mapping.unit_price_col])
    )
    numbers = _Numbers(mapping.decimal_separator)
    for col in amount_cols:
        if not any(numbers(v) is not None for v in table[col].to_pylist()):
            hint = ""
            if mapping.decimal_separator == "." and any(
                DECIMAL_COMMA.match((v or "").strip()) and "," in (v or "") for v in table[col].to_pylist()
            ):
                hint = "; looks like a decimal comma: pass --decimal-separator ,"
            _fail(orders, f"column {col!r} has no numeric value{hint}")
    dates = _Dates(mapping.date_format)
    date_values = _clean(table[mapping.date_col].to_pylist())
    distinct_dates = {v for v in date_values if v is not None}
    if not any(dates(v) is not None for v in distinct_dates):
        shown = mapping.date_format or "ISO 8601 (YYYY-MM-DD[ HH:MM:SS])"
        _fail(
            orders,
            f"column {mapping.date_col!r} has no date in the format {shown}"
            f"{_format_hint(distinct_dates)} (use --date-format)",
        )
    _check_day_first(orders, mapping, dates, distinct_dates)

    # a landed export's generated order ids start with its file's name: unique across landings
    result = _map(
        table, mapping, numbers, dates, f"{landing_file_name(landing)[: -len('.parquet')]}-" if landing else ""
    )
    summary = result["summary"]
    summary.update(rows_read=rows_read, repeated_headers_dropped=repeated_headers)
    _check_rejects(orders, mapping, result["rejects"], summary)

    raw_customers = _customers(result, customers, mapping, delimiter) if customers else result["customers"]
    if landing:
        raw_customers = _new_customers(raw_customers, out_dir)
    summary["customers"] = raw_customers.num_rows
    currencies = sorted(c for c in summary["totals"] if c)
    reporting = mapping.currency or (currencies[0] if len(currencies) == 1 else "CNY")
    if "" in summary["totals"]:  # rows without a currency count in the default (reporting) currency
        amount = summary["totals"].pop("")
        summary["totals"][reporting] = summary["totals"].get(reporting, Decimal(0)) + amount
    settings = {"reporting_currency": reporting, "business_timezone": mapping.timezone or "Asia/Shanghai"}
    summary["reporting_currency"] = reporting

    def fill(tmp: Path) -> None:
        tables = {"orders": result["orders"], "order_items": result["order_items"], "customers": raw_customers}
        for name in RAW_COLUMNS:
            pq.write_table(
                tables.get(name, raw_schema(name).empty_table()), tmp / f"{name}.parquet", compression="zstd"
            )
        manifest = {
            "written_by": "segmart import",
            "settings": settings,
            "mapping": {k: v for k, v in dataclasses.asdict(mapping).items() if v is not None},
            "imported": {"orders_file": str(orders), "customer_files": [str(p) for p in customers or []]},
            "rows": {name: tables[name].num_rows if name in tables else 0 for name in RAW_COLUMNS},
            "summary": json.loads(json.dumps(summary, default=str)),
        }
        (tmp / MANIFEST_NAME).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")

    try:
        land_raw_folder(out_dir, landing, fill) if landing else write_raw_folder(out_dir, fill)
    except RawFolderError as exc:
        raise ImportProblem(str(exc)) from None
    return summary


def _new_customers(raw_customers: pa.Table, out_dir: Path) -> pa.Table:
    """The customers not in the raw folder yet (a landed export's customers file): a customer id
    landed before would be quarantined as duplicate_id."""
    landed = [
        pq.read_table(path, columns=["customer_id"])["customer_id"]
        for path in raw_table_files(out_dir, "customers")
        if path.exists()
    ]
    if not landed:
        return raw_customers
    known = pa.concat_arrays([chunk.cast(pa.string()) for column in landed for chunk in column.chunks])
    return raw_customers.filter(pc.invert(pc.is_in(raw_customers["customer_id"], value_set=known)))


def _format_hint(values: set[str]) -> str:
    sample = sorted(values)[:2000]
    best, best_n = None, 0
    for fmt in COMMON_FORMATS:
        n = sum(_Dates.parse_with(v, [fmt]) is not None for v in sample)
        if n > best_n:
            best, best_n = fmt, n
    return f"; {best_n / len(sample):.0%} parse as {best}" if best else ""


def _check_day_first(path: Path, mapping: Mapping, dates: _Dates, distinct: set[str]) -> None:
    """Day and month swapped: some values fail the declared format but parse with day and month
    swapped, and no value parses only in the declared order (which would prove it right)."""
    swapped = _swapped(mapping.date_format) if mapping.date_format else None
    if not swapped:
        return
    swap_only, declared_only = [], 0
    for v in distinct:
        ok = dates(v) is not None
        ok_swapped = _Dates.parse_with(v, [swapped]) is not None
        if ok_swapped and not ok:
            swap_only.append(v)
        elif ok and not ok_swapped:
            declared_only += 1
    if swap_only and not declared_only:
        swap_only.sort()
        order = "day-first" if swapped.index("%d") < swapped.index("%m") else "month-first"
        _fail(
            path,
            f"column {mapping.date_col!r}: {len(swap_only):,} of {len(distinct):,} distinct dates do not parse "
            f"as {mapping.date_format} but do with day and month swapped (e.g. {swap_only[0]!r}); "
            f"looks {order}: pass --date-format {swapped}",
        )


def _map(table: pa.Table, mapping: Mapping, numbers: _Numbers, dates: _Dates, id_prefix: str = "") -> dict:
    n = table.num_rows

    def col(name: str | None) -> list:
        return _clean(table[name].to_pylist()) if name else [None] * n

    order_ids = _integral_ids(col(mapping.order_id_col))
    if mapping.email_col and not mapping.customer_col:
        emails = col(mapping.email_col)
        customer_ids = [pseudonymous_id(e) if e else None for e in emails]
    else:
        emails = col(mapping.email_col)
        customer_ids = _integral_ids(col(mapping.customer_col))
    raw_dates, currencies, cities = col(mapping.date_col), col(mapping.currency_col), col(mapping.city_col)
    discounts, refunds = col(mapping.discount_col), col(mapping.refund_col)
    known_currencies = seed_currencies() if mapping.currency_col else set()

    # group rows into orders (first appearance order); a row is its own order without line level
    if mapping.line_level:
        quantities, prices = col(mapping.quantity_col), col(mapping.unit_price_col)
        line_amounts = col(mapping.line_amount_col)
        products, categories = col(mapping.product_col), col(mapping.category_col)
        groups: dict[str, list[int]] = {}
        order_rows: list[list[int]] = []
        previous = None
        for i, oid in enumerate(order_ids):
            if oid is None and mapping.order_fields_on_first_row:
                oid = order_ids[i] = previous  # later rows of an order may leave its fields blank
            previous = oid
            if oid is None:
                order_rows.append([i])
            elif oid in groups:
                groups[oid].append(i)
            else:
                groups[oid] = [i]
                order_rows.append(groups[oid])
    else:
        amounts = col(mapping.amount_col)
        order_rows = [[i] for i in range(n)]
        if not mapping.order_id_col:
            # the row's position, not the file's name: tomorrow's export (the same rows and new ones
            # at the end, under another name) keeps every id, so the build stays incremental; a
            # landed export holds only its own rows: the landed file's name comes first (id_prefix)
            order_ids = [f"{id_prefix}row-{i + 1}" for i in range(n)]

    rejects = _Rejects({"orders": len(order_rows), "order_items": n if mapping.line_level else 0})
    out = {c: [] for c in RAW_COLUMNS["orders"]}
    items = {c: [] for c in RAW_COLUMNS["order_items"]}
    totals: dict[str, Decimal] = {}
    guest = {"orders": 0, "lines": 0, "amount": Decimal(0)}
    seen_ids: set[str] = set()
    first_seen: dict[str, int] = {}
    parsed_dates: list[str] = []
    returns = 0
    for rows in order_rows:
        first = rows[0]
        oid, cust = order_ids[first], customer_ids[first]
        is_guest = cust is None
        if cust is not None:
            first_seen.setdefault(cust, first)
        ordered_at = dates(raw_dates[first])
        currency = currencies[first] or mapping.currency
        if mapping.line_level:
            gross: Decimal | None = Decimal(0)
            bad_gross = None
            for number, i in enumerate(rows, start=1):
                if mapping.line_amount_col:
                    amount = numbers(line_amounts[i])
                    quantity = None if amount is None else Decimal(-1 if amount < 0 else 1)
                    price = None if amount is None else abs(amount)
                    q_text, p_text = (_text(quantity), _text(price)) if amount is not None else ("1", line_amounts[i])
                    bad = None if amount is not None else (mapping.line_amount_col, line_amounts[i])
                else:
                    quantity, price = numbers(quantities[i]), numbers(prices[i])
                    amount = quantity * price if quantity is not None and price is not None else None
                    q_text = _text(quantity) if quantity is not None else quantities[i]
                    p_text = _text(price) if price is not None else prices[i]
                    bad = (
                        None
                        if amount is not None
                        else (mapping.quantity_col, quantities[i])
                        if quantity is None
                        else (mapping.unit_price_col, prices[i])
                    )
                if not is_guest:
                    if bad:
                        rejects.add("order_items", bad[0], "unparseable_number", bad[1])
                    elif price is not None and price < 0:
                        rejects.add("order_items", mapping.unit_price_col, "negative_amount", prices[i])
                if amount is None:
                    gross, bad_gross = None, bad_gross or bad[1]
                elif gross is not None:
                    gross += amount
                items["order_id"].append(oid)
                items["line_number"].append(str(number))
                items["product_id"].append(products[i])
                items["category"].append(categories[i])
                items["quantity"].append(q_text)
                items["unit_price"].append(p_text)
            gross_text = _text(gross) if gross is not None else bad_gross
            if gross is None and not is_guest:
                rejects.add("orders", mapping.quantity_col or mapping.line_amount_col, "unparseable_number", bad_gross)
        else:
            raw_amount = amounts[first]
            gross = numbers(raw_amount)
            gross_text = _text(gross) if gross is not None else raw_amount
            if gross is None and not is_guest:
                rejects.add("orders", mapping.amount_col, "unparseable_number", raw_amount)
        discount, refund = numbers(discounts[first]), numbers(refunds[first])
        if not is_guest:
            if oid is None:
                rejects.add("orders", mapping.order_id_col, "missing_order_id", None)
            elif mapping.order_id_col and not mapping.line_level and oid in seen_ids:
                rejects.add("orders", mapping.order_id_col, "duplicate_id", oid)
            if ordered_at is None:
                rejects.add("orders", mapping.date_col, "unparseable_timestamp", raw_dates[first])
            for name, raw, value in [
                (mapping.discount_col, discounts[first], discount),
                (mapping.refund_col, refunds[first], refund),
            ]:
                if raw is not None and value is None:
                    rejects.add("orders", name, "unparseable_number", raw)
            if currencies[first] and currencies[first].upper() not in known_currencies:
                rejects.add("orders", mapping.currency_col, "unknown_currency", currencies[first])
        if oid is not None:
            seen_ids.add(oid)
        is_return = (gross is not None and gross < 0) or bool(
            mapping.cancelled_prefix and oid and oid.startswith(mapping.cancelled_prefix)
        )
        returns += is_return
        if is_guest:
            guest["orders"] += 1
            guest["lines"] += len(rows)
            guest["amount"] += gross or 0
        elif gross is not None:
            key = (currency or "").upper() or ""
            totals[key] = totals.get(key, Decimal(0)) + gross
        if ordered_at is not None and not is_guest:
            parsed_dates.append(ordered_at[:10])
        out["order_id"].append(oid)
        out["customer_id"].append(cust)
        out["ordered_at"].append(ordered_at or raw_dates[first])
        out["channel"].append(None)
        out["status"].append("returned" if is_return else None)
        out["currency"].append(currency)
        out["gross_amount"].append(gross_text)
        out["discount_amount"].append(_text(discount) if discount is not None else discounts[first])
        out["refund_amount"].append(_text(refund) if refund is not None else refunds[first])
        out["cost_amount"].append(None)

    ids = sorted(first_seen)
    customers = pa.table(
        {
            c: (
                ids
                if c == "customer_id"
                else [emails[first_seen[i]] for i in ids]
                if c == "email" and mapping.email_col
                else [cities[first_seen[i]] for i in ids]
                if c == "city" and mapping.city_col
                else [None] * len(ids)
            )
            for c in RAW_COLUMNS["customers"]
        },
        schema=raw_schema("customers"),
    )
    summary = {
        "orders": len(order_rows),
        "distinct_order_ids": len(seen_ids),
        "returns": returns,
        "lines": len(items["order_id"]),
        "customers": len(ids),
        "first_date": min(parsed_dates) if parsed_dates else None,
        "last_date": max(parsed_dates) if parsed_dates else None,
        "totals": totals,
        "guests": guest,
        "quarantined": rejects.by_reason(),
    }
    return {
        "orders": pa.table(out, schema=raw_schema("orders")),
        "order_items": pa.table(items, schema=raw_schema("order_items")),
        "customers": customers,
        "summary": summary,
        "rejects": rejects,
    }


def _check_rejects(path: Path, mapping: Mapping, rejects: _Rejects, summary: dict) -> None:
    """Stop when staging would quarantine more than max_quarantine_rate_error of the orders or
    lines for one column and reason (guests do not count, as in the var quarantine_rate_ignored_reasons)."""
    limit = max_reject_share()
    worst = None
    for key, count in rejects.counts.items():
        share = count / max(rejects.denominators[key[0]], 1)
        if share > limit and (worst is None or share > worst[1]):
            worst = (key, share)
    if worst is None:
        return
    (level, column, reason), share = worst
    example = rejects.examples[(level, column, reason)]
    unit = "orders" if level == "orders" else "order lines"
    if reason == "duplicate_id":
        _fail(
            path,
            f"column {column!r}: {summary['orders']:,} rows but "
            f"{summary['distinct_order_ids']:,} distinct order ids "
            f"({share:.1%} would be quarantined as duplicate_id, e.g. {example!r}): "
            "pass --quantity-col/--unit-price-col (or --line-amount-col) for line-level data",
        )
    hint = ""
    if (
        reason == "unparseable_number"
        and mapping.decimal_separator == "."
        and "," in example
        and DECIMAL_COMMA.match(example.strip())
    ):
        hint = "; looks like a decimal comma: pass --decimal-separator ,"
    elif reason == "unparseable_timestamp":
        swapped = _swapped(mapping.date_format) if mapping.date_format else None
        if swapped and _Dates.parse_with(example, [swapped]):
            hint = f"; looks day-first: pass --date-format {swapped}"
    _fail(
        path,
        f"column {column!r}: {share:.1%} of {unit} would be quarantined as {reason} "
        f"(more than max_quarantine_rate_error {limit:g}), e.g. {example!r}{hint}",
    )


def _customers(result: dict, paths: list[Path], mapping: Mapping, delimiter: str) -> pa.Table:
    parts = []
    for path in paths:
        part = read_text_table(path, delimiter)
        if "customer_id" not in part.column_names and mapping.customer_col in part.column_names:
            part = part.rename_columns(["customer_id" if c == mapping.customer_col else c for c in part.column_names])
        _require_columns(path, part, ["customer_id"], _delimiter_hint(",".join(part.column_names), delimiter))
        m = part.num_rows
        parts.append(
            pa.table(
                {
                    c: part[c].combine_chunks() if c in part.column_names else pa.nulls(m, pa.string())
                    for c in RAW_COLUMNS["customers"]
                },
                schema=raw_schema("customers"),
            )
        )
    return pa.concat_tables(parts)


def format_summary(summary: dict, orders: Path, out_dir: Path) -> str:
    def money(amount, currency: str) -> str:
        return f"{Decimal(amount):,.2f} {currency}"

    totals = ", ".join(money(v, k) for k, v in sorted(summary["totals"].items())) or "0"
    lines = [
        (
            f"imported {orders} into {out_dir}: {summary['rows_read']:,} rows read, {summary['orders']:,} orders "
            f"({summary['returns']:,} returns), {summary['lines']:,} order lines, {summary['customers']:,} customers, "
            f"dates {summary['first_date']} to {summary['last_date']}, total {totals}"
        ),
        f"repeated header lines dropped: {summary['repeated_headers_dropped']:,}",
    ]
    quarantined = summary["quarantined"]
    if quarantined:
        lines.append("rows staging will quarantine: " + ", ".join(f"{r} {n:,}" for r, n in sorted(quarantined.items())))
    else:
        lines.append("rows staging will quarantine: none found")
    guests = summary["guests"]
    currency = summary["reporting_currency"] if len(summary["totals"]) <= 1 else "(mixed currencies)"
    lines.append(
        f"guest rows (no customer id): {guests['lines'] if summary['lines'] else guests['orders']:,} "
        f"{'lines' if summary['lines'] else 'rows'} in {guests['orders']:,} orders, amount "
        f"{money(guests['amount'], currency)}, quarantined as missing_customer_id"
    )
    return "\n".join(lines)
