"""The bad-input corpus (tests_py/fixtures/bad_input): every bad row is quarantined with the
right reason and nothing else is lost; every bad file is refused with one line naming it."""

from __future__ import annotations

import csv
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from helpers import PROJECT, dbt_executable, scratch_env

from segmart.layout import RAW_COLUMNS, raw_schema
from segmart.rawcheck import RawLayoutError, check_raw

CORPUS = Path(__file__).resolve().parent / "fixtures" / "bad_input"
QUARANTINE = {
    "customers": ("stg_raw__customers", "quarantine_raw__customers"),
    "orders": ("stg_raw__orders", "quarantine_raw__orders"),
    "order_items": ("stg_raw__order_items", "quarantine_raw__order_items"),
    "wallet_survey": ("stg_raw__wallet_survey_answers", "quarantine_raw__wallet_survey_answers"),
    "customer_events": ("stg_raw__customer_events", "quarantine_raw__customer_events"),
}


def _read_corpus(table: str) -> pa.Table:
    path = CORPUS / "rows" / f"{table}.csv"
    names = RAW_COLUMNS[table] + ["expected_reason", "kind"]
    return pacsv.read_csv(
        path,
        convert_options=pacsv.ConvertOptions(column_types={n: pa.string() for n in names}, strings_can_be_null=False),
    )


