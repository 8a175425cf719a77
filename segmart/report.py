"""`segmart report --out DIR`: a static HTML report with PNG charts of the dashboard's views, for
people who will never open the dashboard. Same frames (segmart.views), same captions.

DIR/index.html links DIR/<view>.png (matplotlib, Agg) and shows each view's numbers as a table.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
from tqdm import tqdm  # noqa: E402

from segmart.dashboard_text import texts  # noqa: E402
from segmart.views import Marts  # noqa: E402

CJK_FONTS = ["Noto Sans CJK SC", "Noto Sans CJK JP", "WenQuanYi Zen Hei", "DejaVu Sans"]


@dataclass
class Section:
    key: str
    title: str
    caption: str
    table: pd.DataFrame
    image: str | None


def _save(fig, out_dir: Path, name: str) -> str:
    path = out_dir / f"{name}.png"
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path.name


def _barh(labels, values, xlabel: str):
    fig, ax = plt.subplots(figsize=(6, 3.2))
    ax.barh(list(labels)[::-1], list(values)[::-1], color="#1f77b4")
    ax.set_xlabel(xlabel)
    return fig, ax


def _heat(frame: pd.DataFrame, rows: str, cols: str, value: str, xlabel: str, ylabel: str, row_order=None):
    table = frame.pivot_table(index=rows, columns=cols, values=value, aggfunc="sum", fill_value=0)
    if row_order is not None:
        table = table.reindex(row_order)
    fig, ax = plt.subplots(figsize=(6, 4))
    image = ax.imshow(table.to_numpy(dtype=float), cmap="Blues", aspect="auto")
    ax.set_xticks(range(len(table.columns)), [str(c) for c in table.columns], rotation=30, ha="right")
    ax.set_yticks(range(len(table.index)), [str(i) for i in table.index])
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    for i in range(table.shape[0]):
        for j in range(table.shape[1]):
            ax.text(j, i, f"{int(table.iat[i, j]):,}", ha="center", va="center", fontsize=7)
    fig.colorbar(image, ax=ax)
    return fig, ax


def _number(value: float) -> str:
    """Money and counts with thousands separators, shares with four significant digits."""
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:,.4g}"


def build_sections(marts: Marts, out_dir: Path, lang: str = "en", progress: bool = True) -> list[Section]:
    t = texts(lang, marts.reporting_currency())
    plt.rcParams["font.sans-serif"] = CJK_FONTS
    sections: list[Section] = []
    steps = ["pyramid", "pareto", "rfm", "matrix", "funnel", "opportunities", "migration"]
    for key in tqdm(steps, desc="report", unit="chart", disable=not progress):
        if key == "pyramid":
            frame = marts.pyramid(lang)
            fig, _ = _barh(frame["label"], frame["customers"], t["customers"])
            top = frame.iloc[0]
            caption = t["pyramid_caption"].format(n=len(frame), p=top["share_of_customers"], r=top["share_of_revenue"])
            table = frame[["label", "customers", "share_of_customers", "net_revenue", "share_of_revenue"]]
        elif key == "pareto":
            frame = marts.pareto()
            fig, ax = plt.subplots(figsize=(6, 3.2))
            ax.plot(frame["cumulative_customer_share"], frame["cumulative_revenue_share"])
            ax.axvline(marts.top_20_cut()["cumulative_customer_share"], linestyle="--", color="grey")
            ax.set_xlabel(t["cumulative_customers"])
            ax.set_ylabel(t["cumulative_revenue"])
            caption = t["top20"].format(share=marts.top_share())
            table = frame[frame["customer_percentile"].isin([1, 5, 10, 20, 50, 80, 100])]
        elif key == "rfm":
            frame = marts.rfm_grid()
            fig, _ = _heat(frame, "r_score", "f_score", "customers", "F", "R", row_order=[5, 4, 3, 2, 1])
            caption = t["rfm_caption"].format(
                cells=len(frame), customers=int(frame["customers"].sum()), method=marts.rfm_score_method()
            )
            table = frame
        elif key == "matrix":
            frame = marts.value_matrix(lang)
            fig, _ = _heat(
                frame,
                "growth_potential_level",
                "current_value_level",
                "customers",
                "current value",
                "growth potential",
                row_order=["high", "low"],
            )
            caption = t["matrix_caption"].format(n=len(frame))
            table = frame[["label", "current_value_level", "growth_potential_level", "customers", "share_of_revenue"]]
        elif key == "funnel":
            frame = marts.lifecycle_funnel(lang)
            fig, _ = _barh(frame["label"], frame["customers"], t["customers"])
            caption = t["funnel_caption"].format(n=len(frame), customers=int(frame["customers"].sum()))
            table = frame[["label", "customers", "share_of_customers", "net_revenue"]]
        elif key == "opportunities":
            frame = marts.opportunities(20)
            fig, _ = _barh(frame["customer_id"], frame["wallet_headroom"], t["headroom"])
            caption = t["opp_caption"].format(n=len(frame))
            table = frame
        else:
            dates = marts.history_dates()
            frame = marts.migration_matrix("value_tier")
            if len(dates) < 2:
                sections.append(Section(key, t[key], t["migration_none"], frame, None))
                continue
            fig, _ = _heat(
                frame, "from_segment", "to_segment", "customers", f"{t['to']} {dates[-1]}", f"{t['from']} {dates[-2]}"
            )
            caption = t["migration_caption"].format(customers=int(frame["customers"].sum()), a=dates[-2], b=dates[-1])
            table = frame
        sections.append(Section(key, t[key], caption, table, _save(fig, out_dir, key)))
    sections += _backtest_sections(marts, out_dir, t, lang)
    return sections


def _backtest_sections(marts: Marts, out_dir: Path, t: dict, lang: str) -> list[Section]:
    """The CLV back-test: the tracking curve (with the headline), the conditional expectations
    and the P(alive) calibration, as in the dashboard."""
    headline = marts.backtest_headline(lang)
    if headline is None:
        return [Section("backtest", t["backtest"], t["backtest_none"], pd.DataFrame(), None)]
    sections = []
    tracking = marts.backtest("tracking")
    fig, ax = plt.subplots(figsize=(6, 3.2))
    ax.plot(pd.to_datetime(tracking["week_end_date"]), tracking["predicted"], label=t["predicted"])
    ax.plot(pd.to_datetime(tracking["week_end_date"]), tracking["actual"], label=t["actual"])
    ax.axvline(
        pd.to_datetime(tracking["calibration_end_date"].iloc[0]),
        linestyle="--",
        color="grey",
        label=t["calibration_end"],
    )
    ax.set_ylabel(t["repeat_purchases"])
    fig.tight_layout()
    ax.legend()
    table = tracking[tracking["week_end_date"] >= tracking["calibration_end_date"]][
        ["week_end_date", "bucket", "predicted", "actual"]
    ]
    sections.append(Section("backtest", t["backtest"], headline, table, _save(fig, out_dir, "backtest")))
    for key, xlabel, ylabel in (
        ("conditional_expectation", t["frequency_cal"], t["mean_holdout"]),
        ("p_alive_calibration", t["p_alive_tenth"], t["share_bought"]),
    ):
        frame = marts.backtest(key)
        fig, ax = plt.subplots(figsize=(6, 3.2))
        positions = range(len(frame))
        ax.bar([p - 0.2 for p in positions], frame["predicted"], width=0.4, label=t["predicted"])
        ax.bar([p + 0.2 for p in positions], frame["actual"], width=0.4, label=t["actual"])
        ax.set_xticks(list(positions), list(frame["bucket"]))
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        ax.legend()
        fig.tight_layout()
        conditional = key == "conditional_expectation"
        title = t["conditional" if conditional else "p_alive_calibration"]
        caption = t["conditional_caption" if conditional else "p_alive_caption"]
        table = frame[["bucket", "customers", "predicted", "actual"]]
        sections.append(Section(key, title, caption, table, _save(fig, out_dir, key)))
    return sections


def write_report(
    out_dir: str | Path, published_dir: str | Path | None = None, lang: str = "en", progress: bool = True
) -> Path:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    marts = Marts(published_dir)
    sections = build_sections(marts, out, lang, progress)
    t = texts(lang, marts.reporting_currency())
    parts = [
        "<!doctype html>",
        f"<html lang='{lang}'><head><meta charset='utf-8'><title>{html.escape(t['title'])}</title>",
        "<style>body{font-family:sans-serif;max-width:980px;margin:2em auto}"
        "table{border-collapse:collapse;font-size:12px}td,th{border:1px solid #ccc;padding:2px 6px}"
        "img{max-width:100%}</style></head><body>",
        f"<h1>{html.escape(t['title'])}</h1>",
        f"<p>{html.escape(marts.headline(lang))}</p>",
    ]
    for section in sections:
        parts.append(f"<section id='{section.key}'><h2>{html.escape(section.title)}</h2>")
        if section.image:
            parts.append(f"<img src='{section.image}' alt='{html.escape(section.title)}'>")
        parts.append(f"<p class='caption'>{html.escape(section.caption)}</p>")
        # money columns are headed with the reporting currency, like the charts' axes
        money = {"net_revenue": t["revenue"], "wallet_headroom": t["headroom"]}
        table = section.table.rename(columns={k: v for k, v in money.items() if k in section.table.columns})
        parts.append(table.to_html(index=False, float_format=_number, border=0))
        parts.append("</section>")
    parts.append("</body></html>")
    index = out / "index.html"
    index.write_text("\n".join(parts), encoding="utf-8")
    return index
