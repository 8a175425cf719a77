{#- Segment migration matrix: value tiers at the two latest as-of dates of the history (fill it
    with `segmart backfill`), customers per (from, to) pair and their revenue at the later date. -#}
with

history as (

    select * from {{ ref('customer_segment_history') }}

),

latest as (

    select max(as_of_date) as to_date
    from history

),

dates as (

    select
        latest.to_date,
        max(history.as_of_date) as from_date
    from history
    cross join latest
    where history.as_of_date < latest.to_date
    group by latest.to_date

)

select
    earlier.value_tier as from_value_tier,
    later.value_tier as to_value_tier,
    count(*) as customers,
    sum(later.net_revenue) as net_revenue_at_to_date
from history as earlier
inner join history as later
    on earlier.customer_id = later.customer_id
cross join dates
where
    earlier.as_of_date = dates.from_date
    and later.as_of_date = dates.to_date
group by earlier.value_tier, later.value_tier
order by earlier.value_tier, later.value_tier
