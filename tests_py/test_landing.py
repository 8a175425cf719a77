"""Raw exports landed as new files (DECISIONLOG.md "Raw exports land as new files").

The 3,000-customer dataset, cut before its newest 1% of orders (segmart/append.py, landing=True),
is a landing zone: every table a folder holding one file. It is built; then the next day's export
lands as a new file per table (new rows, a repeated order id, a corrected order as a row of its
own, a late customer record) while the first files are overwritten with zeros of the same size
and modification time, so that reading them fails; and it is built again, incrementally. The
same rows, concatenated into one file per table with pandas, are the oracle: their full build
must equal the incremental build, and a full refresh of the landing zone (its first files back),
relation for relation, row for row. base_raw__files is checked against pandas' row counts; the
error cases (a landed file changed, gone, a new file sorting before the landed ones, a table
that is both a file and a folder) stop the build with one line naming the file.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from helpers import FIT_HISTORIES, PROJECT, dbt_executable, differences, pin_fits_of, relations, scratch_env

from segmart.append import LATE_CUSTOMER_ID, split_for_append
from segmart.layout import RAW_COLUMNS, landed_files
from segmart.rawcheck import RawLayoutError, check_raw

# staged by incremental base models: their history files must not be read again
INCREMENTAL = ("orders", "order_items", "customer_events")
SCHEMAS = ("staging", "intermediate", "marts")
# not comparable with a one-file build: the record of landed files (empty there); pairs of
# history snapshots (helpers.relations leaves out staged_at, which says which run staged a row);
# the histories of model fits (the other builds are pinned to the incremental build's fits)
SKIPPED = frozenset({"base_raw__files", "segment_migrations"}) | FIT_HISTORIES


def _dbt(tmp_path, raw, database, *extra, command="build"):
    selection = ["--resource-type", "seed", "--resource-type", "model"] if command == "build" else []
    return subprocess.run(
        [dbt_executable(), command, "--target", "ci", *selection, *extra],
        cwd=PROJECT,
        env=scratch_env(tmp_path, raw, database),
        capture_output=True,
        text=True,
    )


def _build(tmp_path, raw, database, *extra):
    done = _dbt(tmp_path, raw, database, *extra)
    assert done.returncode == 0, done.stdout[-3000:]


def _garble(path):
    """Zeros in place of the file's bytes, same size and modification time: unreadable Parquet
    that a size-and-time check takes for the landed file. Returns the bytes and times to restore."""
    stat, data = path.stat(), path.read_bytes()
    path.write_bytes(b"\0" * len(data))
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    return data, (stat.st_atime_ns, stat.st_mtime_ns)


@pytest.fixture(scope="module")
def landing(tmp_path_factory, small_raw):
    raw, _ = small_raw
    tmp = tmp_path_factory.mktemp("landing")
    info = split_for_append(raw, tmp / "before", tmp / "after", landing=True)
    first, second = info["files"]
    # the oracle: the same rows, one file per table, in file order (pandas)
    one = tmp / "one-file"
    one.mkdir()
    for table in RAW_COLUMNS:
        frames = [pd.read_parquet(path) for path in landed_files(tmp / "after", table)]
        pq.write_table(pa.Table.from_pandas(pd.concat(frames), preserve_index=False), one / f"{table}.parquet")
    zone, landed = tmp / "zone", tmp / "landed.duckdb"
    shutil.copytree(tmp / "before", zone)
    _build(tmp / "b1", zone, landed)
    shutil.copyfile(landed, tmp / "first.duckdb")  # the base tables as the first build left them
    for table in RAW_COLUMNS:
        if (tmp / "after" / table / second).exists():
            shutil.copy2(tmp / "after" / table / second, zone / table / second)
    garbled = {table: _garble(zone / table / first) for table in INCREMENTAL}
    for table in INCREMENTAL:
        with pytest.raises(Exception):
            pq.read_table(zone / table / first)
    _build(tmp / "b2", zone, landed)
    for table, (data, times) in garbled.items():
        (zone / table / first).write_bytes(data)
        os.utime(zone / table / first, ns=times)
    # compared with the same fitted parameters as the incremental build (pinned)
    pinned = pin_fits_of(landed, tmp / "fits")
    _build(tmp / "b3", one, tmp / "one.duckdb", *pinned)
    _build(tmp / "b4", zone, tmp / "full.duckdb", "--full-refresh", *pinned)
    con = duckdb.connect(str(landed), read_only=True)
    con.execute(f"attach '{tmp / 'one.duckdb'}' as one_file (read_only)")
    con.execute(f"attach '{tmp / 'full.duckdb'}' as full_refresh (read_only)")
    con.execute(f"attach '{tmp / 'first.duckdb'}' as first_build (read_only)")
    yield {"con": con, "tmp": tmp, "zone": zone, "after": tmp / "after", "info": info, "database": landed}
    con.close()


def test_landed_files_are_recorded_with_positions_across_files(landing):
    """base_raw__files against pandas: every file of the landing zone, its rows, its first
    position (the rows of the files before it), its SHA-256; the second day's files recorded by
    the second build."""
    con = landing["con"]
    recorded = {
        (t, f): (rows, first, digest)
        for t, f, rows, first, digest in con.execute(
            "select raw_table, file_name, row_count, first_row_number, file_digest from staging.base_raw__files"
        ).fetchall()
    }
    expected = {}
    for table in RAW_COLUMNS:
        position = 0
        for path in landed_files(landing["after"], table):
            rows = len(pd.read_parquet(path))
            expected[(table, path.name)] = (rows, position, hashlib.sha256(path.read_bytes()).hexdigest())
            position += rows
    assert recorded == expected
    runs = con.execute("select count(distinct staged_at) from staging.base_raw__files").fetchone()[0]
    assert runs == 2


def test_the_incremental_build_staged_only_the_new_files(landing):
    """The history files were unreadable during the second build (the fixture checks), so it read
    none of them; what it staged is the new files' rows (positions from pandas' row counts) and
    rows re-checked from the base tables' own quarantined rows: each was rejected by the first
    build, never an accepted old row."""
    con, info = landing["con"], landing["info"]
    first, second = info["files"]
    for table in INCREMENTAL:
        old_rows = len(pd.read_parquet(landing["after"] / table / first))
        new_rows = len(pd.read_parquet(landing["after"] / table / second))
        staged = con.execute(f"""
            select
                count(*) filter (where raw_row_number >= {old_rows}),
                count(*) filter (where raw_row_number < {old_rows}),
                count(*) filter (where raw_row_number < {old_rows} and rejection_reason is null),
                min(raw_row_number) filter (where raw_row_number >= {old_rows}),
                max(raw_row_number)
            from staging.base_raw__{table}
            where staged_at = (select max(staged_at) from staging.base_raw__{table})""").fetchone()
        assert staged[0] == new_rows == info["appended"][table], (table, staged)
        assert (staged[3], staged[4]) == (old_rows, old_rows + new_rows - 1), table
        # re-checked old rows: the late customer's orders and events, and their lines, accepted now
        assert staged[1] > 0 and staged[2] > 0, (table, staged)
        accepted_before = con.execute(f"""
            select count(*) from staging.base_raw__{table} as second
            inner join first_build.staging.base_raw__{table} as first
                on second.raw_row_number = first.raw_row_number
            where second.staged_at = (select max(staged_at) from staging.base_raw__{table})
                and first.rejection_reason is null""").fetchone()[0]
        assert accepted_before == 0, (table, accepted_before)
    late = con.execute(f"select count(*) from staging.stg_raw__orders where customer_id = '{LATE_CUSTOMER_ID}'")
    assert late.fetchone()[0] > 0, "orders of the late customer were not accepted"


def test_a_correction_in_a_new_file_is_a_repeated_id(landing):
    """A landed file never changes: the corrected order arrives as a row of the new file with the
    id of a staged order, and the first row by position wins (duplicate_id), as pandas finds."""
    con, info = landing["con"], landing["info"]
    first, second = info["files"]
    old_ids = set(pd.read_parquet(landing["after"] / "orders" / first)["order_id"].str.strip())
    new = pd.read_parquet(landing["after"] / "orders" / second)
    repeated = int(new["order_id"].str.strip().isin(old_ids).sum())
    assert repeated == 2  # the corrected order and the repeated id
    corrected = con.execute(
        f"select order_id, rejection_reason from staging.base_raw__orders where raw_row_number = {info['corrected_row_number']}"
    ).fetchone()
    assert corrected == (info["corrected_order_id"], "duplicate_id")
    reasons = dict(
        con.execute(
            """select rejection_reason, count(*) from staging.base_raw__orders
                       where raw_row_number >= (select min(first_row_number) from staging.base_raw__files
                                                where raw_table = 'orders' and file_name = ?)
                       group by all""",
            [second],
        ).fetchall()
    )
    assert reasons.get("duplicate_id") == repeated


def test_incremental_landing_equals_the_same_rows_in_one_file(landing):
    con = landing["con"]
    assert len(relations(con, SCHEMAS, SKIPPED)) > 40
    different = differences(con, "", "one_file", SCHEMAS, SKIPPED)
    assert not different, "\n".join(different)


def test_full_refresh_of_the_landing_zone_equals_one_file_and_the_incremental_build(landing):
    con = landing["con"]
    different = differences(con, "full_refresh.", "one_file", SCHEMAS, SKIPPED) + differences(
        con, "", "full_refresh", SCHEMAS, SKIPPED
    )
    assert not different, "\n".join(different)


def _refused(landing, name, change, undo):
    """Apply change to the landing zone, run base_raw__files on a copy of the warehouse, undo;
    returns dbt's error lines."""
    tmp = landing["tmp"] / name
    tmp.mkdir()
    database = tmp / "copy.duckdb"
    shutil.copyfile(landing["database"], database)
    change()
    try:
        done = _dbt(tmp, landing["zone"], database, "--select", "base_raw__files", command="run")
    finally:
        undo()
    assert done.returncode != 0, done.stdout[-2000:]
    return [line.strip() for line in done.stdout.splitlines()]


