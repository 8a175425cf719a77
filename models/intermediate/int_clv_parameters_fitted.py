"""Fits BG/NBD and Gamma-Gamma by maximum likelihood on the BTYD columns of customer_features.

One row: the parameters (r, alpha, a, b; p, q, v), log-likelihoods, customer counts, the as-of
date and whether the fit converged to a usable optimum. The maths is segmart.clv (numpy/scipy).
A failed or degenerate fit fails the build with its cause, unless the var clv_fit_failure is
'warn': then the reason is recorded here and the predictive columns downstream are NULL.
Vars arrive through this model's config in _value__models.yml.
"""
import pandas as pd

from segmart import clv


def model(dbt, session):
    dbt.config(materialized="table")
    on_failure = str(dbt.config.get("clv_fit_failure")).strip().lower()
    if on_failure not in ("error", "warn"):
        raise ValueError(f"var clv_fit_failure must be 'error' or 'warn', not {on_failure!r}")
    min_repeat = int(dbt.config.get("clv_min_repeat_customers"))
    time_unit_days = float(dbt.config.get("btyd_time_unit_days"))

    features = dbt.ref("int_customers_profiled")
    # a fixed row order makes the floating-point sums, and so the fit, identical on every build
    buyers = features.filter("not is_prospect").project(
        "customer_id, btyd_frequency, btyd_recency, btyd_t, btyd_monetary_value"
    ).order("customer_id").df()
    as_of = features.project("max(as_of_date) as as_of_date").df()["as_of_date"].iloc[0]

    result = clv.fit(
        buyers["btyd_frequency"].to_numpy(dtype=float),
        buyers["btyd_recency"].to_numpy(dtype=float),
        buyers["btyd_t"].to_numpy(dtype=float),
        buyers["btyd_monetary_value"].to_numpy(dtype=float),
        min_repeat_customers=min_repeat,
    )
    if not result.converged and on_failure == "error":
        raise clv.FitError(
            f"CLV model fit failed: {result.failure_reason}. "
            "Set the var clv_fit_failure: warn to build without predictive CLV."
        )
    row = result.as_row()
    row["as_of_date"] = as_of
    row["time_unit_days"] = time_unit_days
    row["clv_method"] = "bg_nbd_gamma_gamma" if result.converged else "not_available"
    columns = ["as_of_date", "clv_method", "r", "alpha", "a", "b", "p", "q", "v",
               "bg_nbd_log_likelihood", "gamma_gamma_log_likelihood", "customer_count",
               "repeat_customer_count", "converged", "failure_reason", "time_unit_days"]
    frame = pd.DataFrame([row])[columns]
    for name in ["r", "alpha", "a", "b", "p", "q", "v", "bg_nbd_log_likelihood", "gamma_gamma_log_likelihood"]:
        frame[name] = frame[name].astype("float64")
    frame["failure_reason"] = frame["failure_reason"].astype("string")
    return frame
