"""The raw layout: the contract between `segmart generate` / `segmart import` and dbt's sources.

Every raw table is one Parquet file `<table>.parquet` in the raw folder (`SEGMART_RAW_DIR`).
Every column is text, as a source system exports it: staging casts, normalises and quarantines.
Keeping raw untyped means a bad value (an amount of "n/a", a date of "2024-13-45") reaches
staging as it was and is quarantined with a reason instead of failing the load.
"""
from __future__ import annotations

import os
from pathlib import Path

import pyarrow as pa

RAW_COLUMNS: dict[str, list[str]] = {
    "customers": [
        "customer_id", "name", "phone", "email", "id_number", "gender", "birth_date",
        "education", "occupation", "monthly_income", "city", "province", "customer_type",
        "company_size", "industry", "signed_up_at", "acquisition_channel", "lifestyle",
        "personal_values", "credit_rating",
    ],
    "orders": [
        "order_id", "customer_id", "ordered_at", "channel", "status", "currency",
        "gross_amount", "discount_amount", "refund_amount", "cost_amount",
    ],
    "order_items": [
        "order_id", "line_number", "product_id", "category", "quantity", "unit_price",
    ],
    "wallet_survey": [
        "response_id", "customer_id", "surveyed_at", "category", "stated_annual_spend",
    ],
    "customer_events": [
        "event_id", "customer_id", "occurred_at", "event_type",
    ],
}

MANIFEST_NAME = "_manifest.json"


def raw_schema(table: str) -> pa.Schema:
    return pa.schema([(name, pa.string()) for name in RAW_COLUMNS[table]])


def project_root() -> Path:
    """The dbt project folder (the repo root), where seeds/ lives."""
    return Path(__file__).resolve().parent.parent


def default_raw_dir() -> Path:
    return Path(os.environ.get("SEGMART_RAW_DIR", "data/raw"))
