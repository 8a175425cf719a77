"""The BG/NBD and Gamma-Gamma fit this build scores with (one row): the latest fit of
int_clv_parameters_fitted not after the build's as-of date, or the fit the var
clv_parameters_pin pins (parameter values, a file of fits, or a fitted_as_of of the history),
with the build's as-of date, the fit's (fitted_as_of), where it comes from (fit_source) and
whether this build fitted it. segmart.clv_step.select_fit, the function the segmart step runs on
Spark (there a SQL model of the same name reads its table: clv_step/). Published as the mart
clv_model_parameters, where each column is documented.
"""
from segmart import clv_step


def model(dbt, session):
    dbt.config(materialized="table")
    # dbt passes a Python model the configs it reads by name, one literal dbt.config.get each
    settings = clv_step.FitSettings(time_unit_days=float(dbt.config.get("btyd_time_unit_days")))
    schedule = clv_step.Schedule(pin=clv_step.parse_pin(dbt.config.get("clv_parameters_pin")))
    fitted = dbt.ref("int_clv_parameters_fitted")
    resolved = dbt.ref("int_as_of_date_resolved")
    spark = hasattr(fitted, "toPandas")
    # dbt-databricks: PySpark DataFrames (written for it, not run in this project's tests)
    history, as_of = (fitted.toPandas(), resolved.toPandas()) if spark else (fitted.df(), resolved.df())
    row = clv_step.select_fit(
        clv_step.normalise_history(history),
        as_of["as_of_date"].iloc[0],
        schedule,
        settings,
        refit_fitted_at=dbt.segmart_run["run_started_at"],
    )
    frame = clv_step.typed_frame([row], clv_step.PARAMETER_COLUMNS)
    return session.createDataFrame(frame) if spark else clv_step.arrow_table(frame, clv_step.PARAMETER_COLUMNS)
