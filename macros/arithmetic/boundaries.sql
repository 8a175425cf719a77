{#- The two kinds of boundary every model reads the same way (DECISIONLOG.md "Boundaries: one
    reading of 'top x%' and of 'within N days'"). Plain arithmetic that DuckDB and Spark
    evaluate alike (ceiling, round and comparisons), so nothing to dispatch; the day counts
    they read come from the dispatched days_between. -#}

{#- Top x%: true when a row of rank `rank` (1 = best) among `n` rows is in the top `share`
    (a fraction, 0.2 = 20%), i.e. rank <= ceil(share × n): the top 20% of 1,000 customers are
    ranks 1..200, of 1,001 customers ranks 1..201 (the inverse of the empirical distribution,
    Hyndman & Fan 1996 definition 1). share × n is rounded to 9 decimals before the ceiling,
    so a product that is whole on paper (0.28 × 25 = 7) is not pushed up by binary floating
    point (7.000000000000001). Which rank to pass is the caller's: rank() keeps ties together
    (all of a tie straddling the cut are in), row_number() with a tie breaker counts customers. -#}
{% macro is_in_top_share(rank, n, share) -%}
    (({{ rank }}) <= ceiling(round(({{ share }}) * ({{ n }}), 9)))
{%- endmacro %}

{#- Within N days: true when `days` (whole days from the event to the window's last day, 0 =
    that day itself) falls in the N-day window ending on that day: 0 <= days < N. The last 90
    days at an as-of date are the as-of date and the 89 days before it, so consecutive windows
    tile without overlap and a 365-day year never holds the same calendar date twice; beyond N
    days (dormant, churned, before a window) is the negation. N may be fractional (a threshold
    stretched by a customer's own rhythm). NULL days give NULL. -#}
{% macro is_within_days(days, n) -%}
    (({{ days }}) >= 0 and ({{ days }}) < ({{ n }}))
{%- endmacro %}
