{#- From-segment × to-segment customer counts and revenue between consecutive as-of dates in
    customer_segment_history, for every segment dimension. revenue_between_dates is the net
    revenue the moving customers brought between the two dates. A customer unknown at the
    earlier date comes from 'not_yet_customer'. -#}
with

history as (

    select * from {{ ref('customer_segment_history') }}

),

as_of_dates as (

    select
        as_of_date,
        lag(as_of_date) over (order by as_of_date) as previous_as_of_date
    from (select distinct as_of_date from history) as distinct_dates

),

pairs as (

    select
        as_of_dates.previous_as_of_date,
        as_of_dates.as_of_date,
        current_rows.customer_id,
        {%- for dimension in var('segment_dimensions') %}
        coalesce(cast(previous_rows.{{ dimension }} as {{ dbt.type_string() }}), 'not_yet_customer')
            as from_{{ dimension }},
        coalesce(cast(current_rows.{{ dimension }} as {{ dbt.type_string() }}), 'none')
            as to_{{ dimension }},
        {%- endfor %}
        current_rows.net_revenue - coalesce(previous_rows.net_revenue, 0) as revenue_between_dates
    from as_of_dates
    inner join history as current_rows
        on as_of_dates.as_of_date = current_rows.as_of_date
    left join history as previous_rows
        on
            as_of_dates.previous_as_of_date = previous_rows.as_of_date
            and current_rows.customer_id = previous_rows.customer_id
    where as_of_dates.previous_as_of_date is not null

),

unpivoted as (

    {{ unpivot_segment_dimensions('pairs', {
        'from_segment': 'from_@',
        'to_segment': 'to_@',
    }, carry=['previous_as_of_date', 'as_of_date', 'revenue_between_dates']) }}

),

final as (

    select
        {{ dbt.concat([
            'cast(as_of_date as ' ~ dbt.type_string() ~ ')', "'|'", 'segment_dimension', "'|'",
            'from_segment', "'|'", 'to_segment'
        ]) }} as segment_migration_id,
        previous_as_of_date,
        as_of_date,
        segment_dimension,
        from_segment,
        to_segment,
        count(*) as customers,
        sum(revenue_between_dates) as revenue_between_dates
    from unpivoted
    group by previous_as_of_date, as_of_date, segment_dimension, from_segment, to_segment

)

select * from final
