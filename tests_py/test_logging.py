"""The command's output levels: progress and diagnostics go through logging to stderr (INFO by
default, DEBUG with -v, WARNING with -q); the result a command was asked for stays on stdout."""

from __future__ import annotations

import subprocess
import sys

import pytest
from helpers import PROJECT

PROGRESS = "segmart generate: generating 200 customers (seed 3,"
DEBUG = "segmart generate: debug: chunk 1/1, customers 1 to 200: customers "


def _generate(out, *options: str, after: tuple[str, ...] = ()) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "segmart.cli", *options, "generate", *after]
    command += ["--customers", "200", "--seed", "3", "--out", str(out)]
    return subprocess.run(command, cwd=PROJECT, capture_output=True, text=True, check=False)


def test_default_shows_progress_without_debug_lines(tmp_path):
    done = _generate(tmp_path / "raw")
    assert done.returncode == 0, done.stderr
    lines = done.stderr.splitlines()
    assert any(line.startswith(PROGRESS) for line in lines), done.stderr
    assert not any(": debug: " in line for line in lines), done.stderr
    assert done.stdout.startswith("generated 2") and "into" in done.stdout  # the result, on stdout


@pytest.mark.parametrize("where", ["before the command", "after the command"])
def test_quiet_silences_progress_and_keeps_the_result(tmp_path, where):
    done = (
        _generate(tmp_path / "raw", "-q")
        if where == "before the command"
        else _generate(tmp_path / "raw", after=("-q",))
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert done.stdout.startswith("generated 2") and (tmp_path / "raw" / "orders.parquet").exists()


def test_verbose_adds_debug_lines(tmp_path):
    done = _generate(tmp_path / "raw", "--verbose")
    assert done.returncode == 0, done.stderr
    lines = done.stderr.splitlines()
    assert any(line.startswith(PROGRESS) for line in lines), done.stderr
    assert any(line.startswith(DEBUG) for line in lines), done.stderr
    assert any(line.startswith("segmart generate: debug: dirty rows planted") for line in lines), done.stderr


def test_verbose_and_quiet_exclude_each_other(tmp_path):
    done = _generate(tmp_path / "raw", "-v", after=("-q",))
    assert done.returncode == 2 and "exclude each other" in done.stderr
    assert not (tmp_path / "raw").exists()


def test_a_refused_folder_is_the_only_line_even_at_info(tmp_path):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("not segmart's")
    done = _generate(out)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("segmart generate: ") and "not a raw folder" in lines[0], lines
