"""Whole-file checks of a raw folder before dbt reads it: every table present (one file, or a
folder of landed files), readable Parquet, exactly the raw layout's columns, all text. A problem
stops the build with one line naming the file and the problem; row-level problems are staging's
(quarantine), not this module's."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from segmart.errors import SegmartError
from segmart.layout import RAW_COLUMNS, landed_files


class RawLayoutError(SegmartError, ValueError):
    """A raw file cannot be read as its table: the message names the file and the problem."""


def check_raw(folder: Path, known: dict[str, int] | None = None) -> dict[str, int]:
    """Row counts per table; raises RawLayoutError on the first bad file. `known`: row counts of
    landed files known unchanged since the last build (path → rows; segmart build's fingerprint),
    which are not read again."""
    folder = Path(folder)
    known = known or {}
    if not folder.is_dir():
        raise RawLayoutError(
            f"{folder}: raw folder not found (set SEGMART_RAW_DIR, or write one with segmart import or segmart generate)"
        )
    rows = {}
    for table, columns in RAW_COLUMNS.items():
        single, files = folder / f"{table}.parquet", landed_files(folder, table)
        if files and single.exists():
            raise RawLayoutError(
                f"{single}: raw table {table} is both this file and the folder {folder / table}/ (keep one: move the "
                "file into the folder, named to sort before the others)"
            )
        if not files and (folder / table).is_dir() and not single.exists():
            raise RawLayoutError(f"{folder / table}/: no data file (*.parquet) in the folder of raw table {table}")
        if not files and not single.exists():
            raise RawLayoutError(
                f"{single}: file missing (every raw table needs a file, even an empty one, or a folder of files)"
            )
        rows[table] = sum(
            known[str(path)] if str(path) in known else _check_file(path, columns) for path in files or [single]
        )
    return rows


def _check_file(path: Path, columns: list[str]) -> int:
    """The rows of one raw file of a table with these columns."""
    try:
        schema = pq.read_schema(path)
        rows = pq.read_metadata(path).num_rows
    except Exception as exc:  # pyarrow raises several types for damaged files
        raise RawLayoutError(f"{path}: not a readable Parquet file ({str(exc).splitlines()[0]})") from None
    missing = [c for c in columns if c not in schema.names]
    if missing:
        raise RawLayoutError(f"{path}: missing column(s) {', '.join(missing)}")
    extra = [c for c in schema.names if c not in columns]
    if extra:
        raise RawLayoutError(
            f"{path}: unexpected column(s) {', '.join(extra)} (the raw layout is in segmart/layout.py)"
        )
    typed = [f"{f.name} ({f.type})" for f in schema if f.type not in (pa.string(), pa.large_string())]
    if typed:
        raise RawLayoutError(
            f"{path}: column(s) {', '.join(typed)} must be text; raw files carry text "
            "(segmart import converts typed exports)"
        )
    try:
        pq.ParquetFile(path).read_row_group(0) if pq.ParquetFile(path).num_row_groups else None
    except Exception as exc:
        raise RawLayoutError(f"{path}: data cannot be read ({str(exc).splitlines()[0]})") from None
    return rows
