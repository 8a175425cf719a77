{#- RFM heat map: buyers and net revenue per recency score × frequency score (5 = best). -#}
select
    r_score,
    f_score,
    count(*) as customers,
    sum(net_revenue) as net_revenue,
    avg(m_score) as avg_m_score
from {{ ref('customer_segments') }}
where not is_prospect
group by r_score, f_score
order by r_score desc, f_score desc
