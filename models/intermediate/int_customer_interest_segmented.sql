{#- The interest segment per customer (models/overview.md, 'Interest segments'): the top category
    of the year with the customer's price band, labelled from the seeds product_categories and
    price_bands; 'none' without a purchased order line in the window (prospects, orders-only
    data), with the action it calls for. A customer whose top category changed is deciding. -#}
with

features as (

    select * from {{ ref('int_customers_profiled') }}

),

categories as (

    select * from {{ ref('product_categories') }}

),

price_bands as (

    select * from {{ ref('price_bands') }}

),

final as (

    select
        features.customer_id,
        features.top_category,
        features.price_band,
        case
            when features.top_category is not null
                then {{ dbt.concat(['features.top_category', "':'", "coalesce(features.price_band, 'unknown')"]) }}
            else 'none'
        end as interest_segment,
        case
            when features.top_category is not null
                then {{ dbt.concat([
                    "coalesce(categories.label_en, features.top_category)", "' · '",
                    "coalesce(price_bands.label_en, 'unknown price')"
                ]) }}
            else 'No category interest'
        end as interest_segment_label_en,
        case
            when features.top_category is not null
                then {{ dbt.concat([
                    "coalesce(categories.label_zh, features.top_category)", "' · '",
                    "coalesce(price_bands.label_zh, '未知价位')"
                ]) }}
            else '无品类偏好'
        end as interest_segment_label_zh,
        -- the action: feature the top category at the customer's price level; without one, help
        -- the customer find a category
        case
            when features.top_category is not null
                then {{ dbt.concat([
                    "'Feature '", "coalesce(categories.label_en, features.top_category)", "' at '",
                    "lower(coalesce(price_bands.label_en, 'any price'))", "'s'",
                ]) }}
            else 'Help them find a category: best sellers and browsing offers'
        end as interest_segment_action_en,
        case
            when features.top_category is not null
                then {{ dbt.concat([
                    "'重点推荐'", "coalesce(price_bands.label_zh, '各价位')", "'的'",
                    "coalesce(categories.label_zh, features.top_category)", "'商品'",
                ]) }}
            else '引导浏览品类：推荐畅销品与浏览优惠'
        end as interest_segment_action_zh,
        features.has_top_category_changed as is_deciding
    from features
    left join categories
        on features.top_category = categories.category
    left join price_bands
        on features.price_band = price_bands.price_band

)

select * from final
