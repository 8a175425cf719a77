{#- One row per customer per as-of date: segmentation is continuous (models/overview.md,
    'Continuous segmentation'). Incremental:
    a build adds (or replaces) the rows of its own as-of date and leaves the other dates alone.
    Fill past dates with `segmart backfill --from ... --to ... --every month`. -#}
{#- full_refresh=false: snapshots of past as-of dates cannot be rebuilt from today's data, so
    --full-refresh keeps them. -#}
{{ as_of_date_incremental() }}
with

segments as (

    select * from {{ ref('customer_segments') }}

),

final as (

    select
        {{ dbt.concat(['cast(as_of_date as ' ~ dbt.type_string() ~ ')', "'|'", 'customer_id']) }}
            as customer_segment_history_id,
        as_of_date,
        customer_id,
        is_prospect,
        -- every segment dimension (var segment_dimensions)
        {%- for dimension in var('segment_dimensions') %}
        {{ dimension }},
        {%- endfor %}
        net_revenue,
        predicted_clv,
        share_of_wallet,
        recency_days
    from segments

)

select * from final
