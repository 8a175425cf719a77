"""`segmart validate` (Great Expectations): the raw files' expectations and the segment dimension
list fail with a summary when broken, and the suites in gx/ are the ones the seeds and vars give."""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from helpers import PROJECT

from segmart import validate
from segmart.layout import segment_dimensions


def _event_types() -> set[str]:
    with open(PROJECT / "seeds" / "event_types.csv", encoding="utf-8", newline="") as handle:
        return {row["event_type"] for row in csv.DictReader(handle)}


def _replace_every_nth(path, column: str, value: str, every: int) -> None:
    table = pq.read_table(path)
    values = table.column(column).to_pylist()
    values = [value if i % every == 0 else v for i, v in enumerate(values)]
    index = table.schema.get_field_index(column)
    pq.write_table(table.set_column(index, column, pa.array(values, pa.string())), path)


def test_broken_raw_files_and_dimensions_fail_validation_with_a_summary(tmp_path, warehouse, raw_dir):
    raw = tmp_path / "raw"
    shutil.copytree(raw_dir, raw)
    # one in five events of a type the seed event_types does not have, one in five order amounts
    # not a number: far above the share staging may quarantine (var max_quarantine_rate)
    _replace_every_nth(raw / "customer_events.parquet", "event_type", "tap", 5)
    _replace_every_nth(raw / "orders.parquet", "gross_amount", "n/a", 5)
    known = _event_types()
    events = pq.read_table(raw / "customer_events.parquet").column("event_type").to_pylist()
    unknown = sum(1 for value in events if value is not None and value not in known)  # GX skips NULLs
    # and a segment dimension (var segment_dimensions) missing from segment_summary
    broken = tmp_path / "broken.duckdb"
    shutil.copyfile(os.environ.get("SEGMART_DUCKDB_PATH", ".ci-work/ci.duckdb"), broken)
    with duckdb.connect(str(broken)) as con:
        con.execute("delete from marts.segment_summary where segment_dimension = ?", [segment_dimensions()[-1]])
    env = {**os.environ, "SEGMART_CI_DUCKDB_PATH": str(broken)}
    result = subprocess.run(
        [sys.executable, "-m", "segmart.cli", "validate", "--target", "ci", "--raw", str(raw)],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1, result.stdout[-2000:] + result.stderr[-2000:]
    assert f"expect_column_values_to_be_in_set(event_type): {unknown} unexpected" in result.stdout
    assert "expect_column_values_to_match_regex(gross_amount): " in result.stdout
    assert "expect_column_distinct_values_to_equal_set(segment_dimension)" in result.stdout
    assert "3 failed" in result.stdout


@pytest.fixture(scope="module")
def gx_context():
    return validate.context()


def test_the_suites_in_gx_are_those_of_the_seeds_and_vars(gx_context):
    assert validate.stale_suites(gx_context) == []
    expected = validate.suites(validate.dbt_vars())
    assert sorted(suite.name for suite in gx_context.suites.all()) == sorted(expected)
    assert {dataset.name for dataset in validate.datasets()} == set(expected)


def test_a_changed_seed_or_var_makes_the_suites_stale(gx_context, monkeypatch):
    seed_column = validate.seed_column
    monkeypatch.setattr(validate, "seed_column", lambda seed, column: seed_column(seed, column)[:-1])
    assert validate.stale_suites(gx_context) == ["raw_customer_events"]
    monkeypatch.undo()
    dbt_vars = validate.dbt_vars()
    monkeypatch.setattr(validate, "dbt_vars", lambda: {**dbt_vars, "max_quarantine_rate": 0.5})
    assert validate.stale_suites(gx_context) == [name for name in validate.suites(dbt_vars) if name.startswith("raw_")]
    monkeypatch.undo()
    dimensions = validate.segment_dimensions()
    monkeypatch.setattr(validate, "segment_dimensions", lambda: dimensions[:-1])
    assert validate.stale_suites(gx_context) == ["segment_summary", "segment_migrations"]
