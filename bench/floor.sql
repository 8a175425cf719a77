-- The floor of `segmart bench`: one hand-written DuckDB script doing the work the models cannot
-- avoid, without their layers, tests, quarantine tables, incremental bookkeeping or CLV fit.
-- It reads the five raw sources, parses them and drops every row that breaks a staging rule or
-- repeats an id (the first raw row of an id is kept, as staging keeps it), converts amounts to
-- the reporting currency, and computes per customer known at the as-of date the core columns of
-- the marts: the RFM inputs and scores, the BTYD summary, the 90-day and 365-day windows,
-- engagement counts, the value tier and share of wallet (category wallets from peers and the
-- survey). The value tier ranks buyers by gross margin (net revenue without costs): the models'
-- default measure, predicted profit, needs the CLV fit the floor leaves out.
-- tests_py/test_bench.py checks its columns against the marts of the CI warehouse.
-- The names in braces are filled in by segmart/bench.py from dbt_project.yml's vars and the raw
-- folder's _manifest.json, so the floor uses the warehouse's thresholds and settings.

-- a raw timestamp's local time in the business time zone: with an offset, converted; without,
-- it is local time already
create or replace temp macro local_timestamp(text) as coalesce(
    cast(timezone('{business_timezone}', try_strptime(trim(text), ['%Y-%m-%dT%H:%M:%S%z', '%Y-%m-%d %H:%M:%S%z'])) as timestamp),
    try_strptime(trim(text), ['%Y-%m-%d %H:%M:%S', '%Y-%m-%dT%H:%M:%S', '%Y/%m/%d %H:%M:%S', '%Y/%m/%d %H:%M', '%Y-%m-%d %H:%M', '%Y-%m-%d', '%Y/%m/%d'])
);

-- the rows of a table of raw rows (with dedup_key and file_row_number) that are the first raw
-- row of their id: found exactly, but only among the ids whose 64-bit hash repeats (grouping
-- every id by its text would hold them all)
create or replace temp macro first_rows(raw_rows) as table
with
source as (from query_table(raw_rows)),
repeats as (
    select dedup_key, min(file_row_number) as first_row
    from source
    where hash(dedup_key) in (select hash(dedup_key) from source group by all having count(*) > 1)
    group by all
    having count(*) > 1
)
select source.* exclude (dedup_key)
from source
left join repeats using (dedup_key)
where repeats.first_row is null or source.file_row_number = repeats.first_row;

-- reporting currency per unit of each raw currency code
create or replace temp table floor_currencies as
with codes as (select * from read_csv('{seeds}/currency_codes.csv', header = true))
select codes.raw_code, cast(codes.cny_per_unit / reporting.cny_per_unit as decimal(18, 6)) as reporting_per_unit
from codes
cross join (
    select cny_per_unit from codes where raw_code = '{reporting_currency}' and currency_code = raw_code
) as reporting;

-- customers: parsed, valid, first row of each id; city tier and income band
create or replace temp table floor_raw_customers as
select
    nullif(trim(customer_id), '') as customer_id,
    customer_type,
    city,
    birth_date as birth_text,
    monthly_income as income_text,
    signed_up_at as signed_up_text,
    file_row_number,
    nullif(trim(customer_id), '') as dedup_key
from read_parquet('{customers_file}', file_row_number = true);

