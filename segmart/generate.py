"""`segmart generate`: realistic, deterministic raw data for a Chinese retailer.

The shape every later model is judged on:
- repeat purchasing follows a buy-till-you-die process (Fader, Hardie & Lee 2005): each buyer
  buys at their own Poisson rate lambda ~ Gamma(r, alpha) and, after each purchase, drops out
  with their own probability p ~ Beta(a, b); spend per order follows a per-customer level
  (Gamma-Gamma), so value is heavy-tailed;
- seasonality thins the purchase process with peaks at Spring Festival, 618 and Double 11
  (windows from seeds/holiday_windows.csv) and a weekend lift;
- prospects sign up and never order; 2B and 2G customers are fewer but larger;
- cities come from seeds/geo_cities.csv, weighted by tier;
- a few percent of dirty rows of every kind staging must quarantine, recorded per table and
  reason in `_manifest.json`, so tests can check that staging catches exactly those.

Customers are generated in fixed-size chunks, each from its own random stream (seeded by the
seed and the chunk's number) and numbering its orders, events and survey answers from 0; worker
processes draw chunks in parallel and this process numbers them on and appends them to Parquet
writers in chunk order. Memory is bounded by the chunk size times the workers, and the same seed
gives the same bytes whatever the number of workers.
"""

from __future__ import annotations

import csv
import datetime as dt
import itertools
import json
import logging
import multiprocessing
import os
import shutil
import sys
import tempfile
from collections import deque
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from tqdm import tqdm

from segmart.layout import (
    MANIFEST_NAME,
    RAW_COLUMNS,
    land_raw_folder,
    project_root,
    raw_schema,
    write_raw_folder,
)

log = logging.getLogger(__name__)

CHUNK_CUSTOMERS = 25_000
TABLES = list(RAW_COLUMNS)

# Buy-till-you-die population (per day). Mean rate 0.04/day, mean drop-out 0.09 per purchase.
BTYD = {"r": 1.5, "alpha": 37.5, "a": 1.2, "b": 12.0}
HOLIDAY_LIFT = {"spring_festival": 1.6, "mid_year_618": 2.0, "double_11": 2.8}
WEEKEND_LIFT = 1.15
TIER_WEIGHT = {"tier_1": 6.0, "new_tier_1": 3.0, "tier_2": 1.5, "tier_3": 0.8, "tier_4_below": 0.4}
# Category economics: typical unit price (CNY) and cost ratio.
CATEGORY_PRICE = {
    "electronics": (900, 0.82),
    "home_appliances": (700, 0.78),
    "apparel": (180, 0.55),
    "beauty": (150, 0.50),
    "food_beverage": (60, 0.70),
    "mother_baby": (120, 0.65),
    "home_furnishing": (260, 0.60),
    "sports_outdoor": (220, 0.58),
    "books_media": (45, 0.72),
    "health_wellness": (130, 0.55),
}
CATEGORY_WEIGHT = [1.2, 0.8, 1.6, 1.3, 1.8, 0.8, 0.9, 0.8, 0.6, 0.7]
CHANNELS = np.array(["online", "store", "app", "phone"], dtype=object)
EVENT_TYPES = np.array(
    [
        "page_view",
        "ad_click",
        "review",
        "complaint",
        "product_suggestion",
        "referral_signup",
        "referral_purchase",
        "value_added_purchase",
    ],
    dtype=object,
)
EDUCATION = np.array(["primary", "secondary", "vocational", "bachelor", "master", "doctorate"], dtype=object)
EDUCATION_P = [0.08, 0.30, 0.22, 0.30, 0.08, 0.02]
OCCUPATION = np.array(
    [
        "student",
        "office_worker",
        "civil_servant",
        "professional",
        "manager",
        "self_employed",
        "worker",
        "farmer",
        "retired",
        "homemaker",
    ],
    dtype=object,
)
INDUSTRY = np.array(
    [
        "manufacturing",
        "retail",
        "technology",
        "finance",
        "education",
        "healthcare",
        "logistics",
        "construction",
        "public_administration",
    ],
    dtype=object,
)
COMPANY_SIZE = np.array(["micro", "small", "medium", "large"], dtype=object)
ACQUISITION = np.array(
    ["organic_search", "paid_search", "social", "referral", "store_walk_in", "partner", "direct"], dtype=object
)
LIFESTYLE = np.array(["frugal", "balanced", "premium", "adventurous", "homebody"], dtype=object)
VALUES = np.array(["tradition", "achievement", "security", "self_direction", "benevolence"], dtype=object)
CREDIT = np.array(["A", "B", "C", "D"], dtype=object)
SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈")
GIVEN = list("伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红娥玲芬燕彬鹏辉建国文斌宇浩凯晨欣怡子涵雨轩")
AREA_CODES = np.array(
    [
        "110101",
        "310104",
        "440106",
        "440304",
        "510104",
        "500103",
        "330106",
        "420102",
        "320505",
        "610102",
        "320102",
        "430102",
    ],
    dtype=object,
)

# Dirty-row rates per kind (each a fraction of that table's rows).
DIRTY_RATE = 0.003

# Rejection reasons, as staging names them.
R_MISSING_CUSTOMER = "missing_customer_id"
R_UNKNOWN_CUSTOMER = "unknown_customer_id"
R_DUPLICATE = "duplicate_id"
R_BAD_TS = "unparseable_timestamp"
R_FUTURE_TS = "future_timestamp"
R_NEGATIVE = "negative_amount"
R_REFUND = "refund_above_gross"
R_CURRENCY = "unknown_currency"
R_AGE = "impossible_age"
R_UNKNOWN_ORDER = "unknown_order_id"
R_GUEST_LINE = "guest_order_line"
R_BAD_NUMBER = "unparseable_number"
R_CATEGORY = "unknown_category"
R_EVENT_TYPE = "unknown_event_type"
R_MALFORMED = "malformed_answer"


@dataclass
class Lookups:
    cities: list[dict]
    holidays: list[dict]
    categories: list[str]

    @classmethod
    def load(cls, seeds_dir: Path | None = None) -> Lookups:
        seeds = seeds_dir or project_root() / "seeds"
        with open(seeds / "geo_cities.csv", encoding="utf-8") as handle:
            cities = list(csv.DictReader(handle))
        with open(seeds / "holiday_windows.csv", encoding="utf-8") as handle:
            holidays = list(csv.DictReader(handle))
        with open(seeds / "product_categories.csv", encoding="utf-8") as handle:
            categories = [row["category"] for row in csv.DictReader(handle)]
        if set(categories) != set(CATEGORY_PRICE):
            raise ValueError("seeds/product_categories.csv and the generator's price table disagree")
        return cls(cities, holidays, categories)


@dataclass
class Counter:
    rows: dict[str, int] = field(default_factory=lambda: {t: 0 for t in TABLES})
    dirty: dict[str, dict[str, int]] = field(default_factory=lambda: {t: {} for t in TABLES})

    def add_dirty(self, table: str, reason: str, count: int) -> None:
        self.dirty[table][reason] = self.dirty[table].get(reason, 0) + int(count)

    def add_chunk(self, chunk: Chunk, tables: dict[str, pa.Table]) -> None:
        for table, data in tables.items():
            self.rows[table] += data.num_rows
        for table, reasons in chunk.dirty.items():
            for reason, count in reasons.items():
                self.add_dirty(table, reason, count)


