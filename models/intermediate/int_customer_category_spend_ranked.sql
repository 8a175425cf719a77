{#- Spend per customer and category from the purchased lines up to the as-of date, also as of
    top_category_change_window_days earlier, with each category's rank for the customer. Lines
    without a category (exports with products but no categories) are not in any category. Both
    windows are read by is_within_days: "as of N days earlier" holds the lines not within the
    last N days (on or before the as-of date − N). Customer state
    (macros/incremental/customer_state.sql): an incremental run recomputes the customers whose
    orders or lines the latest batch touched and those with a line that crossed the as-of date or
    a window edge. -#}
{{ customer_state_incremental() }}
{{ config(
    pre_hook="{{ delete_affected_customers(
        ref('int_purchase_lines_netted'),
        'order_date',
        [var('top_category_change_window_days'), var('year_window_days')],
        ref('int_as_of_date_resolved'),
        ref('int_customer_state_as_of_dates'),
        customer_batches=[ref('base_raw__orders')],
        order_batches=[ref('base_raw__order_items')],
        orders=ref('int_orders_netted')) }}",
    post_hook="{{ record_state_as_of_date(
        ref('int_as_of_date_resolved'), ref('int_customer_state_as_of_dates')) }}",
) }}
{%- set line_age = days_between('order_lines.order_date', 'as_of.as_of_date') -%}
with

as_of as (

    select as_of_date from {{ ref('int_as_of_date_resolved') }}

),

lines as (

    select
        order_lines.*,
        as_of.as_of_date,
        {{ is_within_days(line_age, var('top_category_change_window_days')) }} = false as is_before_window,
        {{ is_within_days(line_age, var('year_window_days')) }} as is_in_year_window
    from {{ ref('int_purchase_lines_netted') }} as order_lines
    cross join as_of
    where
        order_lines.order_date <= as_of.as_of_date
        and order_lines.category is not null
        and {{ is_touched('customer_id') }}

),

spend as (

    select
        customer_id,
        category,
        sum(net_line_amount) as net_revenue,
        sum(case when is_before_window then net_line_amount else 0 end) as net_revenue_before_window,
        sum(case when is_in_year_window then net_line_amount else 0 end) as net_revenue_in_year_window,
        sum(quantity) as units,
        {{ safe_divide('sum(case when not is_returned_line then unit_price * quantity end)',
                       'sum(case when not is_returned_line then quantity end)') }} as avg_unit_price,
        max(as_of_date) as computed_as_of_date
    from lines
    group by customer_id, category

),

final as (

    select
        {{ dbt.concat(['customer_id', "'|'", 'category']) }} as customer_category_id,
        customer_id,
        category,
        net_revenue,
        net_revenue_before_window,
        net_revenue_in_year_window,
        units,
        avg_unit_price,
        {{ share_of('net_revenue', 'sum(net_revenue) over (partition by customer_id)') }} as revenue_share,
        row_number() over (partition by customer_id order by net_revenue desc, category asc) as category_rank,
        case
            when net_revenue_before_window > 0
                then row_number() over (
                    partition by customer_id
                    order by net_revenue_before_window desc, category asc
                )
        end as previous_category_rank,
        computed_as_of_date
    from spend

)

select * from final
