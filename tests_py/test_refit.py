"""Models are refit on a schedule, and the parameters are data (DECISIONLOG.md "Models are refit
on a schedule").

One scratch warehouse on the CI raw data is built again and again at moving as-of dates (dbt
run of the value marts): the first build fits; a build 3 days later reuses that fit (the same
parameters, one fit in each history, every mart row saying the first date); a build 7 days
after the fit refits (the histories gain a fit); the var refit and an explicit --full-refresh
refit (and the full refresh keeps the earlier fits), the full refresh `segmart build` decides on
by itself does not; `segmart backfill` of a date uses the latest fit not after it, and fits when
there is none. Pinned parameter values give lifetimes' predictions (the oracle) and fit nothing;
a fresh warehouse pinned to the published history files gives the reusing build's marts row for
row. Independent oracles: lifetimes for the predictions, numpy's quantile for the peer
quantiles, and the first build's own estimates for a reusing build. The rules themselves
(segmart.clv_step) are tested on hand-made histories.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys

import duckdb
import numpy as np
import pandas as pd
import pytest
from helpers import PROJECT, dbt_executable, lifetimes_predictions, scratch_env

from segmart import clv_step

D0 = dt.date(2025, 11, 30)
SELECTION = [
    "+customer_features",
    "+customer_lifetime_value",
    "+clv_model_parameters",
    "+clv_model_parameter_history",
    "+customer_share_of_wallet",
    "+customer_category_share_of_wallet",
    "+wallet_peer_quantile_history",
]
PARAMETERS = ["r", "alpha", "a", "b", "p", "q", "v"]
COMPARED_MARTS = ["customer_lifetime_value", "customer_share_of_wallet", "customer_category_share_of_wallet"]


# --- the rules, on hand-made histories -------------------------------------------------------


def _history(*fits) -> pd.DataFrame:
    """A history of fits: (fitted_as_of, converged, settings key) each."""
    rows = [
        {
            "fitted_as_of": day,
            "clv_method": "bg_nbd_gamma_gamma" if ok else "not_available",
            "converged": ok,
            "fit_settings": key,
            "time_unit_days": 1.0,
            "fitted_at": pd.Timestamp(day) + pd.Timedelta(hours=6),
            **dict(zip(PARAMETERS, [0.5, 10.0, 0.8, 2.0, 3.0, 4.0, 50.0])),
        }
        for day, ok, key in fits
    ]
    return clv_step.normalise_history(clv_step.typed_frame(rows, clv_step.HISTORY_COLUMNS))


def test_a_fit_is_reused_for_fewer_than_n_days_and_refit_then():
    settings = clv_step.FitSettings()
    history = _history((D0, True, settings.key))
    week = clv_step.Schedule(every_days=7)

    def reason(as_of, schedule=week, fits=history):
        return clv_step.refit_reason(fits, as_of, schedule, settings)

    assert [reason(D0 + dt.timedelta(days=n)) for n in range(8)] == [None] * 7 + ["interval"]
    assert reason(D0 - dt.timedelta(days=1)) == "no_earlier_fit"  # a backfill before every fit
    assert reason(D0, fits=clv_step.normalise_history(None)) == "no_earlier_fit"
    assert reason(D0, clv_step.Schedule(every_days=0)) == "interval"  # 0: refit every build
    assert reason(D0, clv_step.Schedule(forced=True)) == "forced"
    assert reason(D0, clv_step.Schedule(full_refresh=True)) == "full_refresh"
    pinned = clv_step.Schedule(forced=True, full_refresh=True, pin={"fitted_as_of": D0, "path": None, "values": None})
    assert reason(D0 + dt.timedelta(days=30), pinned) is None  # a pinned build never fits
    assert reason(D0, fits=_history((D0, False, settings.key))) == "last_fit_failed"
    weekly = clv_step.FitSettings(time_unit_days=7)
    assert clv_step.refit_reason(history, D0, week, weekly) == "settings_changed"


def test_scoring_uses_the_latest_fit_not_after_the_as_of_date():
    settings = clv_step.FitSettings()
    later = D0 + dt.timedelta(days=7)
    history = _history((later, True, settings.key), (D0, True, settings.key))
    week = clv_step.Schedule()
    assert clv_step.select_fit(history, D0 + dt.timedelta(days=6), week, settings)["fitted_as_of"] == D0
    chosen = clv_step.select_fit(
        history, later, week, settings, refit_fitted_at=pd.Timestamp(later) + pd.Timedelta(hours=6)
    )
    assert (chosen["fitted_as_of"], chosen["is_refit_this_build"], chosen["fit_source"]) == (later, True, "history")
    assert not clv_step.select_fit(history, later, week, settings, refit_fitted_at=pd.Timestamp(D0))[
        "is_refit_this_build"
    ]
    before = clv_step.select_fit(history, D0 - dt.timedelta(days=1), week, settings)
    assert before["clv_method"] == "not_available" and "no fit at or before" in before["failure_reason"]
    pin = clv_step.Schedule(pin=clv_step.parse_pin({"fitted_as_of": D0}))
    assert clv_step.select_fit(history, later, pin, settings)["fit_source"] == "pinned_history"
    with pytest.raises(clv_step.PinError, match="no fit fitted as of 2025-12-01"):
        clv_step.select_fit(
            history, later, clv_step.Schedule(pin=clv_step.parse_pin("{fitted_as_of: 2025-12-01}")), settings
        )


@pytest.mark.parametrize(
    ("pin", "message"),
    [
        ("[1, 2]", "must be a mapping"),
        ({"r": 1.0, "alpha": 2.0}, "needs all seven parameters; missing a, b, p, q, v"),
        ({"path": "x.parquet", **dict.fromkeys(PARAMETERS, 2.0)}, "either parameter values or a path"),
        ({"fitted": "2025-01-01"}, "unknown key"),
        ({**dict.fromkeys(PARAMETERS, 2.0), "q": 0.5}, "q = 0.5 <= 1"),
        ({**dict.fromkeys(PARAMETERS, 2.0), "r": -1}, "r must be a positive number"),
        ({"fitted_as_of": "someday"}, "is not a date"),
    ],
)
def test_a_pin_that_cannot_be_used_says_why(pin, message):
    with pytest.raises(clv_step.PinError, match=message):
        clv_step.parse_pin(pin)


def test_no_pin_and_an_empty_fit_keep_their_types():
    assert clv_step.parse_pin("null\n...\n") is None and clv_step.parse_pin(None) is None
    table = clv_step.arrow_table(clv_step.typed_frame([], clv_step.HISTORY_COLUMNS), clv_step.HISTORY_COLUMNS)
    types = {field.name: str(field.type) for field in table.schema}
    assert table.num_rows == 0
    assert (types["fitted_as_of"], types["customer_count"], types["converged"], types["fitted_at"]) == (
        "date32[day]",
        "int64",
        "bool",
        "timestamp[us]",
    )


def test_the_marts_accept_exactly_the_reasons_and_sources_the_rules_give():
    import yaml

    models = yaml.safe_load((PROJECT / "models/marts/value/_value__models.yml").read_text())["models"]

    def accepted(model: str, column: str) -> tuple:
        node = next(m for m in models if m["name"] == model)
        tests = next(c for c in node["columns"] if c["name"] == column)["data_tests"]
        return tuple(next(t["accepted_values"]["arguments"]["values"] for t in tests if "accepted_values" in t))

    assert accepted("clv_model_parameter_history", "fit_reason") == clv_step.REFIT_REASONS
    assert accepted("clv_model_parameters", "fit_source") == clv_step.FIT_SOURCES


# --- builds ----------------------------------------------------------------------------------


def _dbt(tmp, raw, database, as_of: dt.date, variables: dict | None = None, *flags: str, **env: str):
    done = subprocess.run(
        [dbt_executable(), "run", "--target", "ci", "--select", *SELECTION, *flags]
        + ["--vars", json.dumps({"as_of_date": as_of.isoformat(), **(variables or {})})],
        cwd=PROJECT,
        env=scratch_env(tmp, raw, database, **env),
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout[-3000:]


def _seed(tmp, raw, database):
    done = subprocess.run(
        [dbt_executable(), "seed", "--target", "ci"],
        cwd=PROJECT,
        env=scratch_env(tmp, raw, database),
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout[-3000:]


def _backfill(tmp, raw, database, day: dt.date):
    done = subprocess.run(
        [sys.executable, "-m", "segmart.cli", "backfill", "--from", day.isoformat(), "--to", day.isoformat()]
        + ["--no-restore", "--target", "ci"],
        cwd=PROJECT,
        env=scratch_env(tmp, raw, database),
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]


def _state(database) -> dict:
    """What a build left: the fit in use, both histories, the fit dates the marts name, the marts."""
    with duckdb.connect(str(database), read_only=True) as con:
        state = {
            "in_use": con.sql("select * from intermediate.int_clv_parameters_selected").df().iloc[0].to_dict(),
            "clv_history": con.sql("select * from intermediate.int_clv_parameters_fitted order by fitted_as_of").df(),
            "wallet_fits": con.sql("""
                select fitted_as_of, min(fit_reason) as fit_reason, count(*) as peer_groups
                from intermediate.int_wallet_peer_quantiles_fitted group by all order by 1""").df(),
            "wallet_in_use": con.sql(
                "select distinct fitted_as_of, fit_source, is_refit_this_build "
                "from intermediate.int_wallet_peer_quantiles_selected"
            ).fetchall(),
        }
        state["parameters"] = con.sql("select * from marts.clv_model_parameters").df().iloc[0].to_dict()
        state["clv_fitted_as_of"] = {
            row[0]
            for row in con.sql(
                "select distinct clv_fitted_as_of from marts.customer_lifetime_value where not is_prospect"
            ).fetchall()
        }
        state["wallet_fitted_as_of"] = {
            row[0]
            for mart in ("customer_share_of_wallet", "customer_category_share_of_wallet")
            for row in con.sql(f"select distinct wallet_peers_fitted_as_of from marts.{mart}").fetchall()
        }
        state["marts"] = {mart: con.sql(f"select * from marts.{mart}").df() for mart in COMPARED_MARTS}
        state["btyd"] = (
            con.sql("""
                select customer_id, btyd_frequency as frequency, btyd_recency as recency, btyd_t as "T",
                       btyd_monetary_value as monetary_value
                from marts.customer_features where not is_prospect order by customer_id""")
            .df()
            .set_index("customer_id")
            .astype(float)
        )
        state["active_spend"] = (
            con.sql("""
            select net_revenue_in_year_window from marts.customer_features where orders_in_year_window > 0
        """)
            .df()["net_revenue_in_year_window"]
            .astype(float)
        )
    return state


@pytest.fixture(scope="module")
def schedule(tmp_path_factory, raw_dir):
    """The scratch warehouse's builds, in order, and what each left."""
    if not (raw_dir / "orders.parquet").exists():
        pytest.skip(f"no raw data in {raw_dir}")
    tmp = tmp_path_factory.mktemp("refit")
    database = tmp / "refit.duckdb"
    _seed(tmp, raw_dir, database)
    states = {}
    for name, days, variables, flags, env in [
        ("first", 0, None, (), {}),
        ("within_interval", 3, None, (), {}),
        ("at_interval", 7, None, (), {}),
        ("forced", 8, {"refit": True}, (), {}),
        ("full_refresh", 9, None, ("--full-refresh",), {}),
        ("implicit_full_refresh", 10, None, ("--full-refresh",), {"SEGMART_IMPLICIT_FULL_REFRESH": "1"}),
    ]:
        _dbt(tmp / name, raw_dir, database, D0 + dt.timedelta(days=days), variables, *flags, **env)
        states[name] = _state(database)
    # pinned by value: the parameters given, nothing fitted even with refit true
    pinned = dict(zip(PARAMETERS, [0.6, 12.0, 0.9, 3.0, 2.5, 3.5, 40.0]))
    _dbt(tmp / "pinned", raw_dir, database, D0 + dt.timedelta(days=11), {"clv_parameters_pin": pinned, "refit": True})
    states["pinned_values"] = {**_state(database), "pin": pinned}
    from segmart.build import publish

    publish(database, tmp / "published")
    # backfills: a date between fits, then one before every fit
    _backfill(tmp / "backfill-between", raw_dir, database, D0 + dt.timedelta(days=5))
    states["backfill_between"] = _state(database)
    _backfill(tmp / "backfill-before", raw_dir, database, D0 - dt.timedelta(days=30))
    states["backfill_before"] = _state(database)
    return {"tmp": tmp, "states": states, "published": tmp / "published", "raw": raw_dir}


