{#- One row per customer: historical value, simple LTV, discounted CLV (finite and infinite
    horizon), predictive CLV (BG/NBD + Gamma-Gamma, with the as-of date of the fit it used) and
    its expected profit (predicted CLV × the customer's margin rate). See _value__docs.md for
    each method. -#}
with

features as (

    select * from {{ ref('int_customers_profiled') }}

),

predictions as (

    select * from {{ ref('int_customer_clv_predicted') }}

),

-- the fit the predictions used (refit on a schedule, or pinned)
parameters as (

    select
        clv_method,
        converged,
        fitted_as_of
    from {{ ref('int_clv_parameters_selected') }}

),

-- the yearly retention rate of each customer type, measured on the last two years (seed
-- customer_type_retention where the history or the type is too small)
type_retention as (

    select * from {{ ref('int_customer_type_retention_measured') }}

),

-- a log without costs (no buyer has a gross margin) values margin as net revenue × the var
-- default_margin_rate; with costs, a customer's own margin is used
costs as (

    select
        count(gross_margin) > 0 as has_costs,
        -- the margin rate of all buyers with costs: a customer whose own rate is undefined takes it
        {{ share_of('sum(gross_margin)', 'sum(case when gross_margin is not null then net_revenue end)') }}
            as all_buyers_margin_rate
    from features
    where not is_prospect

),

annualised as (

    select
        features.customer_id,
        features.as_of_date,
        features.customer_type,
        features.is_prospect,
        features.net_revenue as net_revenue_to_date,
        features.gross_margin as gross_margin_to_date,
        cast(features.tenure_days as {{ type_double() }}) / 365.25 as tenure_years,
        cast(features.net_revenue as {{ type_double() }}) / greatest(
            cast(features.tenure_days as {{ type_double() }}) / 365.25, {{ var('min_tenure_years_for_annualising') }}
        ) as annual_spend,
        case
            when costs.has_costs then cast(features.gross_margin as {{ type_double() }})
            else cast(features.net_revenue as {{ type_double() }}) * {{ var('default_margin_rate') }}
        end / greatest(
            cast(features.tenure_days as {{ type_double() }}) / 365.25, {{ var('min_tenure_years_for_annualising') }}
        ) as annual_margin,
        case when costs.has_costs then 'gross_margin' else 'default_margin_rate' end as discounted_clv_margin_source,
        predictions.p_alive,
        predictions.expected_purchases_short_horizon,
        predictions.expected_purchases_prediction_horizon,
        predictions.expected_order_value,
        predictions.predicted_clv,
        -- the margin rate that turns predicted revenue into profit: the customer's own gross
        -- margin ÷ net revenue to date, else (no cost, no positive revenue) all buyers' rate;
        -- NULL when the data has no costs
        case
            when costs.has_costs
                then coalesce(
                    {{ share_of('features.gross_margin', 'features.net_revenue') }}, costs.all_buyers_margin_rate
                )
        end as margin_rate,
        case
            when not costs.has_costs then null
            when {{ share_of('features.gross_margin', 'features.net_revenue') }} is not null then 'customer'
            when costs.all_buyers_margin_rate is not null then 'all_buyers'
        end as margin_rate_source,
        -- discounted CLV's r is a yearly retention rate (Gupta & Lehmann 2003), the customer
        -- type's; P(alive) is the probability of being active now and stays with the BTYD columns
        type_retention.retention_rate,
        coalesce(type_retention.retention_source, 'none') as retention_source
    from features
    left join predictions
        on features.customer_id = predictions.customer_id
    -- an unknown customer type (no customer attributes) takes the seed's 'unknown' rate
    left join type_retention
        on coalesce(features.customer_type, 'unknown') = type_retention.customer_type
    cross join costs

),

final as (

    select
        annualised.customer_id,
        annualised.as_of_date,
        annualised.customer_type,
        annualised.is_prospect,
        annualised.net_revenue_to_date,
        annualised.gross_margin_to_date,
        annualised.tenure_years,
        annualised.annual_spend,
        annualised.annual_margin,
        annualised.discounted_clv_margin_source,
        {{ var('expected_loyal_years') }} as expected_loyal_years,
        annualised.annual_spend * {{ var('expected_loyal_years') }} as simple_ltv,
        annualised.retention_rate,
        annualised.retention_source,
        {{ discounted_clv('annualised.annual_margin', 'annualised.retention_rate', var('discount_rate'),
                          var('clv_horizon_years')) }} as discounted_clv,
        {{ discounted_clv('annualised.annual_margin', 'annualised.retention_rate', var('discount_rate')) }}
            as discounted_clv_infinite,
        annualised.p_alive,
        annualised.expected_purchases_short_horizon,
        annualised.expected_purchases_prediction_horizon,
        annualised.expected_order_value,
        annualised.predicted_clv,
        annualised.margin_rate,
        annualised.margin_rate_source,
        -- expected profit: predicted CLV (already discounted) × margin rate; NULL without costs or fit
        annualised.predicted_clv * annualised.margin_rate as predicted_profit,
        case when annualised.is_prospect then 'not_applicable' else parameters.clv_method end as clv_method,
        case when not annualised.is_prospect and parameters.converged then parameters.fitted_as_of end
            as clv_fitted_as_of
    from annualised
    cross join parameters

)

select * from final
