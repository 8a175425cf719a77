"""The segment dashboard (Streamlit): `make dashboard` or `segmart dashboard`.

Reads the published marts (SEGMART_PUBLISH_DIR, default published/) through segmart.views, the
same frames as `segmart report`. Every chart is an Altair chart with a caption that says what it
holds; labels switch between English and Chinese in the sidebar.
"""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from segmart.dashboard_text import dimension_name, texts
from segmart.views import DIMENSIONS, Marts


@st.cache_resource
def _marts() -> Marts:
    return Marts()


def _segment_bars(summary, axis_title: str, t: dict) -> alt.Chart:
    """Customers per segment as horizontal bars, in the summary's (seed) order."""
    return (
        alt.Chart(summary)
        .mark_bar()
        .encode(
            y=alt.Y("label:N", sort=list(summary["label"]), title=axis_title),
            x=alt.X("customers:Q", title=t["customers"]),
            tooltip=["label", "customers", alt.Tooltip("share_of_revenue:Q", format=".1%")],
        )
    )


def _long(frame, key: str, t: dict):
    """predicted / actual columns as one value column with a series name, for two-series charts."""
    return frame.melt(id_vars=[key], value_vars=["predicted", "actual"], var_name="series", value_name="value").assign(
        series=lambda f: f["series"].map({"predicted": t["predicted"], "actual": t["actual"]})
    )


def _backtest(marts: Marts, lang: str, t: dict) -> None:
    """The CLV back-test: its headline, the tracking curve, the conditional expectations and the
    P(alive) calibration (clv_backtest_summary)."""
    st.subheader(t["backtest"])
    headline = marts.backtest_headline(lang)
    if headline is None:
        st.info(t["backtest_none"])
        return
    st.caption(headline)
    tracking = marts.backtest("tracking")
    calibration_end = tracking["calibration_end_date"].iloc[0]
    line = (
        alt.Chart(_long(tracking, "week_end_date", t))
        .mark_line()
        .encode(
            x=alt.X("week_end_date:T", title=t["week"]),
            y=alt.Y("value:Q", title=t["repeat_purchases"]),
            color=alt.Color("series:N", title=None),
        )
    )
    rule = alt.Chart(pd.DataFrame({"date": [calibration_end]})).mark_rule(strokeDash=[4, 4]).encode(x="date:T")
    st.markdown(f"**{t['tracking']}**")
    st.altair_chart((line + rule).properties(height=260), width="stretch")
    left, right = st.columns(2)
    with left:
        st.markdown(f"**{t['conditional']}**")
        conditional = _long(marts.backtest("conditional_expectation"), "bucket", t)
        st.altair_chart(
            alt.Chart(conditional)
            .mark_bar()
            .encode(
                x=alt.X("bucket:N", title=t["frequency_cal"], sort=None),
                xOffset="series:N",
                y=alt.Y("value:Q", title=t["mean_holdout"]),
                color=alt.Color("series:N", title=None),
            )
            .properties(height=260),
            width="stretch",
        )
    with right:
        st.markdown(f"**{t['p_alive_calibration']}**")
        alive = _long(marts.backtest("p_alive_calibration"), "bucket", t)
        st.altair_chart(
            alt.Chart(alive)
            .mark_line(point=True)
            .encode(
                x=alt.X("bucket:N", title=t["p_alive_tenth"], sort=None),
                y=alt.Y("value:Q", title=t["share_bought"], axis=alt.Axis(format="%")),
                color=alt.Color("series:N", title=None),
            )
            .properties(height=260),
            width="stretch",
        )


