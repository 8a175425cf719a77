{#- int_customer_clv_predicted on Spark: every buyer's predictions, scored by the segmart step
    on the executors (source segmart_clv.customer_clv_predictions), read column by column with
    their types. Without the step's tables (a plain `dbt build`, clv_fit_failure warn): one row
    per buyer with NULL predictions and clv_method from int_clv_parameters_selected
    (not_available). -#}
{%- set scored = source('segmart_clv', 'customer_clv_predictions') -%}
{%- set buyers = ref('int_customer_btyd_summarised') -%}
{%- set parameters = ref('int_clv_parameters_selected') -%}
{%- set predictions = ['p_alive', 'expected_purchases_short_horizon', 'expected_purchases_prediction_horizon', 'expected_order_value', 'predicted_clv'] -%}
{%- if clv_step_table_exists(scored) %}
select
    cast(customer_id as {{ dbt.type_string() }}) as customer_id,
    {%- for prediction in predictions %}
    cast({{ prediction }} as {{ type_double() }}) as {{ prediction }},
    {%- endfor %}
    cast(clv_method as {{ dbt.type_string() }}) as clv_method
from {{ scored }}
{%- else %}
select
    buyers.customer_id,
    {%- for prediction in predictions %}
    cast(null as {{ type_double() }}) as {{ prediction }},
    {%- endfor %}
    parameters.clv_method
from {{ buyers }} as buyers
cross join {{ parameters }} as parameters
{%- endif %}