@dataclass
class People:
    """One chunk's customers, one entry per customer: what `Generator._draw_people` drew."""

    n: int
    numbers: np.ndarray  # customer numbers (C000000001 is number 1)
    customer_id: pa.Array
    ctype: np.ndarray  # 0 individual, 1 business, 2 government
    is_org: np.ndarray
    signup_t: np.ndarray  # days since the start date
    engagement: np.ndarray
    first_t: np.ndarray  # day of the first purchase (a buyer's, if before the end date)
    is_buyer: np.ndarray
    lam: np.ndarray  # purchase rate per day
    drop: np.ndarray  # drop-out probability after each purchase
    price_level: np.ndarray
    city: np.ndarray  # index into the geo_cities seed
    signup_epoch: np.ndarray
    birth_epoch: np.ndarray


@dataclass
class Orders:
    """One chunk's orders, one entry per order, in customer then time order."""

    cust: np.ndarray  # index into People
    day: np.ndarray  # days since the start date (fractional)
    number: np.ndarray  # from 0 within the chunk (Chunk.tables numbers on from the chunks before)
    epoch: np.ndarray  # local time, seconds
    in_holiday: np.ndarray
    channel: np.ndarray


@dataclass
class Lines:
    """One chunk's order lines, one entry per line; amounts in CNY cents."""

    order: np.ndarray  # index into Orders
    number: np.ndarray  # line number within the order, from 1
    cust: np.ndarray  # index into People
    category: np.ndarray  # index into the categories
    price_cents: np.ndarray
    quantity: np.ndarray
    gross: np.ndarray


@dataclass
class Settlement:
    """Amounts (CNY cents) and status of each order of Orders."""

    gross: np.ndarray
    cost: np.ndarray
    discount: np.ndarray
    status: np.ndarray
    refund: np.ndarray


# The ids numbered across chunks: (table, column) -> (sequence, prefix, digits). Each sequence
# runs on from the chunk before; order lines carry their order's id.
SEQUENCE_IDS = {
    ("orders", "order_id"): ("order", "O", 10),
    ("order_items", "order_id"): ("order", "O", 10),
    ("customer_events", "event_id"): ("event", "E", 11),
    ("wallet_survey", "response_id"): ("response", "S", 9),
}


@dataclass
class Chunk:
    """One chunk's raw columns as `Generator.chunk` drew them: the SEQUENCE_IDS columns hold
    numbers from 0 within the chunk (int64); `drawn` counts each sequence's numbers, `dirty` the
    dirty rows planted, by table and reason. A worker process hands a chunk over as Arrow IPC
    files (`spooled`, one per table) instead of `columns`: a pickle through a pipe cost a third
    as much again as drawing the chunk."""

    columns: dict[str, dict[str, pa.Array]]
    drawn: dict[str, int]
    dirty: dict[str, dict[str, int]]
    spooled: dict[str, str] = field(default_factory=dict)

    def spool(self, folder: Path, chunk_no: int) -> Chunk:
        """This chunk with its columns written to Arrow IPC files in `folder`."""
        spooled = {}
        for name, cols in self.columns.items():
            data = pa.table(cols)
            path = str(Path(folder) / f"chunk-{chunk_no}-{name}.arrow")
            with pa.OSFile(path, "wb") as sink, pa.ipc.new_file(sink, data.schema) as writer:
                writer.write_table(data)
            spooled[name] = path
        return Chunk({}, self.drawn, self.dirty, spooled)

    def _columns(self) -> dict[str, dict[str, pa.Array]]:
        """The columns, read back (memory-mapped) and the files removed when spooled."""
        if not self.spooled:
            return self.columns
        columns = {}
        for name, path in self.spooled.items():
            with pa.memory_map(path) as source:
                data = pa.ipc.open_file(source).read_all()
            os.unlink(path)  # the mapping stays readable until the table is gone
            columns[name] = {column: data[column] for column in data.column_names}  # no copy
        return columns

    def tables(self, before: dict[str, int]) -> dict[str, pa.Table]:
        """The raw tables, each sequence numbered on from `before` (how many numbers the chunks
        before this one used): order O0000000001 is the first chunk's first order."""
        tables = {}
        for name, cols in self._columns().items():
            cols = dict(cols)
            for (table, column), (sequence, prefix, digits) in SEQUENCE_IDS.items():
                if table == name:
                    text = _ids(prefix, np.arange(1, self.drawn[sequence] + 1) + before[sequence], digits)
                    numbers = cols[column]
                    cols[column] = text.take(
                        numbers.combine_chunks() if isinstance(numbers, pa.ChunkedArray) else numbers
                    )
            tables[name] = pa.table(cols, schema=raw_schema(name))
        return tables


# ----------------------------------------------------------------------------------------------
# small vectorised helpers


def _fixed_width_text(n: int, pieces: list) -> pa.Array:
    """n strings of the same width, each the concatenation of `pieces`: literal bytes, or
    (values, digits) for n non-negative integers written with that many digits (zero-padded),
    written digit by digit into one buffer: much faster than formatting through Arrow kernels.
    For one chunk's columns: the offsets are 32-bit."""
    width = sum(len(piece) if isinstance(piece, bytes) else piece[1] for piece in pieces)
    text = np.empty((n, width), dtype=np.uint8)
    column = 0
    for piece in pieces:
        if isinstance(piece, bytes):
            text[:, column : column + len(piece)] = np.frombuffer(piece, dtype=np.uint8)
            column += len(piece)
            continue
        value, digits = piece
        for position in range(digits - 1, -1, -1):
            text[:, column + position] = 48 + value % 10
            value = value // 10
        column += digits
    offsets = np.arange(0, (n + 1) * width, width, dtype=np.int32)
    return pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(text))


def _ids(prefix: str, numbers: np.ndarray, width: int) -> pa.Array:
    """prefix + the number zero-padded to `width` digits (wider numbers are written in full)."""
    numbers = np.asarray(numbers, dtype=np.int64)
    if numbers.size and (numbers.min() < 0 or numbers.max() >= 10**width):
        text = pc.utf8_lpad(pc.cast(pa.array(numbers, pa.int64()), pa.string()), width, "0")
        return pc.binary_join_element_wise(pa.scalar(prefix), text, "")
    return _fixed_width_text(numbers.size, [prefix.encode(), (numbers, width)])


def _money(cents: np.ndarray) -> pa.Array:
    """Cents (int64) as '123.45' strings; negative values keep their sign. Written digit by
    digit into one buffer, as _fixed_width_text, with each value's own width."""
    cents = np.asarray(cents, dtype=np.int64)
    negative = cents < 0
    absolute = np.abs(cents)
    whole, fraction = absolute // 100, absolute % 100
    digits = np.ones(cents.size, dtype=np.int64)  # digits of the whole part
    power = 10
    while cents.size and power <= whole.max():
        digits += whole >= power
        power *= 10
    offsets = np.zeros(cents.size + 1, dtype=np.int64)
    np.cumsum(negative + digits + 3, out=offsets[1:])
    text = np.empty(offsets[-1], dtype=np.uint8)
    start = offsets[:-1]
    text[start[negative]] = ord("-")
    point = start + negative + digits  # where the decimal point goes
    for position in range(int(digits.max(initial=1))):
        has = digits > position
        text[point[has] - 1 - position] = 48 + whole[has] // 10**position % 10
    text[point] = ord(".")
    text[point + 1] = 48 + fraction // 10
    text[point + 2] = 48 + fraction % 10
    return pa.StringArray.from_buffers(cents.size, pa.py_buffer(offsets.astype(np.int32)), pa.py_buffer(text))


