"""A user's own data, end to end: `segmart import` → `segmart build` (every dbt test) → marts, on
three exports that tests_py/exports.py writes: an orders-only log (customer, date, amount, with
refund rows), an Online-Retail-shaped line export (cancellations, guest lines, a repeated header)
and a Shopify-shaped export in USD and New York time with refunds and discounts.

Every figure is checked against pandas on the export itself (never against the importer or the
warehouse): net revenue to the cent, customers, purchases per customer (returns are not
purchases), business dates in the shop's time zone; and the marts hold every value tier, the
lifecycle stages the data holds, and no NULL label."""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from exports import online_retail_export, orders_only_log, shopify_export
from helpers import PROJECT, scratch_env

SEGMART = str(Path(sys.executable).with_name("segmart"))


def _run(command: list[str], env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([SEGMART, *command], cwd=PROJECT, env=env, capture_output=True, text=True)


def _import_and_build(tmp: Path, export: Path, import_args: list[str]) -> dict:
    raw = tmp / "raw"
    env = scratch_env(
        tmp,
        raw_dir=raw,
        database=tmp / "warehouse.duckdb",
        SEGMART_PUBLISH_DIR=str(tmp / "published"),
        SEGMART_HOME=str(tmp / "home"),
        HOME=str(tmp / "home"),
    )
    env.pop("SEGMART_PII_SALT", None)
    env.pop("SEGMART_REPORTING_CURRENCY", None)
    env.pop("SEGMART_BUSINESS_TIMEZONE", None)
    imported = _run(["import", *import_args, "--out", str(raw)], env)
    assert imported.returncode == 0, imported.stdout + imported.stderr
    built = _run(["build", "--target", "ci"], env)
    assert built.returncode == 0, built.stdout[-4000:] + built.stderr[-4000:]
    return {
        "database": tmp / "warehouse.duckdb",
        "raw": raw,
        "export": export,
        "import_output": imported.stdout,
        "build_output": built.stdout,
    }


def _cents(value) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


# --- the three exports, imported and built once each -----------------------------------------


@pytest.fixture(scope="module")
def orders_only(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("orders_only")
    export = orders_only_log(tmp, n_customers=500)
    frame = pd.read_csv(export, dtype=str, keep_default_na=False)
    amount = frame["amount"].map(Decimal)
    oracle = {
        "net_revenue": sum(amount, Decimal(0)),
        "customers": frame["customer"].nunique(),
        "purchases": frame[amount > 0].groupby("customer").size(),
        "first_purchase": frame[amount > 0].groupby("customer")["date"].min(),
    }
    built = _import_and_build(
        tmp,
        export,
        ["--orders", str(export), "--customer-col", "customer", "--date-col", "date", "--amount-col", "amount"],
    )
    return {**built, "oracle": oracle, "currency": "CNY"}


@pytest.fixture(scope="module")
def online_retail(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("online_retail")
    export = online_retail_export(tmp, n_lines=6000, repeat_header=True)
    # a customer whose cancellation is larger than what they bought (net revenue < 0: the real
    # export has such customers, whose purchase predates it)
    with open(export, "a") as handle:
        handle.write(
            "581001,22423,REGENCY CAKESTAND,2,11/20/2011 10:00,12.75,99901.0,United Kingdom\n"
            "C581002,22423,REGENCY CAKESTAND,-5,11/21/2011 11:00,12.75,99901.0,United Kingdom\n"
        )
    frame = pd.read_csv(export, dtype=str, keep_default_na=False)
    frame = frame[frame["InvoiceNo"] != "InvoiceNo"]  # the repeated header line
    frame = frame[frame["CustomerID"].str.strip() != ""].copy()  # guests are not customers
    frame["customer"] = frame["CustomerID"].map(lambda text: str(int(float(text))))
    frame["amount"] = frame["Quantity"].map(Decimal) * frame["UnitPrice"].map(Decimal)
    invoices = frame.groupby(["InvoiceNo", "customer"], as_index=False)["amount"].sum()
    bought = invoices[~invoices["InvoiceNo"].str.startswith("C") & (invoices["amount"] > 0)]
    dates = frame.drop_duplicates("InvoiceNo").set_index("InvoiceNo")["InvoiceDate"]
    bought = bought.assign(
        day=bought["InvoiceNo"]
        .map(dates)
        .map(lambda text: pd.to_datetime(text, format="%m/%d/%Y %H:%M").date().isoformat())
    )
    oracle = {
        "net_revenue": sum(frame["amount"], Decimal(0)),
        "customers": frame["customer"].nunique(),
        "purchases": bought.groupby("customer").size(),
        "first_purchase": bought.groupby("customer")["day"].min(),
    }
    built = _import_and_build(tmp, export, ["--preset", "online-retail", "--orders", str(export)])
    return {**built, "oracle": oracle, "currency": "GBP"}


def test_a_customer_whose_returns_exceed_purchases_builds(online_retail):
    """Net revenue −38.25 (2 bought, 5 cancelled at 12.75): one purchase, average order value of
    the purchase 25.50, and the Pareto curve still ends at 1."""
    row = _query(
        online_retail,
        "select net_revenue, order_count, avg_order_value from marts.customer_features where customer_id = '99901'",
    ).iloc[0]
    assert (_cents(row["net_revenue"]), row["order_count"], _cents(row["avg_order_value"])) == (
        Decimal("-38.25"),
        1,
        Decimal("25.50"),
    )
    last = _query(
        online_retail, "select cumulative_revenue_share from marts.pareto_curve where customer_percentile = 100"
    )
    assert abs(last["cumulative_revenue_share"][0] - 1) < 1e-9


@pytest.fixture(scope="module")
def shopify(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("shopify")
    export = shopify_export(tmp, n_orders=1200)
    frame = pd.read_csv(export, dtype=str, keep_default_na=False)
    frame["line"] = frame["Lineitem quantity"].map(Decimal) * frame["Lineitem price"].map(Decimal)
    orders = (
        frame.groupby("Name")
        .agg(line=("line", "sum"))
        .join(
            frame[frame["Email"] != ""].set_index("Name")[["Email", "Created at", "Discount Amount", "Refunded Amount"]]
        )
    )
    orders["net"] = orders["line"] - orders["Discount Amount"].map(Decimal) - orders["Refunded Amount"].map(Decimal)
    orders["email"] = orders["Email"].str.strip().str.lower()
    # "Created at" is the shop's local time with its offset: the business date is its date part
    orders["day"] = orders["Created at"].str[:10]
    bought = orders[orders["net"] > 0]
    oracle = {
        "net_revenue": sum(orders["net"], Decimal(0)),
        "customers": orders["email"].nunique(),
        "purchases": bought.groupby("email").size(),
        "first_purchase": bought.groupby("email")["day"].min(),
    }
    built = _import_and_build(
        tmp, export, ["--preset", "shopify", "--orders", str(export), "--timezone", "America/New_York"]
    )
    return {**built, "oracle": oracle, "currency": "USD"}


EXPORTS = ["orders_only", "online_retail", "shopify"]


@pytest.fixture(params=EXPORTS)
def built(request):
    return request.getfixturevalue(request.param)


def _query(built: dict, sql: str) -> pd.DataFrame:
    with duckdb.connect(str(built["database"]), read_only=True) as con:
        return con.sql(sql).df()


# --- reconciliation against pandas ------------------------------------------------------------


def test_net_revenue_reconciles_to_the_cent(built):
    marts = _query(built, "select sum(net_revenue) as revenue from marts.customer_features")
    segments = _query(built, "select sum(net_revenue) as revenue from marts.customer_segments")
    expected = _cents(built["oracle"]["net_revenue"])
    assert _cents(marts["revenue"][0]) == expected
    assert _cents(segments["revenue"][0]) == expected


def test_customer_count_matches_the_export(built):
    count = _query(built, "select count(*) as n from marts.customer_segments")["n"][0]
    assert count == built["oracle"]["customers"]


def test_returns_are_not_purchases(built):
    """order_count per customer = the export's orders with a positive total (cancellations,
    refund rows and fully refunded orders are not purchases), for every customer."""
    expected = built["oracle"]["purchases"].sort_values()
    marts = _query(built, "select customer_id, order_count from marts.customer_features where order_count > 0")
    if built is not None and "shopify" in str(built["export"]):
        # customer ids are pseudonymised e-mails: compare the multiset of counts
        assert sorted(marts["order_count"].tolist()) == sorted(expected.tolist())
    else:
        got = marts.set_index("customer_id")["order_count"].sort_index()
        assert got.to_dict() == expected.sort_index().to_dict()


def test_business_dates_are_the_shops_local_dates(built):
    expected = sorted(built["oracle"]["first_purchase"].tolist())
    got = _query(
        built,
        "select strftime(first_order_date, '%Y-%m-%d') as day from marts.customer_features "
        "where first_order_date is not null",
    )
    assert sorted(got["day"].tolist()) == expected


def test_reporting_currency_is_the_exports(built):
    manifest = json.loads((built["raw"] / "_manifest.json").read_text())
    assert manifest["settings"]["reporting_currency"] == built["currency"]


# --- segments ---------------------------------------------------------------------------------


def test_every_value_tier_is_found(built):
    tiers = set(
        _query(built, "select distinct value_tier from marts.customer_segments where not is_prospect")["value_tier"]
    )
    assert tiers == {"platinum", "gold", "iron", "lead"}


def test_lifecycle_stages_the_data_holds(built):
    """new: a first purchase within the last 90 days (lifecycle_new_days; within N days = 0 <= days
    < N, the as-of date being day 0); churned: customers whose
    last purchase is over a year old and who bought once (no rhythm stretches their threshold);
    active: repeat buyers who bought in the last 90 days."""
    features = _query(built, "select * from marts.customer_features where order_count > 0")
    stages = set(_query(built, "select distinct lifecycle_stage from marts.customer_segments")["lifecycle_stage"])
    as_of = features["as_of_date"].max()
    days_since_first = (as_of - features["first_order_date"]).dt.days
    days_since_last = (as_of - features["last_order_date"]).dt.days
    if (days_since_first < 90).any():
        assert "new" in stages
    if ((days_since_last > 365 * 2) & (features["order_count"] == 1)).any():
        assert "churned" in stages
    if ((days_since_last <= 30) & (features["order_count"] >= 3) & (days_since_first >= 90)).any():
        assert "active" in stages or "reactivated" in stages


def test_no_label_is_null(built):
    columns = _query(
        built,
        "select column_name from information_schema.columns where table_schema = 'marts' "
        "and table_name = 'customer_segments' and column_name like '%label%'",
    )["column_name"]
    assert len(columns) >= 8
    nulls = _query(
        built, "select " + ", ".join(f"count(*) - count({c}) as {c}" for c in columns) + " from marts.customer_segments"
    ).iloc[0]
    assert nulls.sum() == 0, nulls[nulls > 0].to_dict()


def test_report_labels_money_in_the_reporting_currency(shopify, tmp_path):
    """Every amount the report shows is in the export's currency (USD), none in CNY."""
    env = scratch_env(tmp_path)
    published = Path(shopify["database"]).parent / "published"
    done = _run(["report", "--out", str(tmp_path / "report"), "--published", str(published), "--quiet"], env)
    assert done.returncode == 0, done.stdout + done.stderr
    html = (tmp_path / "report" / "index.html").read_text()
    assert "USD" in html
    assert "CNY" not in html and "元" not in html
    assert "scores by gapless_quantile" in html  # the RFM grid names its scoring


def test_rfm_frequency_uses_all_five_scores(built):
    """Most buyers of these exports buy once or twice: plain quintiles leave F scores empty; every
    score 1..5 holds buyers, and more orders never score lower (pandas: the order counts)."""
    scores = _query(built, "select order_count, f_score from marts.customer_segments where not is_prospect")
    assert (scores["order_count"] == 1).mean() > 0.3
    assert sorted(scores["f_score"].unique()) == [1, 2, 3, 4, 5]
    by_count = scores.groupby("order_count")["f_score"].agg(["min", "max"]).sort_index()
    assert (by_count["min"].iloc[1:].to_numpy() >= by_count["max"].iloc[:-1].to_numpy()).all()
