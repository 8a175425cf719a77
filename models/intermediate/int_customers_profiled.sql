{#- One wide row per customer known at the as-of date, prospects included: identity, RFM,
    buy-till-you-die summary, demographics, geography, psychographics, behaviour, engagement
    and risk. Every column is documented in _features__models.yml. -#}
with

as_of as (

    select as_of_date from {{ ref('int_as_of_date_resolved') }}

),

customers as (

    select * from {{ ref('int_customers_enriched') }}

),

orders as (

    select * from {{ ref('int_customer_orders_aggregated') }}

),

btyd as (

    select * from {{ ref('int_customer_btyd_summarised') }}

),

interests as (

    select * from {{ ref('int_customer_interests_identified') }}

),

engagement as (

    select * from {{ ref('int_customer_engagement_counted') }}

),

final as (

    select
        -- identity and tenure
        customers.customer_id,
        as_of.as_of_date,
        customers.customer_type,
        customers.signed_up_date,
        orders.first_order_date,
        orders.last_order_date,
        {{ days_between('least(customers.signed_up_date, orders.first_order_date)', 'as_of.as_of_date') }}
            as tenure_days,
        coalesce(orders.order_count, 0) = 0 as is_prospect,
        -- RFM and value to date
        {{ days_between('orders.last_order_date', 'as_of.as_of_date') }} as recency_days,
        coalesce(orders.order_count, 0) as order_count,
        coalesce(orders.gross_revenue, 0) as gross_revenue,
        coalesce(orders.discount_total, 0) as discount_total,
        coalesce(orders.refund_total, 0) as refund_total,
        coalesce(orders.net_revenue, 0) as net_revenue,
        orders.gross_margin,
        orders.avg_order_value,
        coalesce(orders.orders_in_recent_window, 0) as orders_in_recent_window,
        coalesce(orders.orders_in_year_window, 0) as orders_in_year_window,
        coalesce(orders.net_revenue_in_year_window, 0) as net_revenue_in_year_window,
        orders.gross_margin_in_year_window,
        btyd.avg_days_between_orders,
        btyd.stddev_days_between_orders,
        btyd.last_purchase_gap_days,
        -- buy-till-you-die summary (lifetimes' definition)
        btyd.btyd_frequency,
        btyd.btyd_recency,
        btyd.btyd_t,
        btyd.btyd_monetary_value,
        -- demographics
        customers.age,
        customers.age_band,
        customers.gender,
        customers.monthly_income,
        customers.income_band,
        customers.education_level,
        customers.occupation_group,
        customers.company_size,
        customers.industry,
        -- geography
        customers.city,
        customers.province,
        customers.region,
        customers.city_tier,
        -- psychographics (NULL when never answered)
        customers.lifestyle,
        customers.values_segment,
        -- behaviour
        customers.acquisition_channel,
        orders.preferred_channel,
        coalesce(orders.channel_count, 0) as channel_count,
        interests.top_category,
        interests.top_category_revenue_share,
        coalesce(interests.category_count, 0) as category_count,
        interests.price_band,
        interests.previous_top_category,
        coalesce(interests.has_top_category_changed, false) as has_top_category_changed,
        orders.holiday_revenue_share,
        orders.weekend_order_share,
        orders.discounted_revenue_share,
        orders.return_rate,
        -- engagement (e-value)
        coalesce(engagement.page_views_in_engagement_window, 0) as page_views_in_engagement_window,
        coalesce(engagement.ad_clicks_in_engagement_window, 0) as ad_clicks_in_engagement_window,
        coalesce(engagement.review_count, 0) as review_count,
        coalesce(engagement.complaint_count, 0) as complaint_count,
        coalesce(engagement.product_suggestion_count, 0) as product_suggestion_count,
        coalesce(engagement.referral_signup_count, 0) as referral_signup_count,
        coalesce(engagement.successful_referral_count, 0) as successful_referral_count,
        coalesce(engagement.value_added_purchase_count, 0) as value_added_purchase_count,
        coalesce(engagement.engagement_score, 0) as engagement_score,
        -- risk
        customers.credit_rating,
        coalesce(
            customers.credit_rating in ({{ "'" ~ var('poor_credit_ratings') | join("', '") ~ "'" }})
            and coalesce(orders.gross_margin, 0) <= 0,
            false
        ) as is_poor_credit_without_profit
    from customers
    cross join as_of
    left join orders
        on customers.customer_id = orders.customer_id
    left join btyd
        on customers.customer_id = btyd.customer_id
    left join interests
        on customers.customer_id = interests.customer_id
    left join engagement
        on customers.customer_id = engagement.customer_id

)

select * from final
