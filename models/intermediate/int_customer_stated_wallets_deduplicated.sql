{#- The latest survey answer per customer and category up to the as-of date: the customer's
    stated yearly spend in that category with all vendors (their known wallet). Answers repeated
    for a category (also on the same date): the latest surveyed_at wins, then the highest
    response_id compared as text (a deterministic tie-break for answers at the same second). -#}
{%- set as_of_date = '(select as_of_date from ' ~ ref('int_as_of_date_resolved') ~ ')' -%}
with

answers as (

    select * from {{ ref('stg_raw__wallet_survey_answers') }}
    where surveyed_date <= {{ as_of_date }}

),

ranked as (

    select
        *,
        row_number() over (
            partition by customer_id, category
            order by surveyed_at desc, response_id desc
        ) as answer_recency_rank
    from answers

),

final as (

    select
        {{ dbt.concat(['customer_id', "'|'", 'category']) }} as customer_category_id,
        customer_id,
        category,
        stated_annual_spend,
        surveyed_date
    from ranked
    where answer_recency_rank = 1

)

select * from final
