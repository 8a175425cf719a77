"""`segmart validate` (Great Expectations) fails with a summary when a mart breaks an expectation."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
from helpers import PROJECT


def test_broken_mart_fails_validation_with_a_summary(tmp_path, warehouse, raw_dir):
    broken = tmp_path / "broken.duckdb"
    shutil.copyfile(Path(os.environ.get("SEGMART_DUCKDB_PATH", ".ci-work/ci.duckdb")), broken)
    con = duckdb.connect(str(broken))
    con.execute(
        "update marts.customer_share_of_wallet set share_of_wallet = 1.5 "
        "where customer_id in (select customer_id from marts.customer_share_of_wallet limit 3)"
    )
    con.execute(
        "update marts.customer_segments set value_tier = 'diamond' "
        "where customer_id in (select customer_id from marts.customer_segments limit 2)"
    )
    con.close()
    env = {**os.environ, "SEGMART_CI_DUCKDB_PATH": str(broken)}
    result = subprocess.run(
        [sys.executable, "-m", "segmart.cli", "validate", "--target", "ci", "--raw", str(raw_dir)],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1, result.stdout[-2000:]
    assert "expect_column_values_to_be_between(share_of_wallet): 3 unexpected" in result.stdout
    assert "expect_column_values_to_be_in_set(value_tier): 2 unexpected" in result.stdout
    assert "2 failed" in result.stdout
