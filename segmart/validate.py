"""`segmart validate`: Great Expectations checks of the raw sources and every mart.

The GX 1.x file context lives in gx/ (committed): one expectation suite, validation definition
and checkpoint per dataset, all over one pandas datasource. `segmart validate --init` (re)writes
them from SUITES below, reading the bounds from dbt_project.yml's vars so the two lines of
defence agree. `segmart validate` runs every checkpoint against the built warehouse, opened
read-only (GX's SQL datasource does not work on DuckDB; its pandas datasource over a read-only
query does), samples tables larger than SEGMART_GX_SAMPLE_ROWS with a fixed seed so validation
stays cheap at 10M orders, builds Data Docs into gx/uncommitted/data_docs (ignored), prints a
summary and fails when any expectation fails.
"""

from __future__ import annotations

import logging
import os
import warnings
from dataclasses import dataclass
from pathlib import Path

import duckdb
import yaml

from segmart.layout import RAW_COLUMNS, project_root

DATASOURCE = "segmart"
BATCH = "whole"
SAMPLE_SEED = 42

log = logging.getLogger(__name__)


def dbt_vars() -> dict:
    with open(project_root() / "dbt_project.yml", encoding="utf-8") as handle:
        return yaml.safe_load(handle)["vars"]


def sample_rows() -> int:
    return int(os.environ.get("SEGMART_GX_SAMPLE_ROWS", "200000"))


@dataclass
class Dataset:
    name: str
    query: str  # {raw} is the raw folder; tables are read from the warehouse
    sampled: bool = True


def datasets() -> list[Dataset]:
    raw = [Dataset(f"raw_{table}", f"select * from read_parquet('{{raw}}/{table}.parquet')") for table in RAW_COLUMNS]
    marts = [
        Dataset(name, f"select * from marts.{name}")
        for name in [
            "customer_features",
            "customer_lifetime_value",
            "clv_model_parameters",
            "customer_share_of_wallet",
            "customer_category_share_of_wallet",
            "customer_segments",
            "segment_summary",
            "pareto_curve",
            "customer_segment_history",
            "segment_migrations",
        ]
    ]
    shares = Dataset(
        "value_tier_shares",
        """
        select value_tier, count(*) / sum(count(*)) over () as share_of_buyers
        from marts.customer_segments where not is_prospect group by value_tier""",
        sampled=False,
    )
    return raw + marts + [shares]


