"""The CLV back-test (calibration / holdout): per-customer predictions of the holdout from a fit
on the calibration period, and the weekly tracking series of cumulative repeat purchases.

The method is the calibration / holdout validation of Fader, Hardie and Lee (2005, "Counting
Your Customers the Easy Way: An Alternative to the Pareto/NBD Model", Marketing Science 24(2)):
fit on the transactions up to a calibration date, then compare each customer's expected
purchases in the holdout period, given their calibration history (eq. 10), with what they
bought, and the population's expected cumulative purchases (eq. 9) with the actual ones, week by
week. dbt runs these functions in the Python models int_customer_clv_backtested and
int_clv_backtest_tracked; segmart.clv holds the maths.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from segmart import clv

# int_customer_clv_backtested, in order
BACKTEST_COLUMNS = {
    "customer_id": "string",
    "p_alive_cal": "double",
    "predicted_holdout_purchases": "double",
    "predicted_holdout_revenue": "double",
}
TRACKING_COLUMNS = {
    "week_end_date": "date",
    "period": "string",
    "predicted_cumulative_repeat_purchases": "double",
    "actual_cumulative_repeat_purchases": "double",
}


def usable(fit: dict) -> bool:
    return bool(fit.get("converged")) and all(
        fit.get(name) is not None and np.isfinite(fit[name]) for name in ("r", "alpha", "a", "b", "p", "q", "v")
    )


def parameters(fit: dict) -> tuple[clv.BgNbdParams, clv.GammaGammaParams]:
    bg = clv.BgNbdParams(r=fit["r"], alpha=fit["alpha"], a=fit["a"], b=fit["b"])
    gg = clv.GammaGammaParams(p=fit["p"], q=fit["q"], v=fit["v"])
    return bg, gg


def score(summary: pd.DataFrame, fit: dict) -> pd.DataFrame:
    """For each customer of the calibration summary (btyd_frequency, btyd_recency, btyd_t,
    btyd_monetary_value, holdout_duration): P(alive) at the calibration end, the expected repeat
    purchases in the holdout given the calibration history, and that times the expected spend
    per purchase (Gamma-Gamma). NULL when the fit is not usable."""
    out = pd.DataFrame({"customer_id": pd.Series(summary["customer_id"].to_numpy(), dtype="string")})
    if not usable(fit) or summary.empty:
        for name in list(BACKTEST_COLUMNS)[1:]:
            out[name] = np.nan
        return out
    bg, gg = parameters(fit)
    x, t_x, big_t, m = (
        summary[c].to_numpy(dtype=float) for c in ("btyd_frequency", "btyd_recency", "btyd_t", "btyd_monetary_value")
    )
    duration = summary["holdout_duration"].to_numpy(dtype=float)
    purchases = clv.expected_purchases(bg, duration, x, t_x, big_t)
    out["p_alive_cal"] = clv.probability_alive(bg, x, t_x, big_t)
    out["predicted_holdout_purchases"] = purchases
    out["predicted_holdout_revenue"] = purchases * clv.expected_order_value(gg, x, m)
    return out


def tracking(
    births: pd.DataFrame, weekly_actual: pd.DataFrame, fit: dict, calibration_end, holdout_end, unit_days: float
) -> pd.DataFrame:
    """Cumulative repeat purchases of the back-test's customers, week by week up to the holdout
    end: the actual count (weekly_actual: week_end_date, repeat_purchases) and the model's, the
    sum over customers of eq. 9 at the time since their first purchase (births:
    first_purchase_date, customers). Weeks end on the calibration end's weekday, so one week
    ends exactly there."""
    calibration_end, holdout_end = pd.Timestamp(calibration_end), pd.Timestamp(holdout_end)
    if births.empty:
        return pd.DataFrame(
            {
                "week_end_date": pd.Series(dtype="datetime64[ns]"),
                "period": pd.Series(dtype="string"),
                "predicted_cumulative_repeat_purchases": pd.Series(dtype="float64"),
                "actual_cumulative_repeat_purchases": pd.Series(dtype="float64"),
            }
        )
    first = pd.Timestamp(births["first_purchase_date"].min())
    weeks_before = int((calibration_end - first).days // 7)
    weeks_after = int((holdout_end - calibration_end).days // 7)
    ends = [calibration_end + pd.Timedelta(days=7 * k) for k in range(-weeks_before, weeks_after + 1)]
    if holdout_end not in ends:
        ends.append(holdout_end)
    born = pd.to_datetime(births["first_purchase_date"]).to_numpy()
    counts = births["customers"].to_numpy(dtype=float)
    actual_days = pd.to_datetime(weekly_actual["purchase_date"]).to_numpy()
    actual_counts = weekly_actual["repeat_purchases"].to_numpy(dtype=float)
    bg = parameters(fit)[0] if usable(fit) else None
    rows = []
    for end in ends:
        end64 = np.datetime64(end)
        alive = born <= end64
        if bg is None:
            predicted = np.nan
        else:
            since = (end64 - born[alive]).astype("timedelta64[D]").astype(float) / unit_days
            predicted = float((clv.expected_purchases_since_first(bg, since) * counts[alive]).sum())
        rows.append(
            {
                "week_end_date": end.date(),
                "period": "calibration" if end <= calibration_end else "holdout",
                "predicted_cumulative_repeat_purchases": predicted,
                "actual_cumulative_repeat_purchases": float(actual_counts[actual_days <= end64].sum()),
            }
        )
    return pd.DataFrame(rows, columns=list(TRACKING_COLUMNS))