def main() -> None:
    st.set_page_config(page_title="segmart", layout="wide")
    lang = st.sidebar.radio("Language / 语言", ["en", "zh"], format_func=lambda x: "English" if x == "en" else "中文")
    marts = _marts()
    t = texts(lang, marts.reporting_currency())
    st.title(t["title"])
    st.write(marts.headline(lang))

    left, right = st.columns(2)
    with left:
        st.subheader(t["pyramid"])
        pyramid = marts.pyramid(lang)
        st.altair_chart(_segment_bars(pyramid, t["tier"], t), width="stretch")
        top = pyramid.iloc[0]
        st.caption(t["pyramid_caption"].format(n=len(pyramid), p=top["share_of_customers"], r=top["share_of_revenue"]))
    with right:
        st.subheader(t["pareto"])
        curve = marts.pareto()
        line = (
            alt.Chart(curve)
            .mark_line(point=False)
            .encode(
                x=alt.X("cumulative_customer_share:Q", title=t["cumulative_customers"], axis=alt.Axis(format="%")),
                y=alt.Y("cumulative_revenue_share:Q", title=t["cumulative_revenue"], axis=alt.Axis(format="%")),
            )
        )
        cut = marts.top_20_cut()["cumulative_customer_share"]
        rule = alt.Chart(pd.DataFrame({"x": [cut]})).mark_rule(strokeDash=[4, 4]).encode(x="x:Q")
        st.altair_chart(line + rule, width="stretch")
        st.caption(t["top20"].format(share=marts.top_share()))

    left, right = st.columns(2)
    with left:
        st.subheader(t["rfm"])
        grid = marts.rfm_grid()
        base = alt.Chart(grid).encode(
            x=alt.X("f_score:O", title="F"), y=alt.Y("r_score:O", title="R", sort="descending")
        )
        heat = base.mark_rect().encode(
            color=alt.Color("customers:Q", title=t["customers"]),
            tooltip=["r_score", "f_score", "customers", alt.Tooltip("net_revenue:Q", format=",.0f")],
        )
        labels = base.mark_text(baseline="middle").encode(text="customers:Q")
        st.altair_chart((heat + labels).properties(height=260), width="stretch")
        st.caption(
            t["rfm_caption"].format(
                cells=len(grid), customers=int(grid["customers"].sum()), method=marts.rfm_score_method()
            )
        )
    with right:
        st.subheader(t["matrix"])
        matrix = marts.value_matrix(lang)
        base = alt.Chart(matrix).encode(
            x=alt.X("current_value_level:N", sort=["low", "high"], title="current value"),
            y=alt.Y("growth_potential_level:N", sort=["high", "low"], title="growth potential"),
        )
        rect = base.mark_rect().encode(
            color=alt.Color("customers:Q", title=t["customers"]),
            tooltip=["label", "customers", alt.Tooltip("share_of_revenue:Q", format=".1%")],
        )
        text = base.mark_text(baseline="middle").encode(text="label:N")
        st.altair_chart((rect + text).properties(height=260), width="stretch")
        st.caption(t["matrix_caption"].format(n=len(matrix)))

    left, right = st.columns(2)
    with left:
        st.subheader(t["funnel"])
        funnel = marts.lifecycle_funnel(lang)
        st.altair_chart(_segment_bars(funnel, t["stage"], t), width="stretch")
        st.caption(t["funnel_caption"].format(n=len(funnel), customers=int(funnel["customers"].sum())))
    with right:
        st.subheader(t["opportunities"])
        opportunities = marts.opportunities(20)
        chart = (
            alt.Chart(opportunities)
            .mark_bar()
            .encode(
                y=alt.Y("customer_id:N", sort="-x", title=None),
                x=alt.X("wallet_headroom:Q", title=t["headroom"]),
                tooltip=[
                    "customer_id",
                    "customer_type",
                    "value_tier",
                    alt.Tooltip("share_of_wallet:Q", format=".1%"),
                    alt.Tooltip("wallet:Q", format=",.0f"),
                ],
            )
        )
        st.altair_chart(chart, width="stretch")
        st.caption(t["opp_caption"].format(n=len(opportunities)))

    st.subheader(t["migration"])
    dates = marts.history_dates()
    dimension = st.selectbox(
        t["dimension"], DIMENSIONS, format_func=lambda d: dimension_name(lang, d), key="migration_dimension"
    )
    if len(dates) < 2:
        st.info(t["migration_none"])
    else:
        a_col, b_col = st.columns(2)
        date_a = a_col.selectbox(t["from"], dates, index=len(dates) - 2)
        date_b = b_col.selectbox(t["to"], dates, index=len(dates) - 1)
        migration = marts.migration_matrix(dimension, date_a, date_b)
        base = alt.Chart(migration).encode(
            x=alt.X("to_segment:N", title=f"{t['to']} {date_b}"),
            y=alt.Y("from_segment:N", title=f"{t['from']} {date_a}"),
        )
        st.altair_chart(
            base.mark_rect().encode(
                color=alt.Color("customers:Q", title=t["customers"]),
                tooltip=["from_segment", "to_segment", "customers"],
            )
            + base.mark_text(baseline="middle").encode(text="customers:Q"),
            width="stretch",
        )
        st.caption(t["migration_caption"].format(customers=int(migration["customers"].sum()), a=date_a, b=date_b))

    _backtest(marts, lang, t)

    st.subheader(t["drill"])
    d_col, s_col = st.columns(2)
    drill_dimension = d_col.selectbox(
        t["dimension"], DIMENSIONS, format_func=lambda d: dimension_name(lang, d), key="drill_dimension"
    )
    summary = marts.summary(drill_dimension, lang)
    labels = dict(zip(summary["segment_value"], summary["label"]))
    segment = s_col.selectbox(t["segment"], list(summary["segment_value"]), format_func=lambda v: labels.get(v, v))
    customers = marts.customers(drill_dimension, segment)
    st.dataframe(customers, width="stretch", height=300)
    st.caption(t["drill_caption"].format(n=len(customers)))
    st.download_button(
        t["download"],
        customers.to_csv(index=False).encode("utf-8"),
        file_name=f"segment_{drill_dimension}_{segment}.csv",
        mime="text/csv",
    )


main()
