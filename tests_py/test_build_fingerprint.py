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
