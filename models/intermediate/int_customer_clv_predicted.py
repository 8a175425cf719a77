"""Per-customer BG/NBD and Gamma-Gamma predictions from the fitted clv_model_parameters:
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
    fitted = dbt.ref("int_clv_parameters_fitted").df()
    parameters = fitted.iloc[0].to_dict()
    # a fixed row order: the same table on every build
    buyers = dbt.ref("int_customer_btyd_summarised").project(", ".join(clv_step.SUMMARY_COLUMNS)).order("customer_id").df()
    return clv_step.score(buyers, parameters, settings)