_TIME_FIELDS = {"%Y": 4, "%m": 2, "%d": 2, "%H": 2, "%M": 2, "%S": 2}


def _local_text(epoch_seconds: np.ndarray, fmt: str = "%Y-%m-%d %H:%M:%S") -> pa.Array:
    """Seconds since 1970 (local time, no zone) as text in `fmt` (%Y %m %d %H %M %S and literal
    characters), byte for byte what Arrow's strftime writes, but as fixed-width text (strftime
    was a third of the generator's time)."""
    epoch = np.asarray(epoch_seconds, dtype="int64")
    parts = [fmt[i : i + 2] if fmt[i] == "%" else fmt[i] for i in range(len(fmt)) if i == 0 or fmt[i - 1] != "%"]
    days = epoch.astype("datetime64[s]").astype("datetime64[D]")
    years = days.astype("datetime64[Y]").astype(np.int64) + 1970
    unsupported = any(part.startswith("%") and part not in _TIME_FIELDS for part in parts)
    if unsupported or (epoch.size and (years.min() < 1000 or years.max() > 9999)):
        return pc.strftime(pa.array(epoch, pa.timestamp("s")), format=fmt)
    months = days.astype("datetime64[M]")
    seconds = epoch - days.astype(np.int64) * 86_400
    values = {
        "%Y": years,
        "%m": months.astype(np.int64) % 12 + 1,
        "%d": (days - months.astype("datetime64[D]")).astype(np.int64) + 1,
        "%H": seconds // 3600,
        "%M": seconds // 60 % 60,
        "%S": seconds % 60,
    }
    pieces = [(values[part], _TIME_FIELDS[part]) if part in _TIME_FIELDS else part.encode() for part in parts]
    return _fixed_width_text(epoch.size, pieces)


def _other_rows(n: int, rows: np.ndarray) -> np.ndarray:
    """0 .. n-1 without `rows`, ascending (np.setdiff1d's answer, without its sort)."""
    keep = np.ones(n, dtype=bool)
    keep[rows] = False
    return np.flatnonzero(keep)


def _with_nulls(values: pa.Array, null_mask: np.ndarray) -> pa.Array:
    return pc.if_else(pa.array(null_mask), pa.nulls(len(values), pa.string()), values)


def _set(values: pa.Array, rows: np.ndarray, new_values) -> pa.Array:
    """Copy of `values` with `rows` (distinct) replaced by `new_values` (a string, None or a list
    of strings, one per row)."""
    rows = np.asarray(rows, dtype=np.int64)
    if not isinstance(new_values, list):
        new_values = [new_values] * rows.size
    order = np.argsort(rows, kind="stable")
    mask = np.zeros(len(values), dtype=bool)
    mask[rows] = True
    replacements = pa.array([new_values[i] for i in order], pa.string())
    return pc.replace_with_mask(values, pa.array(mask), replacements)


def _choice_rows(rng: np.random.Generator, cumulative: np.ndarray) -> np.ndarray:
    """Vectorised categorical draw: one index per row of a row-wise cumulative probability matrix."""
    u = rng.random(cumulative.shape[0])[:, None]
    return np.minimum((u > cumulative).sum(axis=1), cumulative.shape[1] - 1)


# ----------------------------------------------------------------------------------------------
# the generator


