{#- Each known customer with their 12-month spend and the keys of their peer group for the
    realistic-wallet estimate (customer type × city tier × income band; unknown keys form a
    group of their own). Active = bought in the last year_window_days days. -#}
with

features as (

    select * from {{ ref('int_customers_profiled') }}

),

final as (

    select
        customer_id,
        net_revenue_in_year_window as our_spend_in_year_window,
        coalesce(customer_type, 'unknown') as customer_type,
        coalesce(city_tier, 'unknown') as city_tier,
        coalesce(income_band, 'unknown') as income_band,
        orders_in_year_window > 0 as is_active_last_year
    from features

)

select * from final