def suites(v: dict) -> dict[str, list]:
    """Expectations per dataset, bounds from the dbt vars."""
    import great_expectations.expectations as gxe

    def not_null(column, mostly=1.0):
        return gxe.ExpectColumnValuesToNotBeNull(column=column, mostly=mostly)

    def unique(column):
        return gxe.ExpectColumnValuesToBeUnique(column=column)

    def between(column, low=None, high=None, mostly=1.0, **kwargs):
        return gxe.ExpectColumnValuesToBeBetween(column=column, min_value=low, max_value=high, mostly=mostly, **kwargs)

    def in_set(column, values, mostly=1.0):
        return gxe.ExpectColumnValuesToBeInSet(column=column, value_set=list(values), mostly=mostly)

    def columns(names):
        return gxe.ExpectTableColumnsToMatchOrderedList(column_list=list(names))

    def rows(low=1, high=None):
        return gxe.ExpectTableRowCountToBeBetween(min_value=low, max_value=high)

    numeric = r"^-?\d+(\.\d+)?$"
    clean = 1 - v["max_quarantine_rate"]  # the share of raw rows that must be usable
    tiers = ["platinum", "gold", "iron", "lead", "prospect"]
    rfm = [
        "champions",
        "loyal",
        "potential_loyalist",
        "new_customers",
        "promising",
        "need_attention",
        "about_to_sleep",
        "at_risk",
        "cant_lose_them",
        "hibernating",
        "lost",
        "prospect",
    ]
    share_low, share_high = v["share_of_wallet_bounds"]
    band_low, band_high = v["top_20_revenue_share_band"]
    tolerance = v["value_tier_share_tolerance"]
    shares = {**v["value_tier_shares"]}
    shares["lead"] = round(1 - sum(shares.values()), 10)
    return {
        "raw_customers": [
            columns(RAW_COLUMNS["customers"]),
            rows(),
            not_null("customer_id", clean),
            gxe.ExpectColumnValuesToBeUnique(column="customer_id", mostly=clean),
        ],
        "raw_orders": [
            columns(RAW_COLUMNS["orders"]),
            rows(),
            not_null("order_id", clean),
            not_null("customer_id", clean),
            gxe.ExpectColumnValuesToBeUnique(column="order_id", mostly=clean),
            gxe.ExpectColumnValuesToMatchRegex(column="gross_amount", regex=numeric, mostly=clean),
            in_set("status", ["completed", "cancelled", "returned"], clean),
        ],
        "raw_order_items": [
            columns(RAW_COLUMNS["order_items"]),
            rows(),
            not_null("order_id", clean),
            gxe.ExpectColumnValuesToMatchRegex(column="unit_price", regex=numeric, mostly=clean),
        ],
        "raw_wallet_survey": [
            columns(RAW_COLUMNS["wallet_survey"]),
            not_null("customer_id", clean),
            gxe.ExpectColumnValuesToMatchRegex(column="stated_annual_spend", regex=numeric, mostly=clean),
        ],
        "raw_customer_events": [
            columns(RAW_COLUMNS["customer_events"]),
            not_null("customer_id", clean),
            in_set(
                "event_type",
                [
                    "page_view",
                    "ad_click",
                    "review",
                    "complaint",
                    "product_suggestion",
                    "referral_signup",
                    "referral_purchase",
                    "value_added_purchase",
                ],
                clean,
            ),
        ],
        "customer_features": [
            rows(),
            not_null("customer_id"),
            unique("customer_id"),
            between("recency_days", 0),
            between("order_count", 0),
            between("tenure_days", 0),
            between("top_category_revenue_share", 0, 1),
            between("holiday_revenue_share", 0, 1),
            between("return_rate", 0, 1),
            between("btyd_frequency", 0),
            in_set("age_band", v["age_band_labels"]),
            in_set("income_band", v["income_band_labels"]),
            in_set("city_tier", ["tier_1", "new_tier_1", "tier_2", "tier_3", "tier_4_below", "unknown"]),
            in_set("region", ["north", "northeast", "east", "central", "south", "southwest", "northwest", "unknown"]),
            in_set("price_band", ["low", "mid", "high"]),
            gxe.ExpectColumnProportionOfNonNullValuesToBeBetween(
                column="gender", min_value=v["min_demographics_known_share"]
            ),
        ],
        "customer_lifetime_value": [
            rows(),
            unique("customer_id"),
            between("p_alive", *v["p_alive_bounds"]),
            between("predicted_clv", v["min_predicted_clv"]),
            between("retention_rate", 0, 1),
            between("expected_purchases_next_365_days", 0),
            in_set("clv_method", ["bg_nbd_gamma_gamma", "not_available", "not_applicable"]),
        ],
        "clv_model_parameters": [rows(1, 1), in_set("converged", [True])]
        + [between(name, 0, strict_min=True) for name in ["r", "alpha", "a", "b", "p", "v"]]
        + [between("q", 1, strict_min=True)],
        "customer_share_of_wallet": [
            rows(),
            unique("customer_id"),
            between("share_of_wallet", share_low, share_high),
            between("wallet_headroom", 0),
            in_set("wallet_source", ["stated", "estimated", "none"]),
        ],
        "customer_category_share_of_wallet": [
            unique("customer_category_id"),
            between("share_of_wallet", share_low, share_high),
            between("wallet_headroom", 0),
        ],
        "customer_segments": [
            rows(),
            unique("customer_id"),
            in_set("value_tier", tiers),
            in_set("rfm_segment", rfm),
            in_set("lifecycle_stage", ["prospect", "new", "active", "reactivated", "dormant", "churned"]),
            in_set("value_quadrant", ["I", "II", "III", "IV"]),
            between("purchase_likelihood", 0, 100),
            not_null("rfm_segment_label_zh"),
            not_null("value_tier_label_zh"),
        ],
        "segment_summary": [
            unique("segment_summary_id"),
            between("share_of_customers", 0, 1),
            between("share_of_revenue", 0, 1),
        ],
        "pareto_curve": [
            unique("customer_percentile"),
            between("customer_percentile", 1, 100),
            between("cumulative_revenue_share", 0, 1.000000001),
            gxe.ExpectColumnValuesToBeBetween(
                column="cumulative_revenue_share",
                min_value=band_low,
                max_value=band_high,
                row_condition="is_top_20_percent_cut == True",
                condition_parser="pandas",
            ),
        ],
        "customer_segment_history": [unique("customer_segment_history_id"), not_null("as_of_date")],
        "segment_migrations": [between("customers", 1)],
        "value_tier_shares": [
            gxe.ExpectColumnValuesToBeBetween(
                column="share_of_buyers",
                min_value=max(share - tolerance, 0),
                max_value=share + tolerance,
                row_condition=f'value_tier == "{tier}"',
                condition_parser="pandas",
            )
            for tier, share in shares.items()
        ],
    }


