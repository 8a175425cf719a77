"""Predictive CLV against lifetimes (the oracle): fitted parameters within 1%; given the same
parameters, every prediction equal to lifetimes' to 1e-6; failed fits are caught."""

from __future__ import annotations

import subprocess

import duckdb
import numpy as np
import pytest
from helpers import PROJECT, dbt_executable, lifetimes_predictions, scratch_env
from lifetimes import BetaGeoFitter, GammaGammaFitter

from segmart import clv, clv_step


@pytest.fixture(scope="module")
def btyd(warehouse):
    return (
        warehouse.sql("""
        select customer_id, btyd_frequency as frequency, btyd_recency as recency, btyd_t as "T",
               btyd_monetary_value as monetary_value
        from marts.customer_features where not is_prospect order by customer_id
    """)
        .df()
        .set_index("customer_id")
        .astype(float)
    )


@pytest.fixture(scope="module")
def parameters(warehouse):
    return warehouse.sql("select * from marts.clv_model_parameters").df().iloc[0]


def test_fitted_parameters_within_one_percent_of_lifetimes(btyd, parameters):
    assert parameters["converged"]
    bgf = BetaGeoFitter().fit(btyd["frequency"], btyd["recency"], btyd["T"])
    repeat = btyd[(btyd["frequency"] > 0) & (btyd["monetary_value"] > 0)]
    ggf = GammaGammaFitter().fit(repeat["frequency"], repeat["monetary_value"])
    for name, value in {**bgf.params_.to_dict(), **ggf.params_.to_dict()}.items():
        assert parameters[name] == pytest.approx(value, rel=0.01), name
    assert parameters["customer_count"] == len(btyd)
    assert parameters["repeat_customer_count"] == int((btyd["frequency"] > 0).sum())


def test_predictions_equal_lifetimes_given_the_same_parameters(warehouse, btyd, parameters):
    ours = (
        warehouse.sql("""
        select customer_id, p_alive, expected_purchases_short_horizon, expected_purchases_prediction_horizon,
               expected_order_value, predicted_clv
        from marts.customer_lifetime_value where not is_prospect order by customer_id
    """)
        .df()
        .set_index("customer_id")
    )
    assert list(ours.index) == list(btyd.index)
    expected = lifetimes_predictions(btyd, parameters)
    for column, values in expected.items():
        np.testing.assert_allclose(
            ours[column].to_numpy(), np.asarray(values, dtype=float), rtol=1e-6, atol=1e-9, err_msg=column
        )


def test_gradients_match_finite_differences(btyd):
    from scipy.optimize import approx_fprime

    x, t_x, T, m = (btyd[c].to_numpy() for c in ["frequency", "recency", "T", "monetary_value"])
    point = np.array([0.7, 25.0, 1.3, 6.0])
    analytic = clv.bg_nbd_log_likelihood(point, x, t_x, T, with_gradient=True)[1].sum(axis=1)
    numeric = approx_fprime(point, lambda p: clv.bg_nbd_log_likelihood(p, x, t_x, T).sum(), 1e-6)
    np.testing.assert_allclose(analytic, numeric, rtol=1e-4)
    repeat = (x > 0) & (m > 0)
    point = np.array([2.0, 3.0, 50.0])
    analytic = clv.gamma_gamma_log_likelihood(point, x[repeat], m[repeat], with_gradient=True)[1].sum(axis=1)
    numeric = approx_fprime(point, lambda p: clv.gamma_gamma_log_likelihood(p, x[repeat], m[repeat]).sum(), 1e-6)
    np.testing.assert_allclose(analytic, numeric, rtol=1e-4)


def test_degenerate_data_are_refused_with_a_reason():
    rng = np.random.default_rng(1)
    n = 2000
    T = rng.uniform(50, 500, n)
    # everybody bought on the last day: no one ever drops out, so BG/NBD has no interior optimum
    result = clv.fit(rng.integers(1, 20, n).astype(float), T.copy(), T, rng.uniform(10, 100, n))
    assert not result.converged and "did not converge" in result.failure_reason
    # too few repeat buyers to fit at all
    result = clv.fit(np.zeros(100), np.zeros(100), np.full(100, 30.0), np.zeros(100), min_repeat_customers=50)
    assert not result.converged and "only 0 customers with repeat purchases" in result.failure_reason


def _build_value_marts(tmp_path, raw_dir, variables: str):
    return subprocess.run(
        [
            dbt_executable(),
            "run",
            "--target",
            "ci",
            "--select",
            "+customer_lifetime_value",
            "+clv_model_parameters",
            "--vars",
            variables,
        ],
        cwd=PROJECT,
        env=scratch_env(tmp_path, raw_dir, tmp_path / "value.duckdb"),
        capture_output=True,
        text=True,
    )


