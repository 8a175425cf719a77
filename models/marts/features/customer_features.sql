{#- The customer_features mart as BI tools and analysts read it: the columns of int_customers_profiled,
    named one by one so that the interface changes only on purpose (each documented in
    _features__models.yml). -#}
with

profiled as (

    select * from {{ ref('int_customers_profiled') }}

),

final as (

    select
        customer_id,
        as_of_date,
        customer_type,
        signed_up_date,
        first_order_date,
        last_order_date,
        tenure_days,
        is_prospect,
        recency_days,
        order_count,
        gross_revenue,
        discount_total,
        refund_total,
        net_revenue,
        gross_margin,
        avg_order_value,
        orders_in_recent_window,
        orders_in_year_window,
        net_revenue_in_year_window,
        gross_margin_in_year_window,
        avg_days_between_orders,
        stddev_days_between_orders,
        last_purchase_gap_days,
        btyd_frequency,
        btyd_recency,
        btyd_t,
        btyd_monetary_value,
        age,
        age_band,
        gender,
        monthly_income,
        income_band,
        education_level,
        occupation_group,
        company_size,
        industry,
        city,
        province,
        region,
        city_tier,
        lifestyle,
        values_segment,
        acquisition_channel,
        preferred_channel,
        channel_count,
        top_category,
        top_category_revenue_share,
        category_count,
        price_band,
        previous_top_category,
        has_top_category_changed,
        holiday_revenue_share,
        weekend_order_share,
        discounted_revenue_share,
        return_rate,
        page_views_in_engagement_window,
        ad_clicks_in_engagement_window,
        review_count,
        complaint_count,
        product_suggestion_count,
        referral_signup_count,
        successful_referral_count,
        value_added_purchase_count,
        engagement_score,
        credit_rating,
        is_poor_credit_without_profit
    from profiled

)

select * from final
