{#- Every known customer × every product category (dense: a category the customer never bought
    is a spend of 0, which the peer quantile must see), with 12-month spend and peer keys. -#}
with

peers as (

    select * from {{ ref('int_customer_peers_assigned') }}

),

categories as (

    select category from {{ ref('product_categories') }}

),

category_spend as (

    select * from {{ ref('int_customer_category_spend_ranked') }}

),

final as (

    select
        peers.customer_id,
        categories.category,
        peers.customer_type,
        peers.city_tier,
        peers.income_band,
        peers.is_active_last_year,
        coalesce(category_spend.net_revenue_in_year_window, 0) as our_spend_in_year_window
    from peers
    cross join categories
    left join category_spend
        on
            peers.customer_id = category_spend.customer_id
            and categories.category = category_spend.category

)

select * from final