def test_failed_fit_fails_the_build_by_default_and_degrades_with_warn(tmp_path, raw_dir):
    if not (raw_dir / "orders.parquet").exists():
        pytest.skip(f"no raw data in {raw_dir}")
    subprocess.run(
        [dbt_executable(), "seed", "--target", "ci"],
        cwd=PROJECT,
        env=scratch_env(tmp_path, raw_dir, tmp_path / "value.duckdb"),
        check=True,
        capture_output=True,
    )
    failing = _build_value_marts(tmp_path, raw_dir, "{clv_min_repeat_customers: 100000000}")
    assert failing.returncode != 0
    assert "CLV model fit failed: only" in failing.stdout and "clv_fit_failure: warn" in failing.stdout

    degraded = _build_value_marts(tmp_path, raw_dir, "{clv_min_repeat_customers: 100000000, clv_fit_failure: warn}")
    assert degraded.returncode == 0, degraded.stdout[-3000:]
    con = duckdb.connect(str(tmp_path / "value.duckdb"), read_only=True)
    params = con.sql("select converged, clv_method, failure_reason from marts.clv_model_parameters").fetchall()
    assert params[0][0] is False and params[0][1] == "not_available" and "repeat purchases" in params[0][2]
    counts = con.sql("""
        select count(*), count(predicted_clv), count(p_alive), count(discounted_clv),
               count(*) filter (where clv_method = 'not_available')
        from marts.customer_lifetime_value where not is_prospect
    """).fetchall()[0]
    assert counts[0] > 0 and counts[1] == 0 and counts[2] == 0
    assert counts[3] > 0 and counts[4] == counts[0]


def test_expected_purchases_where_the_hypergeometric_term_is_negative():
    """With a + b + x − 1 < 0 (little dropout, no repeat purchase yet) 2F1 is negative: its
    logarithm was NaN and the 365-day prediction NULL. Oracle: FHL 2005 eq. 10 with 2F1 summed as
    its power series in plain Python."""
    import numpy as np

    from segmart.clv import BgNbdParams, expected_purchases

    r, alpha, a, b, t, T = 0.42209, 50.847523, 0.018325, 0.311206, 365.0, 128.0
    big_a, big_b, big_c, z = r, b, a + b - 1, t / (alpha + T + t)
    series, term = 0.0, 1.0
    for n in range(3000):
        series += term
        term *= (big_a + n) * (big_b + n) / ((big_c + n) * (n + 1)) * z
    expected = (a + b - 1) / (a - 1) * (1 - ((alpha + T) / (alpha + t + T)) ** r * series)
    got = expected_purchases(
        BgNbdParams(r=r, alpha=alpha, a=a, b=b), t, np.array([0.0]), np.array([0.0]), np.array([T])
    )
    assert series < 0
    assert abs(got[0] - expected) < 1e-9


def test_a_weighted_fit_on_condensed_rows_equals_the_fit_on_every_customer_and_lifetimes(btyd):
    """Observation weights (how many customers share a row): the fit on the distinct (x, t_x, T)
    rows with their counts equals our fit on one row per customer, and lifetimes' weighted fit on
    the same condensed rows (its `weights`, the oracle) within 1%."""
    full = clv.fit(btyd["frequency"], btyd["recency"], btyd["T"], btyd["monetary_value"])
    assert full.converged
    # BG/NBD on the distinct (x, t_x, T) with counts
    bg_rows = btyd.groupby(["frequency", "recency", "T"]).size().rename("weight").reset_index()
    assert len(bg_rows) < len(btyd)  # customers do share rows: the weights are not all 1
    bg, bg_ll, bg_ok, _ = clv.fit_bg_nbd(
        bg_rows["frequency"], bg_rows["recency"], bg_rows["T"], weights=bg_rows["weight"]
    )
    assert bg_ok
    for name in ["r", "alpha", "a", "b"]:
        assert getattr(bg, name) == pytest.approx(getattr(full.bg_nbd, name), rel=1e-4), name
    assert bg_ll == pytest.approx(full.bg_nbd_log_likelihood, rel=1e-9)
    oracle = BetaGeoFitter().fit(bg_rows["frequency"], bg_rows["recency"], bg_rows["T"], weights=bg_rows["weight"])
    for name, value in oracle.params_.to_dict().items():
        assert getattr(bg, name) == pytest.approx(value, rel=0.01), name
    # Gamma-Gamma on the distinct (x, m) of repeat buyers with counts
    repeat = btyd[(btyd["frequency"] > 0) & (btyd["monetary_value"] > 0)]
    gg_rows = repeat.groupby(["frequency", "monetary_value"]).size().rename("weight").reset_index()
    gg, _, gg_ok, _ = clv.fit_gamma_gamma(gg_rows["frequency"], gg_rows["monetary_value"], weights=gg_rows["weight"])
    assert gg_ok
    gg_oracle = GammaGammaFitter().fit(gg_rows["frequency"], gg_rows["monetary_value"], weights=gg_rows["weight"])
    for name, value in gg_oracle.params_.to_dict().items():
        assert getattr(gg, name) == pytest.approx(getattr(full.gamma_gamma, name), rel=1e-4), name
        assert getattr(gg, name) == pytest.approx(value, rel=0.01), name
    # the whole fit with weights: the same parameters and customer counts as on every customer
    condensed = btyd.groupby(["frequency", "recency", "T", "monetary_value"]).size().rename("weight").reset_index()
    weighted = clv.fit(
        condensed["frequency"],
        condensed["recency"],
        condensed["T"],
        condensed["monetary_value"],
        weights=condensed["weight"],
    )
    assert weighted.converged
    assert (weighted.customer_count, weighted.repeat_customer_count) == (
        full.customer_count,
        full.repeat_customer_count,
    )
    with pytest.raises(ValueError, match="weights"):
        clv.fit_bg_nbd(bg_rows["frequency"], bg_rows["recency"], bg_rows["T"], weights=-bg_rows["weight"])


