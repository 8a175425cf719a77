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


def test_a_warehouse_in_duckdb_2_format_is_rewritten_for_1_4_readers_by_the_next_build(reader_python, tmp_path):
    """A warehouse built before the setting (DuckDB 2's own format) is rewritten in the 1.4 format
    by the next `segmart build`, keeping its tables (the segment history carries over)."""
    import duckdb
    from helpers import scratch_env

    from segmart.build import storage_version

    source = Path(os.environ.get("SEGMART_DUCKDB_PATH", ".ci-work/ci.duckdb")).resolve()
    if not source.exists():
        pytest.skip(f"no warehouse at {source}: run `make test` (it builds one first)")
    database = tmp_path / "warehouse.duckdb"
    con = duckdb.connect()
    con.execute(f"attach '{source}' as source (read_only)")
    con.execute(f"attach '{database}' as newer (storage_version 'v2.0.0')")
    con.execute("copy from database source to newer")
    history_before = con.execute("select count(*) from newer.marts.customer_segment_history").fetchone()[0]
    con.close()
    for sidecar in (".raw.json", ".project.json"):  # the same raw data: an incremental build follows
        (tmp_path / f"warehouse.duckdb{sidecar}").write_bytes(source.with_name(source.name + sidecar).read_bytes())
    assert storage_version(database) == "v2.0.0+"
    done = subprocess.run([str(reader_python), "-c", READER, str(database)], capture_output=True, text=True)
    assert done.returncode != 0 and "version number" in done.stderr, done.stderr[-500:]

    env = scratch_env(tmp_path, raw_dir=Path(os.environ.get("SEGMART_RAW_DIR", ".ci-work/raw")), database=database)
    env["SEGMART_PUBLISH_DIR"] = str(tmp_path / "published")
    segmart = str(Path(sys.executable).with_name("segmart"))
    built = subprocess.run([segmart, "build", "--target", "ci"], cwd=PROJECT, env=env, capture_output=True, text=True)
    assert built.returncode == 0, built.stdout[-2000:] + built.stderr[-2000:]
    assert "rewriting it as v1.4.0" in built.stderr
    assert storage_version(database) == "v1.4.0+"
    old = read_with(reader_python, database)
    assert old["marts"]["customer_segment_history"]["rows"] == history_before
