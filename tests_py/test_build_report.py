"""`segmart build` on small generated datasets: a failed build names each failing test with its
measured figure (quarantine-rate failures with their top rejection reasons), a green build prints
the rate of every warned monitor, a new dataset starts a new warehouse (the old one kept as a
dated backup), the raw manifest's settings reach dbt, and data that is not the demo is hashed
with the user's own key, which is nowhere in target/, logs/, the published files, the warehouse
or the repository."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import shutil
import stat
import subprocess
import sys

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from helpers import PROJECT, scratch_env

from segmart import build as build_module
from segmart.generate import generate
from segmart.privacy import DEMO_KEY, is_demo_data

SECOND_END = dt.date(2025, 6, 30)  # another as-of date than the first dataset's (2025-12-31)


def _segmart_build(tmp_path, raw, database, home, *dbt_args, publish=True):
    env = scratch_env(
        tmp_path,
        raw,
        database,
        SEGMART_HOME=str(home),
        HOME=str(home / "user"),
        SEGMART_PUBLISH_DIR=str(tmp_path / "published"),
    )
    for variable in ("SEGMART_PII_SALT", "XDG_CONFIG_HOME", "SEGMART_REPORTING_CURRENCY", "SEGMART_BUSINESS_TIMEZONE"):
        env.pop(variable, None)
    command = [sys.executable, "-m", "segmart.cli", "build", "--target", "ci", *([] if publish else ["--no-publish"])]
    if dbt_args:
        command += ["--", *dbt_args]
    return subprocess.run(command, check=False, cwd=PROJECT, env=env, capture_output=True, text=True)


@pytest.fixture(scope="module")
def builds(tmp_path_factory):
    """Build the demo dataset (seed 1, warn threshold lowered), then another dataset (seed 2,
    written as an import: not the demo) into the same warehouse."""
    tmp = tmp_path_factory.mktemp("builds")
    first, second = tmp / "raw1", tmp / "raw2"
    manifest_first = generate(300, seed=1, out_dir=first, progress=False)
    generate(300, seed=2, out_dir=second, end=SECOND_END, progress=False)
    manifest = json.loads((second / "_manifest.json").read_text())
    del manifest["generator"]
    manifest.update(
        written_by="segmart import", settings={"reporting_currency": "CNY", "business_timezone": "Asia/Shanghai"}
    )
    (second / "_manifest.json").write_text(json.dumps(manifest))
    database, home = tmp / "warehouse.duckdb", tmp / "home"
    one = _segmart_build(tmp, first, database, home, "--vars", json.dumps({"max_quarantine_rate": 0.001}))
    assert one.returncode == 0, one.stdout[-3000:] + one.stderr[-3000:]
    two = _segmart_build(tmp, second, database, home)
    assert two.returncode == 0, two.stdout[-3000:] + two.stderr[-3000:]
    return {
        "tmp": tmp,
        "first": first,
        "second": second,
        "manifest_first": manifest_first,
        "database": database,
        "home": home,
        "one": one,
        "two": two,
    }


def test_a_warned_monitor_prints_its_rate(builds):
    dirty = builds["manifest_first"]["dirty"]["orders"]
    # the planted faults; guest orders (missing_customer_id) count neither as rejected nor as rows
    # (var quarantine_rate_ignored_reasons)
    guests = dirty.get("missing_customer_id", 0)
    rate = (sum(dirty.values()) - guests) / (builds["manifest_first"]["rows"]["orders"] - guests)
    lines = [
        line for line in builds["one"].stderr.splitlines() if line.startswith("  WARN  base_raw__orders_quarantine")
    ]
    assert len(lines) == 1, builds["one"].stderr[-3000:]
    shown = float(re.search(r"quarantine_rate=([0-9.e-]+)", lines[0]).group(1))
    assert shown == pytest.approx(rate, rel=1e-3)


def test_a_new_dataset_starts_a_new_history_and_keeps_the_old_warehouse(builds):
    assert "new customer_segment_history" in builds["two"].stderr  # a warning (logging)
    backups = sorted(builds["tmp"].glob("warehouse.*T*.duckdb"))
    assert len(backups) == 1, list(builds["tmp"].iterdir())
    with duckdb.connect(str(builds["database"]), read_only=True) as con:
        dates = con.sql("select distinct as_of_date from marts.customer_segment_history").fetchall()
        customers = con.sql("select count(*) from marts.customer_segments").fetchall()[0][0]
        history_rows = con.sql("select count(*) from marts.customer_segment_history").fetchall()[0][0]
    assert len(dates) == 1 and dates[0][0] <= SECOND_END
    assert history_rows == customers
    with duckdb.connect(str(backups[0]), read_only=True) as con:
        old_dates = con.sql("select distinct as_of_date from marts.customer_segment_history").fetchall()
    assert len(old_dates) == 1 and old_dates[0][0] > SECOND_END  # the first dataset's, intact


def test_manifest_settings_reach_dbt(builds, monkeypatch):
    assert "SEGMART_REPORTING_CURRENCY=CNY" in builds["two"].stderr
    monkeypatch.setenv("SEGMART_REPORTING_CURRENCY", "GBP")  # the user's own setting wins
    monkeypatch.delenv("SEGMART_BUSINESS_TIMEZONE", raising=False)
    assert build_module._manifest_settings(builds["second"]) == {"SEGMART_BUSINESS_TIMEZONE": "Asia/Shanghai"}


def test_own_data_is_hashed_with_an_own_key_that_is_nowhere_on_disk(builds):
    assert is_demo_data(builds["first"]) and not is_demo_data(builds["second"])
    key_file = builds["home"] / "pii_key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(key_file.parent.stat().st_mode) == 0o700
    key = key_file.read_text().strip()
    assert len(key) == 64 and key != DEMO_KEY
    assert str(key_file) in builds["two"].stderr  # said where, once
    assert str(key_file) not in builds["one"].stderr  # the demo does not need it

    raw = pd.read_parquet(builds["second"] / "customers.parquet")
    with duckdb.connect(str(builds["database"]), read_only=True) as con:
        staged = con.sql("select raw_row_number, name_hash, phone_hash from staging.base_raw__customers").df()
        views = " ".join(sql or "" for (sql,) in con.sql("select sql from duckdb_views()").fetchall())
    staged = staged.set_index("raw_row_number")

    def expected(value):
        value = None if value is None else value.strip()
        return hashlib.sha256(f"{key}|{value}".encode()).hexdigest() if value else None

    checked = 0
    for row_number, row in raw.iterrows():
        if row_number in staged.index:
            assert staged.at[row_number, "name_hash"] == expected(row["name"])
            assert staged.at[row_number, "phone_hash"] == expected(row["phone"])
            checked += bool(expected(row["name"]))
    assert checked > 250

    assert key not in views
    places = [builds["tmp"] / "target", builds["tmp"] / "logs", builds["tmp"] / "published"]
    files = [p for place in places for p in place.rglob("*") if p.is_file()]
    files += [builds["database"], *builds["tmp"].glob("warehouse.*")]
    tracked = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard"], cwd=PROJECT, check=True, capture_output=True, text=True
    ).stdout.split()
    files += [PROJECT / name for name in tracked if (PROJECT / name).is_file()]
    files += [p for p in (PROJECT / "target").rglob("*") if p.is_file()] + [
        p for p in (PROJECT / "logs").rglob("*") if p.is_file()
    ]
    assert any(p.suffix == ".parquet" for p in files) and len(files) > 100
    needle = key.encode()
    assert [str(p) for p in files if needle in p.read_bytes()] == []


def test_a_full_refresh_of_the_same_data_keeps_the_history(builds):
    """Runs after the tests above: it adds an as-of date to the second dataset's warehouse."""
    with duckdb.connect(str(builds["database"]), read_only=True) as con:
        before = con.sql("select * from marts.customer_segment_history order by all").fetchall()
    earlier = "2025-03-31"
    done = _segmart_build(
        builds["tmp"],
        builds["second"],
        builds["database"],
        builds["home"],
        "--full-refresh",
        "--vars",
        json.dumps({"as_of_date": earlier}),
        "--exclude-resource-type",
        "unit_test",
        publish=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "new customer_segment_history" not in done.stdout + done.stderr
    assert len(list(builds["tmp"].glob("warehouse.*T*.duckdb"))) == 1  # no second backup
    with duckdb.connect(str(builds["database"]), read_only=True) as con:
        dates = [
            d
            for (d,) in con.sql("select distinct as_of_date from marts.customer_segment_history order by 1").fetchall()
        ]
        kept = con.sql(
            f"select * from marts.customer_segment_history where as_of_date <> '{earlier}' order by all"
        ).fetchall()
    assert [d.isoformat() for d in dates][0] == earlier and len(dates) == 2
    assert kept == before


@pytest.fixture(scope="module")
def repeated_ids(tmp_path_factory):
    """The demo's orders with three in four rows repeating an earlier row's order id."""
    tmp = tmp_path_factory.mktemp("repeated")
    raw = tmp / "raw"
    generate(300, seed=1, out_dir=raw, progress=False)
    orders = pq.read_table(raw / "orders.parquet")
    ids = orders.column("order_id").to_pylist()
    quarter = len(ids) // 4
    ids = ids[:quarter] + [ids[i % quarter] for i in range(quarter, len(ids))]
    orders = orders.set_column(orders.schema.get_field_index("order_id"), "order_id", pa.array(ids, pa.string()))
    pq.write_table(orders, raw / "orders.parquet")
    return tmp, raw


def test_a_failed_build_names_the_rejection_reasons(repeated_ids):
    tmp, raw = repeated_ids
    done = _segmart_build(tmp, raw, tmp / "warehouse.duckdb", tmp / "home", publish=False)
    assert done.returncode == 1
    assert not (tmp / "warehouse.duckdb").exists()
    lines = [
        line for line in done.stderr.splitlines() if line.startswith("  FAIL  base_raw__orders_quarantine_rate_fails")
    ]
    assert len(lines) == 1, done.stdout[-3000:] + done.stderr[-3000:]
    line = lines[0]
    # independent oracle: pandas on the raw file (a repeat of an earlier non-empty id, with a customer)
    frame = pd.read_parquet(raw / "orders.parquet")
    order_id = frame["order_id"].str.strip().replace("", None)
    customer = frame["customer_id"].str.strip().replace("", None)
    broken = frame["order_id"].str.contains("\ufffd", na=False) | frame["customer_id"].str.contains("\ufffd", na=False)
    repeats = order_id.notna() & order_id.duplicated() & customer.notna() & ~broken
    match = re.search(r"duplicate_id ([0-9,]+) \(e\.g\. raw row ([0-9]+)\)", line)
    assert match, line
    assert int(match.group(1).replace(",", "")) == int(repeats.sum())
    assert repeats.iloc[int(match.group(2))]
    shown = float(re.search(r"quarantine_rate=([0-9.e-]+)", line).group(1))
    assert shown > 0.75


def test_the_run_results_path_follows_dbt_target_path(tmp_path, monkeypatch):
    monkeypatch.setenv("DBT_TARGET_PATH", str(tmp_path / "t"))
    assert build_module._target_path([], dict(os.environ)) == tmp_path / "t"
    assert build_module._target_path(["--target-path", "x"], {}) == PROJECT / "x"
    shutil.rmtree(tmp_path / "t", ignore_errors=True)


def test_a_failed_model_names_its_cause(tmp_path):
    """A model that fails prints its cause on the ERROR line, not only dbt's "Runtime Error in
    model ..." header: here the CLV fit, refused on purpose (more repeat customers required than
    exist), says why and how to build without it."""
    raw = tmp_path / "raw"
    generate(300, seed=1, out_dir=raw, progress=False)
    done = _segmart_build(
        tmp_path,
        raw,
        tmp_path / "warehouse.duckdb",
        tmp_path / "home",
        "--vars",
        "{clv_min_repeat_customers: 100000000}",
        publish=False,
    )
    assert done.returncode == 1
    lines = [line for line in done.stderr.splitlines() if line.startswith("  ERROR int_clv_parameters_fitted:")]
    assert len(lines) == 1, done.stderr[-3000:]
    assert "CLV model fit failed" in lines[0] and "clv_fit_failure: warn" in lines[0], lines[0]