@pytest.fixture(scope="module")
def staged_corpus(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("bad_input")
    raw = tmp / "raw"
    raw.mkdir()
    expected = {}
    for table in RAW_COLUMNS:
        corpus = _read_corpus(table)
        expected[table] = list(zip(corpus["expected_reason"].to_pylist(), corpus["kind"].to_pylist()))
        pq.write_table(corpus.select(RAW_COLUMNS[table]).cast(raw_schema(table)), raw / f"{table}.parquet")
    env = scratch_env(tmp, raw, tmp / "corpus.duckdb")
    result = subprocess.run(
        [
            dbt_executable(),
            "build",
            "--target",
            "ci",
            "--select",
            "resource_type:seed",
            "staging",
            "--exclude",
            "test_type:unit",
            "--indirect-selection",
            "cautious",
            # a corpus of mostly bad rows: its quarantine rate is the point
            "--vars",
            "{max_quarantine_rate_error: 1}",
        ],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout[-3000:]
    con = duckdb.connect(str(tmp / "corpus.duckdb"), read_only=True)
    yield con, expected
    con.close()


@pytest.mark.parametrize("table", list(RAW_COLUMNS))
def test_every_bad_row_is_quarantined_with_its_reason(staged_corpus, table):
    con, expected = staged_corpus
    staged, quarantine = QUARANTINE[table]
    got = dict(con.sql(f"select raw_row_number, rejection_reason from staging.{quarantine}").fetchall())
    want = {row: reason for row, (reason, _) in enumerate(expected[table]) if reason}
    assert got == want, [
        (expected[table][r][1], got.get(r), want.get(r)) for r in set(got) | set(want) if got.get(r) != want.get(r)
    ]
    raw_rows = len(expected[table])
    staged_rows = con.sql(f"select count(*) from staging.{staged}").fetchall()[0][0]
    assert staged_rows + len(got) == raw_rows
    assert staged_rows == sum(1 for reason, _ in expected[table] if not reason)


def test_good_rows_beside_bad_ones_are_unaffected(staged_corpus):
    con, _ = staged_corpus
    orders = dict(
        (row[0], row[1:])
        for row in con.sql(
            "select order_id, customer_id, gross_amount, discount_amount, currency_code from staging.stg_raw__orders"
        ).fetchall()
    )
    # O16 is a return (negative gross): accepted, its amount stays negative
    assert orders == {
        "O1": ("C1", 100, 10, "CNY"),
        "O2": ("C2", Decimal("92"), Decimal("9.2"), "HKD"),
        "O16": ("C1", Decimal("-30"), 0, "CNY"),
    }
    customers = dict(con.sql("select customer_id, city from staging.stg_raw__customers").fetchall())
    assert customers == {"C1": "上海", "C2": "上海", "C3": "火星"}
    items = con.sql(
        "select order_item_id, quantity, unit_price from staging.stg_raw__order_items order by order_item_id"
    ).fetchall()
    # O2-3 is a returned line (negative quantity) of an HKD order: 10 HKD at 0.92 is 9.2 CNY
    assert items == [("O1-1", 2, 50), ("O2-3", -1, Decimal("9.2"))]


def test_corpus_covers_at_least_twenty_kinds():
    kinds = set()
    for table in RAW_COLUMNS:
        corpus = _read_corpus(table)
        kinds |= {
            (reason, kind)
            for reason, kind in zip(corpus["expected_reason"].to_pylist(), corpus["kind"].to_pylist())
            if reason
        }
    with open(CORPUS / "files" / "cases.csv", encoding="utf-8") as handle:
        file_kinds = list(csv.DictReader(handle))
    assert len(kinds) + len(file_kinds) + len(RAW_FILE_FAULTS) >= 20
    assert len(kinds) >= 20


def _cases():
    with open(CORPUS / "files" / "cases.csv", encoding="utf-8") as handle:
        return [(row["file"], row["expected_message"]) for row in csv.DictReader(handle)]


@pytest.mark.parametrize("name,message", _cases(), ids=[c[0] for c in _cases()])
def test_bad_file_is_refused_by_import_with_one_line(tmp_path, name, message):
    out = tmp_path / "raw"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "segmart.cli",
            "import",
            "--orders",
            str(CORPUS / "files" / name),
            "--customer-col",
            "cust",
            "--date-col",
            "day",
            "--amount-col",
            "amt",
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and name in lines[0] and message in lines[0], result.stderr
    assert not out.exists()


def _good_raw(folder: Path) -> Path:
    folder.mkdir(parents=True)
    for table in RAW_COLUMNS:
        pq.write_table(raw_schema(table).empty_table(), folder / f"{table}.parquet")
    return folder


def _drop_file(folder):
    (folder / "orders.parquet").unlink()


def _missing_column(folder):
    pq.write_table(
        pa.table({c: pa.array([], pa.string()) for c in RAW_COLUMNS["orders"][:-1]}), folder / "orders.parquet"
    )


def _extra_column(folder):
    columns = {c: pa.array(["x"], pa.string()) for c in RAW_COLUMNS["orders"]}
    pq.write_table(pa.table({**columns, "coupon_code": pa.array(["y"])}), folder / "orders.parquet")


def _typed_column(folder):
    columns = {c: pa.array(["x"], pa.string()) for c in RAW_COLUMNS["orders"]}
    pq.write_table(pa.table({**columns, "gross_amount": pa.array([1.5])}), folder / "orders.parquet")


def _truncated(folder):
    data = (folder / "orders.parquet").read_bytes()
    (folder / "orders.parquet").write_bytes(data[: len(data) // 2])


def _zero_bytes(folder):
    (folder / "orders.parquet").write_bytes(b"")


RAW_FILE_FAULTS = {
    "missing file": (_drop_file, "file missing"),
    "missing column": (_missing_column, "missing column(s) cost_amount"),
    "extra column": (_extra_column, "unexpected column(s) coupon_code"),
    "wrong type": (_typed_column, "gross_amount (double) must be text"),
    "truncated parquet": (_truncated, "not a readable Parquet file"),
    "empty file": (_zero_bytes, "not a readable Parquet file"),
}


@pytest.mark.parametrize("fault", list(RAW_FILE_FAULTS))
def test_bad_raw_file_is_refused_before_the_build(tmp_path, fault):
    folder = _good_raw(tmp_path / "raw")
    assert set(check_raw(folder)) == set(RAW_COLUMNS)
    damage, message = RAW_FILE_FAULTS[fault]
    damage(folder)
    with pytest.raises(RawLayoutError) as error:
        check_raw(folder)
    text = str(error.value)
    assert "\n" not in text and "orders.parquet" in text and message in text, text
    result = subprocess.run(
        [sys.executable, "-m", "segmart.cli", "check", "--raw", str(folder)], capture_output=True, text=True
    )
    assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1


def test_build_refuses_a_bad_raw_folder_and_keeps_the_warehouse(tmp_path):
    folder = _good_raw(tmp_path / "raw")
    _extra_column(folder)
    env = scratch_env(tmp_path, folder, tmp_path / "w.duckdb")
    result = subprocess.run(
        [sys.executable, "-m", "segmart.cli", "build", "--target", "ci"],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    assert "orders.parquet: unexpected column(s) coupon_code" in result.stderr
    assert not (tmp_path / "w.duckdb").exists()
