"""Helpers shared by the tests that build scratch warehouses with dbt or the segmart command."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import duckdb

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


# History keeps one snapshot per as-of date: a warehouse built twice holds two, so a comparison
# with a warehouse built once reads the latest as-of date only.
LATEST_ONLY = {"customer_segment_history": "as_of_date = (select max(as_of_date) from {relation})"}


# staged_at records which run staged a row, computed_as_of_date the as-of date of the build that
# last recomputed a customer's state (DECISIONLOG.md "Incremental customer state"), fitted_at the
# run that fitted a model; fit_source and is_refit_this_build say whether a build fitted, reused
# or was given (pinned) the fit it scores with, not what the fit is
RUN_COLUMNS = frozenset({"staged_at", "computed_as_of_date", "fitted_at", "fit_source", "is_refit_this_build"})

# the histories of model fits: a warehouse built twice keeps the fits of both builds, a pinned
# build fits nothing; compared through the fit in use (clv_model_parameters, the *_selected models)
FIT_HISTORIES = frozenset(
    {
        "int_clv_parameters_fitted",
        "clv_model_parameter_history",
        "int_wallet_peer_quantiles_fitted",
        "wallet_peer_quantile_history",
    }
)


def pin_fits_of(database: Path, folder: Path) -> tuple[str, str]:
    """`--vars` pinning a build to the BG/NBD + Gamma-Gamma fit and the wallet peer fit that the
    warehouse `database` scores with (its histories written to Parquet files in `folder`): the
    contract of an incremental build is to equal a full refresh with the same fitted parameters
    (DECISIONLOG.md "Models are refit on a schedule")."""
    folder.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(database), read_only=True)
    try:
        pins = {}
        for var, history, in_use in (
            ("clv_parameters_pin", "clv_model_parameter_history", "marts.clv_model_parameters"),
            ("wallet_peers_pin", "wallet_peer_quantile_history", "intermediate.int_wallet_peer_quantiles_selected"),
        ):
            path = folder / f"{history}.parquet"
            con.execute(f"copy (select * from marts.{history}) to '{path}' (format parquet)")
            fitted_as_of = con.execute(f"select distinct fitted_as_of from {in_use}").fetchall()
            assert len(fitted_as_of) == 1, (in_use, fitted_as_of)
            pins[var] = {"path": str(path), "fitted_as_of": str(fitted_as_of[0][0])}
    finally:
        con.close()
    return "--vars", json.dumps(pins)


def relations(con, schemas: tuple[str, ...], skipped: frozenset[str] = frozenset()) -> list[tuple[str, str, list[str]]]:
    """(schema, name, columns) of the relations in `schemas` of con's database, but `skipped`;
    without the columns that record a build (RUN_COLUMNS) and differ between builds by design."""
    rows = con.execute(f"""
        select table_schema, table_name, list(column_name order by ordinal_position)
        from information_schema.columns
        where table_catalog = current_database() and table_schema in {tuple(schemas)}
        group by all order by all""").fetchall()
    return [(s, t, [c for c in cols if c not in RUN_COLUMNS]) for s, t, cols in rows if t not in skipped]


def differences(
    con, ours: str, theirs: str, schemas: tuple[str, ...], skipped: frozenset[str] = frozenset()
) -> list[str]:
    """The relations (of con's database) that differ, row for row, between the catalog prefix
    `ours` ("" for con's database, or "third.") and the attached catalog `theirs`."""
    different = []
    for schema, name, columns in relations(con, schemas, skipped):
        cols = ", ".join(f'"{c}"' for c in columns)
        left, right = (
            f"select {cols} from {r} where " + LATEST_ONLY.get(name, "true").format(relation=r)
            for r in (f"{ours}{schema}.{name}", f"{theirs}.{schema}.{name}")
        )
        extra = con.execute(f"select count(*) from ({left} except all {right})").fetchone()[0]
        missing = con.execute(f"select count(*) from ({right} except all {left})").fetchone()[0]
        if extra or missing:
            different.append(f"{ours}{schema}.{name}: {extra} rows only there, {missing} only in {theirs}")
    return different


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


# The marts BI tools read: contracted, public, opened by DuckDB 1.4 readers (issue 19).
CONTRACTED_MARTS = frozenset(
    {
        "customer_segments",
        "segment_summary",
        "pareto_curve",
        "customer_features",
        "customer_lifetime_value",
        "customer_share_of_wallet",
        "customer_category_share_of_wallet",
        "customer_segment_history",
        "segment_migrations",
    }
)


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def group_alive(pid: int) -> bool:
    """Whether a process of the process group `pid` is still running."""
    try:
        os.killpg(pid, 0)
    except ProcessLookupError:
        return False
    return True


def stop_group(process) -> None:
    """Stop a process started in a session of its own (start_new_session=True) and everything it
    started: SIGTERM to its process group, SIGKILL after 10 s, until no process of it is left."""
    import signal
    import time

    for sig, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, 5)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        deadline = time.time() + wait
        while time.time() < deadline:
            process.poll()
            if not group_alive(process.pid):
                return
            time.sleep(0.2)