def _fit_dates(state) -> list[dt.date]:
    return [pd.Timestamp(day).date() for day in state["clv_history"]["fitted_as_of"]]


def _wallet_dates(state) -> list[dt.date]:
    return [pd.Timestamp(day).date() for day in state["wallet_fits"]["fitted_as_of"]]


def test_the_first_build_fits_and_the_marts_say_so(schedule):
    first = schedule["states"]["first"]
    assert _fit_dates(first) == [D0] and _wallet_dates(first) == [D0]
    assert first["clv_history"]["fit_reason"].tolist() == ["no_earlier_fit"]
    parameters = first["parameters"]
    assert (parameters["fitted_as_of"].date(), parameters["fit_source"], parameters["is_refit_this_build"]) == (
        D0,
        "history",
        True,
    )
    assert first["clv_fitted_as_of"] == {D0} and first["wallet_fitted_as_of"] == {D0}
    assert first["wallet_in_use"] == [(D0, "history", True)]


def test_the_peer_quantiles_are_numpys(schedule):
    """Oracle: numpy's (linear) quantile of the 12-month spend of the customers active at D0 is
    the fit's whole-base peer quantile, and their number its size."""
    first = schedule["states"]["first"]
    spend = first["active_spend"]
    with duckdb.connect(str(schedule["tmp"] / "refit.duckdb"), read_only=True) as con:
        size, quantile, level = con.sql(f"""
            select peer_group_size, peer_quantile, wallet_quantile from intermediate.int_wallet_peer_quantiles_fitted
            where fitted_as_of = '{D0}' and wallet_scope = 'customer' and peer_level = 'all'""").fetchall()[0]
    assert size == len(spend) > 1000
    assert quantile == pytest.approx(np.quantile(spend.to_numpy(), level), rel=1e-12)


