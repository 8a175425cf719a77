"""Staging on the CI warehouse: every dirty row the generator planted is quarantined with the
right reason, and no clear-text PII reaches any table."""
from __future__ import annotations

import json

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
    got = dict(warehouse.sql(
        f"select rejection_reason, count(*) from staging.{QUARANTINE[table]} group by 1").fetchall())
    assert got == manifest["dirty"][table]


def test_no_clear_text_pii_in_any_table(warehouse, raw_dir):
    raw = duckdb.connect()
    pii = raw.sql(f"""
        select value from (
            select unnest([phone, email, id_number]) as value from '{raw_dir}/customers.parquet'
        ) where value is not null
    """).df()
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
        ).fetchone()[0]
        if n:
            hits.append((schema, table, column, n))
    assert hits == []