create or replace temp table floor_customers_staged as
with
cities as (select * from read_csv('{seeds}/geo_cities.csv', header = true, all_varchar = true)),
aliases as (
    select city as alias, city from cities
    union all
    select city_en as alias, city from cities
),
parsed as (
    select
        source.*,
        case
            when lower(trim(customer_type)) in ('individual', '2c') then 'individual'
            when lower(trim(customer_type)) in ('business', '2b') then 'business'
            when lower(trim(customer_type)) in ('government', '2g') then 'government'
        end as clean_type,
        coalesce(aliases.city, nullif(regexp_replace(trim(source.city), '市$', ''), '')) as clean_city,
        cast(try_strptime(trim(birth_text), ['%Y-%m-%d', '%Y/%m/%d', '%Y%m%d']) as date) as birth_date,
        try_cast(trim(income_text) as decimal(18, 2)) as monthly_income,
        local_timestamp(signed_up_text) as signed_up_local
    from first_rows('floor_raw_customers') as source
    left join aliases on lower(regexp_replace(trim(source.city), '市$', '')) = lower(aliases.alias)
)
select
    parsed.customer_id,
    clean_type as customer_type,
    cast(signed_up_local as date) as signed_up_date,
    coalesce(cities.city_tier, 'unknown') as city_tier,
    case
        when monthly_income < {income_low_edge} then 'low'
        when monthly_income < {income_high_edge} then 'middle'
        when monthly_income >= {income_high_edge} then 'high'
    end as income_band
from parsed
left join cities on parsed.clean_city = cities.city
where
    parsed.customer_id is not null
    and position('�' in parsed.customer_id) = 0
    and not (signed_up_text is not null and signed_up_local is null)
    and coalesce(signed_up_local <= timezone('{business_timezone}', now()), true)
    and not (income_text is not null and coalesce(monthly_income < 0, true))
    and not (birth_text is not null and birth_date is null)
    and coalesce(birth_date <= coalesce(cast(signed_up_local as date), current_date), true)
    and coalesce(date_diff('year', birth_date, coalesce(cast(signed_up_local as date), current_date)) <= {max_customer_age_years}, true);

drop table floor_raw_customers;

-- orders: parsed, valid, first row of each id, amounts in the reporting currency, netted
create or replace temp table floor_raw_orders as
select
    nullif(trim(order_id), '') as order_id,
    nullif(trim(customer_id), '') as customer_id,
    ordered_at,
    coalesce(nullif(lower(trim(status)), ''), 'completed') as raw_status,
    upper(coalesce(nullif(trim(currency), ''), '{default_currency}')) as currency,
    try_cast(trim(gross_amount) as decimal(18, 2)) as gross,
    try_cast(trim(discount_amount) as decimal(18, 2)) as discount,
    try_cast(trim(refund_amount) as decimal(18, 2)) as refund,
    try_cast(trim(cost_amount) as decimal(18, 2)) as cost,
    nullif(trim(discount_amount), '') is not null as has_discount,
    nullif(trim(refund_amount), '') is not null as has_refund,
    nullif(trim(cost_amount), '') is not null as has_cost,
    file_row_number,
    nullif(trim(order_id), '') as dedup_key
from read_parquet('{orders_file}', file_row_number = true);

create or replace temp table floor_orders as
with
parsed as (
    select
        source.*,
        floor_currencies.reporting_per_unit,
        local_timestamp(ordered_at) as ordered_local
    from first_rows('floor_raw_orders') as source
    left join floor_currencies on source.currency = floor_currencies.raw_code
),
valid as (
    select
        order_id,
        customer_id,
        cast(ordered_local as date) as order_date,
        case when gross < 0 then 'returned' else raw_status end as status,
        reporting_per_unit,
        cast(gross as decimal(38, 2)) * reporting_per_unit as gross,
        cast(coalesce(discount, 0) as decimal(38, 2)) * reporting_per_unit as discount,
        cast(coalesce(refund, 0) as decimal(38, 2)) * reporting_per_unit as refund,
        cast(cost as decimal(38, 2)) * reporting_per_unit as cost
    from parsed
    where
        order_id is not null and customer_id is not null
        and position('�' in order_id) = 0 and position('�' in customer_id) = 0
        and ordered_local <= timezone('{business_timezone}', now())
        and gross is not null
        and not (has_discount and discount is null) and not (has_refund and refund is null)
        and not (has_cost and cost is null)
        and coalesce(discount, 0) >= 0 and coalesce(refund, 0) >= 0 and not (coalesce(cost, 0) < 0 and gross >= 0)
        and not (gross < 0 and (coalesce(discount, 0) != 0 or coalesce(refund, 0) != 0))
        and not (gross >= 0 and refund > gross)
        and abs(cast(gross as double)) * coalesce(reporting_per_unit, 1) <= {max_amount}
        and reporting_per_unit is not null
        and raw_status in ('completed', 'cancelled', 'returned')
        and customer_id in (select customer_id from floor_customers_staged)
)
select
    order_id,
    customer_id,
    order_date,
    status,
    reporting_per_unit,
    -- exact, in 8 bytes: an accepted amount is at most max_amount
    cast(gross as decimal(18, 8)) as gross,
    cast(discount as decimal(18, 8)) as discount,
    cast(refund as decimal(18, 8)) as refund,
    cast(case when status = 'cancelled' then 0 else gross - discount - refund end as decimal(18, 8)) as net_revenue,
    cast(
        case
            when status = 'cancelled' then 0
            when gross < 0 then -abs(cost)
            else cast(cost * coalesce(case when gross - discount != 0 then cast(gross - discount - refund as double) / (gross - discount) end, 0) as decimal(38, 8))
        end as decimal(18, 2)
    ) as cost_of_sales,
    status != 'cancelled' and gross - discount - refund > 0 as is_purchase
