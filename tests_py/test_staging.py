"""Staging on the CI warehouse: every dirty row the generator planted is quarantined with the
right reason, and no clear-text PII reaches any table."""

from __future__ import annotations

import json
import os
from pathlib import Path

import duckdb
import pytest

QUARANTINE = {
    "customers": "quarantine_raw__customers",
    "orders": "quarantine_raw__orders",
    "order_items": "quarantine_raw__order_items",
    "wallet_survey": "quarantine_raw__wallet_survey_answers",
    "customer_events": "quarantine_raw__customer_events",
}


@pytest.fixture(scope="module")
def manifest(raw_dir):
    path = raw_dir / "_manifest.json"
    if not path.exists():
        pytest.skip(f"no generator manifest at {path}")
    data = json.loads(path.read_text())
    if "dirty" not in data:
        pytest.skip("raw data was imported, not generated")
    return data


@pytest.mark.parametrize("table", list(QUARANTINE))
def test_quarantine_counts_equal_planted_faults(warehouse, manifest, table):
    got = dict(
        warehouse.sql(f"select rejection_reason, count(*) from staging.{QUARANTINE[table]} group by 1").fetchall()
    )
    assert got == manifest["dirty"][table]


def _raw_pii(raw_dir):
    """Phones, emails, ID numbers and full names of the raw customers, as they appear there."""
    return (
        duckdb.connect()
        .sql(f"""
        select distinct value from (
            select unnest([phone, email, id_number, name]) as value from '{raw_dir}/customers.parquet'
        ) where value is not null
    """)
        .df()
    )


def test_no_clear_text_pii_in_any_table(warehouse, raw_dir):
    pii = _raw_pii(raw_dir)
    assert len(pii) > 0
    columns = warehouse.sql("""
        select table_schema, table_name, column_name from information_schema.columns
        where data_type = 'VARCHAR' and table_schema not in ('seeds')
    """).fetchall()
    assert columns
    warehouse.register("pii_values", pii)
    hits = []
    for schema, table, column in columns:
        n = warehouse.execute(
            f'select count(*) from "{schema}"."{table}" where "{column}" in (select value from pii_values)'
        ).fetchall()[0][0]
        if n:
            hits.append((schema, table, column, n))
    assert hits == []


def test_no_clear_text_pii_in_published_marts(raw_dir):
    published = Path(os.environ.get("SEGMART_PUBLISH_DIR", ".ci-work/published"))
    files = sorted(published.glob("*.parquet"))
    if not files:
        pytest.skip(f"no published marts in {published}")
    con = duckdb.connect()
    con.register("pii_values", _raw_pii(raw_dir))
    hits = []
    for path in files:
        columns = con.sql(f"describe select * from '{path}'").fetchall()
        for name, kind, *_ in columns:
            if kind != "VARCHAR":
                continue
            n = con.execute(
                f'select count(*) from "{path}" where "{name}" in (select value from pii_values)'
            ).fetchall()[0][0]
            if n:
                hits.append((path.name, name, n))
    assert hits == []
