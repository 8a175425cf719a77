"""`segmart build --target spark` orchestration without Spark: the three steps in order, with the
raw folder's _manifest.json settings (currency, time zone) in every step's environment, as the
DuckDB build has them (a new user's EUR export came out in CNY on Spark before)."""

from __future__ import annotations

import json
import subprocess

from segmart import spark_build


def test_the_steps_run_in_order_with_the_raw_folders_currency_and_time_zone(tmp_path, monkeypatch):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "_manifest.json").write_text(
        json.dumps(
            {
                "written_by": "segmart import",
                "settings": {"reporting_currency": "EUR", "business_timezone": "Europe/Berlin"},
            }
        )
    )
    target = tmp_path / "target"
    target.mkdir()
    monkeypatch.setenv("SEGMART_RAW_DIR", str(raw))
    monkeypatch.delenv("SEGMART_REPORTING_CURRENCY", raising=False)
    monkeypatch.delenv("SEGMART_BUSINESS_TIMEZONE", raising=False)
    monkeypatch.delenv("SEGMART_PII_SALT", raising=False)
    monkeypatch.setenv("SEGMART_HOME", str(tmp_path / "home"))
    calls = []

    def fake_run(command, check, cwd, env):
        calls.append((command, env))
        (target / "run_results.json").write_text('{"results": []}')
        return subprocess.CompletedProcess(command, 0)

    monkeypatch.setattr(spark_build.subprocess, "run", fake_run)
    spark_build.build("spark", ["--target-path", str(target)])
    assert len(calls) == 3
    first, step, rest = (command for command, _ in calls)
    assert first[first.index("--selector") + 1] == "spark_btyd_inputs"  # selectors.yml
    assert step[1:3] == ["-m", "segmart.spark_build"]
    assert rest[rest.index("--selector") + 1] == "spark_after_btyd_step"
    # an import is not the demo: its personal data is hashed with the user's own key, not the
    # public demo key that dbt_project.yml falls back to on Spark without SEGMART_PII_SALT
    own_key = (tmp_path / "home" / "pii_key").read_text().strip()
    assert own_key and own_key != "segmart-dev-salt"
    for _, env in calls:
        assert env["SEGMART_REPORTING_CURRENCY"] == "EUR"
        assert env["SEGMART_BUSINESS_TIMEZONE"] == "Europe/Berlin"
        assert env["SEGMART_PII_SALT"] == own_key


def test_an_explicit_full_refresh_reaches_the_clv_step(tmp_path, monkeypatch):
    """The CLV step refits on `--full-refresh` as DuckDB's fit model does (macro
    refit_on_full_refresh), not on one segmart decided on by itself (SEGMART_IMPLICIT_FULL_REFRESH)."""
    target = tmp_path / "target"
    target.mkdir()
    monkeypatch.setenv("SEGMART_RAW_DIR", str(tmp_path / "raw"))
    steps = []

    def fake_run(command, check, cwd, env):
        if command[1:3] == ["-m", "segmart.spark_build"]:
            steps.append(command)
        (target / "run_results.json").write_text('{"results": []}')
        return subprocess.CompletedProcess(command, 0)

    monkeypatch.setattr(spark_build.subprocess, "run", fake_run)
    spark_build.build("spark", ["--target-path", str(target)])
    spark_build.build("spark", ["--target-path", str(target), "--full-refresh"])
    monkeypatch.setenv("SEGMART_IMPLICIT_FULL_REFRESH", "1")
    spark_build.build("spark", ["--target-path", str(target), "--full-refresh"])
    assert ["--full-refresh" in step for step in steps] == [False, True, False]
