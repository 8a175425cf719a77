{#- The customer_lifetime_value mart as BI tools and analysts read it: the columns of
    int_customer_lifetime_value_estimated, named one by one so that the interface changes only on purpose
    (each documented in _value__models.yml). -#}
with

estimated as (

    select * from {{ ref('int_customer_lifetime_value_estimated') }}

),

final as (

    select
        customer_id,
        as_of_date,
        customer_type,
        is_prospect,
        net_revenue_to_date,
        gross_margin_to_date,
        tenure_years,
        annual_spend,
        annual_margin,
        discounted_clv_margin_source,
        expected_loyal_years,
        simple_ltv,
        retention_rate,
        retention_source,
        discounted_clv,
        discounted_clv_infinite,
        p_alive,
        expected_purchases_short_horizon,
        expected_purchases_prediction_horizon,
        expected_order_value,
        predicted_clv,
        margin_rate,
        margin_rate_source,
        predicted_profit,
        clv_method,
        clv_fitted_as_of
    from estimated

)

select * from final
