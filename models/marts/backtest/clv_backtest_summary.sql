{#- The CLV back-test summarised for charts (models/overview.md "Back-test"), one section per
    view, each row a point or a bar:
    - totals: predicted and actual holdout repeat purchases and revenue over every customer,
      with the relative error and, in absolute_error, the mean absolute error per customer;
    - conditional_expectation: customers grouped by calibration frequency 0, 1, ... 7+: mean
      predicted and mean actual holdout purchases;
    - p_alive_calibration: customers with a repeat purchase in the calibration period grouped by
      P(alive) at the calibration end in tenths: mean P(alive) (predicted) and the share who
      bought in the holdout (actual);
    - tracking: cumulative repeat purchases, predicted and actual, week by week through the
      calibration period and the holdout. -#}
{%- set max_frequency = 7 -%}
{#- doubles are summed as decimals: exact, so the same in every build whatever the order of the
    rows (a sum of doubles depends on it) -#}
{%- set exact = 'decimal(38, 12)' -%}
with

backtest as (

    select * from {{ ref('clv_backtest') }}

),

tracked as (

    select * from {{ ref('int_clv_backtest_tracked') }}

),

dates as (

    select * from {{ ref('int_clv_backtest_dates_resolved') }}

),

exact as (

    select
        btyd_frequency_cal,
        p_alive_cal,
        cast(predicted_holdout_purchases as {{ exact }}) as predicted_purchases,
        cast(actual_holdout_purchases as {{ exact }}) as actual_purchases,
        cast(abs(predicted_holdout_purchases - actual_holdout_purchases) as {{ exact }}) as purchases_error,
        cast(predicted_holdout_revenue as {{ exact }}) as predicted_revenue,
        cast(actual_holdout_revenue as {{ exact }}) as actual_revenue,
        cast(abs(predicted_holdout_revenue - actual_holdout_revenue) as {{ exact }}) as revenue_error
    from backtest

),

totals as (

    select
        'totals' as section,
        'repeat_purchases' as bucket,
        1 as bucket_order,
        cast(null as date) as week_end_date,
        count(*) as customers,
        sum(predicted_purchases) as predicted,
        sum(actual_purchases) as actual,
        avg(purchases_error) as absolute_error
    from exact
    union all
    select
        'totals' as section,
        'revenue' as bucket,
        2 as bucket_order,
        cast(null as date) as week_end_date,
        count(*) as customers,
        sum(predicted_revenue) as predicted,
        sum(actual_revenue) as actual,
        avg(revenue_error) as absolute_error
    from exact

),

frequency_bins as (

    select
        -- calibration frequency 0, 1, ..., max_frequency or more
        cast(least(btyd_frequency_cal, {{ max_frequency }}) as {{ dbt.type_int() }}) as frequency_bin,
        predicted_purchases,
        actual_purchases
    from exact

),

conditional_expectation as (

    select
        'conditional_expectation' as section,
        case
            when frequency_bin = {{ max_frequency }} then '{{ max_frequency }}+'
            else cast(frequency_bin as {{ dbt.type_string() }})
        end as bucket,
        frequency_bin as bucket_order,
        cast(null as date) as week_end_date,
        count(*) as customers,
        avg(predicted_purchases) as predicted,
        avg(actual_purchases) as actual,
        abs(avg(predicted_purchases) - avg(actual_purchases)) as absolute_error
    from frequency_bins
    group by frequency_bin

),

p_alive_bins as (

    select
        -- tenths of P(alive): 0.0–0.1, ..., 0.9–1.0 (1 belongs to the last)
        cast(least(floor(p_alive_cal * 10), 9) as {{ dbt.type_int() }}) as tenth,
        cast(p_alive_cal as {{ exact }}) as p_alive_cal,
        cast(case when actual_purchases > 0 then 1 else 0 end as {{ exact }}) as bought
    from exact
    -- repeat buyers only: without a repeat purchase P(alive) is 1 by the model's convention, not
    -- a prediction, and would fill the top tenth
    where p_alive_cal is not null and btyd_frequency_cal > 0

),

p_alive_calibration as (

    select
        'p_alive_calibration' as section,
        {{ dbt.concat([
            "cast(cast(tenth as " ~ type_double() ~ ") / 10 as " ~ dbt.type_string() ~ ")",
            "'-'",
            "cast(cast(tenth + 1 as " ~ type_double() ~ ") / 10 as " ~ dbt.type_string() ~ ")",
        ]) }} as bucket,
        tenth as bucket_order,
        cast(null as date) as week_end_date,
        count(*) as customers,
        avg(p_alive_cal) as predicted,
        avg(bought) as actual,
        abs(avg(p_alive_cal) - avg(bought)) as absolute_error
    from p_alive_bins
    group by tenth

),

tracking as (

    select
        'tracking' as section,
        cast(period as {{ dbt.type_string() }}) as bucket,
        cast(row_number() over (order by week_end_date) as {{ dbt.type_int() }}) as bucket_order,
        cast(week_end_date as date) as week_end_date,
        cast(null as {{ dbt.type_bigint() }}) as customers,
        predicted_cumulative_repeat_purchases as predicted,
        actual_cumulative_repeat_purchases as actual,
        abs(predicted_cumulative_repeat_purchases - actual_cumulative_repeat_purchases) as absolute_error
    from tracked

),

unioned as (

    select * from totals
    union all
    select * from conditional_expectation
    union all
    select * from p_alive_calibration
    union all
    select * from tracking

),

final as (

    select
        {{ dbt.concat([
            'unioned.section', "'|'",
            "cast(unioned.bucket_order as " ~ dbt.type_string() ~ ")",
        ]) }} as backtest_summary_id,
        unioned.section,
        unioned.bucket,
        cast(unioned.bucket_order as {{ dbt.type_int() }}) as bucket_order,
        unioned.week_end_date,
        cast(unioned.customers as {{ dbt.type_bigint() }}) as customers,
        cast(unioned.predicted as {{ type_double() }}) as predicted,
        cast(unioned.actual as {{ type_double() }}) as actual,
        cast(unioned.absolute_error as {{ type_double() }}) as absolute_error,
        cast(
            (unioned.predicted - unioned.actual) / nullif(unioned.actual, 0) as {{ type_double() }}
        ) as relative_error,
        dates.calibration_end_date,
        dates.holdout_end_date
    from unioned
    cross join dates

)

select * from final
