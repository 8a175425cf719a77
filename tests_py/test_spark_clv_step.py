"""On Spark the CLV models read the segmart step's tables (source segmart_clv). Without them, a
plain `dbt build --target spark` stops at int_clv_parameters_fitted and says to run `segmart
build --target spark`; with clv_fit_failure warn it builds the stand-ins instead: no fit in the
history, and a not_available fit in use.
Compiled against an empty metastore of its own (a Spark session each, about 30 s)."""

from __future__ import annotations

import json
import os
import subprocess

import pytest
from helpers import PROJECT, dbt_executable, scratch_env

pytestmark = pytest.mark.spark
MODELS = ("int_clv_parameters_fitted", "int_clv_parameters_selected")


def _compile(tmp_path, extra_vars: dict | None = None):
    env = scratch_env(tmp_path, raw_dir=os.environ.get("SEGMART_RAW_DIR", ".ci-work/raw"))
    env["SEGMART_SPARK_DIR"] = str(tmp_path / "spark")
    command = [dbt_executable(), "compile", "--target", "spark", "--select", *MODELS]
    if extra_vars:
        command += ["--vars", json.dumps(extra_vars)]
    return subprocess.run(command, cwd=PROJECT, env=env, capture_output=True, text=True)


def test_without_the_step_a_plain_dbt_build_stops_and_says_how_to_run_it(tmp_path):
    done = _compile(tmp_path)
    assert done.returncode != 0
    assert "segmart build --target spark" in done.stdout, done.stdout[-3000:]


def test_with_warn_it_builds_the_not_available_stand_in(tmp_path):
    done = _compile(tmp_path, {"clv_fit_failure": "warn"})
    assert done.returncode == 0, done.stdout[-3000:]
    compiled = {name: next((tmp_path / "target" / "compiled").rglob(f"{name}.sql")).read_text() for name in MODELS}
    assert "where false" in compiled["int_clv_parameters_fitted"]
    assert "segmart_clv.clv_model_parameter_history" not in compiled["int_clv_parameters_fitted"]
    assert "'not_available' as clv_method" in compiled["int_clv_parameters_selected"]
    assert "segmart_clv.clv_model_parameters" not in compiled["int_clv_parameters_selected"]
