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
# what one fit gives, in order, with their Spark SQL types
FIT_COLUMNS = {
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
# int_clv_parameters_fitted: the history of fits, one row per fit (the as-of date it was fitted
# at, the fit, the settings it was fitted with, why it was fitted, and when)
HISTORY_COLUMNS = {
    "fitted_as_of": "date",
    **FIT_COLUMNS,
    "fit_settings": "string",
    "fit_reason": "string",
    "fitted_at": "timestamp",
}
# int_clv_parameters_selected / clv_model_parameters: the fit a build scores with
PARAMETER_COLUMNS = {
    "as_of_date": "date",
    "fitted_as_of": "date",
    "fit_source": "string",
    "is_refit_this_build": "boolean",
    "fit_reason": "string",
    **FIT_COLUMNS,
}
BG_NBD_PARAMETERS = ("r", "alpha", "a", "b")
GAMMA_GAMMA_PARAMETERS = ("p", "q", "v")
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

    @property
    def key(self) -> str:
        """The settings a fit depends on, as one text (the history's fit_settings): a fit made
        with other settings is not reused (it would be read in another time unit, or on another
        sample)."""
        max_customers = "null" if self.max_customers is None else self.max_customers
        return (
            f"btyd_time_unit_days={self.time_unit_days:g}; clv_min_repeat_customers={self.min_repeat_customers}; "
            f"clv_fit_max_customers={max_customers}; clv_fit_sample_seed={self.sample_seed}"
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


def fit_parameters(
    query, summary: str, settings: FitSettings, as_of_date, reason: str | None = None, fitted_at=None
) -> pd.DataFrame:
    """One fit as a one-row history table (HISTORY_COLUMNS), fitted as of `as_of_date`, for
    `reason` (REFIT_REASONS), stamped `fitted_at`. `query(sql)` runs SQL on the engine and
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
    row["fitted_as_of"] = _date(as_of_date)
    row["time_unit_days"] = settings.time_unit_days
    row["clv_method"] = "bg_nbd_gamma_gamma" if result.converged else "not_available"
    row["fit_sample_fraction"] = fraction
    row["fit_settings"] = settings.key
    row["fit_reason"] = reason
    row["fitted_at"] = None if fitted_at is None else pd.Timestamp(fitted_at)
    return typed_frame([row], HISTORY_COLUMNS)


# --- the schedule: when to refit, and which fit a build scores with ----------------------------

# why a build fitted (the history's fit_reason), in the order they are checked
REFIT_REASONS = ("forced", "full_refresh", "no_earlier_fit", "last_fit_failed", "settings_changed", "interval")
# where the fit a build scores with comes from (clv_model_parameters.fit_source)
FIT_SOURCES = ("history", "pinned_history", "pinned_file", "pinned_values")
PIN_VAR = "clv_parameters_pin"


class PinError(ValueError):
    """The var clv_parameters_pin cannot be used; the message says why."""


@dataclass(frozen=True)
class Schedule:
    """When a build refits (vars clv_refit_every_days, refit, clv_parameters_pin, as
    int_clv_parameters_fitted's config carries them, and whether the user asked for a full
    refresh)."""

    every_days: int = 7
    forced: bool = False
    full_refresh: bool = False
    pin: dict | None = None

    @classmethod
    def from_config(cls, get, full_refresh: bool = False) -> Schedule:
        every_days = get("clv_refit_every_days")
        try:
            every_days = int(every_days)
        except (TypeError, ValueError):
            every_days = -1
        if every_days < 0:
            raise ValueError(
                f"var clv_refit_every_days must be a whole number of days >= 0, not {get('clv_refit_every_days')!r}"
            )
        return cls(
            every_days=every_days,
            forced=parse_flag(get("refit"), "refit"),
            full_refresh=bool(full_refresh),
            pin=parse_pin(get(PIN_VAR)),
        )


def parse_flag(value, name: str) -> bool:
    """A boolean var as dbt hands it over (a bool, or its text)."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "1", "yes"):
        return True
    if text in ("false", "0", "no", "none", "null", ""):
        return False
    raise ValueError(f"var {name} must be true or false, not {value!r}")


def _date(value):
    """A date (or None) from a date, a timestamp or ISO text."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    return pd.Timestamp(value).date()


def parse_pin(value) -> dict | None:
    """The var clv_parameters_pin (a mapping, or its YAML text as dbt's config hands it over):
    None when not pinned; else {'fitted_as_of': date or None, 'path': text or None,
    'values': {r, alpha, a, b, p, q, v, time_unit_days?} or None}. Three forms (README
    "Configuration"): parameter values; a path to a Parquet file of fits (the published
    clv_model_parameter_history or clv_model_parameters, another warehouse's), with an optional
    fitted_as_of; a fitted_as_of in this warehouse's history."""
    if isinstance(value, str):
        text = value.strip()
        if text.lower() in ("", "none", "null", "~"):
            return None
        import yaml

        try:
            value = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise PinError(f"var {PIN_VAR} is not a mapping: {text!r} ({str(exc).splitlines()[0]})") from None
    if value is None:
        return None
    if not isinstance(value, dict):
        raise PinError(f"var {PIN_VAR} must be a mapping (fitted_as_of, path or parameter values), not {value!r}")
    parameters = BG_NBD_PARAMETERS + GAMMA_GAMMA_PARAMETERS
    unknown = sorted(set(value) - {"fitted_as_of", "path", "time_unit_days", *parameters})
    if unknown:
        raise PinError(
            f"var {PIN_VAR}: unknown key(s) {', '.join(unknown)} "
            f"(keys: fitted_as_of, path, time_unit_days, {', '.join(parameters)})"
        )
    given = [name for name in parameters if name in value]
    if given and "path" in value:
        raise PinError(f"var {PIN_VAR}: give either parameter values or a path, not both")
    if given and len(given) < len(parameters):
        missing = ", ".join(name for name in parameters if name not in value)
        raise PinError(f"var {PIN_VAR}: pinning by values needs all seven parameters; missing {missing}")
    if not given and "path" not in value and "fitted_as_of" not in value:
        raise PinError(f"var {PIN_VAR}: give fitted_as_of, a path, or the parameter values r, alpha, a, b, p, q, v")
    try:
        fitted_as_of = _date(value.get("fitted_as_of"))
    except ValueError:
        raise PinError(f"var {PIN_VAR}: fitted_as_of {value['fitted_as_of']!r} is not a date") from None
    values = None
    if given:
        values = {}
        for name in [*parameters, "time_unit_days"]:
            if name not in value:
                continue
            try:
                number = float(value[name])
            except (TypeError, ValueError):
                number = math.nan
            if not math.isfinite(number) or number <= 0:
                raise PinError(f"var {PIN_VAR}: {name} must be a positive number, not {value[name]!r}")
            values[name] = number
        _check_usable(values, f"var {PIN_VAR}")
    path = value.get("path")
    if path is not None and not str(path).strip():
        raise PinError(f"var {PIN_VAR}: path is empty")
    return {"fitted_as_of": fitted_as_of, "path": None if path is None else str(path), "values": values}


def _check_usable(values: dict, where: str) -> None:
    """Parameters the scoring can use: Gamma-Gamma's population mean needs q > 1, BG/NBD's
    expected purchases a != 1 (clv.fit_condensed refuses the same)."""
    if values["q"] <= 1:
        raise PinError(f"{where}: q = {values['q']:g} <= 1 leaves the population mean spend undefined")
    if abs(values["a"] - 1) < 1e-6:
        raise PinError(f"{where}: a = 1 leaves expected purchases undefined")


def normalise_history(history: pd.DataFrame | None) -> pd.DataFrame:
    """A history of fits as read from an engine or a file: fitted_as_of as dates, one row per
    fitted_as_of (the last), ordered by it; an empty frame with HISTORY_COLUMNS for None."""
    if history is None or len(history) == 0:
        return typed_frame([], HISTORY_COLUMNS)
    history = history.copy()
    history["fitted_as_of"] = [_date(value) for value in history["fitted_as_of"]]
    history = history[history["fitted_as_of"].notna()]
    return history.drop_duplicates("fitted_as_of", keep="last").sort_values("fitted_as_of").reset_index(drop=True)


def latest_fit(history: pd.DataFrame, as_of_date) -> dict | None:
    """The latest fit not after `as_of_date` (a backfill never scores with a later fit), as a dict."""
    as_of_date = _date(as_of_date)
    if as_of_date is None or len(history) == 0:
        return None
    earlier = history[[fitted <= as_of_date for fitted in history["fitted_as_of"]]]
    if len(earlier) == 0:
        return None
    return {k: (None if not isinstance(v, str) and pd.isna(v) else v) for k, v in earlier.iloc[-1].to_dict().items()}


def refit_reason(history: pd.DataFrame, as_of_date, schedule: Schedule, settings: FitSettings) -> str | None:
    """Why this build fits (one of REFIT_REASONS), or None to reuse the latest fit not after the
    as-of date. A pinned build never fits. A fit is reused while it is younger than
    schedule.every_days at the as-of date (0 <= age < N days, DECISIONLOG.md "Boundaries"), was
    usable and was made with the same settings; the var refit and an explicit --full-refresh
    refit whatever its age."""
    if schedule.pin is not None:
        return None
    if schedule.forced:
        return "forced"
    if schedule.full_refresh:
        return "full_refresh"
    latest = latest_fit(history, as_of_date)
    if latest is None:
        return "no_earlier_fit"
    if not bool(latest["converged"]):
        return "last_fit_failed"
    if latest.get("fit_settings") != settings.key:
        return "settings_changed"
    if (_date(as_of_date) - latest["fitted_as_of"]).days >= schedule.every_days:
        return "interval"
    return None


def read_fits_file(path: str) -> pd.DataFrame:
    """Fits from a Parquet file (a relative path from the folder dbt runs in: the project's)."""
    from pathlib import Path

    file = Path(path).expanduser()
    if not file.is_file():
        raise PinError(f"var {PIN_VAR}: no file {file.resolve()}")
    try:
        frame = pd.read_parquet(file)
    except Exception as exc:  # noqa: BLE001 - any reader error is the file's
        raise PinError(f"var {PIN_VAR}: cannot read {file} as Parquet: {str(exc).splitlines()[0]}") from None
    needed = ["fitted_as_of", *BG_NBD_PARAMETERS, *GAMMA_GAMMA_PARAMETERS]
    missing = [name for name in needed if name not in frame.columns]
    if missing:
        raise PinError(
            f"var {PIN_VAR}: {file} has no column(s) {', '.join(missing)} "
            "(pin to a file of fits: the published clv_model_parameter_history or clv_model_parameters)"
        )
    return frame


def select_fit(
    history: pd.DataFrame,
    as_of_date,
    schedule: Schedule,
    settings: FitSettings,
    refit_fitted_at=None,
    read_file=read_fits_file,
) -> dict:
    """The fit this build scores with, as a PARAMETER_COLUMNS row (dict): the pinned one
    (schedule.pin), else the latest in `history` not after the as-of date.
    is_refit_this_build: the fit is this build's, known by its fitted_at (refit_fitted_at, the
    stamp of this build's fit, if it made one)."""
    as_of_date = _date(as_of_date)
    pin = schedule.pin
    source = "history"
    if pin is None:
        chosen = latest_fit(history, as_of_date)
        if chosen is None:
            chosen = _not_fitted(
                settings, f"no fit at or before the as-of date {as_of_date} in int_clv_parameters_fitted"
            )
    elif pin["values"] is not None:
        source = "pinned_values"
        chosen = {
            **{name: None for name in HISTORY_COLUMNS},
            **pin["values"],
            "fitted_as_of": pin["fitted_as_of"],
            "clv_method": "bg_nbd_gamma_gamma",
            "converged": True,
        }
        if chosen["time_unit_days"] is None:
            chosen["time_unit_days"] = settings.time_unit_days
    else:
        source = "pinned_file" if pin["path"] else "pinned_history"
        fits = normalise_history(read_file(pin["path"])) if pin["path"] else history
        where = pin["path"] or "int_clv_parameters_fitted"
        if pin["fitted_as_of"] is not None:
            chosen = latest_fit(fits, pin["fitted_as_of"])
            if chosen is None or chosen["fitted_as_of"] != pin["fitted_as_of"]:
                raise PinError(f"var {PIN_VAR}: no fit fitted as of {pin['fitted_as_of']} in {where}")
        else:
            chosen = latest_fit(fits, as_of_date)
            if chosen is None:
                raise PinError(f"var {PIN_VAR}: no fit at or before the as-of date {as_of_date} in {where}")
        chosen = {**{name: None for name in HISTORY_COLUMNS}, **chosen}
        if chosen.get("converged") is None:
            chosen["converged"] = True
        if chosen.get("clv_method") is None:
            chosen["clv_method"] = "bg_nbd_gamma_gamma" if chosen["converged"] else "not_available"
        if chosen.get("time_unit_days") is None:
            chosen["time_unit_days"] = settings.time_unit_days
        if bool(chosen["converged"]):
            _check_usable({k: float(chosen[k]) for k in GAMMA_GAMMA_PARAMETERS + BG_NBD_PARAMETERS}, where)
    if pin is not None and float(chosen["time_unit_days"]) != settings.time_unit_days:
        raise PinError(
            f"var {PIN_VAR}: the pinned fit is in time units of {float(chosen['time_unit_days']):g} days, "
            f"the build's BTYD summary in {settings.time_unit_days:g} (var btyd_time_unit_days)"
        )
    refit = (
        pin is None
        and refit_fitted_at is not None
        and chosen.get("fitted_at") is not None
        and pd.Timestamp(chosen["fitted_at"]) == pd.Timestamp(refit_fitted_at)
    )
    row = {name: chosen.get(name) for name in FIT_COLUMNS}
    row.update(
        as_of_date=as_of_date,
        fitted_as_of=_date(chosen.get("fitted_as_of")),
        fit_source=source,
        is_refit_this_build=bool(refit),
        fit_reason=chosen.get("fit_reason"),
    )
    return row


def _not_fitted(settings: FitSettings, reason: str) -> dict:
    return {
        **{name: None for name in HISTORY_COLUMNS},
        "clv_method": "not_available",
        "converged": False,
        "failure_reason": reason,
        "time_unit_days": settings.time_unit_days,
    }


def not_fitted_frame(settings: FitSettings, reason: str, as_of_date, fit_reason: str, fitted_at=None) -> pd.DataFrame:
    """A one-row history table of a fit that was not attempted, saying why (fit_parameters'
    shape): the CLV back-test without a holdout."""
    row = _not_fitted(settings, reason)
    row.update(
        fitted_as_of=_date(as_of_date),
        fit_settings=settings.key,
        fit_reason=fit_reason,
        fitted_at=None if fitted_at is None else pd.Timestamp(fitted_at),
    )
    return typed_frame([row], HISTORY_COLUMNS)


# --- typed tables: the same column types on every engine -----------------------------------------


def typed_frame(rows: list[dict], columns: dict[str, str]) -> pd.DataFrame:
    """A pandas frame of `rows` with exactly `columns` (name: Spark SQL type), typed so that an
    empty frame, and NULLs, keep their types: dates as Python dates, nullable integers and
    booleans."""
    frame = pd.DataFrame([{name: row.get(name) for name in columns} for row in rows], columns=list(columns))
    for name, kind in columns.items():
        values = frame[name]
        if kind == "double":
            frame[name] = pd.to_numeric(values, errors="raise").astype("float64")
        elif kind == "bigint":
            frame[name] = pd.array([None if _missing(v) else int(v) for v in values], dtype="Int64")
        elif kind == "boolean":
            frame[name] = pd.array([None if _missing(v) else bool(v) for v in values], dtype="boolean")
        elif kind == "string":
            frame[name] = pd.array([None if _missing(v) else str(v) for v in values], dtype="string")
        elif kind == "date":
            frame[name] = pd.Series([_date(v) for v in values], dtype=object)
        elif kind == "timestamp":
            frame[name] = pd.to_datetime(pd.Series(list(values), dtype=object)).astype("datetime64[us]")
    return frame


def _missing(value) -> bool:
    return value is None or (not isinstance(value, str) and pd.isna(value))


def arrow_table(frame: pd.DataFrame, columns: dict[str, str]):
    """`frame` as a pyarrow Table with the exact types of `columns` (what the DuckDB Python
    models return: an empty or all-NULL column keeps its type)."""
    import pyarrow as pa

    types = {
        "double": pa.float64(),
        "bigint": pa.int64(),
        "boolean": pa.bool_(),
        "string": pa.string(),
        "date": pa.date32(),
        "timestamp": pa.timestamp("us"),
    }
    schema = pa.schema([(name, types[kind]) for name, kind in columns.items()])
    return pa.Table.from_pandas(typed_frame(frame.to_dict("records"), columns), schema=schema, preserve_index=False)


def records(frame: pd.DataFrame, columns: dict[str, str]) -> list[tuple]:
    """The rows of `frame` as tuples of plain Python values in the order of `columns`, None for
    NULL (what Spark's createDataFrame takes with spark_schema(columns))."""
    typed = typed_frame(frame.to_dict("records"), columns)
    out = []
    for row in typed.itertuples(index=False):
        values = []
        for value, kind in zip(row, columns.values()):
            if _missing(value):
                values.append(None)
            elif kind == "timestamp":
                values.append(pd.Timestamp(value).to_pydatetime())
            elif kind in ("double",):
                values.append(float(value))
            elif kind == "bigint":
                values.append(int(value))
            elif kind == "boolean":
                values.append(bool(value))
            else:
                values.append(value)
        out.append(tuple(values))
    return out


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
