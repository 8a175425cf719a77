"""Fits BG/NBD and Gamma-Gamma by maximum likelihood on the buyers' BTYD summary.

One row: the parameters (r, alpha, a, b; p, q, v), log-likelihoods, customer counts, the as-of
date and whether the fit converged to a usable optimum. The fit runs on the summary condensed to
distinct rows with customer counts as weights (segmart.clv_step: the same SQL, rows and fit as the
segmart step on Spark); the maths is segmart.clv (numpy/scipy). Enabled on DuckDB and on
dbt-databricks, which runs Python models on Spark (elsewhere the segmart step fits: clv_step/). A failed or degenerate fit fails
the build with its cause, unless the var clv_fit_failure is 'warn': then the reason is recorded
here and the predictive columns downstream are NULL. Vars arrive through this model's config in
_intermediate__models.yml.
"""
from segmart import clv_step


def model(dbt, session):
    dbt.config(materialized="table")
    # dbt passes a Python model the configs it reads by name, one literal dbt.config.get each
    config = {
        "clv_fit_failure": dbt.config.get("clv_fit_failure"),
        "clv_min_repeat_customers": dbt.config.get("clv_min_repeat_customers"),
        "btyd_time_unit_days": dbt.config.get("btyd_time_unit_days"),
        "clv_fit_max_customers": dbt.config.get("clv_fit_max_customers"),
        "clv_fit_sample_seed": dbt.config.get("clv_fit_sample_seed"),
    }
    settings = clv_step.FitSettings.from_config(config.get)
    summary = dbt.ref("int_customer_btyd_summarised")
    resolved = dbt.ref("int_as_of_date_resolved")
    if hasattr(summary, "toPandas"):
        # dbt-databricks: PySpark DataFrames (written for it, not run in this project's tests)
        summary.createOrReplaceTempView("btyd_summary")
        as_of = resolved.toPandas()["as_of_date"].iloc[0]
        return clv_step.fit_parameters(lambda sql: session.sql(sql).toPandas(), "btyd_summary", settings, as_of)
    # DuckDB: relations
    as_of = resolved.df()["as_of_date"].iloc[0]
    return clv_step.fit_parameters(lambda sql: summary.query("btyd_summary", sql).df(), "btyd_summary", settings, as_of)
