"""The CLV back-test per customer: from the calibration-period fit (int_clv_backtest_fitted),
P(alive) at the calibration end, the expected repeat purchases in the holdout given the
calibration history, and that times the expected spend per purchase
(segmart.backtest.score). NULL when the back-test fit is not usable.
"""
from segmart import backtest


def model(dbt, session):
    dbt.config(materialized="table")
    # each ref on its own (dbt finds a Python model's refs only as plain dbt.ref calls)
    fitted = dbt.ref("int_clv_backtest_fitted")
    calibration = dbt.ref("int_customer_btyd_calibration_summarised")
    columns = "customer_id, btyd_frequency, btyd_recency, btyd_t, btyd_monetary_value, holdout_duration"
    summary = calibration.project(columns).order("customer_id").df()
    return backtest.score(summary, fitted.df().iloc[0].to_dict())
