{#- int_customer_clv_predicted where dbt cannot run the Python scoring (every engine but
    DuckDB): one row per customer with a purchase, predictions NULL, clv_method from
    clv_model_parameters (not_available). Enabled in dbt_project.yml. -#}
with

buyers as (

    select customer_id from {{ ref('int_customers_profiled') }}
    where not is_prospect

),

parameters as (

    select clv_method from {{ ref('int_clv_parameters_fitted') }}

),

final as (

    select
        buyers.customer_id,
        {%- for prediction in ['p_alive', 'expected_purchases_short_horizon', 'expected_purchases_prediction_horizon', 'expected_order_value', 'predicted_clv'] %}
        cast(null as {{ type_double() }}) as {{ prediction }},
        {%- endfor %}
        parameters.clv_method
    from buyers
    cross join parameters

)

select * from final
