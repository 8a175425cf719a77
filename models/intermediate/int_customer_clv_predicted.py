"""Per-customer BG/NBD and Gamma-Gamma predictions from the fit the build scores with
(int_clv_parameters_selected, published as clv_model_parameters: the latest fit not after the
as-of date, or the pinned one):
P(alive), expected purchases over two horizons, expected spend per purchase and predicted CLV
(monthly discounting), by segmart.clv_step.score (the function the segmart step runs on Spark's
executors). NULL everywhere when the fit is not usable (clv_method not_available). Customers
without a purchase (prospects) have no BTYD history and are not scored here.
"""
from segmart import clv_step


def model(dbt, session):
    dbt.config(materialized="table")
    # dbt passes a Python model the configs it reads by name, one literal dbt.config.get each
    config = {
        "clv_short_horizon_days": dbt.config.get("clv_short_horizon_days"),
        "clv_prediction_horizon_days": dbt.config.get("clv_prediction_horizon_days"),
        "clv_horizon_months": dbt.config.get("clv_horizon_months"),
        "clv_days_per_month": dbt.config.get("clv_days_per_month"),
        "discount_rate": dbt.config.get("discount_rate"),
    }
    settings = clv_step.ScoreSettings.from_config(config.get)
    fitted = dbt.ref("int_clv_parameters_selected")
    summary = dbt.ref("int_customer_btyd_summarised")
    if hasattr(summary, "toPandas"):
        # dbt-databricks: score on the executors (not run in this project's tests)
        import functools

        parameters = fitted.toPandas().iloc[0].to_dict()
        scorer = functools.partial(clv_step.score_batches, parameters=parameters, settings=settings)
        return summary.select(*clv_step.SUMMARY_COLUMNS).mapInPandas(
            scorer, clv_step.spark_schema(clv_step.PREDICTION_COLUMNS)
        )
    # DuckDB: a fixed row order, the same table on every build
    parameters = fitted.df().iloc[0].to_dict()
    buyers = summary.project(", ".join(clv_step.SUMMARY_COLUMNS)).order("customer_id").df()
    return clv_step.score(buyers, parameters, settings)
