"""`segmart import`: a plain transaction log maps onto the raw layout; a refused import writes
nothing (the bad files themselves are in the corpus, test_bad_input.py)."""
from __future__ import annotations

import subprocess
import sys

import pyarrow.parquet as pq

from segmart.layout import RAW_COLUMNS

GOOD = "cust,day,amt,oid\nA,2024-01-05,10.5,1\nB,2024-02-01,20,2\nA,2024-03-01,abc,3\n,2024-03-02,5,4\nC,2024-02-30,7,5\n"


def run_import(tmp_path, content: str | bytes, name="orders.csv", extra=()):
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    out = tmp_path / "raw"
    result = subprocess.run(
        [sys.executable, "-m", "segmart.cli", "import", "--orders", str(path), "--customer-col", "cust",
         "--date-col", "day", "--amount-col", "amt", "--out", str(out), *extra],
        capture_output=True, text=True)
    return result, out


def test_transaction_log_maps_onto_the_raw_layout(tmp_path):
    result, out = run_import(tmp_path, GOOD, extra=["--order-id-col", "oid"])
    assert result.returncode == 0, result.stderr
    for table, columns in RAW_COLUMNS.items():
        assert pq.read_schema(out / f"{table}.parquet").names == columns
    orders = pq.read_table(out / "orders.parquet").to_pydict()
    assert orders["order_id"] == ["1", "2", "3", "4", "5"]
    # valid dates are normalised; row-level problems pass through untouched for staging
    assert orders["ordered_at"] == ["2024-01-05 00:00:00", "2024-02-01 00:00:00", "2024-03-01 00:00:00",
                                    "2024-03-02 00:00:00", "2024-02-30"]
    assert orders["gross_amount"][2] == "abc"
    assert orders["customer_id"][3] is None
    customers = pq.read_table(out / "customers.parquet").to_pydict()
    assert customers["customer_id"] == ["A", "B", "C"]
    assert set(customers["city"]) == {None}
    assert pq.read_metadata(out / "order_items.parquet").num_rows == 0


def test_date_format_and_generated_order_ids(tmp_path):
    result, out = run_import(tmp_path, "cust,day,amt\nA,05/01/2024,1\nB,31/12/2023,2\n",
                             extra=["--date-format", "%d/%m/%Y"])
    assert result.returncode == 0, result.stderr
    orders = pq.read_table(out / "orders.parquet").to_pydict()
    assert orders["ordered_at"] == ["2024-01-05 00:00:00", "2023-12-31 00:00:00"]
    assert orders["order_id"] == ["orders-1", "orders-2"]


def test_customers_file_is_mapped_by_column_name(tmp_path):
    (tmp_path / "people.csv").write_text("cust,city,gender,shoe_size\nA,上海,F,38\nB,Beijing,M,42\n")
    result, out = run_import(tmp_path, GOOD, extra=["--customers", str(tmp_path / "people.csv")])
    assert result.returncode == 0, result.stderr
    customers = pq.read_table(out / "customers.parquet").to_pydict()
    assert customers["customer_id"] == ["A", "B"]
    assert customers["city"] == ["上海", "Beijing"]
    assert "shoe_size" not in customers


def test_existing_raw_folder_survives_a_refused_import(tmp_path):
    result, out = run_import(tmp_path, GOOD)
    assert result.returncode == 0
    before = (out / "orders.parquet").read_bytes()
    result, _ = run_import(tmp_path, b"", name="broken.csv")
    assert result.returncode == 2
    assert (out / "orders.parquet").read_bytes() == before
