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
