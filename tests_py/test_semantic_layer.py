"""The semantic layer answers through `mf query` (dbt-metricflow) what pandas computes from
customer_segments: customers, net revenue, share of revenue, average predicted CLV, average
share of wallet and churn rate by value tier, and the README's example queries run."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from helpers import PROJECT, dbt_executable

METRICS = [
    "customers",
    "net_revenue",
    "share_of_revenue",
    "average_predicted_clv",
    "average_share_of_wallet",
    "churn_rate",
]


def _mf(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(Path(sys.executable).with_name("mf")), *args], cwd=PROJECT, env=env, capture_output=True, text=True
    )


@pytest.fixture(scope="module")
def mf_env(two_date_marts, tmp_path_factory):
    # mf reads target/semantic_manifest.json of the project and queries the dev target, pointed here
    # at the copy of the CI warehouse
    env = {k: v for k, v in two_date_marts["env"].items() if k != "DBT_TARGET_PATH"}
    env["SEGMART_DUCKDB_PATH"] = str(two_date_marts["database"])
    done = subprocess.run([dbt_executable(), "parse", "--quiet"], cwd=PROJECT, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout[-2000:]
    assert (PROJECT / "target" / "semantic_manifest.json").exists()
    return env, tmp_path_factory.mktemp("mf")


def test_metrics_by_value_tier_match_pandas(mf_env, two_date_marts):
    env, tmp = mf_env
    out = tmp / "by_tier.csv"
    done = _mf(env, "query", "--metrics", ",".join(METRICS), "--group-by", "customer__value_tier", "--csv", str(out))
    assert done.returncode == 0 and out.exists(), done.stdout[-2000:] + done.stderr[-2000:]
    got = pd.read_csv(out).set_index("customer__value_tier").sort_index()

    with duckdb.connect(str(two_date_marts["database"]), read_only=True) as con:
        segments = con.sql("select * from marts.customer_segments").df()
    segments["net_revenue"] = segments["net_revenue"].astype(float)
    total = segments["net_revenue"].sum()
    groups = segments.groupby("value_tier")
    expected = pd.DataFrame(
        {
            "customers": groups.size(),
            "net_revenue": groups["net_revenue"].sum(),
            "share_of_revenue": groups["net_revenue"].sum() / total,
            "average_predicted_clv": groups["predicted_clv"].mean(),
            "average_share_of_wallet": groups["share_of_wallet"].mean(),
            "churn_rate": groups.apply(
                lambda g: (
                    (g["lifecycle_stage"] == "churned").sum() / max((~g["is_prospect"]).sum(), 1)
                    if (~g["is_prospect"]).any()
                    else float("nan")
                )
            ),
        }
    ).sort_index()
    assert list(got.index) == list(expected.index)
    for metric in METRICS:
        pd.testing.assert_series_equal(
            got[metric].astype(float), expected[metric].astype(float), check_names=False, rtol=1e-6, obj=metric
        )


@pytest.mark.parametrize(
    "query",
    [
        [
            "--metrics",
            "customers,share_of_revenue",
            "--group-by",
            "customer__rfm_segment",
            "--order",
            "-share_of_revenue",
        ],
        ["--metrics", "churn_rate,average_predicted_clv", "--group-by", "customer__lifecycle_stage"],
        [
            "--metrics",
            "average_share_of_wallet,net_revenue",
            "--group-by",
            "customer__value_quadrant,customer__customer_type",
        ],
    ],
)
def test_readme_example_queries_run(mf_env, query):
    env, tmp = mf_env
    out = tmp / "example.csv"
    done = _mf(env, "query", *query, "--csv", str(out))
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    frame = pd.read_csv(out)
    assert len(frame) >= 4 and not frame.empty
    readme = (PROJECT / "README.md").read_text()
    assert "mf query " + " ".join(query) in readme
