"""Every analysis in analyses/ compiles (dbt compile) and runs on a warehouse with a two-date
history, and its answer agrees with the same figure computed here in pandas from the marts."""

from __future__ import annotations

import math
import subprocess
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from helpers import PROJECT, dbt_executable

ANALYSES = sorted(p.stem for p in (PROJECT / "analyses").glob("*.sql"))


@pytest.fixture(scope="module")
def results(two_date_marts):
    env = two_date_marts["env"]
    done = subprocess.run(
        [dbt_executable(), "compile", "--target", "ci", "--select", "resource_type:analysis"],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout[-3000:]
    compiled = Path(env["DBT_TARGET_PATH"]) / "compiled" / "segmart" / "analyses"
    con = duckdb.connect(str(two_date_marts["database"]), read_only=True)
    out = {name: con.sql((compiled / f"{name}.sql").read_text()).df() for name in ANALYSES}
    segments = con.sql("select * from marts.customer_segments").df()
    history = con.sql("select * from marts.customer_segment_history").df()
    features = con.sql("select * from marts.customer_features").df()
    con.close()
    return out, segments, history, features


def test_the_seven_analyses_are_there():
    assert ANALYSES == sorted(
        [
            "pareto_80_20",
            "cohort_retention_by_first_order_month",
            "segment_migration_matrix",
            "rfm_heat_map",
            "share_of_wallet_opportunities",
            "top_prospects_by_purchase_likelihood",
            "tier_region_mix",
        ]
    )


def test_pareto_matches_a_pandas_ranking(results):
    out, segments, _, _ = results
    buyers = segments.loc[~segments["is_prospect"], "net_revenue"].astype(float).sort_values(ascending=False)
    # the top 20% are the first ceil(0.2 × buyers) buyers (DECISIONLOG.md "Boundaries"), exactly
    top = buyers.head(math.ceil(0.2 * len(buyers) - 1e-9)).sum() / buyers.sum()
    row = out["pareto_80_20"].iloc[0]
    assert abs(row["top_20_percent_revenue_share"] - top) < 1e-9
    assert 0 < row["customer_share_for_80_percent_revenue"] <= 1


def test_cohorts_start_at_full_retention_and_cover_every_buyer(results):
    out, segments, _, _ = results
    cohorts = out["cohort_retention_by_first_order_month"]
    first = cohorts[cohorts["months_since_first"] == 0]
    assert (first["retention_rate"] == 1).all()
    assert first["cohort_customers"].sum() == (~segments["is_prospect"]).sum()
    assert (cohorts["retention_rate"] <= 1).all() and (cohorts["months_since_first"] >= 0).all()


def test_migration_matrix_counts_customers_present_at_both_dates(results, two_date_marts):
    out, _, history, _ = results
    dates = sorted(history["as_of_date"].unique())
    assert len(dates) == 2
    before = history[history["as_of_date"] == dates[0]][["customer_id", "value_tier"]]
    after = history[history["as_of_date"] == dates[1]][["customer_id", "value_tier"]]
    pairs = before.merge(after, on="customer_id", suffixes=("_from", "_to"))
    expected = pairs.groupby(["value_tier_from", "value_tier_to"]).size().sort_index()
    got = out["segment_migration_matrix"].set_index(["from_value_tier", "to_value_tier"])["customers"].sort_index()
    assert got.to_dict() == expected.to_dict()


def test_rfm_heat_map_covers_the_buyers(results):
    out, segments, _, _ = results
    grid = out["rfm_heat_map"]
    assert len(grid) == 25
    assert grid["customers"].sum() == (~segments["is_prospect"]).sum()
    buyers = segments[~segments["is_prospect"]]
    cell = buyers[(buyers["r_score"] == 5) & (buyers["f_score"] == 5)]
    top = grid[(grid["r_score"] == 5) & (grid["f_score"] == 5)].iloc[0]
    assert top["customers"] == len(cell)
    assert float(top["net_revenue"]) == pytest.approx(float(cell["net_revenue"].astype(float).sum()))


def test_opportunities_are_perlichs_target_list(results):
    out, segments, _, _ = results
    targets = out["share_of_wallet_opportunities"]
    assert len(targets) == segments["is_high_wallet_low_share"].fillna(False).sum() > 0
    headroom = targets["wallet_headroom"].astype(float)
    assert headroom.is_monotonic_decreasing


def test_top_prospects_are_every_prospect_by_likelihood(results):
    out, segments, _, _ = results
    prospects = out["top_prospects_by_purchase_likelihood"]
    assert len(prospects) == segments["is_prospect"].sum() > 0
    assert prospects["purchase_likelihood"].is_monotonic_decreasing


def test_tier_region_mix_adds_up(results):
    out, segments, _, features = results
    mix = out["tier_region_mix"]
    assert mix["customers"].sum() == len(segments)
    shares = mix.groupby("value_tier")["share_of_tier_customers"].sum()
    assert shares.to_numpy() == pytest.approx([1.0] * len(shares))
    region = features[["customer_id", "region"]].fillna({"region": "unknown"})
    joined = segments[["customer_id", "value_tier"]].merge(region, on="customer_id")
    expected = joined.groupby(["value_tier", "region"]).size()
    got = mix.set_index(["value_tier", "region"])["customers"]
    pd.testing.assert_series_equal(got.sort_index(), expected.sort_index(), check_names=False, check_dtype=False)


def test_the_dashboard_runs_the_analysts_sql(two_date_marts, results):
    """views.rfm_grid and views.opportunities are the analyses' text run on the published marts;
    an analysis that needs more than the published marts is refused rather than run half-rendered."""
    from segmart.views import Marts

    out, _, _, _ = results
    marts = Marts(two_date_marts["published"])
    grid = marts.rfm_grid()
    assert (
        grid[["r_score", "f_score", "customers"]].values.tolist()
        == out["rfm_heat_map"][["r_score", "f_score", "customers"]].values.tolist()
    )
    assert list(marts.opportunities(10)["customer_id"]) == list(
        out["share_of_wallet_opportunities"]["customer_id"][:10]
    )
    with pytest.raises(ValueError, match="customer_features is not among the published marts"):
        marts.analysis("tier_region_mix")
