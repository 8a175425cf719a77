{#- One row per day: the time spine MetricFlow joins metrics to (dbt's cross-database
    date_spine), over the vars time_spine_start to time_spine_end. -#}
{%- set first_day = "cast('" ~ var('time_spine_start') ~ "' as date)" -%}
{%- set last_day = "cast('" ~ var('time_spine_end') ~ "' as date)" %}
with

days as (

    {{ dbt.date_spine('day', first_day, last_day) }}

),

final as (

    select cast(date_day as date) as date_day
    from days

)

select * from final