@pytest.mark.parametrize("case", ["changed", "gone", "sorts_before", "file_and_folder"])
def test_a_landed_file_that_changes_stops_the_build_naming_it(landing, case):
    zone, first, second = landing["zone"], *landing["info"]["files"]
    if case == "changed":  # new bytes, new modification time: its SHA-256 is compared
        path, expected = zone / "orders" / second, "changed since it was staged"
        saved = path.read_bytes()

        def change():
            path.write_bytes((landing["after"] / "order_items" / second).read_bytes())

        def undo():
            path.write_bytes(saved)

    elif case == "gone":
        path, expected = zone / "customer_events" / second, "is gone"
        aside = landing["tmp"] / "aside.parquet"

        def change():
            shutil.move(path, aside)

        def undo():
            shutil.move(aside, path)

    elif case == "sorts_before":
        path, expected = zone / "orders" / "0000-00-00.parquet", "sorts before"

        def change():
            shutil.copyfile(zone / "orders" / second, path)

        def undo():
            path.unlink()

    else:
        path, expected = zone / "wallet_survey.parquet", "is both this file and the folder"

        def change():
            shutil.copyfile(zone / "wallet_survey" / first, path)

        def undo():
            path.unlink()

    lines = _refused(landing, case, change, undo)
    named = [line for line in lines if line.startswith(str(path))]
    assert named and expected in named[0] and ("rebuild in full" in named[0] or "keep one" in named[0]), lines[-15:]


def test_check_raw_reads_folders_and_refuses_a_table_that_is_file_and_folder(landing, tmp_path):
    zone = landing["zone"]
    rows = check_raw(zone)
    assert rows == {t: sum(len(pd.read_parquet(p)) for p in landed_files(landing["after"], t)) for t in RAW_COLUMNS}
    # files known unchanged (segmart build's fingerprint) are not read again
    path = zone / "orders" / landing["info"]["files"][0]
    assert check_raw(zone, {str(path): 7})["orders"] == rows["orders"] - len(pd.read_parquet(path)) + 7
    both = tmp_path / "both"
    shutil.copytree(zone, both)
    shutil.copyfile(both / "orders" / landing["info"]["files"][0], both / "orders.parquet")
    with pytest.raises(RawLayoutError, match=r"orders\.parquet: raw table orders is both this file and the folder"):
        check_raw(both)
    empty = tmp_path / "empty"
    shutil.copytree(zone, empty)
    shutil.rmtree(empty / "customers")
    (empty / "customers").mkdir()
    (empty / "customers" / "_SUCCESS").write_text("")
    with pytest.raises(RawLayoutError, match=r"customers/: no data file"):
        check_raw(empty)
