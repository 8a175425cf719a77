"""`segmart report --out DIR` writes index.html with a PNG chart and the numbers of every view."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
from helpers import PROJECT

from segmart.views import Marts

VIEWS = ["pyramid", "pareto", "rfm", "matrix", "funnel", "opportunities", "migration"]


def test_report_has_every_view_with_its_chart_and_numbers(two_date_marts, tmp_path):
    out = tmp_path / "report"
    done = subprocess.run(
        [
            str(Path(sys.executable).with_name("segmart")),
            "report",
            "--out",
            str(out),
            "--published",
            str(two_date_marts["published"]),
        ],
        cwd=PROJECT,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "7/7" in done.stderr  # the progress bar counted every chart
    page = (out / "index.html").read_text(encoding="utf-8")
    for view in VIEWS:
        assert f"<section id='{view}'>" in page
        png = out / f"{view}.png"
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000, view
        assert f"src='{view}.png'" in page
    marts = Marts(two_date_marts["published"])
    assert f"The top 20% of buyers bring {marts.top_share():.1%} of net revenue." in page
    buyers = int(marts.sql("select count(*) as n from customer_segments where not is_prospect")["n"].iloc[0])
    assert f"25 cells, {buyers:,} buyers" in page
    moved = int(marts.migration_matrix("value_tier")["customers"].sum())
    assert re.search(rf"{moved:,} customers from \d{{4}}-\d\d-\d\d to \d{{4}}-\d\d-\d\d", page)
    # the CLV back-test: three charts and the headline, its numbers from clv_backtest (pandas)
    for view in ("backtest", "conditional_expectation", "p_alive_calibration"):
        assert f"<section id='{view}'>" in page and (out / f"{view}.png").stat().st_size > 10_000, view
    backtest = pd.read_parquet(two_date_marts["published"] / "clv_backtest.parquet")
    predicted = backtest["predicted_holdout_purchases"].sum()
    actual = backtest["actual_holdout_purchases"].sum()
    assert (
        f"the model predicted {predicted:,.0f} repeat purchases by {len(backtest):,} customers up to "
        f"{backtest['holdout_end_date'].iloc[0]}; they made {actual:,.0f}: {predicted / actual - 1:+.1%} off in total"
    ) in page


def test_report_without_published_marts_says_what_to_run(tmp_path):
    done = subprocess.run(
        [
            str(Path(sys.executable).with_name("segmart")),
            "report",
            "--out",
            str(tmp_path / "r"),
            "--published",
            str(tmp_path / "nothing"),
        ],
        cwd=PROJECT,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 1
    assert "run `make build`" in done.stderr and len(done.stderr.strip().splitlines()) == 1
