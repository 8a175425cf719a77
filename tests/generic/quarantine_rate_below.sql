{#- The quarantine-rate monitor of a base model: the share of its rows with a rejection_reason is
    at most max_value, counting neither in the share nor in the rows those rejected for a reason
    in the var quarantine_rate_ignored_reasons (guest checkouts and their lines: expected, not a
    broken export). Returns one row with the share when it is above. -#}
{% test quarantine_rate_below(model, max_value) %}

with

shares as (

    select
        avg(case when rejection_reason is not null then 1.0 else 0.0 end) as quarantine_rate,
        count(*) as counted_rows
    from {{ model }}
    where {{ counts_towards_quarantine_rate() }}

)

select *
from shares
where counted_rows > 0 and quarantine_rate > {{ max_value }}

{% endtest %}
