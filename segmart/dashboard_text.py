"""Captions and titles of the dashboard and the report, in English and Chinese. Money is labelled
with the warehouse's reporting currency (published mart warehouse_settings): `texts(lang, currency)`."""

TEXT = {
    "en": {
        "title": "Customer segments",
        "as_of": "As of {date}: {customers:,} customers, {buyers:,} buyers, net revenue {revenue:,.0f} {currency}.",
        "pyramid": "Customer pyramid",
        "pareto": "Pareto curve",
        "rfm": "RFM grid (recency × frequency)",
        "matrix": "Value matrix",
        "funnel": "Lifecycle funnel",
        "opportunities": "Share-of-wallet opportunities",
        "migration": "Segment migration",
        "drill": "Segment drill-down",
        "customers": "Customers",
        "revenue": "Net revenue ({currency})",
        "share_customers": "Share of customers",
        "share_revenue": "Share of revenue",
        "tier": "Tier",
        "stage": "Stage",
        "quadrant": "Quadrant",
        "top20": "The top 20% of buyers bring {share:.1%} of net revenue.",
        "pyramid_caption": "{n} tiers; platinum {p:.1%} of customers bring {r:.1%} of revenue.",
        "rfm_caption": "{cells} cells, {customers:,} buyers; R 5 = most recent, F 5 = most frequent; scores by {method}.",
        "matrix_caption": "{n} quadrants by current value (12-month margin) × growth potential (wallet headroom).",
        "funnel_caption": "{n} stages, {customers:,} customers.",
        "opp_caption": "{n} customers with a large wallet and a small share, by headroom.",
        "migration_caption": "{customers:,} customers from {a} to {b}.",
        "migration_none": "The history holds one as-of date: run `make backfill` to follow migrations.",
        "dimension": "Dimension",
        "segment": "Segment",
        "from": "From",
        "to": "To",
        "download": "Download the customer list (CSV)",
        "drill_caption": "{n:,} customers in this segment.",
        "cumulative_customers": "Cumulative share of buyers",
        "cumulative_revenue": "Cumulative share of revenue",
        "headroom": "Headroom ({currency})",
        "language": "Language",
        "backtest": "Can I trust the predictions? (back-test)",
        "backtest_headline": (
            "Fitted on the purchases up to {calibration_end}, the model predicted {predicted:,.0f} repeat "
            "purchases by {customers:,} customers up to {holdout_end}; they made {actual:,.0f}: "
            "{error:+.1%} off in total, and off by {mae:.2f} purchases per customer on average "
            "(mean absolute error)."
        ),
        "backtest_none": "No back-test: its fit was not usable, or the build ran on Spark.",
        "tracking": "Cumulative repeat purchases, predicted and actual",
        "repeat_purchases": "Repeat purchases",
        "calibration_end": "calibration end",
        "conditional_caption": "Customers by repeat purchases in the calibration period: mean holdout purchases.",
        "p_alive_caption": "Repeat buyers by P(alive) at the calibration end: the share who bought in the holdout.",
        "conditional": "Holdout purchases by calibration frequency",
        "p_alive_calibration": "P(alive) against the share who bought again",
        "predicted": "Predicted",
        "actual": "Actual",
        "week": "Week",
        "frequency_cal": "Repeat purchases in calibration",
        "mean_holdout": "Holdout purchases",
        "p_alive_tenth": "P(alive) at the calibration end",
        "share_bought": "Bought in holdout",
    },
    "zh": {
        "title": "客户细分",
        "as_of": "截至 {date}：客户 {customers:,} 位，购买客户 {buyers:,} 位，净收入 {revenue:,.0f} {currency}。",
        "pyramid": "客户金字塔",
        "pareto": "帕累托曲线",
        "rfm": "RFM 网格（最近一次消费 × 消费频率）",
        "matrix": "客户价值矩阵",
        "funnel": "客户生命周期漏斗",
        "opportunities": "钱包份额机会",
        "migration": "细分迁移",
        "drill": "细分明细",
        "customers": "客户数",
        "revenue": "净收入（{currency}）",
        "share_customers": "客户占比",
        "share_revenue": "收入占比",
        "tier": "层级",
        "stage": "阶段",
        "quadrant": "象限",
        "top20": "前 20% 的购买客户贡献了 {share:.1%} 的净收入。",
        "pyramid_caption": "{n} 个层级；铂金层 {p:.1%} 的客户贡献 {r:.1%} 的收入。",
        "rfm_caption": "{cells} 个单元格，{customers:,} 位购买客户；R 5 = 最近，F 5 = 最频繁；评分方法 {method}。",
        "matrix_caption": "{n} 个象限：当前价值（12 个月毛利）× 增长潜力（钱包余量）。",
        "funnel_caption": "{n} 个阶段，{customers:,} 位客户。",
        "opp_caption": "{n} 位钱包大、份额小的客户，按余量排序。",
        "migration_caption": "{customers:,} 位客户，从 {a} 到 {b}。",
        "migration_none": "历史中只有一个截止日期：运行 `make backfill` 以跟踪迁移。",
        "dimension": "维度",
        "segment": "细分",
        "from": "起始",
        "to": "结束",
        "download": "下载客户名单（CSV）",
        "drill_caption": "该细分共 {n:,} 位客户。",
        "cumulative_customers": "购买客户累计占比",
        "cumulative_revenue": "收入累计占比",
        "headroom": "余量（{currency}）",
        "language": "语言",
        "backtest": "预测可信吗？（回测）",
        "backtest_headline": (
            "模型以 {calibration_end} 之前的购买拟合，预测 {customers:,} 位客户到 {holdout_end} 共复购 "
            "{predicted:,.0f} 次；实际 {actual:,.0f} 次：总量偏差 {error:+.1%}，每位客户平均绝对偏差 {mae:.2f} 次。"
        ),
        "backtest_none": "没有回测：拟合不可用，或在 Spark 上构建。",
        "tracking": "累计复购次数：预测与实际",
        "repeat_purchases": "复购次数",
        "calibration_end": "校准期末",
        "conditional_caption": "按校准期复购次数分组的客户：验证期平均购买次数。",
        "p_alive_caption": "按校准期末 P(存活) 分组的复购客户：验证期有购买的比例。",
        "conditional": "按校准期复购次数分组的验证期购买",
        "p_alive_calibration": "P(存活) 与实际复购比例",
        "predicted": "预测",
        "actual": "实际",
        "week": "周",
        "frequency_cal": "校准期复购次数",
        "mean_holdout": "验证期平均购买次数",
        "p_alive_tenth": "校准期末 P(存活)",
        "share_bought": "验证期有购买",
    },
}


