"""Shared fixtures: small generated datasets and the CI warehouse built by `make test`."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from segmart.generate import generate


@pytest.fixture(scope="session")
def small_raw(tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("raw") / "raw"
    manifest = generate(3_000, seed=7, out_dir=out, progress=False)
    return out, manifest


@pytest.fixture(scope="session")
def warehouse():
    """Read-only connection to the warehouse `make test` built from SEGMART_RAW_DIR."""
    import duckdb

    path = Path(os.environ.get("SEGMART_DUCKDB_PATH", ".ci-work/ci.duckdb"))
    if not path.exists():
        pytest.skip(f"no warehouse at {path}: run `make test` (it builds one first)")
    con = duckdb.connect(str(path), read_only=True)
    yield con
    con.close()


@pytest.fixture(scope="session")
def raw_dir() -> Path:
    return Path(os.environ.get("SEGMART_RAW_DIR", "data/raw"))
