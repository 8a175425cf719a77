"""The CLV back-test's fit: BG/NBD and Gamma-Gamma fitted on the calibration period only (the
BTYD summary at the calibration end, int_customer_btyd_calibration_summarised), with the same
code and settings as the production fit (segmart.clv_step.fit_parameters, the vars of
int_clv_parameters_fitted), as one row of the fit history's columns: fitted_as_of is the
calibration end, fit_reason is 'backtest'. Refitted on every build (one fit on condensed rows).
A fit that fails does not fail the build (the back-test reports on the model, it is not needed
for the marts): the row says why and the back-test's predictions are NULL. Vars arrive through
this model's config in _intermediate__models.yml.
"""
from segmart import clv_step


def model(dbt, session):
    dbt.config(materialized="table")
    # dbt passes a Python model the configs it reads by name, one literal dbt.config.get each
    config = {
        "clv_fit_failure": "warn",
        "clv_min_repeat_customers": dbt.config.get("clv_min_repeat_customers"),
        "btyd_time_unit_days": dbt.config.get("btyd_time_unit_days"),
        "clv_fit_max_customers": dbt.config.get("clv_fit_max_customers"),
        "clv_fit_sample_seed": dbt.config.get("clv_fit_sample_seed"),
    }
    settings = clv_step.FitSettings.from_config(config.get)
    summary = dbt.ref("int_customer_btyd_calibration_summarised")
    resolved = dbt.ref("int_clv_backtest_dates_resolved")
    dates = resolved.df()
    calibration_end, holdout_end = dates["calibration_end_date"].iloc[0], dates["holdout_end_date"].iloc[0]
    if calibration_end >= holdout_end:
        # no holdout to predict (a history of a few weeks, or a calibration end set after it)
        fits = clv_step.not_fitted_frame(
            settings,
            f"no holdout: the calibration end {str(calibration_end)[:10]} is not before the holdout end "
            f"{str(holdout_end)[:10]} "
            "(vars backtest_calibration_end, backtest_holdout_end, backtest_holdout_share)",
            calibration_end,
            "backtest",
            dbt.segmart_run["run_started_at"],
        )
    else:
        fits = clv_step.fit_parameters(
            lambda sql: summary.query("calibration_summary", sql).df(),
            "calibration_summary",
            settings,
            calibration_end,
            "backtest",
            dbt.segmart_run["run_started_at"],
        )
    return clv_step.arrow_table(fits, clv_step.HISTORY_COLUMNS)
