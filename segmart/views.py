"""The views people look at, as data frames: one function per chart of the dashboard
(`segmart dashboard`) and of the static report (`segmart report`), so both show the same numbers.

Every view reads the published marts (`published/<mart>.parquet`, written after each successful
build) through an in-memory DuckDB: no lock on the warehouse, which a build may be writing.
Labels come in both languages; `lang` ('en' or 'zh') picks the `label` column. Display orders
come from the seeds (sort_order), so the dashboard and the warehouse never disagree.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import duckdb
import pandas as pd

from segmart.layout import project_root, segment_dimensions

MARTS = (
    "customer_segments",
    "segment_summary",
    "pareto_curve",
    "customer_segment_history",
    "segment_migrations",
    "customer_share_of_wallet",
    "warehouse_settings",
)
DIMENSIONS = tuple(segment_dimensions())
LANGS = ("en", "zh")


def default_published_dir() -> Path:
    return Path(os.environ.get("SEGMART_PUBLISH_DIR", "published"))


class Marts:
    """The published marts of one build, queried with DuckDB."""

    def __init__(self, published_dir: str | os.PathLike | None = None):
        self.dir = Path(published_dir or default_published_dir())
        missing = [m for m in MARTS if not (self.dir / f"{m}.parquet").exists()]
        if missing:
            raise FileNotFoundError(
                f"{self.dir}: no published {', '.join(missing)}: run `make build` (or `segmart publish`) first"
            )
        self.con = duckdb.connect()
        for mart in MARTS:
            path = str((self.dir / f"{mart}.parquet").resolve()).replace("'", "''")
            self.con.execute(f"create view {mart} as select * from read_parquet('{path}')")

    def sql(self, query: str, params: list | None = None) -> pd.DataFrame:
        return self.con.execute(query, params or []).df()

    # --- the CLV back-test (optional: not built on open-source Spark) ----------------------------
    def backtest(self, section: str) -> pd.DataFrame | None:
        """One section of clv_backtest_summary (totals, conditional_expectation,
        p_alive_calibration, tracking) in its order; None when the back-test was not published
        or its fit was not usable."""
        path = self.dir / "clv_backtest_summary.parquet"
        if not path.exists():
            return None
        frame = self.con.execute(
            "select * from read_parquet(?) where section = ? order by bucket_order", [str(path), section]
        ).df()
        if frame.empty or frame["predicted"].isna().all():
            return None
        return frame

    def backtest_headline(self, lang: str = "en") -> str | None:
        """The back-test's headline error in one sentence, or None without a usable back-test."""
        from segmart.dashboard_text import texts

        totals = self.backtest("totals")
        if totals is None:
            return None
        purchases = totals[totals["bucket"] == "repeat_purchases"].iloc[0]
        return texts(lang, self.reporting_currency())["backtest_headline"].format(
            calibration_end=str(purchases["calibration_end_date"])[:10],
            holdout_end=str(purchases["holdout_end_date"])[:10],
            customers=int(purchases["customers"]),
            predicted=float(purchases["predicted"]),
            actual=float(purchases["actual"]),
            error=float(purchases["relative_error"]) if pd.notna(purchases["relative_error"]) else float("nan"),
            mae=float(purchases["absolute_error"]),
        )

    def analysis(self, name: str) -> pd.DataFrame:
        """Run analyses/<name>.sql on the published marts: the analysts' query and the dashboard's
        view are one text. Only analyses whose sole Jinja is ref() to a published mart qualify."""
        text = (project_root() / "analyses" / f"{name}.sql").read_text(encoding="utf-8")
        text = re.sub(r"\{#-?.*?-?#\}", "", text, flags=re.S)
        text = re.sub(r"\{\{\s*ref\('(\w+)'\)\s*\}\}", lambda m: _published(m.group(1)), text)
        if "{{" in text or "{%" in text:
            raise ValueError(f"analyses/{name}.sql uses Jinja beyond ref(): not runnable on the published marts")
        return self.sql(text)

    # --- the views ------------------------------------------------------------------------------
    def reporting_currency(self) -> str:
        """The currency every amount of the marts is in (warehouse_settings, one row)."""
        return str(self.sql("select reporting_currency from warehouse_settings")["reporting_currency"].iloc[0])

    def rfm_score_method(self) -> str:
        """How the RFM scores were made (warehouse_settings, var rfm_score_method)."""
        return str(self.sql("select rfm_score_method from warehouse_settings")["rfm_score_method"].iloc[0])

    def headline(self, lang: str = "en") -> str:
        """One line: as-of date, customers, buyers and net revenue in the reporting currency."""
        from segmart.dashboard_text import texts

        totals = self.sql(
            "select count(*) as c, count(*) filter (where not is_prospect) as b, "
            "sum(net_revenue) as r from customer_segments"
        ).iloc[0]
        return texts(lang, self.reporting_currency())["as_of"].format(
            date=str(self.as_of_date())[:10],
            customers=int(totals["c"]),
            buyers=int(totals["b"]),
            revenue=float(totals["r"] or 0),
        )

    def as_of_date(self):
        return self.sql("select max(as_of_date) as d from customer_segments")["d"].iloc[0]

    def summary(self, dimension: str, lang: str = "en") -> pd.DataFrame:
        """segment_summary of one dimension in display order, with `label` in lang."""
        _check(dimension, DIMENSIONS, "dimension")
        frame = self.sql(
            f"select *, label_{_lang(lang)} as label from segment_summary where segment_dimension = ?",
            [dimension],
        )
        frame["net_revenue"] = frame["net_revenue"].astype(float)
        order = _seed_order(dimension)
        if order:
            frame["sort_order"] = frame["segment_value"].map(order)
            frame = frame.sort_values(["sort_order", "segment_value"], na_position="last")
        else:
            frame = frame.sort_values("net_revenue", ascending=False)
        return frame.reset_index(drop=True)

    def pyramid(self, lang: str = "en") -> pd.DataFrame:
        """The customer pyramid: value tiers from platinum down, customers and revenue shares."""
        return self.summary("value_tier", lang)

    def pareto(self) -> pd.DataFrame:
        """Cumulative revenue share against cumulative customer share (customers by revenue)."""
        frame = self.sql("select * from pareto_curve order by customer_percentile")
        frame["net_revenue"] = frame["net_revenue"].astype(float)
        return frame

    def top_20_cut(self) -> pd.Series:
        """The Pareto curve's row at the top-20% cut (pareto_curve.is_top_20_percent_cut)."""
        curve = self.pareto()
        return curve[curve["is_top_20_percent_cut"]].iloc[0]

    def top_share(self) -> float:
        """Revenue share of the top 20% of buyers (the seeds' 80/20), as the mart marks it."""
        return float(self.top_20_cut()["cumulative_revenue_share"])

    def rfm_grid(self) -> pd.DataFrame:
        """R × F heat map of the buyers: customers and net revenue per (r_score, f_score), the
        analysis analyses/rfm_heat_map.sql."""
        frame = self.analysis("rfm_heat_map")
        frame["net_revenue"] = frame["net_revenue"].astype(float)
        return frame

    def value_matrix(self, lang: str = "en") -> pd.DataFrame:
        """The value matrix: the four quadrants of current value × growth potential."""
        frame = self.summary("value_quadrant", lang)
        levels = self.sql(
            """
            select value_quadrant as segment_value, any_value(current_value_level) as current_value_level,
                   any_value(growth_potential_level) as growth_potential_level
            from customer_segments where value_quadrant is not null group by 1
            """
        )
        return frame.merge(levels, on="segment_value", how="left")

    def lifecycle_funnel(self, lang: str = "en") -> pd.DataFrame:
        """Customers by lifecycle stage, prospect → new → active → reactivated → dormant → churned."""
        return self.summary("lifecycle_stage", lang)

    def opportunities(self, limit: int = 50) -> pd.DataFrame:
        """Share-of-wallet opportunities (Perlich's target list): large wallet, small share, by
        headroom (wallet − our 12-month spend), largest first: the analysis
        analyses/share_of_wallet_opportunities.sql, its first `limit` rows."""
        frame = self.analysis("share_of_wallet_opportunities").head(int(limit))
        for column in ("our_spend_in_year_window", "wallet", "wallet_headroom"):
            frame[column] = frame[column].astype(float)
        return frame

    def history_dates(self) -> list:
        frame = self.sql("select distinct cast(as_of_date as date) as d from customer_segment_history order by 1")
        return [pd.Timestamp(d).date() for d in frame["d"]]

    def migration_matrix(self, dimension: str, from_date=None, to_date=None) -> pd.DataFrame:
        """Customers by (segment at from_date, segment at to_date): everyone in the history at
        both dates. Defaults: the two latest as-of dates. Empty with fewer than two dates."""
        _check(dimension, DIMENSIONS, "dimension")
        dates = self.history_dates()
        if from_date is None or to_date is None:
            if len(dates) < 2:
                return pd.DataFrame(columns=["from_segment", "to_segment", "customers"])
            from_date, to_date = dates[-2], dates[-1]
        return self.sql(
            f"""
            select
                before.{dimension} as from_segment,
                after.{dimension} as to_segment,
                count(*) as customers
            from customer_segment_history as before
            inner join customer_segment_history as after
                on before.customer_id = after.customer_id
            where before.as_of_date = ? and after.as_of_date = ?
            group by 1, 2
            order by 1, 2
            """,
            [from_date, to_date],
        )

    def customers(self, dimension: str, value: str) -> pd.DataFrame:
        """The drill-down: every customer of one segment, with labels and values, for export: every
        segment dimension with its label and action columns (<dimension>_label_en/_zh,
        <dimension>_action_en/_zh)."""
        _check(dimension, DIMENSIONS, "dimension")
        segment_columns = ", ".join(
            f"{d}{suffix}" for d in DIMENSIONS for suffix in ("", "_label_en", "_label_zh", "_action_en", "_action_zh")
        )
        return self.sql(
            f"""
            select customer_id, {segment_columns},
                   recency_days, order_count, net_revenue, predicted_clv, discounted_clv,
                   wallet, share_of_wallet, purchase_likelihood
            from customer_segments
            where {dimension} = ?
            order by net_revenue desc, customer_id
            """,
            [value],
        )


def _published(mart: str) -> str:
    if mart not in MARTS:
        raise ValueError(f"{mart} is not among the published marts the views read: {', '.join(MARTS)}")
    return mart


def _lang(lang: str) -> str:
    _check(lang, LANGS, "lang")
    return lang


def _check(value: str, allowed, what: str) -> None:
    if value not in allowed:
        raise ValueError(f"{what} must be one of {', '.join(allowed)}, not {value!r}")


def _seed_order(dimension: str) -> dict[str, int]:
    """segment value → sort_order from the dimension's seed, if it has one."""
    seeds = {
        "value_tier": "value_tiers",
        "lifecycle_stage": "lifecycle_stages",
        "rfm_segment": "rfm_segments",
        "value_quadrant": "value_matrix_quadrants",
    }
    if dimension not in seeds:
        return {}
    path = project_root() / "seeds" / f"{seeds[dimension]}.csv"
    seed = pd.read_csv(path)
    key = seed.columns[0]
    if "sort_order" not in seed.columns:
        return {value: index for index, value in enumerate(seed[key])}
    return dict(zip(seed[key], seed["sort_order"]))