def _quiet():
    warnings.filterwarnings("ignore")
    logging.getLogger("great_expectations").setLevel(logging.ERROR)
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")


def context(root: Path | None = None):
    _quiet()
    import great_expectations as gx

    return gx.get_context(mode="file", project_root_dir=str(root or project_root()))


def init(root: Path | None = None) -> int:
    """(Re)write the suites, validation definitions and checkpoints in gx/ from SUITES."""
    import great_expectations as gx

    ctx = context(root)
    source = ctx.data_sources.add_or_update_pandas(name=DATASOURCE)
    count = 0
    for name, expectations in suites(dbt_vars()).items():
        asset = source.add_dataframe_asset(name=name)
        batch = asset.add_batch_definition_whole_dataframe(BATCH)
        suite = gx.ExpectationSuite(name=name)
        for expectation in expectations:
            suite.add_expectation(expectation)
            count += 1
        suite = ctx.suites.add_or_update(suite)
        definition = ctx.validation_definitions.add_or_update(
            gx.ValidationDefinition(name=name, data=batch, suite=suite)
        )
        ctx.checkpoints.add_or_update(
            gx.Checkpoint(
                name=name,
                validation_definitions=[definition],
                actions=[gx.checkpoint.UpdateDataDocsAction(name="update_data_docs")],
            )
        )
    return count


@dataclass
class Outcome:
    dataset: str
    rows: int
    sampled: bool
    evaluated: int
    failures: list[str]


def _frame(con, dataset: Dataset, raw_dir: Path):
    query = dataset.query.replace("{raw}", str(raw_dir))
    total = con.execute(f"select count(*) from ({query})").fetchall()[0][0]
    limit = sample_rows()
    if dataset.sampled and total > limit:
        query = f"select * from ({query}) using sample reservoir({limit} rows) repeatable ({SAMPLE_SEED})"
    return con.execute(query).df(), total, dataset.sampled and total > limit


def run(warehouse: Path, raw_dir: Path, root: Path | None = None) -> list[Outcome]:
    ctx = context(root)
    con = duckdb.connect(str(warehouse), read_only=True)
    outcomes = []
    try:
        for dataset in datasets():
            frame, total, sampled = _frame(con, dataset, raw_dir)
            log.debug("%s: %s rows%s", dataset.name, f"{total:,}", f", sampled {len(frame):,}" if sampled else "")
            result = ctx.checkpoints.get(dataset.name).run(batch_parameters={"dataframe": frame})
            evaluated, failures = 0, []
            for run_result in result.run_results.values():
                for item in run_result.results:
                    evaluated += 1
                    if not item.success:
                        config = item.expectation_config
                        column = config.kwargs.get("column", "")
                        unexpected = (item.result or {}).get("unexpected_count")
                        failures.append(
                            f"{config.type}({column})" + (f": {unexpected} unexpected" if unexpected else "")
                        )
            outcomes.append(Outcome(dataset.name, total, sampled, evaluated, failures))
    finally:
        con.close()
    return outcomes