from valid;

drop table floor_raw_orders;

-- the as-of date: the latest order date
create or replace temp table floor_as_of as
select max(order_date) as as_of_date from floor_orders;

-- 12-month net spend per customer and category from the lines of purchases and returns (an
-- order line's id: its order and line number as exported)
create or replace temp table floor_raw_order_items as
select
    nullif(trim(order_id), '') as order_id,
    nullif(lower(trim(category)), '') as category,
    try_cast(trim(line_number) as bigint) as line_number,
    try_cast(trim(quantity) as decimal(18, 3)) as quantity,
    try_cast(trim(unit_price) as decimal(18, 2)) as unit_price,
    file_row_number,
    (nullif(trim(raw.order_id), ''), raw.line_number) as dedup_key
from read_parquet('{order_items_file}', file_row_number = true) as raw;

create or replace temp table floor_category_spend as
with
lines as (
    select
        orders.customer_id,
        source.category,
        cast(
            case
                when orders.gross < 0 then -abs(cast(source.quantity as decimal(38, 3)) * source.unit_price * orders.reporting_per_unit)
                else cast(source.quantity as decimal(38, 3)) * source.unit_price * orders.reporting_per_unit
                    * case when orders.gross > 0 then cast(orders.net_revenue as double) / orders.gross end
            end as decimal(18, 4)
        ) as net_line_amount
    from first_rows('floor_raw_order_items') as source
    inner join floor_orders as orders on source.order_id = orders.order_id
    cross join floor_as_of
    where
        source.line_number is not null and source.quantity is not null
        and source.unit_price >= 0 and source.category is not null
        and (orders.is_purchase or orders.gross < 0)
        and date_diff('day', orders.order_date, floor_as_of.as_of_date) between 0 and {year_days} - 1
)
select customer_id, category, sum(net_line_amount) as spend
from lines
group by customer_id, category;

drop table floor_raw_order_items;

-- per customer: orders, revenue windows and the BTYD summary up to the as-of date
create or replace temp table floor_order_features as
with
orders as (
    select orders.*, date_diff('day', order_date, as_of_date) as age_days
    from floor_orders as orders cross join floor_as_of
    where order_date <= as_of_date and status != 'cancelled'
),
per_customer as (
    select
        customer_id,
        min(case when is_purchase then order_date end) as first_order_date,
        max(case when is_purchase then order_date end) as last_order_date,
        count(case when is_purchase then 1 end) as order_count,
        sum(gross) as gross_revenue,
        sum(discount) as discount_total,
        sum(refund) as refund_total,
        sum(net_revenue) as net_revenue,
        sum(net_revenue - cost_of_sales) as gross_margin,
        sum(case when is_purchase then net_revenue else 0 end) as purchase_net_revenue,
        count(case when is_purchase and age_days < {recent_days} then 1 end) as orders_in_recent_window,
        count(case when is_purchase and age_days < {year_days} then 1 end) as orders_in_year_window,
        sum(case when age_days < {year_days} then net_revenue else 0 end) as net_revenue_in_year_window,
        sum(case when age_days < {year_days} then net_revenue - cost_of_sales else 0 end) as gross_margin_in_year_window
    from orders
    group by customer_id
),
purchase_days as (
    select customer_id, order_date, sum(net_revenue) as amount
    from orders
    where is_purchase
    group by customer_id, order_date
),
btyd as (
    -- lifetimes' summary: the mean daily amount after the first day is (all − first day) / repeats
    select
        purchase_days.customer_id,
        count(*) - 1 as btyd_frequency,
        date_diff('day', min(order_date), max(order_date)) / {btyd_time_unit_days} as btyd_recency,
        date_diff('day', min(order_date), any_value(as_of_date)) / {btyd_time_unit_days} as btyd_t,
        coalesce(cast(sum(amount) - arg_min(amount, order_date) as double) / nullif(count(*) - 1, 0), 0) as btyd_monetary_value
    from purchase_days cross join floor_as_of
    group by purchase_days.customer_id
)
select per_customer.*, btyd.* exclude (customer_id)
from per_customer
left join btyd on per_customer.customer_id = btyd.customer_id;

drop table floor_orders;

-- per customer: engagement events up to the as-of date (an event without an id is its own)
create or replace temp table floor_raw_customer_events as
select
    nullif(trim(customer_id), '') as customer_id,
    lower(trim(event_type)) as event_type,
    cast(local_timestamp(occurred_at) as date) as event_date,
    file_row_number,
    coalesce(nullif(trim(event_id), ''), 'row-' || file_row_number) as dedup_key
from read_parquet('{customer_events_file}', file_row_number = true);

create or replace temp table floor_engagement as
with
engagement as (
    select
        customer_id,
        count(case when event_type = 'page_view' and age_days < {engagement_days} then 1 end) as page_views_in_engagement_window,
        count(case when event_type = 'ad_click' and age_days < {engagement_days} then 1 end) as ad_clicks_in_engagement_window,
        count(case when event_type = 'review' then 1 end) as review_count,
        count(case when event_type = 'complaint' then 1 end) as complaint_count,
        count(case when event_type = 'product_suggestion' then 1 end) as product_suggestion_count,
        count(case when event_type = 'referral_signup' then 1 end) as referral_signup_count,
        count(case when event_type = 'referral_purchase' then 1 end) as successful_referral_count,
        count(case when event_type = 'value_added_purchase' then 1 end) as value_added_purchase_count
    from (
        select events.*, date_diff('day', event_date, as_of_date) as age_days
        from first_rows('floor_raw_customer_events') as events cross join floor_as_of
        where
            customer_id is not null and event_date <= as_of_date
            and event_type in (select event_type from read_csv('{seeds}/event_types.csv', header = true))
            and customer_id in (select customer_id from floor_customers_staged)
    )
    group by customer_id
)
select * from engagement;

drop table floor_raw_customer_events;

-- customers known at the as-of date with their orders, BTYD summary and engagement
create or replace temp table floor_features as
select
    customers.customer_id,
    as_of_date,
    customers.customer_type,
    coalesce(customers.customer_type, 'unknown') as peer_type,
    customers.city_tier,
    customers.income_band,
    coalesce(customers.income_band, 'unknown') as peer_income_band,
    customers.signed_up_date,
    per_customer.first_order_date,
    per_customer.last_order_date,
    date_diff('day', least(customers.signed_up_date, per_customer.first_order_date), as_of_date) as tenure_days,
    coalesce(per_customer.order_count, 0) = 0 as is_prospect,
    date_diff('day', per_customer.last_order_date, as_of_date) as recency_days,
    coalesce(per_customer.order_count, 0) as order_count,
    coalesce(per_customer.gross_revenue, 0) as gross_revenue,
    coalesce(per_customer.discount_total, 0) as discount_total,
    coalesce(per_customer.refund_total, 0) as refund_total,
    coalesce(per_customer.net_revenue, 0) as net_revenue,
    per_customer.gross_margin,
    case when per_customer.order_count > 0 then cast(per_customer.purchase_net_revenue as double) / per_customer.order_count end
        as avg_order_value,
    coalesce(per_customer.orders_in_recent_window, 0) as orders_in_recent_window,
    coalesce(per_customer.orders_in_year_window, 0) as orders_in_year_window,
    coalesce(per_customer.net_revenue_in_year_window, 0) as net_revenue_in_year_window,
    per_customer.gross_margin_in_year_window,
    per_customer.btyd_frequency,
    per_customer.btyd_recency,
    per_customer.btyd_t,
    per_customer.btyd_monetary_value,
    coalesce(engagement.page_views_in_engagement_window, 0) as page_views_in_engagement_window,
    coalesce(engagement.ad_clicks_in_engagement_window, 0) as ad_clicks_in_engagement_window,
    coalesce(engagement.review_count, 0) as review_count,
    coalesce(engagement.complaint_count, 0) as complaint_count,
    coalesce(engagement.product_suggestion_count, 0) as product_suggestion_count,
    coalesce(engagement.referral_signup_count, 0) as referral_signup_count,
    coalesce(engagement.successful_referral_count, 0) as successful_referral_count,
    coalesce(engagement.value_added_purchase_count, 0) as value_added_purchase_count,
    coalesce(
        engagement.page_views_in_engagement_window * {weight_page_view}
        + engagement.ad_clicks_in_engagement_window * {weight_ad_click}
        + engagement.review_count * {weight_review}
        + engagement.complaint_count * {weight_complaint}
        + engagement.product_suggestion_count * {weight_product_suggestion}
        + engagement.referral_signup_count * {weight_referral_signup}
        + engagement.successful_referral_count * {weight_referral_purchase}
        + engagement.value_added_purchase_count * {weight_value_added_purchase},
        0
    ) as engagement_score
from floor_customers_staged as customers
cross join floor_as_of
left join floor_order_features as per_customer on customers.customer_id = per_customer.customer_id
left join floor_engagement as engagement on customers.customer_id = engagement.customer_id
where coalesce(customers.signed_up_date, as_of_date) <= as_of_date;

-- every known customer × every category (a category never bought is a spend of 0), and the
-- customer's whole 12-month spend as category '*', with the peer keys
create or replace temp table floor_spend as
select
    features.customer_id, categories.category, features.peer_type, features.city_tier, features.peer_income_band as income_band,
    features.orders_in_year_window > 0 as is_active,
    cast(coalesce(floor_category_spend.spend, 0) as double) as spend
from floor_features as features
cross join (select category from read_csv('{seeds}/product_categories.csv', header = true)) as categories
left join floor_category_spend
    on features.customer_id = floor_category_spend.customer_id and categories.category = floor_category_spend.category
union all
select
    customer_id, '*', peer_type, city_tier, peer_income_band, orders_in_year_window > 0, cast(net_revenue_in_year_window as double)
from floor_features;

drop table floor_category_spend;

-- wallets: the stated ones (latest answer per customer and category) and the realistic ones
-- (the wallet_quantile of 12-month spend among active peers: type × city tier × income band,
-- then coarser while the group has fewer than min_peers), per category and over all spend
create or replace temp table floor_wallets as
with
spend as (select * from floor_spend),
stated as (
    select customer_id, category, stated_wallet
    from (
        select
            nullif(trim(source.customer_id), '') as customer_id,
            nullif(lower(trim(source.category)), '') as category,
            try_cast(trim(stated_annual_spend) as decimal(18, 2)) as stated_wallet,
            local_timestamp(surveyed_at) as surveyed_local,
            coalesce(nullif(trim(response_id), ''), 'row-' || file_row_number) as response_id,
            -- the first raw row of each id (a few answers per surveyed customer: a window will do)
            row_number() over (
                partition by coalesce(nullif(trim(response_id), ''), 'row-' || file_row_number) order by file_row_number
            ) as key_row
        from read_parquet('{wallet_survey_file}', file_row_number = true) as source
    ) as answers
    cross join floor_as_of
    where
        key_row = 1 and customer_id is not null and stated_wallet >= 0
        and cast(surveyed_local as date) <= as_of_date
        and category in (select category from read_csv('{seeds}/product_categories.csv', header = true))
        and customer_id in (select customer_id from floor_customers_staged)
    qualify row_number() over (partition by customer_id, category order by surveyed_local desc, response_id desc) = 1
),
value_counts as (
    -- one row per peer level, group and distinct spend (level 0 = all three keys, 7 = none)
    select
        grouping(peer_type, city_tier, income_band) as level, category, peer_type, city_tier, income_band, spend,
        count(*) as value_count
    from spend
    where is_active
    group by grouping sets (
        (category, peer_type, city_tier, income_band, spend), (category, peer_type, city_tier, spend),
        (category, peer_type, spend), (category, spend)
    )
),
positioned as (
    select
        *,
        sum(value_count) over (partition by level, category, peer_type, city_tier, income_band order by spend)
            - value_count as first_position,
        sum(value_count) over (partition by level, category, peer_type, city_tier, income_band) as group_size
    from value_counts
),
quantiles as (
    -- percentile_cont: between the values at positions floor and ceil of (n − 1) × q
    select
        level, category, peer_type, city_tier, income_band, group_size,
        max(case when floor((group_size - 1) * {wallet_quantile}) between first_position and first_position + value_count - 1 then spend end)
            as lower_value,
        max(case when ceil((group_size - 1) * {wallet_quantile}) between first_position and first_position + value_count - 1 then spend end)
            as upper_value,
        (group_size - 1) * {wallet_quantile} - floor((group_size - 1) * {wallet_quantile}) as weight
    from positioned
    group by all
),
estimates as (
    -- per category and peer keys: the finest level with enough active peers
    select
        keys.category, keys.peer_type, keys.city_tier, keys.income_band,
        case
            when keys.peer_type = 'unknown' and keys.city_tier = 'unknown' and keys.income_band = 'unknown' then null
            when q0.group_size >= {min_peers} then q0.lower_value + q0.weight * (q0.upper_value - q0.lower_value)
            when q1.group_size >= {min_peers} then q1.lower_value + q1.weight * (q1.upper_value - q1.lower_value)
            when q3.group_size >= {min_peers} then q3.lower_value + q3.weight * (q3.upper_value - q3.lower_value)
            when q7.group_size >= {min_peers} then q7.lower_value + q7.weight * (q7.upper_value - q7.lower_value)
        end as estimated_wallet
    from (select distinct category, peer_type, city_tier, income_band from spend) as keys
    left join quantiles as q0
        on q0.level = 0 and keys.category = q0.category and keys.peer_type = q0.peer_type
        and keys.city_tier = q0.city_tier and keys.income_band = q0.income_band
    left join quantiles as q1
        on q1.level = 1 and keys.category = q1.category and keys.peer_type = q1.peer_type and keys.city_tier = q1.city_tier
    left join quantiles as q3 on q3.level = 3 and keys.category = q3.category and keys.peer_type = q3.peer_type
    left join quantiles as q7 on q7.level = 7 and keys.category = q7.category
),
category_wallets as (
    select
        spend.customer_id, spend.category, spend.spend, stated.stated_wallet,
        coalesce(
            cast(stated.stated_wallet as double),
            case when estimates.estimated_wallet is not null then greatest(spend.spend, estimates.estimated_wallet) end
        ) as wallet
    from spend
    inner join estimates using (category, peer_type, city_tier, income_band)
    left join stated using (customer_id, category)
    where spend.category != '*'
),
surveyed as (
    -- a surveyed customer's wallet: the answered categories' stated wallets plus the rest (the
    -- unanswered categories' wallets, at least our spend outside the answered categories)
    select
        customer_id,
        sum(stated_wallet) as stated_wallet,
        sum(case when stated_wallet is not null then spend end) as spend_in_stated_categories,
        coalesce(sum(case when stated_wallet is null then greatest(coalesce(wallet, 0), 0) end), 0) as unanswered_wallet
    from category_wallets
    group by customer_id
    having count(stated_wallet) > 0
)
select
    spend.customer_id,
    spend.spend as our_spend_in_year_window,
    coalesce(
        surveyed.stated_wallet + greatest(surveyed.unanswered_wallet, spend.spend - surveyed.spend_in_stated_categories, 0),
        case when estimates.estimated_wallet is not null then greatest(spend.spend, estimates.estimated_wallet) end
    ) as wallet
from spend
inner join estimates using (category, peer_type, city_tier, income_band)
left join surveyed on spend.customer_id = surveyed.customer_id
where spend.category = '*';

drop table floor_spend;

-- the customers: features, RFM scores (gap-free quintiles), value tier and share of wallet
create or replace table floor_customers as
with
rfm_parts as (
    select
        customer_id,
        1 + floor(5 * (rank() over (order by recency_days desc) - 1) / count(*) over ()) as r_quintile,
        dense_rank() over (order by recency_days desc) as r_value,
        1 + floor(5 * (rank() over (order by order_count) - 1) / count(*) over ()) as f_quintile,
        dense_rank() over (order by order_count) as f_value,
        1 + floor(5 * (rank() over (order by net_revenue) - 1) / count(*) over ()) as m_quintile,
        dense_rank() over (order by net_revenue) as m_value
    from floor_features
    where not is_prospect
),
rfm as (
    -- gap-free: every score used when there are five distinct values or more, neighbouring
    -- values at most one apart, and distinct values never share a score below five
    select
        customer_id,
        case
            when max(r_value) over () >= 5
                then greatest(r_value + min(r_quintile - r_value) over (order by r_value), r_value + 5 - max(r_value) over ())
            else least(r_value + max(r_quintile - r_value) over (order by r_value), r_value + 5 - max(r_value) over ())
        end as r_score,
        case
            when max(f_value) over () >= 5
                then greatest(f_value + min(f_quintile - f_value) over (order by f_value), f_value + 5 - max(f_value) over ())
            else least(f_value + max(f_quintile - f_value) over (order by f_value), f_value + 5 - max(f_value) over ())
        end as f_score,
        case
            when max(m_value) over () >= 5
                then greatest(m_value + min(m_quintile - m_value) over (order by m_value), m_value + 5 - max(m_value) over ())
            else least(m_value + max(m_quintile - m_value) over (order by m_value), m_value + 5 - max(m_value) over ())
        end as m_score
    from rfm_parts
),
measured as (
    select
        customer_id,
        case when count(gross_margin) over () > 0 then gross_margin else net_revenue end as value_measure
    from floor_features
    where not is_prospect
),
tiered as (
    select
        customer_id,
        value_measure,
        rank() over (order by value_measure desc nulls last) as value_rank,
        count(*) over () as buyers
    from measured
)
select
    features.* exclude (peer_type, peer_income_band),
    cast(rfm.r_score as integer) as r_score,
    cast(rfm.f_score as integer) as f_score,
    cast(rfm.m_score as integer) as m_score,
    case
        when features.is_prospect then 'prospect'
        when tiered.value_measure <= 0 then 'lead'
        when tiered.value_rank <= ceiling(round({platinum_cut} * tiered.buyers, 9)) then 'platinum'
        when tiered.value_rank <= ceiling(round({gold_cut} * tiered.buyers, 9)) then 'gold'
        when tiered.value_rank <= ceiling(round({iron_cut} * tiered.buyers, 9)) then 'iron'
        else 'lead'
    end as value_tier,
    floor_wallets.our_spend_in_year_window,
    floor_wallets.wallet,
    case when floor_wallets.wallet > 0 then least(1, floor_wallets.our_spend_in_year_window / floor_wallets.wallet) end
        as share_of_wallet
from floor_features as features
left join rfm on features.customer_id = rfm.customer_id
left join tiered on features.customer_id = tiered.customer_id
left join floor_wallets on features.customer_id = floor_wallets.customer_id;
