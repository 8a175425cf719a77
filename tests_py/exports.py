"""Deterministic makers of shop exports for the importer's tests (and a dbt build of each).

Each maker writes one CSV into `folder` and returns its path. Tests compute their oracles from the
CSV with pandas, never with the importer. The shapes give the warehouse what its models need: many
repeat buyers (well over clv_min_repeat_customers = 50) and a spread of recency and frequency over
more than a year, most customers buying once or twice, a few many times.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np


def _purchase_times(
    rng: np.random.Generator, n_customers: int, start: dt.datetime, days: int, mean_extra: float = 1.6
) -> list[tuple[int, dt.datetime]]:
    """(customer number, time) of every purchase: the first uniform over the first 80% of the
    window, repeat purchases (geometric count, a few heavy buyers) uniform after it."""
    out = []
    for c in range(n_customers):
        extra = rng.geometric(1 / (1 + mean_extra)) - 1
        if rng.random() < 0.05:
            extra += int(rng.integers(8, 25))  # heavy buyers
        first = rng.uniform(0, days * 0.8)
        times = [first] + sorted(rng.uniform(first + 1, days, extra).tolist())
        for t in times:
            day = start + dt.timedelta(days=int(t))
            out.append(
                (
                    c,
                    day.replace(
                        hour=int(rng.integers(8, 20)), minute=int(rng.integers(0, 60)), second=int(rng.integers(0, 60))
                    ),
                )
            )
    return out


def orders_only_log(folder: Path, n_customers: int = 400, seed: int = 1) -> Path:
    """customer,date,amount (ISO dates, one row per order, about 3% refund rows with a negative
    amount on a later date of the same customer)."""
    rng = np.random.default_rng(seed)
    rows = []
    for c, when in _purchase_times(rng, n_customers, dt.datetime(2023, 1, 1), 540):
        amount = round(float(rng.lognormal(4.0, 0.7)), 2)
        rows.append((f"M{c + 1:05d}", when.date(), f"{amount:.2f}"))
        if rng.random() < 0.03:
            back = when.date() + dt.timedelta(days=int(rng.integers(1, 20)))
            rows.append((f"M{c + 1:05d}", back, f"{-round(amount * float(rng.uniform(0.2, 1)), 2):.2f}"))
    rows.sort(key=lambda r: (r[1], r[0]))
    path = Path(folder) / "orders_log.csv"
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["customer", "date", "amount"])
        writer.writerows([(c, d.isoformat(), a) for c, d, a in rows])
    return path


PRODUCT_WORDS = [
    "HEART",
    "LANTERN",
    "CAKE STAND",
    "MUG",
    "BUNTING",
    "TEA TOWEL",
    "JAM JAR",
    "DOORMAT",
    "LUNCH BAG",
    "CANDLE",
    "POSTCARD",
    "BOTTLE",
    "CUSHION",
    "CLOCK",
    "BAUBLE",
]
COLOURS = ["WHITE", "RED", "PINK", "BLUE", "VINTAGE", "RETRO", "GREEN", "SPOTTY"]
UCI_HEADER = ["InvoiceNo", "StockCode", "Description", "Quantity", "InvoiceDate", "UnitPrice", "CustomerID", "Country"]


def online_retail_export(
    folder: Path, n_lines: int = 3000, seed: int = 2, day_first: bool = False, repeat_header: bool = False
) -> Path:
    """About `n_lines` lines shaped like the UCI "Online Retail" file: several lines per invoice,
    ~20% guest lines (blank CustomerID), ~2% cancellation lines (invoices "C..." with negative
    quantities of a line the same customer bought before), CustomerID as "17850.0", month-first
    dates "12/1/2010 8:26" (day-first with day_first=True)."""
    rng = np.random.default_rng(seed)
    n_products = 150
    products = [
        (
            f"{int(rng.integers(20000, 90000))}{'' if rng.random() < 0.7 else 'ABC'[int(rng.integers(0, 3))]}",
            f"{COLOURS[int(rng.integers(0, len(COLOURS)))]} {PRODUCT_WORDS[int(rng.integers(0, len(PRODUCT_WORDS)))]}, "
            f"SET OF {int(rng.integers(2, 7))}"
            if rng.random() < 0.2
            else f"{COLOURS[int(rng.integers(0, len(COLOURS)))]} {PRODUCT_WORDS[int(rng.integers(0, len(PRODUCT_WORDS)))]}",
            f"{float(rng.choice([0.42, 0.85, 1.25, 1.65, 2.10, 2.55, 2.95, 3.75, 4.95, 7.95, 12.75])):.2f}",
        )
        for _ in range(n_products)
    ]
    quantities = np.array([1, 2, 3, 4, 6, 12, 24])
    q_weights = np.array([0.25, 0.2, 0.1, 0.1, 0.15, 0.15, 0.05])
    start, days = dt.datetime(2010, 12, 1), 373
    lines_per_invoice = 4.5
    n_customers = max(120, int(n_lines * 0.78 / lines_per_invoice / 2.7))
    customer_ids = rng.choice(np.arange(12346, 18288), n_customers, replace=False)

    def invoice_lines() -> list[tuple[str, str, str, int]]:
        k = 1 + int(rng.poisson(lines_per_invoice - 1))
        chosen = rng.choice(n_products, k, replace=False)
        return [(*products[p], int(rng.choice(quantities, p=q_weights))) for p in chosen]

    invoices = []  # (time, customer or None, lines, cancelled)
    for c, when in _purchase_times(rng, n_customers, start, days):
        invoices.append((when, f"{customer_ids[c]}.0", invoice_lines(), False))
    customer_lines = sum(len(inv[2]) for inv in invoices)
    guest_lines = 0
    while guest_lines < customer_lines * 0.25:  # guests: ~20% of all lines
        when = start + dt.timedelta(days=float(rng.uniform(0, days)))
        when = when.replace(hour=int(rng.integers(8, 20)), second=0, microsecond=0)
        lines = invoice_lines()
        invoices.append((when, "", lines, False))
        guest_lines += len(lines)
    total_lines = customer_lines + guest_lines
    bought = [inv for inv in invoices if inv[1]]
    for index in rng.choice(len(bought), max(1, int(total_lines * 0.02 / 1.3)), replace=False):
        when, customer, lines, _ = bought[index]
        back = [lines[i] for i in rng.choice(len(lines), min(len(lines), 1 + int(rng.integers(0, 2))), replace=False)]
        later = min(when + dt.timedelta(days=float(rng.uniform(0.1, 30))), start + dt.timedelta(days=days - 0.5))
        invoices.append((later, customer, [(code, name, price, -q) for code, name, price, q in back], True))
    invoices.sort(key=lambda inv: inv[0])

    rows = []
    for number, (when, customer, lines, cancelled) in enumerate(invoices, start=536365):
        when = when.replace(second=0, microsecond=0)
        date = (
            f"{when.day}/{when.month}/{when.year} {when.hour}:{when.minute:02d}"
            if day_first
            else f"{when.month}/{when.day}/{when.year} {when.hour}:{when.minute:02d}"
        )
        invoice = f"C{number}" if cancelled else str(number)
        for code, name, price, quantity in lines:
            rows.append([invoice, code, name, quantity, date, price, customer, "United Kingdom"])
    path = Path(folder) / ("online_retail_day_first.csv" if day_first else "online_retail.csv")
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(UCI_HEADER)
        for i, row in enumerate(rows):
            if repeat_header and i == len(rows) // 2:
                writer.writerow(UCI_HEADER)
            writer.writerow(row)
    return path


SHOPIFY_HEADER = [
    "Name",
    "Email",
    "Financial Status",
    "Created at",
    "Currency",
    "Subtotal",
    "Shipping",
    "Taxes",
    "Total",
    "Discount Amount",
    "Refunded Amount",
    "Lineitem quantity",
    "Lineitem name",
    "Lineitem price",
    "Lineitem sku",
    "Billing City",
]
CITIES = ["New York", "Brooklyn", "Boston", "Philadelphia", "Chicago", "Austin", "Seattle", "Denver"]


def shopify_export(folder: Path, n_orders: int = 900, seed: int = 3) -> Path:
    """About `n_orders` orders shaped like Shopify's order export: one row per line item, Name on
    every row, the other order fields on the order's first row only; USD; "Created at" with the
    America/New_York offset (-0500, -0400 in summer); ~15% of orders with a discount, ~6% with a
    refund (Refunded Amount > 0, linked to the order)."""
    rng = np.random.default_rng(seed)
    n_customers = max(120, int(n_orders / 2.7))
    zone = ZoneInfo("America/New_York")
    skus = [
        (f"SKU-{1000 + i}", f"Item {i}", f"{float(rng.choice([9.5, 12, 15.99, 19.9, 24, 35.5, 49.99, 80])):.2f}")
        for i in range(60)
    ]
    emails = [f"buyer{c}@example.{'com' if c % 3 else 'org'}" for c in range(n_customers)]
    cities = [CITIES[int(rng.integers(0, len(CITIES)))] for _ in range(n_customers)]
    purchases = sorted(_purchase_times(rng, n_customers, dt.datetime(2023, 3, 1), 540), key=lambda p: p[1])
    rows = []
    for number, (c, when) in enumerate(purchases, start=1001):
        local = when.replace(tzinfo=zone)
        k = 1 + int(rng.poisson(1.2))
        items = [(skus[int(i)], int(rng.integers(1, 4))) for i in rng.choice(len(skus), k, replace=False)]
        gross = sum(round(q * float(p[2]), 2) for p, q in items)
        discount = round(gross * float(rng.choice([0.1, 0.15, 0.2])), 2) if rng.random() < 0.15 else 0.0
        refund = round((gross - discount) * float(rng.uniform(0.2, 1.0)), 2) if rng.random() < 0.06 else 0.0
        subtotal = round(gross - discount, 2)
        shipping = 0.0 if subtotal > 75 else 7.5
        taxes = round(subtotal * 0.08875, 2)
        status = "paid" if refund == 0 else ("refunded" if refund >= subtotal - 0.005 else "partially_refunded")
        for j, (sku, quantity) in enumerate(items):
            order_fields = [
                emails[c],
                status,
                local.strftime("%Y-%m-%d %H:%M:%S %z"),
                "USD",
                f"{subtotal:.2f}",
                f"{shipping:.2f}",
                f"{taxes:.2f}",
                f"{subtotal + shipping + taxes:.2f}",
                f"{discount:.2f}",
                f"{refund:.2f}",
            ]
            rows.append(
                [
                    f"#{number}",
                    *(order_fields if j == 0 else [""] * len(order_fields)),
                    quantity,
                    sku[1],
                    sku[2],
                    sku[0],
                    cities[c] if j == 0 else "",
                ]
            )
    path = Path(folder) / "shopify_orders.csv"
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(SHOPIFY_HEADER)
        writer.writerows(rows)
    return path
