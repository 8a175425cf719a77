"""The history of BG/NBD and Gamma-Gamma fits: one row per fit, with the as-of date it was
fitted at (fitted_as_of), the parameters (r, alpha, a, b; p, q, v), log-likelihoods, customer
counts, whether it converged, the settings it was fitted with, why and when.

Refit on a schedule (segmart.clv_step.refit_reason, DECISIONLOG.md "Models are refit on a
schedule"): a build fits, and adds a row, only when the latest fit not after its as-of date is
clv_refit_every_days old or older, failed, was made with other settings, or there is none; when
the var refit is true; or on an explicit --full-refresh. Otherwise it adds nothing and the
scoring reuses the latest fit (int_clv_parameters_selected). Never when the var
clv_parameters_pin pins the parameters. Incremental with full_refresh false, like
customer_segment_history: a full refresh keeps past fits (a fit of the same as-of date is
replaced). A warehouse built before fits were kept (this model was a one-row table) starts
its history at its next build.

The fit runs on the summary condensed to distinct rows with customer counts as weights
(segmart.clv_step: the same SQL, rows and fit as the segmart step on Spark); the maths is
segmart.clv (numpy/scipy). Enabled on DuckDB and on dbt-databricks, which runs Python models on
Spark (elsewhere the segmart step fits: clv_step/). A failed or degenerate fit fails the build
with its cause, unless the var clv_fit_failure is 'warn': then the reason is recorded here and
the predictive columns downstream are NULL. Vars arrive through this model's config in
_intermediate__models.yml; whether this run is an explicit --full-refresh and when it started
through dbt.segmart_run (macro py_script_comment).
"""
from segmart import clv_step


def model(dbt, session):
    dbt.config(
        materialized="incremental",
        unique_key="fitted_as_of",
        incremental_strategy="delete+insert",
        on_schema_change="sync_all_columns",
        full_refresh=False,
    )
    # dbt passes a Python model the configs it reads by name, one literal dbt.config.get each
    config = {
        "clv_fit_failure": dbt.config.get("clv_fit_failure"),
        "clv_min_repeat_customers": dbt.config.get("clv_min_repeat_customers"),
        "btyd_time_unit_days": dbt.config.get("btyd_time_unit_days"),
        "clv_fit_max_customers": dbt.config.get("clv_fit_max_customers"),
        "clv_fit_sample_seed": dbt.config.get("clv_fit_sample_seed"),
        "clv_refit_every_days": dbt.config.get("clv_refit_every_days"),
        "refit": dbt.config.get("refit"),
        "clv_parameters_pin": dbt.config.get("clv_parameters_pin"),
    }
    run = dbt.segmart_run
    settings = clv_step.FitSettings.from_config(config.get)
    schedule = clv_step.Schedule.from_config(config.get, full_refresh=run["refit_on_full_refresh"])
    summary = dbt.ref("int_customer_btyd_summarised")
    resolved = dbt.ref("int_as_of_date_resolved")
    spark = hasattr(summary, "toPandas")
    if spark:
        # dbt-databricks: PySpark DataFrames (written for it, not run in this project's tests)
        as_of = resolved.toPandas()["as_of_date"].iloc[0]
        history = session.table(str(dbt.this)).toPandas() if dbt.is_incremental else None
    else:
        as_of = resolved.df()["as_of_date"].iloc[0]
        history = session.sql(f"select * from {dbt.this}").df() if dbt.is_incremental else None
        if history is not None and "fitted_as_of" not in history.columns:
            # a warehouse from before fits were kept: its one row is the last build's fit, without
            # the date it was fitted at; the history starts now (sync_all_columns drops its columns)
            session.execute(f"delete from {dbt.this}")
            history = None
    reason = clv_step.refit_reason(clv_step.normalise_history(history), as_of, schedule, settings)
    if reason is None:
        fits = clv_step.typed_frame([], clv_step.HISTORY_COLUMNS)  # reuse: add nothing
    elif spark:
        summary.createOrReplaceTempView("btyd_summary")
        fits = clv_step.fit_parameters(
            lambda sql: session.sql(sql).toPandas(), "btyd_summary", settings, as_of, reason, run["run_started_at"]
        )
    else:
        fits = clv_step.fit_parameters(
            lambda sql: summary.query("btyd_summary", sql).df(),
            "btyd_summary",
            settings,
            as_of,
            reason,
            run["run_started_at"],
        )
    return session.createDataFrame(fits) if spark else clv_step.arrow_table(fits, clv_step.HISTORY_COLUMNS)
