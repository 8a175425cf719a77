"""Shared fixtures: small generated datasets and the CI warehouse built by `make test`."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from segmart.generate import generate


@pytest.fixture(scope="session", autouse=True)
def segmart_home(tmp_path_factory):
    """segmart's PII key file (made on data that is not the demo) goes to a folder of the test
    session, one key for every build of the session, never to the user's home."""
    if os.environ.get("SEGMART_HOME"):
        yield Path(os.environ["SEGMART_HOME"])
        return
    home = tmp_path_factory.mktemp("segmart-home")
    os.environ["SEGMART_HOME"] = str(home)
    yield home
    os.environ.pop("SEGMART_HOME", None)


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


@pytest.fixture(scope="session")
def two_date_marts(tmp_path_factory):
    """Published marts with a two-date segment history: a copy of the CI warehouse, backfilled
    one quarter before its as-of date (`segmart backfill`), then published (`segmart publish`).
    The dashboard, the report, the views, the analyses and Superset are tested on it. Built once
    per CI warehouse beside it (two-dates/, under a file lock: the pytest workers share it), then
    copied for each worker, whose tests may write to their copy."""
    import fcntl
    import shutil

    source = Path(os.environ.get("SEGMART_DUCKDB_PATH", ".ci-work/ci.duckdb"))
    if not source.exists():
        pytest.skip(f"no warehouse at {source}: run `make test` (it builds one first)")
    shared = source.resolve().parent / "two-dates"
    shared.mkdir(exist_ok=True)
    stat = source.stat()
    key = f"{source.resolve()}:{stat.st_size}:{stat.st_mtime_ns}"
    with open(shared.parent / "two-dates.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        done = shared / "built-from"
        if not done.exists() or done.read_text() != key:
            done.unlink(missing_ok=True)
            built = _build_two_date_marts(source, shared / "build")
            done.write_text(key)
        else:
            built = json.loads((shared / "build" / "two-dates.json").read_text())
    tmp = tmp_path_factory.mktemp("two_dates")
    shutil.copyfile(built["database"], tmp / "warehouse.duckdb")
    shutil.copytree(built["published"], tmp / "published")
    from helpers import scratch_env

    env = scratch_env(
        tmp, raw_dir=Path(os.environ.get("SEGMART_RAW_DIR", ".ci-work/raw")), database=tmp / "warehouse.duckdb"
    )
    return {
        "database": tmp / "warehouse.duckdb",
        "published": tmp / "published",
        "dates": tuple(built["dates"]),
        "env": env,
    }


def _build_two_date_marts(source: Path, tmp: Path) -> dict:
    import shutil
    import subprocess
    import sys

    import duckdb
    from helpers import PROJECT, scratch_env

    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    database = tmp / "warehouse.duckdb"
    shutil.copyfile(source, database)
    with duckdb.connect(str(database), read_only=True) as con:
        as_of = con.sql("select max(as_of_date) from marts.customer_segments").fetchall()[0][0]
    earlier = (month_end(as_of, -3)).isoformat()
    env = scratch_env(tmp, raw_dir=Path(os.environ.get("SEGMART_RAW_DIR", ".ci-work/raw")), database=database)
    segmart = str(Path(sys.executable).with_name("segmart"))
    for command in (
        ["backfill", "--from", earlier, "--to", earlier, "--target", "ci"],
        ["publish", "--target", "ci", "--out", str(tmp / "published")],
    ):
        done = subprocess.run([segmart, *command], cwd=PROJECT, env=env, capture_output=True, text=True)
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    built = {"database": str(database), "published": str(tmp / "published"), "dates": [earlier, as_of.isoformat()]}
    (tmp / "two-dates.json").write_text(json.dumps(built))
    return built


def month_end(day, months: int):
    """The last day of the month `months` away from day's month."""
    import calendar
    import datetime as dt

    month_index = day.year * 12 + day.month - 1 + months
    year, month = divmod(month_index, 12)
    return dt.date(year, month + 1, calendar.monthrange(year, month + 1)[1])