# How a currency is written in a label: its ISO code, except CNY in Chinese (元).
CURRENCY_LABELS = {"zh": {"CNY": "元"}}


def currency_label(lang: str, currency: str) -> str:
    return CURRENCY_LABELS.get(lang, {}).get(currency, currency)


def texts(lang: str, currency: str) -> dict[str, str]:
    """TEXT[lang] with {currency} filled in (the other placeholders stay for .format)."""
    label = currency_label(lang, currency)
    return {key: value.replace("{currency}", label) for key, value in TEXT[lang].items()}


# How the dimension menus name the segment dimensions (the var segment_dimensions); a dimension
# not listed here shows its column name with spaces.
DIMENSION_NAMES = {
    "en": {
        "value_tier": "Value pyramid",
        "rfm_segment": "RFM segment",
        "lifecycle_stage": "Lifecycle stage",
        "value_quadrant": "Value matrix",
        "interest_segment": "Interest segment",
        "customer_type": "Customer type",
    },
    "zh": {
        "value_tier": "客户金字塔",
        "rfm_segment": "RFM 细分",
        "lifecycle_stage": "生命周期阶段",
        "value_quadrant": "价值矩阵",
        "interest_segment": "兴趣细分",
        "customer_type": "客户类型",
    },
}


def dimension_name(lang: str, dimension: str) -> str:
    """The menu name of a segment dimension in the dashboard's language."""
    return DIMENSION_NAMES.get(lang, {}).get(dimension, dimension.replace("_", " "))