class Generator:
    def __init__(self, n_customers: int, seed: int, start: dt.date, end: dt.date, lookups: Lookups | None = None):
        if n_customers < 1:
            raise ValueError("--customers must be at least 1")
        if end <= start:
            raise ValueError("--end-date must be after --start-date")
        self.n_customers = n_customers
        self.seed = seed
        self.start = start
        self.end = end
        self.lookups = lookups or Lookups.load()
        self.n_days = (end - start).days + 1
        self.epoch0 = int(dt.datetime(start.year, start.month, start.day).replace(tzinfo=dt.UTC).timestamp())
        self.season = self._season()
        self.city_names = np.array([c["city"] for c in self.lookups.cities], dtype=object)
        self.city_en = np.array([c["city_en"] for c in self.lookups.cities], dtype=object)
        self.city_province = np.array([c["province"] for c in self.lookups.cities], dtype=object)
        weights = np.array([TIER_WEIGHT[c["city_tier"]] for c in self.lookups.cities])
        self.city_p = weights / weights.sum()
        self.categories = np.array(self.lookups.categories, dtype=object)
        self.cat_price = np.array([CATEGORY_PRICE[c][0] for c in self.categories], dtype=float)
        self.cat_cost = np.array([CATEGORY_PRICE[c][1] for c in self.categories], dtype=float)
        income_lift = {"tier_1": 1.6, "new_tier_1": 1.3, "tier_2": 1.1, "tier_3": 0.9, "tier_4_below": 0.75}
        self.city_income = np.array([income_lift[c["city_tier"]] for c in self.lookups.cities])
        cat_weight = np.array(CATEGORY_WEIGHT, dtype=float)
        self.cat_p = cat_weight / cat_weight.sum()

    # seasonality: one multiplier per day of the window
    def _season(self) -> np.ndarray:
        days = np.arange(self.n_days)
        weekday = (np.array([self.start.weekday()]) + days) % 7
        lift = np.where(weekday >= 5, WEEKEND_LIFT, 1.0)
        for window in self.lookups.holidays:
            first = (dt.date.fromisoformat(window["start_date"]) - self.start).days
            last = (dt.date.fromisoformat(window["end_date"]) - self.start).days
            if last < 0 or first >= self.n_days:
                continue
            lift[max(first, 0) : min(last, self.n_days - 1) + 1] *= HOLIDAY_LIFT[window["holiday_code"]]
        return lift

    def _simulate(self, rng, first_t, is_buyer, lam, drop):
        """Buy-till-you-die with seasonal thinning. Returns (customer index, day) per purchase."""
        end_t = float(self.n_days)
        peak = self.season.max()
        idx = np.flatnonzero(is_buyer)
        t = first_t[idx]
        out_idx, out_t = [idx], [t]
        while idx.size:
            alive = rng.random(idx.size) >= drop[idx]
            idx, t = idx[alive], t[alive]
            accepted_idx, accepted_t = [], []
            while idx.size:
                t = t + rng.exponential(1.0, idx.size) / (lam[idx] * peak)
                inside = t < end_t
                idx, t = idx[inside], t[inside]
                accept = rng.random(idx.size) < self.season[t.astype(np.int64)] / peak
                accepted_idx.append(idx[accept])
                accepted_t.append(t[accept])
                idx, t = idx[~accept], t[~accept]
            idx = np.concatenate(accepted_idx) if accepted_idx else np.array([], dtype=np.int64)
            t = np.concatenate(accepted_t) if accepted_t else np.array([])
            out_idx.append(idx)
            out_t.append(t)
        cust = np.concatenate(out_idx)
        day = np.concatenate(out_t)
        order = np.lexsort((day, cust))
        return cust[order], day[order]

    def chunk(self, chunk_no: int, first_id: int, n: int) -> Chunk:
        """The raw tables of customers first_id .. first_id + n - 1, from the chunk's own random
        stream, with orders, events and survey answers numbered within the chunk (`Chunk.tables`
        numbers them on from the chunks before): so chunks can be drawn in any order, by any
        process. The steps below draw from that stream in a fixed order (changing the order
        changes the data): customers' latent traits, their attribute columns, orders, order lines,
        amounts and status, the order tables, engagement events, survey answers, the dirty rows."""
        rng = np.random.default_rng([self.seed, chunk_no])
        people = self._draw_people(rng, first_id, n)
        customers = self._customer_columns(rng, people)
        orders = self._draw_orders(rng, people)
        lines = self._draw_lines(rng, people, orders)
        settlement = self._settle_orders(rng, people, orders, lines)
        order_columns, item_columns = self._order_columns(rng, people, orders, lines, settlement)
        n_orders = np.bincount(orders.cust, minlength=n)
        events = self._event_columns(rng, people, orders, settlement, n_orders)
        survey = self._survey_columns(rng, people, lines, settlement)
        tables = {
            "customers": customers,
            "orders": order_columns,
            "order_items": item_columns,
            "wallet_survey": survey,
            "customer_events": events,
        }
        counter = Counter()
        self._dirty(rng, tables, n_orders, lines.order, counter)
        drawn = {"order": orders.cust.size, "event": len(events["event_id"]), "response": len(survey["response_id"])}
        return Chunk(tables, drawn, counter.dirty)

    # --- customers ----------------------------------------------------------------------------
    def _draw_people(self, rng: np.random.Generator, first_id: int, n: int) -> People:
        """Each customer's type, sign-up, engagement, buying process (BTYD rate and drop-out),
        price level, city and age: the latent traits every table is drawn from."""
        numbers = np.arange(first_id, first_id + n)
        ctype = rng.choice(3, n, p=[0.92, 0.065, 0.015])  # individual, business, government
        is_org = ctype > 0
        signup_t = self.n_days * np.sqrt(rng.random(n))  # sign-ups grow over time
        engagement = rng.gamma(2.0, 0.5, n)
        converts = rng.random(n) < 1.0 - 0.5 * np.exp(-2.0 * engagement)
        first_t = signup_t + rng.exponential(30.0, n) / np.maximum(engagement, 0.05)
        is_buyer = converts & (first_t < self.n_days)
        lam = rng.gamma(BTYD["r"], 1.0 / BTYD["alpha"], n) * np.where(is_org, 1.5, 1.0)
        lam = np.maximum(lam, 1e-5)
        drop = rng.beta(BTYD["a"], BTYD["b"], n)
        price_level = rng.gamma(3.0, 1.0 / 3.0, n) * np.where(is_org, 3.0, 1.0)
        city = rng.choice(len(self.city_names), n, p=self.city_p)
        age_years = np.clip(rng.normal(38, 12, n), 16, 85)
        return People(
            n=n,
            numbers=numbers,
            customer_id=_ids("C", numbers, 9),
            ctype=ctype,
            is_org=is_org,
            signup_t=signup_t,
            engagement=engagement,
            first_t=first_t,
            is_buyer=is_buyer,
            lam=lam,
            drop=drop,
            price_level=price_level,
            city=city,
            signup_epoch=self.epoch0 + (signup_t * 86400).astype(np.int64),
            birth_epoch=self.epoch0
            + (signup_t * 86400).astype(np.int64)
            - (age_years * 365.25 * 86400).astype(np.int64),
        )

    def _customer_columns(self, rng: np.random.Generator, people: People) -> dict[str, pa.Array]:
        """The customers table's columns, in the raw layout's order."""
        name, phone, email = self._names_and_contacts(rng, people)
        id_number = self._id_numbers(rng, people)
        gender, birth_date, education, occupation, monthly_income = self._demographics(rng, people)
        city, province = self._places(rng, people)
        customer_type, company_size, industry = self._customer_types(rng, people)
        lifestyle, values, credit, acquisition = self._profiles(rng, people)
        return {
            "customer_id": people.customer_id,
            "name": name,
            "phone": phone,
            "email": email,
            "id_number": id_number,
            "gender": gender,
            "birth_date": birth_date,
            "education": education,
            "occupation": occupation,
            "monthly_income": monthly_income,
            "city": city,
            "province": province,
            "customer_type": customer_type,
            "company_size": company_size,
            "industry": industry,
            "signed_up_at": _local_text(people.signup_epoch),
            "acquisition_channel": acquisition,
            "lifestyle": lifestyle,
            "personal_values": values,
            "credit_rating": credit,
        }

    def _names_and_contacts(self, rng: np.random.Generator, people: People) -> tuple[pa.Array, ...]:
        """Chinese names (surname and one or two given characters), mobile numbers and e-mails."""
        n = people.n
        name = pa.array([SURNAMES[i] for i in rng.integers(0, len(SURNAMES), n)], pa.string())
        given = np.array(GIVEN, dtype=object)[rng.integers(0, len(GIVEN), (n, 2))]
        two = rng.random(n) < 0.6
        name = pc.binary_join_element_wise(name, pa.array(given[:, 0]), pa.array(np.where(two, given[:, 1], "")), "")
        phone = pc.cast(pa.array(rng.integers(13_000_000_000, 19_999_999_999, n)), pa.string())
        letters = rng.integers(97, 123, (n, 7), dtype=np.uint8).view("S7").ravel().astype(str)
        domains = np.array(["@qq.com", "@163.com", "@126.com", "@gmail.com", "@outlook.com"], dtype=object)
        email = pc.binary_join_element_wise(
            pa.array(letters.astype(object)),
            pc.cast(pa.array(people.numbers % 997), pa.string()),
            pa.array(domains[rng.integers(0, len(domains), n)]),
            "",
        )
        return name, phone, email

    def _id_numbers(self, rng: np.random.Generator, people: People) -> pa.Array:
        """18-character resident identity numbers (area code, birth date, sequence, ISO 7064
        check character) of individuals; NULL for organisations."""
        n = people.n
        birth_text = _local_text(people.birth_epoch, "%Y%m%d")
        id17 = pc.binary_join_element_wise(
            pa.array(AREA_CODES[rng.integers(0, len(AREA_CODES), n)]),
            birth_text,
            pc.utf8_lpad(pc.cast(pa.array(rng.integers(0, 1000, n)), pa.string()), 3, "0"),
            "",
        )
        digits = np.frombuffer("".join(id17.to_pylist()).encode(), dtype=np.uint8).reshape(n, 17) - 48
        weights = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2])
        check = np.array(list("10X98765432"), dtype=object)[(digits * weights).sum(axis=1) % 11]
        return _with_nulls(pc.binary_join_element_wise(id17, pa.array(check), ""), people.is_org)

    def _demographics(self, rng: np.random.Generator, people: People) -> tuple[pa.Array, ...]:
        """Gender (in the spellings exports use), birth date, education, occupation and monthly
        income of individuals, each partly unknown; NULL for organisations."""
        n, is_org = people.n, people.is_org
        gender_code = rng.integers(0, 2, n)
        gender_text = np.where(gender_code == 0, "M", "F").astype(object)
        variant = rng.random(n)
        gender_text[(variant < 0.03) & (gender_code == 0)] = "男"
        gender_text[(variant < 0.03) & (gender_code == 1)] = "女"
        gender_text[(variant > 0.97) & (gender_code == 0)] = " male"
        gender_text[(variant > 0.97) & (gender_code == 1)] = "Female"
        gender = _with_nulls(pa.array(gender_text, pa.string()), is_org | (rng.random(n) < 0.03))
        birth_date = _with_nulls(_local_text(people.birth_epoch, "%Y-%m-%d"), is_org | (rng.random(n) < 0.05))
        education = _with_nulls(pa.array(rng.choice(EDUCATION, n, p=EDUCATION_P)), is_org | (rng.random(n) < 0.2))
        occupation = _with_nulls(
            pa.array(OCCUPATION[rng.integers(0, len(OCCUPATION), n)]), is_org | (rng.random(n) < 0.2)
        )
        income = (
            rng.lognormal(np.log(7000), 0.6, n) * self.city_income[people.city] * np.sqrt(people.price_level)
        ).round(-2)
        monthly_income = _with_nulls(
            pc.cast(pa.array(income.astype(np.int64)), pa.string()), is_org | (rng.random(n) < 0.25)
        )
        return gender, birth_date, education, occupation, monthly_income

    def _places(self, rng: np.random.Generator, people: People) -> tuple[pa.Array, pa.Array]:
        """City as exports write it (with 市, in English, padded, or unknown) and its province."""
        city = people.city
        city_text = self.city_names[city].copy()
        style = rng.random(people.n)
        city_text[style < 0.05] = self.city_names[city][style < 0.05] + "市"
        city_text[(style >= 0.05) & (style < 0.08)] = np.char.title(
            self.city_en[city][(style >= 0.05) & (style < 0.08)].astype(str)
        )
        city_text[(style >= 0.08) & (style < 0.10)] = (
            " " + self.city_names[city][(style >= 0.08) & (style < 0.10)] + " "
        )
        unknown_city = style > 0.995
        city_text[unknown_city] = "未知市"
        province = self.city_province[city].copy()
        province[unknown_city] = None
        return pa.array(city_text, pa.string()), pa.array(province, pa.string())

    def _customer_types(self, rng: np.random.Generator, people: People) -> tuple[pa.Array, ...]:
        """Customer type (2C/2B/2G, in words or codes) and, for organisations, size and industry."""
        n, ctype, is_org = people.n, people.ctype, people.is_org
        ctype_text = np.array(["individual", "business", "government"], dtype=object)[ctype]
        code_style = rng.random(n) < 0.03
        ctype_text[code_style] = np.array(["2C", "2B", "2G"], dtype=object)[ctype[code_style]]
        company_size = _with_nulls(pa.array(rng.choice(COMPANY_SIZE, n, p=[0.3, 0.35, 0.25, 0.1])), ~is_org)
        industry = _with_nulls(pa.array(INDUSTRY[rng.integers(0, len(INDUSTRY), n)]), ~is_org)
        industry = pc.if_else(pa.array(ctype == 2), pa.scalar("public_administration"), industry)
        return pa.array(ctype_text, pa.string()), company_size, industry

    def _profiles(self, rng: np.random.Generator, people: People) -> tuple[pa.Array, ...]:
        """Lifestyle and personal values (mostly unknown), credit rating and acquisition channel."""
        n, is_org = people.n, people.is_org
        lifestyle = _with_nulls(
            pa.array(LIFESTYLE[rng.integers(0, len(LIFESTYLE), n)]), is_org | (rng.random(n) < 0.85)
        )
        values = _with_nulls(pa.array(VALUES[rng.integers(0, len(VALUES), n)]), is_org | (rng.random(n) < 0.88))
        credit = _with_nulls(pa.array(rng.choice(CREDIT, n, p=[0.35, 0.4, 0.17, 0.08])), rng.random(n) < 0.1)
        acquisition = pa.array(ACQUISITION[rng.integers(0, len(ACQUISITION), n)])
        return lifestyle, values, credit, acquisition

    # --- orders -------------------------------------------------------------------------------
    def _draw_orders(self, rng: np.random.Generator, people: People) -> Orders:
        """The buyers' purchases (BTYD with seasonal thinning), numbered from 0 within the chunk,
        with a time of day and each customer's channel mix."""
        cust, day = self._simulate(rng, people.first_t, people.is_buyer, people.lam, people.drop)
        m = cust.size
        number = np.arange(m)
        seconds = ((8 + 15 * rng.beta(2.0, 1.5, m)) * 3600).astype(np.int64)
        epoch = self.epoch0 + day.astype(np.int64) * 86400 + seconds
        in_holiday = self.season[day.astype(np.int64)] > WEEKEND_LIFT + 1e-9
        channel_cum = np.cumsum(rng.dirichlet([3.0, 1.0, 1.5, 0.3], people.n), axis=1)
        channel = CHANNELS[_choice_rows(rng, channel_cum[cust])]
        return Orders(cust=cust, day=day, number=number, epoch=epoch, in_holiday=in_holiday, channel=channel)

    def _draw_lines(self, rng: np.random.Generator, people: People, orders: Orders) -> Lines:
        """One to six lines per order: mostly the customer's favourite category (which may switch
        once), priced by category and the customer's price level; organisations buy more units."""
        n, m = people.n, orders.cust.size
        n_lines = np.minimum(1 + rng.poisson(0.5, m), 6)
        line_order = np.repeat(np.arange(m), n_lines)
        line_start = np.cumsum(n_lines) - n_lines
        line_number = np.arange(line_order.size) - np.repeat(line_start, n_lines) + 1
        fav1 = rng.choice(len(self.categories), n, p=self.cat_p)
        fav2 = rng.choice(len(self.categories), n, p=self.cat_p)
        switch_t = np.where(
            rng.random(n) < 0.25, people.signup_t + rng.random(n) * (self.n_days - people.signup_t), np.inf
        )
        line_cust = orders.cust[line_order]
        favourite = np.where(orders.day[line_order] < switch_t[line_cust], fav1[line_cust], fav2[line_cust])
        category = np.where(
            rng.random(line_order.size) < 0.6,
            favourite,
            rng.choice(len(self.categories), line_order.size, p=self.cat_p),
        )
        price_cents = np.maximum(
            (
                self.cat_price[category]
                * rng.lognormal(0.0, 0.5, line_order.size)
                * people.price_level[line_cust]
                * 100
            ).round(),
            100,
        ).astype(np.int64)
        quantity = 1 + rng.poisson(np.where(people.is_org[line_cust], 1.5, 0.3))
        return Lines(
            order=line_order,
            number=line_number,
            cust=line_cust,
            category=category,
            price_cents=price_cents,
            quantity=quantity,
            gross=price_cents * quantity,
        )

    def _settle_orders(self, rng: np.random.Generator, people: People, orders: Orders, lines: Lines) -> Settlement:
        """Each order's gross, cost, discount (more often in holiday windows), status (cancelled,
        returned at the customer's own return rate, completed) and refund, in CNY cents."""
        m = orders.cust.size
        gross = np.bincount(lines.order, lines.gross, minlength=m).astype(np.int64)
        cost = (
            np.bincount(lines.order, lines.gross * self.cat_cost[lines.category], minlength=m).round().astype(np.int64)
        )
        discount_rate = np.where(
            rng.random(m) < np.where(orders.in_holiday, 0.55, 0.25), rng.uniform(0.05, 0.30, m), 0.0
        )
        discount = (gross * discount_rate).round().astype(np.int64)
        return_rate = rng.beta(1.0, 19.0, people.n)
        u = rng.random(m)
        status = np.where(
            u < 0.04, "cancelled", np.where(u < 0.04 + return_rate[orders.cust], "returned", "completed")
        ).astype(object)
        partial = (status == "completed") & (rng.random(m) < 0.02)
        refund = np.where(
            status == "returned",
            gross - discount,
            np.where(partial, ((gross - discount) * rng.uniform(0.1, 0.5, m)).round(), 0),
        ).astype(np.int64)
        return Settlement(gross=gross, cost=cost, discount=discount, status=status, refund=refund)

    def _order_columns(
        self, rng: np.random.Generator, people: People, orders: Orders, lines: Lines, settlement: Settlement
    ) -> tuple[dict[str, pa.Array], dict[str, pa.Array]]:
        """The orders and order_items tables' columns: amounts in the order's currency (a few
        orders in HKD or USD, CNY spelled several ways), timestamps in several formats."""
        currency, rate = self._currencies(rng, orders.cust.size)

        def in_currency(cents):
            return (cents / rate).round().astype(np.int64)

        # amounts in the order's currency; the refund is derived there so it never exceeds
        # what was paid after rounding
        gross_fx, discount_fx = in_currency(settlement.gross), in_currency(settlement.discount)
        refund_fx = np.minimum(in_currency(settlement.refund), gross_fx - discount_fx)
        order_columns = {
            "order_id": pa.array(orders.number),  # numbered by Chunk.tables
            "customer_id": people.customer_id.take(pa.array(orders.cust)),
            "ordered_at": self._order_timestamps(rng, orders.epoch),
            "channel": pa.array(orders.channel, pa.string()),
            "status": pa.array(settlement.status, pa.string()),
            "currency": pa.array(currency, pa.string()),
            "gross_amount": _money(gross_fx),
            "discount_amount": _money(discount_fx),
            "refund_amount": _money(refund_fx),
            "cost_amount": _money(in_currency(settlement.cost)),
        }
        size = lines.order.size
        item_columns = {
            "order_id": order_columns["order_id"].take(pa.array(lines.order)),
            "line_number": pc.cast(pa.array(lines.number), pa.string()),
            "product_id": _ids("P", lines.category * 10_000 + rng.integers(0, 2_000, size), 6),
            "category": pa.array(self.categories[lines.category], pa.string()),
            "quantity": pc.cast(pa.array(lines.quantity), pa.string()),
            "unit_price": _money((lines.price_cents / rate[lines.order]).round().astype(np.int64)),
        }
        return order_columns, item_columns

    @staticmethod
    def _currencies(rng: np.random.Generator, m: int) -> tuple[np.ndarray, np.ndarray]:
        """Each order's currency code as exported (CNY, also RMB, cny, 人民币; some HKD and USD)
        and the CNY per unit of it."""
        cur = rng.random(m)
        currency = np.full(m, "CNY", dtype=object)
        rate = np.ones(m)
        currency[(cur >= 0.960) & (cur < 0.970)] = "RMB"
        currency[(cur >= 0.970) & (cur < 0.975)] = "cny"
        currency[(cur >= 0.975) & (cur < 0.980)] = " 人民币"
        currency[(cur >= 0.980) & (cur < 0.992)] = "HKD"
        rate[(cur >= 0.980) & (cur < 0.992)] = 0.92
        currency[cur >= 0.992] = "USD"
        rate[cur >= 0.992] = 7.10
        return currency, rate

    @staticmethod
    def _order_timestamps(rng: np.random.Generator, epoch: np.ndarray) -> pa.Array:
        """Local order times as text: mostly `YYYY-MM-DD HH:MM:SS`, some ISO 8601 with +08:00,
        a few `YYYY/MM/DD HH:MM`."""
        ts_style = rng.random(epoch.size)
        iso, slash = ts_style < 0.08, ts_style > 0.98
        ordered_at = pc.replace_with_mask(
            _local_text(epoch), pa.array(iso), _local_text(epoch[iso], "%Y-%m-%dT%H:%M:%S+08:00")
        )
        return pc.replace_with_mask(ordered_at, pa.array(slash), _local_text(epoch[slash], "%Y/%m/%d %H:%M"))

    # --- engagement events and the wallet survey ----------------------------------------------
    def _event_columns(
        self,
        rng: np.random.Generator,
        people: People,
        orders: Orders,
        settlement: Settlement,
        n_orders: np.ndarray,
    ) -> dict[str, pa.Array]:
        """Engagement events (page views, ad clicks, reviews, complaints, suggestions, referrals,
        value-added purchases): Poisson counts per customer and type from engagement, orders and
        returns, spread over the customer's active period."""
        n, signup_t = people.n, people.signup_t
        last_t = np.full(n, -1.0)
        np.maximum.at(last_t, orders.cust, orders.day)
        last_t = np.where(n_orders > 0, last_t, np.minimum(signup_t + 180.0, self.n_days))
        active_days = np.maximum(last_t + 30.0 - signup_t, 1.0)
        active_days = np.minimum(active_days, self.n_days - signup_t + 1e-9)
        returns = np.bincount(orders.cust, settlement.status == "returned", minlength=n)
        engagement = people.engagement
        expected = np.stack(
            [
                engagement * active_days / 60.0 + 0.8 * n_orders,  # page_view
                engagement * active_days / 90.0,  # ad_click
                0.15 * n_orders,  # review
                0.02 * n_orders + 0.3 * returns,  # complaint
                0.05 * n_orders * engagement,  # product_suggestion
                0.03 * n_orders * engagement,  # referral_signup
                0.02 * n_orders * engagement,  # referral_purchase
                0.05 * n_orders,  # value_added_purchase
            ],
            axis=1,
        )
        counts = rng.poisson(expected)
        ev_cust = np.repeat(np.repeat(np.arange(n), len(EVENT_TYPES)), counts.ravel())
        ev_type = np.repeat(np.tile(np.arange(len(EVENT_TYPES)), n), counts.ravel())
        ev_t = signup_t[ev_cust] + rng.random(ev_cust.size) * active_days[ev_cust]
        ev_epoch = self.epoch0 + (ev_t * 86400).astype(np.int64)
        ev_order = np.lexsort((ev_epoch, ev_cust))
        ev_cust, ev_type, ev_epoch = ev_cust[ev_order], ev_type[ev_order], ev_epoch[ev_order]
        return {
            "event_id": pa.array(np.arange(ev_cust.size)),  # numbered by Chunk.tables
            "customer_id": people.customer_id.take(pa.array(ev_cust, pa.int64())),
            "occurred_at": _local_text(ev_epoch),
            "event_type": pa.array(EVENT_TYPES[ev_type], pa.string()),
        }

    def _survey_columns(
        self, rng: np.random.Generator, people: People, lines: Lines, settlement: Settlement
    ) -> dict[str, pa.Array]:
        """Wallet survey answers of about 12% of customers, one to three categories each."""
        # Spend with us per customer and category over the data; the stated wallet is that spend
        # (annualised) divided by the true share of wallet, plus a base wallet for non-buyers.
        n, ncat, signup_t = people.n, len(self.categories), people.signup_t
        valid = settlement.status[lines.order] != "cancelled"
        spend = np.bincount(
            lines.cust[valid] * ncat + lines.category[valid], lines.gross[valid] / 100.0, minlength=n * ncat
        ).reshape(n, ncat)
        years = np.maximum((self.n_days - people.first_t) / 365.0, 0.25)
        answers = rng.random(n) < 0.12
        n_answers = np.where(answers, rng.integers(1, 4, n), 0)
        sv_cust = np.repeat(np.arange(n), n_answers)
        sv_cat = rng.choice(ncat, sv_cust.size, p=self.cat_p)
        share = rng.beta(2.0, 3.0, sv_cust.size)
        share[rng.random(sv_cust.size) < 0.03] = 1.3  # a few state less than they spend with us
        base = 300.0 * people.price_level[sv_cust] * self.cat_price[sv_cat] / 100.0
        stated = (spend[sv_cust, sv_cat] / years[sv_cust] / share + base).round(-1)
        sv_t = np.maximum(signup_t[sv_cust], self.n_days - 730) + rng.random(sv_cust.size) * 300
        sv_t = np.minimum(sv_t, self.n_days - 1)
        return {
            "response_id": pa.array(np.arange(sv_cust.size)),  # numbered by Chunk.tables
            "customer_id": people.customer_id.take(pa.array(sv_cust, pa.int64())),
            "surveyed_at": _local_text(self.epoch0 + (sv_t * 86400).astype(np.int64)),
            "category": pa.array(self.categories[sv_cat], pa.string()),
            "stated_annual_spend": pc.cast(pa.array(stated.astype(np.int64)), pa.string()),
        }

    # --- dirty rows ---------------------------------------------------------------------------
    def _dirty(self, rng, tables, n_orders, line_order, counter):
        """Corrupt disjoint rows, one fault each, and count them by the reason staging gives."""
        future = "2031-03-15 10:00:00"
        bad_ts = ["not a date", "2024-13-45 10:00:00", "31/02/2024", ""]

        def pick(pool: np.ndarray, kinds: int) -> list[np.ndarray]:
            k = int(round(pool.size * DIRTY_RATE))
            chosen = rng.permutation(pool)[: k * kinds]
            return [np.sort(chosen[i * k : (i + 1) * k]) for i in range(kinds)]

        # customers: faults only on customers without orders (so no order is orphaned)
        cust = tables["customers"]
        n = len(cust["customer_id"])
        prospects = np.flatnonzero(n_orders == 0)
        missing, bad, fut, age = pick(prospects, 4)
        dirty_customers = np.concatenate([missing, bad, fut, age])
        dirty_ids = pc.take(cust["customer_id"], pa.array(dirty_customers, pa.int64()))
        cust["customer_id"] = _set(cust["customer_id"], missing, None)
        cust["signed_up_at"] = _set(cust["signed_up_at"], bad, [bad_ts[i % 4] for i in range(bad.size)])
        cust["signed_up_at"] = _set(cust["signed_up_at"], fut, future)
        cust["birth_date"] = _set(
            cust["birth_date"], age, [("1890-01-01", "2030-06-01")[i % 2] for i in range(age.size)]
        )
        for reason, rows in [(R_MISSING_CUSTOMER, missing), (R_BAD_TS, bad), (R_FUTURE_TS, fut), (R_AGE, age)]:
            counter.add_dirty("customers", reason, rows.size)
        dup = pick(_other_rows(n, dirty_customers), 1)[0]
        self._append_copies(tables, "customers", dup)
        counter.add_dirty("customers", R_DUPLICATE, dup.size)

        # events and survey answers of quarantined customers are orphaned: unknown customer
        for table, ts_col in [("customer_events", "occurred_at"), ("wallet_survey", "surveyed_at")]:
            cols = tables[table]
            orphan = pc.is_in(cols["customer_id"], dirty_ids).to_numpy(zero_copy_only=False)
            counter.add_dirty(table, R_UNKNOWN_CUSTOMER, int(orphan.sum()))
            clean = np.flatnonzero(~orphan)
            if table == "customer_events":
                m_id, unknown, b_ts, f_ts, e_type = pick(clean, 5)
                cols["event_type"] = _set(cols["event_type"], e_type, "page_veiw")
                counter.add_dirty(table, R_EVENT_TYPE, e_type.size)
            else:
                m_id, unknown, b_ts, f_ts, cat, spend_text, spend_neg = pick(clean, 7)
                cols["category"] = _set(cols["category"], cat, "???")
                cols["stated_annual_spend"] = _set(cols["stated_annual_spend"], spend_text, "n/a")
                cols["stated_annual_spend"] = _set(cols["stated_annual_spend"], spend_neg, "-500")
                counter.add_dirty(table, R_CATEGORY, cat.size)
                counter.add_dirty(table, R_MALFORMED, spend_text.size + spend_neg.size)
            cols["customer_id"] = _set(cols["customer_id"], m_id, None)
            cols["customer_id"] = _set(cols["customer_id"], unknown, "C999999999")
            cols[ts_col] = _set(cols[ts_col], b_ts, [bad_ts[i % 4] for i in range(b_ts.size)])
            cols[ts_col] = _set(cols[ts_col], f_ts, future)
            counter.add_dirty(table, R_MISSING_CUSTOMER, m_id.size)
            counter.add_dirty(table, R_UNKNOWN_CUSTOMER, unknown.size)
            counter.add_dirty(table, R_BAD_TS, b_ts.size)
            counter.add_dirty(table, R_FUTURE_TS, f_ts.size)

        # orders
        orders = tables["orders"]
        m = len(orders["order_id"])
        if m:
            m_id, unknown, b_ts, f_ts, neg, refund, currency, number = pick(np.arange(m), 8)
            orders["customer_id"] = _set(orders["customer_id"], m_id, None)
            orders["customer_id"] = _set(orders["customer_id"], unknown, "C999999999")
            orders["ordered_at"] = _set(orders["ordered_at"], b_ts, [bad_ts[i % 4] for i in range(b_ts.size)])
            orders["ordered_at"] = _set(orders["ordered_at"], f_ts, future)
            orders["discount_amount"] = _set(orders["discount_amount"], neg, "-10.00")
            gross = pc.cast(pc.take(orders["gross_amount"], pa.array(refund)), pa.float64()).to_numpy()
            orders["refund_amount"] = _set(orders["refund_amount"], refund, [f"{g + 100:.2f}" for g in gross])
            orders["currency"] = _set(orders["currency"], currency, "XYZ")
            orders["gross_amount"] = _set(orders["gross_amount"], number, "12,5O0")
            bad_orders = np.concatenate([m_id, unknown, b_ts, f_ts, neg, refund, currency, number])
            for reason, rows in [
                (R_MISSING_CUSTOMER, m_id),
                (R_UNKNOWN_CUSTOMER, unknown),
                (R_BAD_TS, b_ts),
                (R_FUTURE_TS, f_ts),
                (R_NEGATIVE, neg),
                (R_REFUND, refund),
                (R_CURRENCY, currency),
                (R_BAD_NUMBER, number),
            ]:
                counter.add_dirty("orders", reason, rows.size)
            # items of quarantined orders have no accepted order: a guest order's (no customer
            # id) are guest_order_line, the others unknown_order_id
            orphan_items = np.isin(line_order, bad_orders)
            guest_items = np.isin(line_order, m_id)
            counter.add_dirty("order_items", R_GUEST_LINE, int(guest_items.sum()))
            counter.add_dirty("order_items", R_UNKNOWN_ORDER, int((orphan_items & ~guest_items).sum()))
            items = tables["order_items"]
            neg_price, bad_qty = pick(np.flatnonzero(~orphan_items), 2)
            items["unit_price"] = _set(items["unit_price"], neg_price, "-5.00")
            items["quantity"] = _set(items["quantity"], bad_qty, "two")
            counter.add_dirty("order_items", R_NEGATIVE, neg_price.size)
            counter.add_dirty("order_items", R_BAD_NUMBER, bad_qty.size)
            dup = pick(_other_rows(m, bad_orders), 1)[0]
            self._append_copies(tables, "orders", dup)
            counter.add_dirty("orders", R_DUPLICATE, dup.size)

    @staticmethod
    def _append_copies(tables, table, rows):
        cols = tables[table]
        index = pa.array(np.concatenate([np.arange(len(next(iter(cols.values())))), rows]).astype(np.int64))
        for name in list(cols):
            cols[name] = pc.take(cols[name], index)

    def run(
        self, out_dir: Path, progress: bool | None = None, landing: str | None = None, workers: int | None = None
    ) -> dict:
        """Write the raw folder out_dir. progress: a progress bar (None: on a terminal only).
        landing: land the tables as new files of that name in out_dir's table folders
        (`<out>/<table>/<landing>.parquet`, segmart.layout.land_raw_folder), never replacing one.
        workers: processes drawing chunks (None: one per core); the files do not depend on it."""
        n_chunks = -(-self.n_customers // CHUNK_CUSTOMERS)
        workers = max(1, min(workers or default_workers(), n_chunks))

        def fill(tmp: Path) -> dict:
            # said once the folder is known to be writable: a refused --out is the only line
            log.info(
                "generating %s customers (seed %d, %s to %s) in %d chunk(s), %d worker(s), into %s",
                f"{self.n_customers:,}",
                self.seed,
                self.start,
                self.end,
                n_chunks,
                workers,
                out_dir,
            )
            return self._write(tmp, progress, workers)

        return land_raw_folder(Path(out_dir), landing, fill) if landing else write_raw_folder(Path(out_dir), fill)

    def _plan(self) -> list[tuple[int, int, int]]:
        """(chunk number, first customer number, customers) of every chunk, in file order."""
        return [
            (chunk_no, first + 1, min(CHUNK_CUSTOMERS, self.n_customers - first))
            for chunk_no, first in enumerate(range(0, self.n_customers, CHUNK_CUSTOMERS))
        ]

    def _chunks(self, plan: list[tuple[int, int, int]], workers: int, tmp: Path) -> Iterator[Chunk]:
        """The chunks of `plan` in order, drawn here (one worker) or by `workers` processes, which
        spool them to a folder in /dev/shm (memory; else in `tmp`). At most two chunks per worker
        wait to be written, so memory stays bounded at any size."""
        if workers == 1:
            for task in plan:
                yield self.chunk(*task)
            return
        tasks = iter(plan)
        shm = Path("/dev/shm")
        spool = Path(tempfile.mkdtemp(prefix=".segmart-generate-", dir=shm if os.access(shm, os.W_OK) else tmp))
        # fork where it is safe (Linux: Arrow and jemalloc reset their threads and locks in the
        # child, and the workers start before this process writes anything); spawn elsewhere,
        # which needs the calling script's `if __name__ == "__main__":` guard
        context = multiprocessing.get_context("fork" if sys.platform == "linux" else "spawn")
        initargs = (self.n_customers, self.seed, self.start, self.end, self.lookups, spool)
        try:
            with ProcessPoolExecutor(workers, mp_context=context, initializer=_start_worker, initargs=initargs) as pool:
                pending = deque(pool.submit(_draw_chunk, task) for task in itertools.islice(tasks, 2 * workers))
                try:
                    while pending:
                        chunk = pending.popleft().result()
                        pending.extend(pool.submit(_draw_chunk, task) for task in itertools.islice(tasks, 1))
                        yield chunk
                finally:
                    for future in pending:
                        future.cancel()
        finally:
            shutil.rmtree(spool, ignore_errors=True)

    def _write(self, tmp: Path, progress: bool | None, workers: int = 1) -> dict:
        writers = {t: pq.ParquetWriter(tmp / f"{t}.parquet", raw_schema(t), compression="zstd") for t in TABLES}
        plan = self._plan()
        counter = Counter()
        before = {sequence: 0 for sequence, _, _ in SEQUENCE_IDS.values()}
        bar = tqdm(total=len(plan), desc="generate", unit="chunk", disable=None if progress is None else not progress)
        try:
            for (chunk_no, first, n), chunk in zip(plan, self._chunks(plan, workers, tmp), strict=True):
                tables = chunk.tables(before)
                for table, data in tables.items():
                    writers[table].write_table(data, row_group_size=1_000_000)
                counter.add_chunk(chunk, tables)
                before = {sequence: before[sequence] + chunk.drawn[sequence] for sequence in before}
                bar.update()
                log.debug(
                    "chunk %d/%d, customers %s to %s: %s",
                    chunk_no + 1,
                    len(plan),
                    f"{first:,}",
                    f"{first + n - 1:,}",
                    ", ".join(f"{table} {data.num_rows:,}" for table, data in tables.items()),
                )
        finally:
            bar.close()
            for writer in writers.values():
                writer.close()
        manifest = {
            "written_by": "segmart generate",
            "settings": {"reporting_currency": "CNY", "business_timezone": "Asia/Shanghai"},
            "generator": {
                "customers": self.n_customers,
                "seed": self.seed,
                "start_date": self.start.isoformat(),
                "end_date": self.end.isoformat(),
            },
            "rows": counter.rows,
            "dirty": counter.dirty,
        }
        (tmp / MANIFEST_NAME).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
        log.debug("dirty rows planted, by table and reason: %s", counter.dirty)
        return manifest


def default_workers() -> int:
    """One worker per core this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


# A worker process's generator and spool folder, set once by _start_worker (ProcessPoolExecutor's
# initializer).
_WORKER: Generator | None = None
_SPOOL: Path | None = None


def _start_worker(n_customers: int, seed: int, start: dt.date, end: dt.date, lookups: Lookups, spool: Path) -> None:
    global _WORKER, _SPOOL
    _WORKER = Generator(n_customers, seed, start, end, lookups)
    _SPOOL = spool


def _draw_chunk(task: tuple[int, int, int]) -> Chunk:
    return _WORKER.chunk(*task).spool(_SPOOL, task[0])


def generate(
    n_customers: int,
    seed: int,
    out_dir: Path,
    start: dt.date = dt.date(2021, 1, 1),
    end: dt.date = dt.date(2025, 12, 31),
    progress: bool | None = None,
    landing: str | None = None,
    workers: int | None = None,
) -> dict:
    return Generator(n_customers, seed, start, end).run(out_dir, progress, landing, workers)
