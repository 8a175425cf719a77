"""The CLV back-test's tracking series: the back-test customers' cumulative repeat purchases,
week by week through the calibration period and the holdout, actual and as the calibration fit
expects them (segmart.backtest.tracking: the population's expected purchases since each
customer's first purchase, summed). Weeks end on the calibration end's weekday. The predicted
column is NULL when the back-test fit is not usable.
"""
from segmart import backtest


def model(dbt, session):
    dbt.config(materialized="table")
    unit_days = float(dbt.config.get("btyd_time_unit_days"))
    # each ref on its own (dbt finds a Python model's refs only as plain dbt.ref calls)
    fitted = dbt.ref("int_clv_backtest_fitted")
    resolved = dbt.ref("int_clv_backtest_dates_resolved")
    purchases = dbt.ref("int_clv_backtest_purchases_counted")
    fit = fitted.df().iloc[0].to_dict()
    dates = resolved.df().iloc[0]
    # in date order: the sums below then add the same numbers in the same order on every build
    counted = purchases.order("purchase_date").df()
    births = counted.loc[counted["first_purchases"] > 0, ["purchase_date", "first_purchases"]].rename(
        columns={"purchase_date": "first_purchase_date", "first_purchases": "customers"}
    )
    return backtest.tracking(
        births,
        counted[["purchase_date", "repeat_purchases"]],
        fit,
        dates["calibration_end_date"],
        dates["holdout_end_date"],
        unit_days,
    )