def test_a_build_within_the_interval_reuses_both_fits(schedule):
    first, second = schedule["states"]["first"], schedule["states"]["within_interval"]
    assert _fit_dates(second) == [D0] and _wallet_dates(second) == [D0]  # one fit in each history
    assert second["parameters"]["as_of_date"].date() == D0 + dt.timedelta(days=3)
    assert second["parameters"]["fitted_as_of"].date() == D0
    assert not second["parameters"]["is_refit_this_build"]
    for name in PARAMETERS:
        assert second["parameters"][name] == first["parameters"][name], name
    assert second["clv_fitted_as_of"] == {D0} and second["wallet_fitted_as_of"] == {D0}
    assert second["wallet_in_use"] == [(D0, "history", False)]
    # the same peer quantiles: every customer's estimate is the first build's (oracle: that build)
    ours = second["marts"]["customer_share_of_wallet"].set_index("customer_id")["estimated_wallet"]
    theirs = first["marts"]["customer_share_of_wallet"].set_index("customer_id")["estimated_wallet"]
    both = ours.index.intersection(theirs.index)
    pd.testing.assert_series_equal(ours.loc[both], theirs.loc[both])


def test_reused_parameters_predict_as_lifetimes_given_them(schedule):
    """The reusing build scores its own (later) BTYD summary with the first fit's parameters:
    lifetimes' predictions given those parameters (the oracle)."""
    first, second = schedule["states"]["first"], schedule["states"]["within_interval"]
    _assert_lifetimes(second, first["parameters"])


