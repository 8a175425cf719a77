"""Predictive CLV as one recipe for every engine: what to collect, how to fit, how to score.

The BTYD summary (int_customer_btyd_summarised: x, t_x, T and m per buyer) is built in SQL by
dbt. The fit needs far less than one row per buyer: BG/NBD's likelihood depends on a customer
only through (x, t_x, T) and Gamma-Gamma's through (x, m), so the engine condenses the summary
to the distinct rows of each with a count of customers (`condensed_queries`), and the fit runs on
those rows with the counts as observation weights (`clv.fit_condensed`: the same likelihood,
hence the same optimum, as on every customer). Above var clv_fit_max_customers buyers, the fit
uses a seeded sample of them instead: md5(customer_id | clv_fit_sample_seed) below a threshold,
computed the same on DuckDB and Spark, so both engines fit the same sample.

Scoring (`score`) is per customer and needs only the fitted parameters: on DuckDB it runs in the
dbt Python model; on Spark the segmart step runs it on the executors (mapInPandas).

Engine-free on purpose (numpy, pandas, segmart.clv): Spark ships this module to its executors.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from segmart import clv

# the BTYD summary's columns that the fit and the scoring read
SUMMARY_COLUMNS = ["customer_id", "btyd_frequency", "btyd_recency", "btyd_t", "btyd_monetary_value"]
# int_clv_parameters_fitted / clv_model_parameters, in order, with their Spark SQL types
PARAMETER_COLUMNS = {
    "as_of_date": "date",
    "clv_method": "string",
    "r": "double",
    "alpha": "double",
    "a": "double",
    "b": "double",
    "p": "double",
    "q": "double",
    "v": "double",
    "bg_nbd_log_likelihood": "double",
    "gamma_gamma_log_likelihood": "double",
    "customer_count": "bigint",
    "repeat_customer_count": "bigint",
    "converged": "boolean",
    "failure_reason": "string",
    "time_unit_days": "double",
    "fit_sample_fraction": "double",
}
# int_customer_clv_predicted, in order, with their Spark SQL types
PREDICTION_COLUMNS = {
    "customer_id": "string",
    "p_alive": "double",
    "expected_purchases_short_horizon": "double",
    "expected_purchases_prediction_horizon": "double",
    "expected_order_value": "double",
    "predicted_clv": "double",
    "clv_method": "string",
}
# 8 hex digits of md5 decide the sample: 16^8 steps of the sample fraction
SAMPLE_HEX_DIGITS = 8


@dataclass(frozen=True)
class FitSettings:
    """The vars of the fit, as int_clv_parameters_fitted's config carries them."""

    on_failure: str = "error"
    min_repeat_customers: int = 50
    time_unit_days: float = 1.0
    max_customers: int | None = None
    sample_seed: int = 42

    @classmethod
    def from_config(cls, get) -> FitSettings:
        """`get(name)`: dbt.config.get in a Python model, a manifest node's config elsewhere."""
        on_failure = str(get("clv_fit_failure")).strip().lower()
        if on_failure not in ("error", "warn"):
            raise ValueError(f"var clv_fit_failure must be 'error' or 'warn', not {on_failure!r}")
        max_customers = get("clv_fit_max_customers")
        max_customers = None if max_customers in (None, "", "None", "none", "null") else int(max_customers)
        if max_customers is not None and max_customers < 1:
            raise ValueError(
                f"var clv_fit_max_customers must be a positive number of customers or null, not {max_customers}"
            )
        return cls(
            on_failure=on_failure,
            min_repeat_customers=int(get("clv_min_repeat_customers")),
            time_unit_days=float(get("btyd_time_unit_days")),
            max_customers=max_customers,
            sample_seed=int(get("clv_fit_sample_seed")),
        )


@dataclass(frozen=True)
class ScoreSettings:
    """The vars of the scoring, as int_customer_clv_predicted's config carries them."""

    short_horizon_days: float = 90.0
    prediction_horizon_days: float = 365.0
    horizon_months: int = 12
    days_per_month: float = 30.0
    discount_rate: float = 0.10

    @classmethod
    def from_config(cls, get) -> ScoreSettings:
        return cls(
            short_horizon_days=float(get("clv_short_horizon_days")),
            prediction_horizon_days=float(get("clv_prediction_horizon_days")),
            horizon_months=int(get("clv_horizon_months")),
            days_per_month=float(get("clv_days_per_month")),
            discount_rate=float(get("discount_rate")),
        )


def sample_fraction(customers: int, max_customers: int | None) -> float:
    """The share of buyers the fit uses: 1 up to max_customers buyers, max_customers / buyers above."""
    if max_customers is None or customers <= max_customers:
        return 1.0
    return max_customers / customers


def sample_condition(fraction: float, seed: int) -> str:
    """A SQL condition true for a seeded, uniform `fraction` of customers, the same on DuckDB and
    Spark: the first 8 hex digits of md5(customer_id | seed), compared as text, below the fraction
    of 16^8 (a 32-digit hash is below an 8-digit threshold exactly when its first 8 digits are)."""
    if fraction >= 1:
        return "true"
    threshold = format(min(16**SAMPLE_HEX_DIGITS - 1, math.ceil(fraction * 16**SAMPLE_HEX_DIGITS)), "08x")
    return f"md5(concat(customer_id, '|{int(seed)}')) < '{threshold}'"


def count_query(summary: str) -> str:
    return f"select count(*) as customers from {summary}"


