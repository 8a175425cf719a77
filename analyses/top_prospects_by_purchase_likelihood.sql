{#- Top prospects: customers without a purchase, most likely to buy first (purchase_likelihood,
    the back-tested conversion rate of their engagement × tenure cell). -#}
select
    segments.customer_id,
    segments.customer_type,
    segments.purchase_likelihood,
    features.page_views_in_engagement_window,
    features.ad_clicks_in_engagement_window,
    features.tenure_days,
    features.city,
    features.acquisition_channel
from {{ ref('customer_segments') }} as segments
inner join {{ ref('customer_features') }} as features
    on segments.customer_id = features.customer_id
where segments.is_prospect
order by segments.purchase_likelihood desc, segments.customer_id asc
