"""Helpers shared by the tests that build scratch warehouses with dbt or the segmart command."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from segmart.layout import project_root

PROJECT = project_root()


def dbt_executable() -> str:
    """The dbt of the interpreter running the tests (the project's venv)."""
    candidate = Path(sys.executable).with_name("dbt")
    return str(candidate) if candidate.exists() else "dbt"


def scratch_env(tmp_path: Path, raw_dir: Path | None = None, database: Path | None = None, **extra: str) -> dict:
    """Environment for a dbt or segmart child process that builds into `database` (the ci
    target) from `raw_dir`, with dbt's target and log folders under tmp_path."""
    env = {
        **os.environ,
        "DBT_PROFILES_DIR": str(PROJECT),
        "DBT_TARGET_PATH": str(tmp_path / "target"),
        "DBT_LOG_PATH": str(tmp_path / "logs"),
        **extra,
    }
    if raw_dir is not None:
        env["SEGMART_RAW_DIR"] = str(Path(raw_dir).resolve())
    if database is not None:
        env["SEGMART_CI_DUCKDB_PATH"] = str(database)
    return env


# History keeps one snapshot per as-of date: a warehouse built twice holds two, so a comparison
# with a warehouse built once reads the latest as-of date only.
LATEST_ONLY = {"customer_segment_history": "as_of_date = (select max(as_of_date) from {relation})"}


# staged_at records which run staged a row, computed_as_of_date the as-of date of the build that
# last recomputed a customer's state (DECISIONLOG.md "Incremental customer state")
RUN_COLUMNS = frozenset({"staged_at", "computed_as_of_date"})


def relations(con, schemas: tuple[str, ...], skipped: frozenset[str] = frozenset()) -> list[tuple[str, str, list[str]]]:
    """(schema, name, columns) of the relations in `schemas` of con's database, but `skipped`;
    without the columns that record a build (RUN_COLUMNS) and differ between builds by design."""
    rows = con.execute(f"""
        select table_schema, table_name, list(column_name order by ordinal_position)
        from information_schema.columns
        where table_catalog = current_database() and table_schema in {tuple(schemas)}
        group by all order by all""").fetchall()
    return [(s, t, [c for c in cols if c not in RUN_COLUMNS]) for s, t, cols in rows if t not in skipped]


def differences(
    con, ours: str, theirs: str, schemas: tuple[str, ...], skipped: frozenset[str] = frozenset()
) -> list[str]:
    """The relations (of con's database) that differ, row for row, between the catalog prefix
    `ours` ("" for con's database, or "third.") and the attached catalog `theirs`."""
    different = []
    for schema, name, columns in relations(con, schemas, skipped):
        cols = ", ".join(f'"{c}"' for c in columns)
        left, right = (
            f"select {cols} from {r} where " + LATEST_ONLY.get(name, "true").format(relation=r)
            for r in (f"{ours}{schema}.{name}", f"{theirs}.{schema}.{name}")
        )
        extra = con.execute(f"select count(*) from ({left} except all {right})").fetchone()[0]
        missing = con.execute(f"select count(*) from ({right} except all {left})").fetchone()[0]
        if extra or missing:
            different.append(f"{ours}{schema}.{name}: {extra} rows only there, {missing} only in {theirs}")
    return different
