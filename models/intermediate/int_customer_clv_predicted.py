"""Per-customer BG/NBD and Gamma-Gamma predictions from the fitted clv_model_parameters:
P(alive), expected purchases over two horizons, expected spend per purchase and predicted CLV
(monthly discounting). NULL everywhere when the fit is not usable (clv_method not_available).
Customers without a purchase (prospects) have no BTYD history and are not scored here.
"""
import numpy as np
import pandas as pd

from segmart import clv


def model(dbt, session):
    dbt.config(materialized="table")
    short_days = float(dbt.config.get("clv_short_horizon_days"))
    long_days = float(dbt.config.get("clv_prediction_horizon_days"))
    months = int(dbt.config.get("clv_horizon_months"))
    days_per_month = float(dbt.config.get("clv_days_per_month"))
    yearly_rate = float(dbt.config.get("discount_rate"))
    monthly_rate = (1.0 + yearly_rate) ** (1.0 / 12.0) - 1.0

    params = dbt.ref("int_clv_parameters_fitted").df().iloc[0]
    unit = float(params["time_unit_days"])
    buyers = dbt.ref("int_customers_profiled").filter("not is_prospect").project(
        "customer_id, btyd_frequency, btyd_recency, btyd_t, btyd_monetary_value"
    ).order("customer_id").df()
    x = buyers["btyd_frequency"].to_numpy(dtype=float)
    t_x = buyers["btyd_recency"].to_numpy(dtype=float)
    big_t = buyers["btyd_t"].to_numpy(dtype=float)
    m = buyers["btyd_monetary_value"].to_numpy(dtype=float)

    out = pd.DataFrame({"customer_id": buyers["customer_id"]})
    if bool(params["converged"]):
        bg = clv.BgNbdParams(r=params["r"], alpha=params["alpha"], a=params["a"], b=params["b"])
        gg = clv.GammaGammaParams(p=params["p"], q=params["q"], v=params["v"])
        out["p_alive"] = clv.probability_alive(bg, x, t_x, big_t)
        out["expected_purchases_short_horizon"] = clv.expected_purchases(bg, short_days / unit, x, t_x, big_t)
        out["expected_purchases_prediction_horizon"] = clv.expected_purchases(bg, long_days / unit, x, t_x, big_t)
        out["expected_order_value"] = clv.expected_order_value(gg, x, m)
        out["predicted_clv"] = clv.predicted_clv(bg, gg, x, t_x, big_t, m, months, monthly_rate, days_per_month, unit)
    else:
        for name in ["p_alive", "expected_purchases_short_horizon", "expected_purchases_prediction_horizon",
                     "expected_order_value", "predicted_clv"]:
            out[name] = pd.Series(np.nan, index=out.index, dtype="float64")
    out["clv_method"] = params["clv_method"]
    return out
