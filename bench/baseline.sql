-- The hand-written baseline of `segmart bench`: the core outputs straight from the raw files in
-- as few passes as DuckDB allows — RFM, the BTYD summary, 12-month spend, share of wallet with
-- the peer quantile, and the value tier. Same rules as the warehouse where they matter for the
-- figures (net revenue, purchases, local dates, peer fallback), none of its tests or layers.
-- {raw}, {seeds} and the thresholds in braces are filled in by segmart/bench.py from dbt_project.yml's vars,
-- so the baseline uses the warehouse's thresholds.
create or replace table baseline_customers as
with
orders as (
    select
        trim(customer_id) as customer_id,
        cast(
            coalesce(
                try_strptime(left(trim(ordered_at), 19), '%Y-%m-%dT%H:%M:%S'),
                try_strptime(trim(ordered_at), ['%Y-%m-%d %H:%M:%S', '%Y/%m/%d %H:%M'])
            ) as date
        ) as order_date,
        lower(trim(status)) as status,
        (try_cast(gross_amount as decimal(18, 2)) - try_cast(discount_amount as decimal(18, 2))
            - try_cast(refund_amount as decimal(18, 2))) * rates.cny_per_unit as net_revenue,
        try_cast(gross_amount as decimal(18, 2)) as gross_amount,
        try_cast(discount_amount as decimal(18, 2)) as discount_amount,
        try_cast(refund_amount as decimal(18, 2)) as refund_amount
    from read_parquet('{raw}/orders.parquet', file_row_number = true) as raw_orders
    inner join read_csv('{seeds}/currency_codes.csv', header = true, all_varchar = true) as codes
        on upper(trim(coalesce(raw_orders.currency, 'CNY'))) = codes.raw_code
    cross join lateral (select cast(codes.cny_per_unit as decimal(18, 6)) as cny_per_unit) as rates
    where nullif(trim(order_id), '') is not null and nullif(trim(customer_id), '') is not null
    qualify row_number() over (partition by order_id order by file_row_number) = 1
),
purchases as (
    select customer_id, order_date, net_revenue
    from orders
    where order_date is not null and order_date <= current_date and status != 'cancelled'
        and gross_amount >= 0 and discount_amount >= 0 and refund_amount >= 0 and refund_amount <= gross_amount
        and gross_amount < {max_amount} and net_revenue > 0
),
as_of as (select max(order_date) as as_of_date from purchases),
days as (
    select customer_id, order_date, sum(net_revenue) as amount,
        row_number() over (partition by customer_id order by order_date) as day_number
    from purchases group by customer_id, order_date
),
per_customer as (
    select
        days.customer_id,
        count(*) - 1 as frequency,
        date_diff('day', min(order_date), max(order_date)) as recency,
        date_diff('day', min(order_date), as_of.as_of_date) as t,
        coalesce(avg(case when day_number > 1 then amount end), 0) as monetary_value,
        date_diff('day', max(order_date), as_of.as_of_date) as recency_days,
        sum(amount) as net_revenue,
        sum(case when order_date > as_of.as_of_date - interval 365 day then amount else 0 end) as spend_12_months
    from days cross join as_of
    group by days.customer_id, as_of.as_of_date
),
customers as (
    select trim(raw.customer_id) as customer_id, coalesce(lower(trim(raw.customer_type)), 'unknown') as customer_type,
        coalesce(cities.city_tier, 'unknown') as city_tier,
        case when try_cast(raw.monthly_income as double) < {income_low_edge} then 'low'
             when try_cast(raw.monthly_income as double) < {income_high_edge} then 'middle'
             when try_cast(raw.monthly_income as double) >= {income_high_edge} then 'high' else 'unknown' end as income_band
    from read_parquet('{raw}/customers.parquet') as raw
    left join read_csv('{seeds}/geo_cities.csv', header = true, all_varchar = true) as cities
        on regexp_replace(trim(raw.city), '市$', '') = cities.city
    where nullif(trim(raw.customer_id), '') is not null
    qualify row_number() over (partition by trim(raw.customer_id)) = 1
),
scored as (
    select per_customer.*, customers.customer_type, customers.city_tier, customers.income_band,
        1 + floor(5 * (rank() over (order by recency_days desc) - 1) / count(*) over ()) as r_score,
        1 + floor(5 * (rank() over (order by frequency) - 1) / count(*) over ()) as f_score,
        1 + floor(5 * (rank() over (order by net_revenue) - 1) / count(*) over ()) as m_score,
        (rank() over (order by net_revenue desc) - 1) / count(*) over () as value_position,
        count(*) over (partition by customer_type, city_tier, income_band) as peers_3,
        count(*) over (partition by customer_type, city_tier) as peers_2,
        quantile_cont(spend_12_months, {wallet_quantile}) over (partition by customer_type, city_tier, income_band) as wallet_3,
        quantile_cont(spend_12_months, {wallet_quantile}) over (partition by customer_type, city_tier) as wallet_2,
        quantile_cont(spend_12_months, {wallet_quantile}) over (partition by customer_type) as wallet_1
    from per_customer inner join customers using (customer_id)
)
select
    customer_id, frequency, recency, t, monetary_value, recency_days, net_revenue, spend_12_months,
    r_score, f_score, m_score,
    greatest(spend_12_months, case when peers_3 >= {min_peers} then wallet_3 when peers_2 >= {min_peers} then wallet_2 else wallet_1 end)
        as wallet,
    least(1, spend_12_months / nullif(greatest(spend_12_months,
        case when peers_3 >= {min_peers} then wallet_3 when peers_2 >= {min_peers} then wallet_2 else wallet_1 end), 0)) as share_of_wallet,
    case when value_position < {platinum_cut} then 'platinum' when value_position < {gold_cut} then 'gold'
         when value_position < {iron_cut} then 'iron' else 'lead' end as value_tier
from scored;
