{#- Every R × F × M combination of scores 1–5 maps to exactly one segment: returns the missing
    or doubled cells. -#}
with

scores as (

    select 1 as score
    union all
    select 2 as score
    union all
    select 3 as score
    union all
    select 4 as score
    union all
    select 5 as score

),

all_cells as (

    select
        r.score as r_score,
        f.score as f_score,
        m.score as m_score
    from scores as r
    cross join scores as f
    cross join scores as m

),

mapped as (

    select
        all_cells.r_score,
        all_cells.f_score,
        all_cells.m_score,
        count(cell_map.rfm_segment) as mappings
    from all_cells
    left join {{ ref('rfm_cell_segments') }} as cell_map
        on
            all_cells.r_score = cell_map.r_score
            and all_cells.f_score = cell_map.f_score
            and all_cells.m_score = cell_map.m_score
    group by all_cells.r_score, all_cells.f_score, all_cells.m_score

)

select * from mapped
where mappings != 1
