{#- Models are refit on a schedule, and the parameters are data (DECISIONLOG.md "Models are refit
    on a schedule"). The BG/NBD + Gamma-Gamma fit (int_clv_parameters_fitted, Python: the same
    rule in segmart.clv_step.refit_reason) and the wallet peer quantiles
    (int_wallet_peer_quantiles_fitted, SQL: refit_reason below) keep every fit in a history
    table with the as-of date it was fitted at; a build refits only when the rule says so, and
    scores with the latest fit not after its as-of date, or with the pinned one. -#}

{#- Whether this run refits because the user asked for a full refresh: dbt's --full-refresh,
    except the full refreshes `segmart build` decides on by itself (the models changed, the raw
    data are tables), which set SEGMART_IMPLICIT_FULL_REFRESH: those rebuild the tables, not the
    fits. -#}
{% macro refit_on_full_refresh() -%}
    {{ return(flags.FULL_REFRESH and not env_var('SEGMART_IMPLICIT_FULL_REFRESH', '')) }}
{%- endmacro %}

{#- Whether the var refit forces a refit this run (true / false, or their text). -#}
{% macro refit_forced() -%}
    {%- set value = var('refit') -%}
    {%- set text = value | string | trim | lower -%}
    {%- if text not in ['true', 'false', 'none', ''] -%}
        {{ exceptions.raise_compiler_error("var refit must be true or false, not " ~ value) }}
    {%- endif -%}
    {{ return(text == 'true') }}
{%- endmacro %}

{#- When this dbt run started (UTC), as 'YYYY-MM-DD HH:MM:SS.ffffff': every fit a run makes is
    stamped with it (fitted_at), so the fit in use says whether this build made it. -#}
{% macro fit_run_started_at() -%}
    {{ return(run_started_at.strftime('%Y-%m-%d %H:%M:%S.%f')) }}
{%- endmacro %}

{#- dbt's hook at the end of every Python model's compiled code (dbt's global macro of this name,
    empty by default): hands the model what dbt knows only when it runs, as dbt.segmart_run,
    rendered then (a Python model's config is rendered when the project is parsed). -#}
{% macro py_script_comment() %}
# segmart: this run, for the Python models (macros/refit/refit.sql)
dbtObj.segmart_run = {"refit_on_full_refresh": {{ 'True' if refit_on_full_refresh() else 'False' }}, "run_started_at": "{{ fit_run_started_at() }}"}
{% endmacro %}

{#- Why this build refits, as segmart.clv_step.refit_reason decides for the CLV fit: 'forced'
    (var refit), 'full_refresh' (an explicit --full-refresh), 'no_earlier_fit' (no fit in
    `history` at or before the as-of date), 'settings_changed' (that fit was made with other
    settings: settings_condition, a SQL condition on its rows, is false), 'interval' (it is
    every_days old or older at the as-of date: a fit is reused for 0 <= age < every_days days);
    none to reuse it. Never when pinned. history: the model's own table (`this`), none on its
    first build; read when the model runs, so the SQL it compiles to can skip the fit. -#}
{% macro refit_reason(history, as_of_relation, every_days, pinned, settings_condition, every_days_var) -%}
    {%- if not (every_days | string | trim).isdigit() -%}
        {{ exceptions.raise_compiler_error("var " ~ every_days_var ~ " must be a whole number of days >= 0, not " ~ every_days) }}
    {%- endif -%}
    {%- if pinned -%}
        {{ return(none) }}
    {%- elif refit_forced() -%}
        {{ return('forced') }}
    {%- elif refit_on_full_refresh() -%}
        {{ return('full_refresh') }}
    {%- elif history is none or not execute -%}
        {{ return('no_earlier_fit') }}
    {%- endif -%}
    {%- set latest_query -%}
        with

        as_of as (
            select as_of_date from {{ as_of_relation }}
        ),

        latest as (
            select max(history.fitted_as_of) as fitted_as_of
            from {{ history }} as history
            cross join as_of
            where history.fitted_as_of <= as_of.as_of_date
        )

        select
            max(latest.fitted_as_of) as fitted_as_of,
            max({{ days_between('latest.fitted_as_of', 'as_of.as_of_date') }}) as age_days,
            min(case when {{ settings_condition }} then 1 else 0 end) as same_settings
        from latest
        cross join as_of
        left join {{ history }} as history
            on latest.fitted_as_of = history.fitted_as_of
    {%- endset -%}
    {%- set latest = run_query(latest_query).rows[0] -%}
    {%- if latest[0] is none -%}
        {{ return('no_earlier_fit') }}
    {%- elif latest[2] is none or latest[2] | int != 1 -%}
        {{ return('settings_changed') }}
    {%- elif latest[1] | int >= every_days | int -%}
        {{ return('interval') }}
    {%- endif -%}
    {{ return(none) }}
{%- endmacro %}

{#- The var wallet_peers_pin: none when not pinned; else {'fitted_as_of': 'YYYY-MM-DD' or none,
    'path': a Parquet file of fits or none} (README "Configuration"). -#}
{% macro wallet_peers_pin() -%}
    {%- set pin = var('wallet_peers_pin') -%}
    {%- if pin is none or (pin | string | trim | lower) in ['', 'none', 'null'] -%}
        {{ return(none) }}
    {%- endif -%}
    {%- if pin is not mapping or not (pin.get('fitted_as_of') or pin.get('path')) -%}
        {{ exceptions.raise_compiler_error(
            "var wallet_peers_pin must be a mapping with fitted_as_of (a fit in int_wallet_peer_quantiles_fitted) "
            ~ "and/or path (a Parquet file of fits: the published wallet_peer_quantile_history), not " ~ pin) }}
    {%- endif -%}
    {%- set unknown = pin.keys() | reject('in', ['fitted_as_of', 'path']) | list -%}
    {%- if unknown -%}
        {{ exceptions.raise_compiler_error("var wallet_peers_pin: unknown key(s) " ~ unknown | join(', ') ~ " (keys: fitted_as_of, path)") }}
    {%- endif -%}
    {%- set fitted_as_of = pin.get('fitted_as_of') -%}
    {{ return({
        'fitted_as_of': (fitted_as_of | string | trim) if fitted_as_of else none,
        'path': (pin.get('path') | string | trim) if pin.get('path') else none,
    }) }}
{%- endmacro %}

{#- Stops the build with one line when a pin names no fit: no row of `fits` (the history or the
    pinned file, alias fits) meets `condition` (alias as_of for the as-of relation). Nothing when
    not pinned (pin none) or while dbt parses. -#}
{% macro check_pinned_fit(pin, fits, as_of_relation, condition, var_name) -%}
    {%- if pin and execute -%}
        {%- set found = run_query(
            "select count(*) from " ~ fits ~ " as fits cross join (select as_of_date from "
            ~ as_of_relation ~ ") as as_of where " ~ condition
        ).rows[0][0] -%}
        {%- if found | int == 0 -%}
            {{ exceptions.raise_compiler_error(
                "var " ~ var_name ~ ": no fit "
                ~ ("fitted as of " ~ pin.fitted_as_of if pin.fitted_as_of else "at or before the as-of date")
                ~ " in " ~ (pin.path or 'the history')) }}
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}

{#- A Parquet file as a relation (a pinned file of fits), its path relative to the folder dbt runs
    in. -#}
{% macro parquet_file_relation(path) -%}
    {{ return(adapter.dispatch('parquet_file_relation', 'segmart')(path)) }}
{%- endmacro %}

{% macro default__parquet_file_relation(path) -%}
    read_parquet('{{ path | replace("'", "''") }}')
{%- endmacro %}

{% macro spark__parquet_file_relation(path) -%}
    parquet.`{{ path }}`
{%- endmacro %}
