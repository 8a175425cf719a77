{#- One row: the settings this build's amounts and dates are in, for readers of the published
    marts (the dashboard and the report label money with reporting_currency). -#}
{%- set as_of_date = '(select as_of_date from ' ~ ref('int_as_of_date_resolved') ~ ')' -%}
with

final as (

    select
        cast('{{ reporting_currency() }}' as {{ dbt.type_string() }}) as reporting_currency,
        cast('{{ var("business_timezone") }}' as {{ dbt.type_string() }}) as business_timezone,
        cast('{{ var("rfm_score_method") }}' as {{ dbt.type_string() }}) as rfm_score_method,
        {{ as_of_date }} as as_of_date

)

select * from final
