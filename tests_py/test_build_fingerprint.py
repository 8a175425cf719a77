"""segmart build starts a new warehouse unless the raw files are the last build's with rows appended."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq

from segmart import build


def _write(folder, name, ids, row_group_size=700):
    folder.mkdir(parents=True, exist_ok=True)
    pq.write_table(
        pa.table({"order_id": [f"o{i}" for i in ids]}), folder / f"{name}.parquet", row_group_size=row_group_size
    )


def test_only_an_append_keeps_the_build_incremental(tmp_path):
    built = tmp_path / "built"
    _write(built, "orders", range(2500))
    previous = build.raw_fingerprint(built)

    assert build.is_append_of(built, previous)  # the same files
    appended = tmp_path / "appended"
    _write(appended, "orders", list(range(2500)) + list(range(9000, 9300)))
    assert build.is_append_of(appended, previous)

    regenerated = tmp_path / "regenerated"  # another dataset of the same size: the first rows differ
    _write(regenerated, "orders", range(1, 2501))
    truncated = tmp_path / "truncated"
    _write(truncated, "orders", range(2400))
    rewritten = tmp_path / "rewritten"  # same start, but the rows where the last build ended changed
    _write(rewritten, "orders", list(range(2000)) + list(range(7000, 7800)))
    missing = tmp_path / "missing"
    _write(missing, "customers", range(10))
    for folder in (regenerated, truncated, rewritten, missing):
        assert not build.is_append_of(folder, previous), folder.name
    assert not build.is_append_of(built, None)  # no record of the last build: a new dataset (new warehouse)


def test_a_change_to_the_models_changes_the_project_digest(tmp_path, monkeypatch):
    """The digest behind 'the models changed since this warehouse was last built: full refresh'
    (an incremental table may hold columns the new code does not write): the same tree gives the
    same digest; an edited model, a new macro or an edited seed give another."""
    for relative, text in {
        "dbt_project.yml": "name: x\n",
        "models/a.sql": "select 1 as a\n",
        "macros/m.sql": "{% macro m() %}1{% endmacro %}\n",
        "seeds/s.csv": "k\n1\n",
    }.items():
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relative).write_text(text)
    monkeypatch.setattr(build, "project_root", lambda: tmp_path)
    first = build.project_digest()
    assert build.project_digest() == first
    digests = {first}
    for relative, text in {
        "models/a.sql": "select 1 as b\n",
        "macros/n.sql": "{% macro n() %}2{% endmacro %}\n",
        "seeds/s.csv": "k\n2\n",
    }.items():
        (tmp_path / relative).write_text(text)
        digests.add(build.project_digest())
    assert len(digests) == 4


def _land(folder, table, name, ids):
    (folder / table).mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.table({"order_id": [f"o{i}" for i in ids]}), folder / table / f"{name}.parquet")


def test_a_new_landed_file_is_an_append_a_changed_or_removed_one_is_not(tmp_path):
    """A table landed as a folder of files: a new file sorting after the built ones keeps the
    build incremental; a built file changed (even at the same size and time: its SHA-256 is read
    when size or time moved), removed, a new file sorting before them, or the table turned into
    one file is a new dataset."""
    import os
    import shutil

    zone = tmp_path / "zone"
    _land(zone, "orders", "2026-11-29", range(100))
    _land(zone, "orders", "2026-11-30", range(100, 150))
    previous = build.raw_fingerprint(zone)
    assert set(previous["orders"]["files"]) == {"2026-11-29.parquet", "2026-11-30.parquet"}
    assert previous["orders"]["files"]["2026-11-30.parquet"]["rows"] == 50
    assert build.is_append_of(zone, previous)

    def variant(name):
        copy = tmp_path / name
        shutil.copytree(zone, copy)  # copy2: the same modification times
        return copy

    appended = variant("appended")
    _land(appended, "orders", "2026-12-01", range(150, 160))
    (appended / "orders" / "_SUCCESS").write_text("")  # a marker, not data
    assert build.is_append_of(appended, previous)
    fingerprint = build.raw_fingerprint(appended, previous)
    assert set(fingerprint["orders"]["files"]) == {"2026-11-29.parquet", "2026-11-30.parquet", "2026-12-01.parquet"}

    changed = variant("changed")
    _land(changed, "orders", "2026-11-30", range(200, 250))  # same size, another content
    touched = variant("touched")  # the same bytes, another modification time: still an append
    os.utime(touched / "orders" / "2026-11-30.parquet", ns=(1, 1))
    assert build.is_append_of(touched, previous)
    removed = variant("removed")
    (removed / "orders" / "2026-11-29.parquet").unlink()
    before = variant("before")
    _land(before, "orders", "2026-11-28", range(300, 310))
    one_file = tmp_path / "one-file"
    _write(one_file, "orders", range(150))
    for folder in (changed, removed, before, one_file):
        assert not build.is_append_of(folder, previous), folder.name


def test_unchanged_landed_files_are_not_read_again(tmp_path):
    """segmart build's check and fingerprint take a landed file of the last build's size and
    modification time as it was: its bytes are not read (here: zeros, unreadable)."""
    import os

    zone = tmp_path / "zone"
    _land(zone, "orders", "2026-11-29", range(100))
    previous = build.raw_fingerprint(zone)
    path = zone / "orders" / "2026-11-29.parquet"
    stat = path.stat()
    path.write_bytes(b"\0" * stat.st_size)
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert build.unchanged_landed_rows(zone, previous) == {str(path): 100}
    assert build.raw_fingerprint(zone, previous) == previous
    assert build.is_append_of(zone, previous)