def condensed_queries(summary: str, fraction: float = 1.0, seed: int = 42) -> tuple[str, str]:
    """SQL (DuckDB and Spark alike) over the BTYD summary relation `summary`: the distinct
    (x, t_x, T) of the (sampled) buyers with their number of customers, and the distinct (x, m) of
    those with repeat purchases and positive mean spend; each in a fixed order, so every engine
    hands the fit the same rows in the same order."""
    where = sample_condition(fraction, seed)
    bg = (
        "select btyd_frequency as x, btyd_recency as t_x, btyd_t as big_t, count(*) as customers "
        f"from {summary} where {where} "
        "group by btyd_frequency, btyd_recency, btyd_t order by x, t_x, big_t"
    )
    gg = (
        "select btyd_frequency as x, btyd_monetary_value as m, count(*) as customers "
        f"from {summary} where ({where}) and btyd_frequency > 0 and btyd_monetary_value > 0 "
        "group by btyd_frequency, btyd_monetary_value order by x, m"
    )
    return bg, gg


def fit_parameters(query, summary: str, settings: FitSettings, as_of_date) -> pd.DataFrame:
    """The one-row parameters table (PARAMETER_COLUMNS). `query(sql)` runs SQL on the engine and
    returns a pandas frame; `summary` names the BTYD summary there. A failed fit raises
    clv.FitError with its cause, unless settings.on_failure is 'warn': then the row says why."""
    customers = int(query(count_query(summary))["customers"].iloc[0])
    fraction = sample_fraction(customers, settings.max_customers)
    bg_sql, gg_sql = condensed_queries(summary, fraction, settings.sample_seed)
    bg, gg = query(bg_sql), query(gg_sql)
    result = clv.fit_condensed(
        (bg["x"], bg["t_x"], bg["big_t"], bg["customers"]),
        (gg["x"], gg["m"], gg["customers"]),
        min_repeat_customers=settings.min_repeat_customers,
    )
    if not result.converged and settings.on_failure == "error":
        raise clv.FitError(
            f"CLV model fit failed: {result.failure_reason}. "
            "Set the var clv_fit_failure: warn to build without predictive CLV "
            "(segmart build -- --vars '{clv_fit_failure: warn}')."
        )
    row = result.as_row()
    row["as_of_date"] = None if as_of_date is None or pd.isna(as_of_date) else pd.Timestamp(as_of_date).date()
    row["time_unit_days"] = settings.time_unit_days
    row["clv_method"] = "bg_nbd_gamma_gamma" if result.converged else "not_available"
    row["fit_sample_fraction"] = fraction
    frame = pd.DataFrame([row])[list(PARAMETER_COLUMNS)]
    for name, kind in PARAMETER_COLUMNS.items():
        if kind == "double":
            frame[name] = frame[name].astype("float64")
        elif kind == "bigint":
            frame[name] = frame[name].astype("int64")
        elif kind == "boolean":
            frame[name] = frame[name].astype(bool)
    frame["failure_reason"] = frame["failure_reason"].astype("string")
    return frame


def score(buyers: pd.DataFrame, parameters: dict, settings: ScoreSettings) -> pd.DataFrame:
    """PREDICTION_COLUMNS for buyers (SUMMARY_COLUMNS) from the fitted `parameters` (a row of
    the parameters table as a dict); NULL predictions when the fit is not usable."""
    x = buyers["btyd_frequency"].to_numpy(dtype=float)
    t_x = buyers["btyd_recency"].to_numpy(dtype=float)
    big_t = buyers["btyd_t"].to_numpy(dtype=float)
    m = buyers["btyd_monetary_value"].to_numpy(dtype=float)
    out = pd.DataFrame({"customer_id": buyers["customer_id"].astype(object).to_numpy()})
    if bool(parameters["converged"]):
        unit = float(parameters["time_unit_days"])
        monthly_rate = (1.0 + settings.discount_rate) ** (1.0 / 12.0) - 1.0
        bg = clv.BgNbdParams(*(float(parameters[k]) for k in ("r", "alpha", "a", "b")))
        gg = clv.GammaGammaParams(*(float(parameters[k]) for k in ("p", "q", "v")))
        out["p_alive"] = clv.probability_alive(bg, x, t_x, big_t)
        out["expected_purchases_short_horizon"] = clv.expected_purchases(
            bg, settings.short_horizon_days / unit, x, t_x, big_t
        )
        out["expected_purchases_prediction_horizon"] = clv.expected_purchases(
            bg, settings.prediction_horizon_days / unit, x, t_x, big_t
        )
        out["expected_order_value"] = clv.expected_order_value(gg, x, m)
        out["predicted_clv"] = clv.predicted_clv(
            bg, gg, x, t_x, big_t, m, settings.horizon_months, monthly_rate, settings.days_per_month, unit
        )
    else:
        for name in list(PREDICTION_COLUMNS)[1:-1]:
            out[name] = np.full(len(out), np.nan)
    out["clv_method"] = str(parameters["clv_method"])
    return out


def score_batches(batches, parameters: dict, settings: ScoreSettings):
    """`score` over an iterator of pandas frames: the function Spark's mapInPandas runs."""
    for buyers in batches:
        yield score(buyers, parameters, settings)


def spark_schema(columns: dict[str, str]) -> str:
    """A Spark DDL schema string (`name type, ...`) of PARAMETER_COLUMNS or PREDICTION_COLUMNS."""
    return ", ".join(f"{name} {kind}" for name, kind in columns.items())
