"""`segmart build` and `segmart publish`: crash-safe builds and lock-free readers.

A build never writes the warehouse file in place. It copies the current warehouse (so
incremental history carries over) to `<warehouse>.building`, runs `dbt build` against the copy,
and only when every model and test passed replaces the warehouse with it in one atomic rename.
A build that dies (SIGKILL, power loss, a failing test) leaves yesterday's warehouse whole and
consistent; the next build starts again from it. Readers (the DuckDB CLI, dashboards, GX) can
open the warehouse read-only during a build, since the build locks only the copy.

`publish` then writes every mart to `<publish dir>/<mart>.parquet`, each through a temporary file
renamed into place, so a BI tool reading the folder sees the previous file or the new one,
never half of one.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb

from segmart.layout import default_raw_dir, project_root
from segmart.rawcheck import RawLayoutError, check_raw

TARGET_PATH_VARS = {"dev": ("SEGMART_DUCKDB_PATH", "warehouse.duckdb"),
                    "ci": ("SEGMART_CI_DUCKDB_PATH", ".ci-work/ci.duckdb")}
PUBLISHED_SCHEMAS = ("marts",)


class BuildError(RuntimeError):
    pass


def warehouse_path(target: str) -> Path:
    if target not in TARGET_PATH_VARS:
        raise BuildError(f"target {target!r} has no warehouse file (use dev or ci)")
    variable, default = TARGET_PATH_VARS[target]
    path = Path(os.environ.get(variable, default))
    return path if path.is_absolute() else project_root() / path


def default_publish_dir(target: str) -> Path:
    default = ".ci-work/published" if target == "ci" else "published"
    path = Path(os.environ.get("SEGMART_PUBLISH_DIR", default))
    return path if path.is_absolute() else project_root() / path


def _sidecars(path: Path) -> list[Path]:
    return [path, path.with_name(path.name + ".wal")]


SAMPLE_ROWS = 1000


def _rows_digest(path: Path, start: int, stop: int) -> str:
    """SHA-256 of rows [start, stop) of a Parquet file, reading only the row groups that hold them."""
    import hashlib

    import pyarrow.parquet as pq

    handle = pq.ParquetFile(path)
    digest, first = hashlib.sha256(), 0
    for group in range(handle.metadata.num_row_groups):
        rows = handle.metadata.row_group(group).num_rows
        if first < stop and first + rows > start:
            table = handle.read_row_group(group)
            part = table.slice(max(start - first, 0), min(stop, first + rows) - max(start, first))
            digest.update(repr(part.to_pylist()).encode("utf-8"))
        first += rows
    return digest.hexdigest()


def raw_fingerprint(folder: Path) -> dict:
    """Per raw table: its row count and digests of its first and last SAMPLE_ROWS rows."""
    import pyarrow.parquet as pq

    fingerprint = {}
    for path in sorted(Path(folder).glob("*.parquet")):
        rows = pq.read_metadata(path).num_rows
        fingerprint[path.stem] = {"rows": rows, "head": _rows_digest(path, 0, SAMPLE_ROWS),
                                  "tail": _rows_digest(path, max(rows - SAMPLE_ROWS, 0), rows)}
    return fingerprint


def is_append_of(folder: Path, previous: dict | None) -> bool:
    """Whether the raw files look like the previously built ones with rows appended: as many rows
    or more, the same first rows, and the same rows where the previous files ended. A new
    generated dataset or a rewritten export fails this, and needs a full refresh (the incremental
    models trust raw_row_number)."""
    if not previous:
        return False
    for table, before in previous.items():
        path = Path(folder) / f"{table}.parquet"
        if not path.exists():
            return False
        import pyarrow.parquet as pq

        rows = pq.read_metadata(path).num_rows
        if rows < before["rows"] or _rows_digest(path, 0, SAMPLE_ROWS) != before["head"]:
            return False
        if _rows_digest(path, max(before["rows"] - SAMPLE_ROWS, 0), before["rows"]) != before["tail"]:
            return False
    return True


def sources_are_tables(dbt_args: list[str] | None = None) -> bool:
    """Whether dbt reads the raw data from tables in a warehouse instead of the raw files: the dbt
    var `segmart_raw_schema` is set, in `--vars` among the dbt arguments or in dbt_project.yml
    (README "Use your own tables")."""
    import yaml

    args = list(dbt_args or [])
    for position, arg in enumerate(args):
        text = args[position + 1] if arg == "--vars" and position + 1 < len(args) else (
            arg.split("=", 1)[1] if arg.startswith("--vars=") else None)
        if text is not None:
            values = yaml.safe_load(text) or {}
            if isinstance(values, dict) and "segmart_raw_schema" in values:
                return values["segmart_raw_schema"] not in (None, "")
    project = yaml.safe_load((project_root() / "dbt_project.yml").read_text()) or {}
    return (project.get("vars") or {}).get("segmart_raw_schema") not in (None, "")


def build(target: str = "dev", dbt_args: list[str] | None = None, publish_dir: Path | None = None,
          publish_marts: bool = True, sources_from_tables: bool | None = None) -> Path:
    """sources_from_tables: the raw data are tables in a warehouse (None: sources_are_tables()).
    Then there is no raw folder to check or fingerprint, and the build refreshes in full: whether
    a table only had rows appended cannot be told from file digests (DECISIONLOG.md "Tables
    already in a warehouse")."""
    import json

    final = warehouse_path(target)
    fingerprint_file = final.with_name(final.name + ".raw.json")
    dbt_args = list(dbt_args or [])
    tables = sources_are_tables(dbt_args) if sources_from_tables is None else sources_from_tables
    if tables:
        fingerprint = None
        fingerprint_file.unlink(missing_ok=True)  # a later build from files must not trust it
        if "--full-refresh" not in dbt_args:
            print("segmart build: the raw data are tables: full refresh (customer_segment_history is kept)",
                  flush=True)
            dbt_args.append("--full-refresh")
    else:
        raw = default_raw_dir()
        raw = raw if raw.is_absolute() else project_root() / raw
        try:
            check_raw(raw)
        except RawLayoutError as exc:
            raise BuildError(str(exc)) from None
        fingerprint = raw_fingerprint(raw)
        previous = json.loads(fingerprint_file.read_text()) if fingerprint_file.exists() and final.exists() else None
        if final.exists() and "--full-refresh" not in dbt_args and not is_append_of(raw, previous):
            print(f"segmart build: {raw} is not the last build's raw data with rows appended: full refresh "
                  "(customer_segment_history is kept)", flush=True)
            dbt_args.append("--full-refresh")
    work = final.with_name(final.name + ".building")
    for stale in _sidecars(work):
        stale.unlink(missing_ok=True)
    final.parent.mkdir(parents=True, exist_ok=True)
    if final.exists():
        if final.with_name(final.name + ".wal").exists():
            # fold a leftover write-ahead log into the file before copying it
            duckdb.connect(str(final)).close()
        shutil.copyfile(final, work)
    variable = TARGET_PATH_VARS[target][0]
    env = {**os.environ, variable: str(work), "DBT_PROFILES_DIR": os.environ.get("DBT_PROFILES_DIR", str(project_root()))}
    dbt = Path(sys.executable).with_name("dbt")
    command = [str(dbt) if dbt.exists() else "dbt", "build", "--target", target, *dbt_args]
    result = subprocess.run(command, cwd=project_root(), env=env)
    if result.returncode != 0:
        raise BuildError(f"dbt build failed (exit {result.returncode}); {final} is unchanged, "
                         f"the failed build is in {work}")
    duckdb.connect(str(work)).close()  # checkpoint: everything in the main file, no WAL left
    os.replace(work, final)
    if fingerprint is not None:
        fingerprint_file.write_text(json.dumps(fingerprint, indent=1))
    if publish_marts:
        publish(final, publish_dir or default_publish_dir(target))
    return final


def publish(warehouse: Path, out_dir: Path) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        tables = con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_schema in (" + ", ".join("?" for _ in PUBLISHED_SCHEMAS) + ") "
            "and table_type = 'BASE TABLE' order by table_name", list(PUBLISHED_SCHEMAS)).fetchall()
        written = []
        for schema, table in tables:
            final = out_dir / f"{table}.parquet"
            temporary = out_dir / f".{table}.parquet.tmp"
            con.execute(f"copy (select * from \"{schema}\".\"{table}\") to '{temporary}' "
                        "(format parquet, compression zstd)")
            os.replace(temporary, final)
            written.append(final)
        return written
    finally:
        con.close()
