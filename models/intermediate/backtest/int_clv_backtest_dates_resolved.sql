{#- The CLV back-test's two dates (vars backtest_holdout_end, backtest_calibration_end,
    backtest_holdout_share): the holdout ends at the var or the as-of date; the calibration ends
    at the var or, by default, a whole number of weeks before the holdout end that leaves the
    last backtest_holdout_share of the history (first purchase to holdout end) as holdout. -#}
{%- set holdout_end = "cast('" ~ var('backtest_holdout_end') ~ "' as date)" if var('backtest_holdout_end')
    else 'as_of.as_of_date' -%}
{%- set default_calibration_end = dbt.dateadd(
    'day',
    '-7 * cast(floor(' ~ days_between('first_purchase.first_purchase_date', 'holdout_end.holdout_end_date')
    ~ ' * ' ~ var('backtest_holdout_share') ~ ' / 7) as ' ~ dbt.type_int() ~ ')',
    'holdout_end.holdout_end_date'
) -%}
{%- set calibration_end = "cast('" ~ var('backtest_calibration_end') ~ "' as date)" if var('backtest_calibration_end')
    else 'cast(' ~ default_calibration_end ~ ' as date)' -%}
with

as_of as (

    select as_of_date from {{ ref('int_as_of_date_resolved') }}

),

first_purchase as (

    select min(first_purchase_date) as first_purchase_date
    from {{ ref('int_customer_purchase_days_aggregated') }}

),

holdout_end as (

    select {{ holdout_end }} as holdout_end_date
    from as_of

),

final as (

    select
        {{ calibration_end }} as calibration_end_date,
        holdout_end.holdout_end_date
    from holdout_end
    cross join first_purchase

)

select * from final