SUMMARY = "intermediate.int_customer_btyd_summarised"


def test_the_condensed_rows_an_engine_hands_the_fit_are_pandas_counts_of_the_summary(warehouse, btyd):
    """clv_step's SQL (what the DuckDB model and the Spark step run) on the BTYD summary gives the
    distinct (x, t_x, T) and (x, m) rows with their customer counts that pandas counts on the
    customer_features mart, in a fixed order; and the mart's parameters are the fit on them."""
    bg_sql, gg_sql = clv_step.condensed_queries(SUMMARY)
    bg, gg = warehouse.sql(bg_sql).df(), warehouse.sql(gg_sql).df()
    expected_bg = btyd.groupby(["frequency", "recency", "T"]).size().reset_index()
    np.testing.assert_array_equal(bg[["x", "t_x", "big_t", "customers"]].to_numpy(dtype=float), expected_bg.to_numpy())
    repeat = btyd[(btyd["frequency"] > 0) & (btyd["monetary_value"] > 0)]
    expected_gg = repeat.groupby(["frequency", "monetary_value"]).size().reset_index()
    np.testing.assert_allclose(gg[["x", "m", "customers"]].to_numpy(dtype=float), expected_gg.to_numpy(), rtol=1e-12)
    assert bg["customers"].sum() == len(btyd) and gg["customers"].sum() == len(repeat)
    assert len(bg) < len(btyd)  # condensing does collapse rows


def test_a_seeded_sample_is_the_customers_md5_picks_and_fits_like_lifetimes_on_them(warehouse, btyd):
    """Above clv_fit_max_customers the fit uses the buyers whose md5(customer_id | seed) is below
    the sample share: the same customers as Python's hashlib picks (the oracle), about the share
    asked for, and the fit on them is lifetimes' fit on those customers within 1%."""
    import hashlib
    import math

    seed, wanted = 7, len(btyd) // 2
    fraction = clv_step.sample_fraction(len(btyd), wanted)
    threshold = math.ceil(fraction * 16**8)
    expected = sorted(c for c in btyd.index if int(hashlib.md5(f"{c}|{seed}".encode()).hexdigest()[:8], 16) < threshold)
    picked = warehouse.sql(
        f"select customer_id from {SUMMARY} where {clv_step.sample_condition(fraction, seed)} order by 1"
    ).df()["customer_id"]
    assert list(picked) == expected
    assert abs(len(expected) - wanted) < 4 * math.sqrt(wanted)
    settings = clv_step.FitSettings(on_failure="error", min_repeat_customers=50, max_customers=wanted, sample_seed=seed)
    row = clv_step.fit_parameters(lambda sql: warehouse.sql(sql).df(), SUMMARY, settings, "2025-12-31").iloc[0]
    assert row["fit_sample_fraction"] == pytest.approx(0.5, abs=1e-3)
    assert row["customer_count"] == len(expected)
    sample = btyd.loc[expected]
    oracle = BetaGeoFitter().fit(sample["frequency"], sample["recency"], sample["T"])
    for name, value in oracle.params_.to_dict().items():
        assert row[name] == pytest.approx(value, rel=0.01), name
    # nothing sampled up to the limit
    assert clv_step.sample_fraction(len(btyd), len(btyd)) == 1.0
    assert clv_step.sample_condition(1.0, seed) == "true"


def test_scoring_gives_null_predictions_for_a_fit_that_is_not_usable(btyd):
    buyers = btyd.head(5).reset_index()
    buyers.columns = clv_step.SUMMARY_COLUMNS
    out = clv_step.score(
        buyers, {"converged": False, "clv_method": "not_available", "time_unit_days": 1.0}, clv_step.ScoreSettings()
    )
    assert list(out.columns) == list(clv_step.PREDICTION_COLUMNS)
    assert out["predicted_clv"].isna().all() and (out["clv_method"] == "not_available").all()
    assert list(out["customer_id"]) == list(buyers["customer_id"])
