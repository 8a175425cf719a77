"""BI tools that embed DuckDB 1.4 open the warehouse file (profiles.yml sets DuckDB's
storage_compatibility_version): a throwaway venv with DuckDB 1.4 (bi/duckdb-1.4-reader.lock)
opens the CI warehouse read-only and reads every mart; its counts and sums must equal what the
pinned DuckDB reads."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import CONTRACTED_MARTS, PROJECT

PIN = PROJECT / "bi" / "duckdb-1.4-reader.lock"

# every mart, one row: row count and, per numeric column, its sum (read by each DuckDB alike)
READER = r"""
import json, sys
import duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
out = {"version": duckdb.__version__, "marts": {}}
tables = [r[0] for r in con.execute(
    "select table_name from information_schema.tables where table_schema = 'marts' order by 1").fetchall()]
for table in tables:
    columns = con.execute(
        "select column_name, data_type from information_schema.columns "
        "where table_schema = 'marts' and table_name = ? order by ordinal_position", [table]).fetchall()
    numeric = [c for c, t in columns if t in ("INTEGER", "BIGINT", "DOUBLE", "HUGEINT") or t.startswith("DECIMAL")]
    sums = ", ".join(f'sum("{c}")::double' for c in numeric)
    row = con.execute(f'select count(*){", " if sums else ""}{sums} from marts."{table}"').fetchone()
    texts = con.execute(f'select * from marts."{table}" limit 5').fetchall()
    out["marts"][table] = {"rows": row[0], "sums": [None if v is None else round(v, 6) for v in row[1:]],
                           "columns": [c for c, _ in columns], "sample": repr(texts)}
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def reader_python() -> Path:
    venv = PROJECT / ".ci-work" / "duckdb-1.4-venv"
    python = venv / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run(
            [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-r", str(PIN)],
            check=True,
        )
    return python


def read_with(python: Path, database: Path) -> dict:
    done = subprocess.run([str(python), "-c", READER, str(database)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)


def test_duckdb_1_4_reads_every_mart_of_the_warehouse(reader_python):
    database = Path(os.environ.get("SEGMART_DUCKDB_PATH", ".ci-work/ci.duckdb")).resolve()
    if not database.exists():
        pytest.skip(f"no warehouse at {database}: run `make test` (it builds one first)")
    old = read_with(reader_python, database)
    new = read_with(Path(sys.executable), database)
    assert old["version"].startswith("1.4."), old["version"]
    assert not new["version"].startswith("1."), new["version"]
    expected = CONTRACTED_MARTS
    assert expected <= set(old["marts"]), sorted(expected - set(old["marts"]))
    assert old["marts"] == new["marts"]
    assert old["marts"]["customer_segments"]["rows"] > 0


def test_a_warehouse_in_duckdb_2_format_is_rewritten_for_1_4_readers(reader_python, tmp_path):
    """A warehouse built before the setting (DuckDB 2's own format) is rewritten in the 1.4 format
    when segmart build carries it over into the build's working copy, every table kept."""
    import duckdb

    from segmart.build import _carry_over, storage_version

    source = Path(os.environ.get("SEGMART_DUCKDB_PATH", ".ci-work/ci.duckdb")).resolve()
    if not source.exists():
        pytest.skip(f"no warehouse at {source}: run `make test` (it builds one first)")
    newer, work = tmp_path / "warehouse.duckdb", tmp_path / "warehouse.duckdb.building"
    con = duckdb.connect()
    con.execute(f"attach '{source}' as source (read_only)")
    con.execute(f"attach '{newer}' as newer (storage_version 'v2.0.0')")
    con.execute("copy from database source to newer")
    con.close()
    assert storage_version(newer) == "v2.0.0+"
    done = subprocess.run([str(reader_python), "-c", READER, str(newer)], capture_output=True, text=True)
    assert done.returncode != 0 and "version number" in done.stderr, done.stderr[-500:]

    _carry_over(newer, work)
    assert storage_version(work) == "v1.4.0+"
    assert read_with(reader_python, work)["marts"] == read_with(Path(sys.executable), source)["marts"]
