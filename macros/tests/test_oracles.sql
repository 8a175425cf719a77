{#- Test oracle for tests/marts (not the models' code): each buyer's expected profit recomputed from the inputs —
    predicted CLV × gross margin ÷ net revenue (all buyers' summed ratio when the customer's own
    is undefined); predicted CLV alone when no buyer has a cost; discounted CLV without a fit.
    One row per buyer: customer_id, expected_profit. Reads the relations customer_features and
    customer_lifetime_value (their columns of the same names). -#}
{% macro expected_profit_recomputed(customer_features, customer_lifetime_value) -%}
    select
        features.customer_id,
        case
            when clv.clv_method = 'not_available' or clv.predicted_clv is null then clv.discounted_clv
            when totals.costed_buyers = 0 then clv.predicted_clv
            when features.gross_margin is not null and features.net_revenue > 0
                then clv.predicted_clv * features.gross_margin / features.net_revenue
            else clv.predicted_clv * totals.margin / totals.revenue
        end as expected_profit
    from {{ customer_features }} as features
    inner join {{ customer_lifetime_value }} as clv
        on features.customer_id = clv.customer_id
    cross join (
        select
            count(gross_margin) as costed_buyers,
            sum(gross_margin) as margin,
            sum(case when gross_margin is not null then net_revenue end) as revenue
        from {{ customer_features }}
        where not is_prospect
    ) as totals
    where not features.is_prospect
{%- endmacro %}