def _assert_lifetimes(state, parameters):
    btyd = state["btyd"]
    ours = state["marts"]["customer_lifetime_value"].set_index("customer_id").loc[btyd.index]
    for column, values in lifetimes_predictions(btyd, parameters).items():
        np.testing.assert_allclose(
            ours[column].to_numpy(dtype=float), np.asarray(values, dtype=float), rtol=1e-6, atol=1e-9, err_msg=column
        )


def test_a_build_at_the_interval_refits(schedule):
    first, refit = schedule["states"]["first"], schedule["states"]["at_interval"]
    day = D0 + dt.timedelta(days=7)
    assert _fit_dates(refit) == [D0, day] and _wallet_dates(refit) == [D0, day]
    assert refit["clv_history"]["fit_reason"].tolist()[-1] == "interval"
    assert refit["wallet_fits"]["fit_reason"].tolist()[-1] == "interval"
    assert (refit["parameters"]["fitted_as_of"].date(), refit["parameters"]["is_refit_this_build"]) == (day, True)
    assert refit["clv_fitted_as_of"] == {day} and refit["wallet_fitted_as_of"] == {day}
    # a refit on a week more of data moves the parameters and some estimates: reuse was not a refit
    assert refit["parameters"]["r"] != first["parameters"]["r"]
    ours = refit["marts"]["customer_share_of_wallet"].set_index("customer_id")["estimated_wallet"]
    theirs = first["marts"]["customer_share_of_wallet"].set_index("customer_id")["estimated_wallet"]
    both = ours.index.intersection(theirs.index)
    assert (ours.loc[both].fillna(-1) != theirs.loc[both].fillna(-1)).any()


