"""Helpers shared by the tests that build scratch warehouses with dbt or the segmart command."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from segmart.layout import project_root

PROJECT = project_root()


def dbt_executable() -> str:
    """The dbt of the interpreter running the tests (the project's venv)."""
    candidate = Path(sys.executable).with_name("dbt")
    return str(candidate) if candidate.exists() else "dbt"


def scratch_env(tmp_path: Path, raw_dir: Path | None = None, database: Path | None = None, **extra: str) -> dict:
    """Environment for a dbt or segmart child process that builds into `database` (the ci
    target) from `raw_dir`, with dbt's target and log folders under tmp_path."""
    env = {
        **os.environ,
        "DBT_PROFILES_DIR": str(PROJECT),
        "DBT_TARGET_PATH": str(tmp_path / "target"),
        "DBT_LOG_PATH": str(tmp_path / "logs"),
        **extra,
    }
    if raw_dir is not None:
        env["SEGMART_RAW_DIR"] = str(Path(raw_dir).resolve())
    if database is not None:
        env["SEGMART_CI_DUCKDB_PATH"] = str(database)
    return env


def lifetimes_predictions(btyd, parameters, horizons=(90, 365), months: int = 12, discount_rate: float = 0.10) -> dict:
    """The oracle of every predictive CLV column: lifetimes' BG/NBD and Gamma-Gamma given the
    parameters r, alpha, a, b, p, q, v (a mapping), on a BTYD summary with lifetimes' columns
    frequency, recency, T and monetary_value (days), with the project's default horizons."""
    import pandas as pd
    from lifetimes import BetaGeoFitter, GammaGammaFitter

    bgf = BetaGeoFitter()
    bgf.params_ = pd.Series({k: float(parameters[k]) for k in ["r", "alpha", "a", "b"]})
    bgf.predict = bgf.conditional_expected_number_of_purchases_up_to_time  # fit() sets this alias
    ggf = GammaGammaFitter()
    ggf.params_ = pd.Series({k: float(parameters[k]) for k in ["p", "q", "v"]})
    f, r, t, m = btyd["frequency"], btyd["recency"], btyd["T"], btyd["monetary_value"]
    short, long = horizons
    return {
        "p_alive": bgf.conditional_probability_alive(f, r, t),
        "expected_purchases_short_horizon": bgf.conditional_expected_number_of_purchases_up_to_time(short, f, r, t),
        "expected_purchases_prediction_horizon": bgf.conditional_expected_number_of_purchases_up_to_time(long, f, r, t),
        "expected_order_value": ggf.conditional_expected_average_profit(f, m),
        "predicted_clv": ggf.customer_lifetime_value(
            bgf, f, r, t, m, time=months, discount_rate=(1 + discount_rate) ** (1 / 12) - 1, freq="D"
        ),
    }
