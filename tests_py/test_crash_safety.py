"""Crash safety and lock-free readers: a build killed in the middle of the marts leaves the
previous marts whole; the next build succeeds and reproduces every mart exactly; published
Parquet files are never seen half-written."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest
from helpers import PROJECT, scratch_env

from segmart.build import publish

# what says which build did it, not what the data are: when a model fit was made (fitted_at, the
# run's start) and whether this build made it (a rebuild into the same warehouse reuses the fit)
BUILD_FACTS = {
    "clv_model_parameters": ("is_refit_this_build",),
    "clv_model_parameter_history": ("fitted_at",),
    "wallet_peer_quantile_history": ("fitted_at",),
    "clv_backtest_parameters": ("fitted_at",),
}


def mart_hashes(path: Path) -> dict[str, str]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        tables = [
            row[0]
            for row in con.sql(
                "select table_name from information_schema.tables where table_schema = 'marts' order by table_name"
            ).fetchall()
        ]
        return {
            table: con.sql(
                f"select md5(coalesce(string_agg(cast(t as varchar), chr(10) order by cast(t as varchar)), '')) "
                f"from (select * {_exclude(table)} from marts.{table}) as t"
            ).fetchall()[0][0]
            for table in tables
        }
    finally:
        con.close()


def _exclude(table: str) -> str:
    columns = BUILD_FACTS.get(table)
    return f"exclude ({', '.join(columns)})" if columns else ""


@pytest.fixture()
def copied_warehouse(tmp_path, warehouse):
    source = Path(os.environ.get("SEGMART_DUCKDB_PATH", ".ci-work/ci.duckdb"))
    target = tmp_path / "warehouse.duckdb"
    shutil.copyfile(source, target)
    return target


def _build(path: Path, raw_dir: Path, tmp_path: Path, **popen):
    env = scratch_env(tmp_path, raw_dir, path, SEGMART_PUBLISH_DIR=str(tmp_path / "published"))
    return subprocess.Popen(
        [sys.executable, "-m", "segmart.cli", "build", "--target", "ci"],
        cwd=PROJECT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        **popen,
    )


def test_killed_build_keeps_previous_marts_and_rebuild_is_identical(copied_warehouse, raw_dir, tmp_path):
    before = mart_hashes(copied_warehouse)
    assert len(before) >= 8
    process = _build(copied_warehouse, raw_dir, tmp_path, start_new_session=True)
    seen = []
    for line in process.stdout:
        seen.append(line)
        if "START" in line and " model marts." in line:
            os.killpg(process.pid, signal.SIGKILL)
            break
    process.wait(timeout=60)
    assert process.returncode == -signal.SIGKILL, "".join(seen[-20:])
    assert any(" model marts." in line for line in seen)
    assert mart_hashes(copied_warehouse) == before

    again = _build(copied_warehouse, raw_dir, tmp_path)
    output, _ = again.communicate(timeout=600)
    assert again.returncode == 0, output[-3000:]
    # same inputs, same as-of date: every mart, history included, is byte-for-byte the same
    assert mart_hashes(copied_warehouse) == before
    published = sorted(p.stem for p in (tmp_path / "published").glob("*.parquet"))
    assert published == sorted(before)


def test_readers_never_see_a_partial_published_file(copied_warehouse, tmp_path):
    out = tmp_path / "published"
    publish(copied_warehouse, out)
    expected = {p.name: pq.read_metadata(p).num_rows for p in out.glob("*.parquet")}
    failures, reads = [], [0]
    done = threading.Event()

    def reader():
        while not done.is_set():
            for name, rows in expected.items():
                try:
                    if pq.read_table(out / name).num_rows != rows:
                        failures.append(f"{name}: wrong row count")
                except Exception as exc:  # a half-written file would land here
                    failures.append(f"{name}: {exc}")
                reads[0] += 1

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        for _ in range(5):
            publish(copied_warehouse, out)
    finally:
        done.set()
        thread.join()
    assert reads[0] > len(expected)
    assert failures == []
    assert not list(out.glob(".*.tmp"))