def test_the_refit_var_and_an_explicit_full_refresh_refit_and_keep_earlier_fits(schedule):
    states = schedule["states"]
    days = [D0 + dt.timedelta(days=n) for n in (0, 7, 8, 9)]
    assert _fit_dates(states["forced"]) == days[:3] and _wallet_dates(states["forced"]) == days[:3]
    assert states["forced"]["clv_history"]["fit_reason"].tolist()[-1] == "forced"
    assert states["forced"]["wallet_fits"]["fit_reason"].tolist()[-1] == "forced"
    assert _fit_dates(states["full_refresh"]) == days and _wallet_dates(states["full_refresh"]) == days
    assert states["full_refresh"]["clv_history"]["fit_reason"].tolist()[-1] == "full_refresh"
    assert states["full_refresh"]["wallet_fits"]["fit_reason"].tolist()[-1] == "full_refresh"
    # the earlier fits are kept as they were
    pd.testing.assert_frame_equal(states["full_refresh"]["clv_history"].iloc[:3], states["forced"]["clv_history"])
    # segmart build's own full refresh (SEGMART_IMPLICIT_FULL_REFRESH) rebuilds, but reuses the fit
    implicit = states["implicit_full_refresh"]
    assert _fit_dates(implicit) == days and _wallet_dates(implicit) == days
    assert implicit["parameters"]["fitted_as_of"].date() == days[-1]
    assert not implicit["parameters"]["is_refit_this_build"]


def test_pinned_values_predict_as_lifetimes_and_fit_nothing(schedule):
    state = schedule["states"]["pinned_values"]
    parameters = state["parameters"]
    assert parameters["fit_source"] == "pinned_values" and not parameters["is_refit_this_build"]
    assert [parameters[name] for name in PARAMETERS] == [state["pin"][name] for name in PARAMETERS]
    assert len(state["clv_history"]) == len(schedule["states"]["implicit_full_refresh"]["clv_history"])
    _assert_lifetimes(state, state["pin"])


def test_a_backfill_uses_the_latest_fit_not_after_its_date(schedule):
    states = schedule["states"]
    fits_before = _fit_dates(states["pinned_values"])
    between = states["backfill_between"]
    assert between["in_use"]["fitted_as_of"].date() == D0  # not the later fits of D0 + 7, 8, 9
    assert between["in_use"]["as_of_date"].date() == D0 + dt.timedelta(days=5)
    assert _fit_dates(between) == fits_before
    assert {day for day, _, _ in between["wallet_in_use"]} == {D0}
    before = states["backfill_before"]
    earlier = D0 - dt.timedelta(days=30)
    assert before["in_use"]["fitted_as_of"].date() == earlier and before["in_use"]["is_refit_this_build"]
    assert _fit_dates(before) == [earlier, *fits_before]
    assert before["clv_history"]["fit_reason"].tolist()[0] == "no_earlier_fit"
    assert {day for day, _, _ in before["wallet_in_use"]} == {earlier}


def test_a_fresh_warehouse_pinned_to_the_published_fits_equals_the_reusing_build(schedule, tmp_path):
    """The contract the pin exists for: a fresh warehouse, built as of the reusing build's date
    with both fits pinned to the first build's (from the published history files), gives that
    build's value marts row for row."""
    database = tmp_path / "fresh.duckdb"
    raw, published = schedule["raw"], schedule["published"]
    _seed(tmp_path, raw, database)
    pins = {
        "clv_parameters_pin": {"path": str(published / "clv_model_parameter_history.parquet"), "fitted_as_of": str(D0)},
        # no fitted_as_of: the file's latest fit not after the as-of date (D0 + 3), the first one
        "wallet_peers_pin": {"path": str(published / "wallet_peer_quantile_history.parquet")},
    }
    _dbt(tmp_path, raw, database, D0 + dt.timedelta(days=3), pins, "--full-refresh")
    fresh, reused = _state(database), schedule["states"]["within_interval"]
    assert len(fresh["clv_history"]) == 0 and len(fresh["wallet_fits"]) == 0  # nothing fitted
    assert (fresh["parameters"]["fit_source"], fresh["parameters"]["fitted_as_of"].date()) == ("pinned_file", D0)
    assert fresh["wallet_in_use"] == [(D0, "pinned_file", False)]
    for name in PARAMETERS:
        assert fresh["parameters"][name] == reused["parameters"][name], name
    for mart in COMPARED_MARTS:
        ours, theirs = fresh["marts"][mart], reused["marts"][mart]
        key = ours.columns[0]
        pd.testing.assert_frame_equal(
            ours.sort_values(key).reset_index(drop=True), theirs.sort_values(key).reset_index(drop=True), obj=mart
        )


def test_a_pin_that_names_no_fit_stops_the_build_and_says_which(schedule, tmp_path):
    import shutil

    database = tmp_path / "copy.duckdb"
    shutil.copyfile(schedule["tmp"] / "refit.duckdb", database)
    pins = {"clv_parameters_pin": {"fitted_as_of": "2000-01-01"}, "wallet_peers_pin": {"fitted_as_of": "2000-01-01"}}
    done = subprocess.run(
        [dbt_executable(), "run", "--target", "ci", "--select", *SELECTION, "--vars", json.dumps(pins)],
        cwd=PROJECT,
        env=scratch_env(tmp_path, schedule["raw"], database),
        capture_output=True,
        text=True,
    )
    assert done.returncode != 0
    assert "var clv_parameters_pin: no fit fitted as of 2000-01-01 in int_clv_parameters_fitted" in done.stdout
    assert "var wallet_peers_pin: no fit fitted as of 2000-01-01 in the history" in done.stdout


UPGRADED = (
    "int_clv_parameters_fitted",
    "int_clv_parameters_selected",
    "clv_model_parameters",
    "clv_model_parameter_history",
)


def test_a_warehouse_from_before_fits_were_kept_starts_its_history(warehouse, raw_dir, tmp_path):
    """Upgrade: int_clv_parameters_fitted was a one-row table of the last build's fit (as_of_date,
    no fitted_as_of). The next build keeps it incremental: the old row goes, its columns follow
    the history's, and the history starts with this build's fit."""
    import os
    import shutil

    database = tmp_path / "upgraded.duckdb"
    shutil.copyfile(os.environ.get("SEGMART_DUCKDB_PATH", ".ci-work/ci.duckdb"), database)
    legacy = ", ".join(["as_of_date", *clv_step.FIT_COLUMNS])
    with duckdb.connect(str(database)) as con:
        con.execute(
            "create or replace table intermediate.int_clv_parameters_fitted as "
            f"select {legacy} from marts.clv_model_parameters"
        )
        as_of = con.sql("select as_of_date from intermediate.int_as_of_date_resolved").fetchall()[0][0]
    done = subprocess.run(
        [dbt_executable(), "run", "--target", "ci", "--select", *UPGRADED],
        cwd=PROJECT,
        env=scratch_env(tmp_path, raw_dir, database),
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout[-3000:]
    with duckdb.connect(str(database), read_only=True) as con:
        history = con.sql("select * from intermediate.int_clv_parameters_fitted").df()
        in_use = con.sql("select fitted_as_of, is_refit_this_build from marts.clv_model_parameters").fetchall()
    assert sorted(history.columns) == sorted(clv_step.HISTORY_COLUMNS)  # as_of_date dropped, the new ones added
    assert history["fit_reason"].tolist() == ["no_earlier_fit"]
    assert in_use == [(as_of, True)]
