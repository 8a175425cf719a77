{#- Parsing raw text into typed values. Raw files carry text; these return NULL when the text
    does not parse, so staging can quarantine the row with a reason instead of failing. -#}

{#- Texts with an explicit offset use it; naive texts are local time in `time_zone` (default
    the var business_timezone, an IANA name), daylight saving included. -#}
{% macro parse_timestamp_utc(text_column, time_zone=none) -%}
    {{ return(adapter.dispatch('parse_timestamp_utc', 'segmart')(text_column, time_zone)) }}
{%- endmacro %}

{#- The IANA zone naive timestamps are in: the argument, else the var business_timezone. -#}
{% macro business_timezone(time_zone=none) -%}
    {{- var('business_timezone') if time_zone is none else time_zone -}}
{%- endmacro %}

{% macro default__parse_timestamp_utc(text_column, time_zone) -%}
    case
        when regexp_matches(trim({{ text_column }}), '^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(Z|[+-]\d{2}:?\d{2})$')
            then try_strptime(left(trim({{ text_column }}), 10) || ' ' || substr(trim({{ text_column }}), 12, 8), '%Y-%m-%d %H:%M:%S')
            - to_minutes(
                case
                    when right(trim({{ text_column }}), 1) = 'Z' then 0
                    else
                        (case when substr(trim({{ text_column }}), 20, 1) = '-' then -1 else 1 end)
                        * (
                            cast(substr(trim({{ text_column }}), 21, 2) as integer) * 60
                            + cast(right(trim({{ text_column }}), 2) as integer)
                        )
                end
            )
        -- ICU: timezone(zone, naive) reads local time in the zone; timezone('UTC', ...) gives UTC
        else timezone('UTC', timezone('{{ business_timezone(time_zone) }}', try_strptime(
            trim({{ text_column }}),
            ['%Y-%m-%d %H:%M:%S', '%Y-%m-%dT%H:%M:%S', '%Y-%m-%d %H:%M:%S.%f', '%Y-%m-%dT%H:%M:%S.%f', '%Y/%m/%d %H:%M:%S', '%Y/%m/%d %H:%M', '%Y-%m-%d %H:%M', '%Y-%m-%d', '%Y/%m/%d']
        )))
    end
{%- endmacro %}

{#- Fractional seconds (1 to 6 digits) are what a typed timestamp gives as text (raw_text).
    The same formats in Spark's patterns; try_to_timestamp gives NULL where DuckDB's
    try_strptime does (run with spark.sql.legacy.timeParserPolicy CORRECTED, see profiles.yml). -#}
{% macro spark__parse_timestamp_utc(text_column, time_zone) -%}
    {%- set text = 'trim(' ~ text_column ~ ')' -%}
    case
        when {{ text }} rlike '^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}:[0-9]{2}(Z|[+-][0-9]{2}:?[0-9]{2})$'
            then timestampadd(
                minute,
                - case
                    when right({{ text }}, 1) = 'Z' then 0
                    else
                        (case when substr({{ text }}, 20, 1) = '-' then -1 else 1 end)
                        * (cast(substr({{ text }}, 21, 2) as int) * 60 + cast(right({{ text }}, 2) as int))
                end,
                try_to_timestamp(left({{ text }}, 10) || ' ' || substr({{ text }}, 12, 8), 'yyyy-MM-dd HH:mm:ss')
            )
        else to_utc_timestamp(
            coalesce(
                {%- for pattern in ['yyyy-MM-dd HH:mm:ss', "yyyy-MM-dd'T'HH:mm:ss", 'yyyy-MM-dd HH:mm:ss.SSSSSS', "yyyy-MM-dd'T'HH:mm:ss.SSSSSS", 'yyyy/MM/dd HH:mm:ss', 'yyyy/MM/dd HH:mm', 'yyyy-MM-dd HH:mm', 'yyyy-MM-dd', 'yyyy/MM/dd'] %}
                try_to_timestamp({{ text }}, "{{ pattern }}"){% if not loop.last %},{% endif %}
                {%- endfor %}
            ),
            '{{ business_timezone(time_zone) }}'
        )
    end
{%- endmacro %}

{% macro parse_date(text_column) -%}
    {{ return(adapter.dispatch('parse_date', 'segmart')(text_column)) }}
{%- endmacro %}

{% macro default__parse_date(text_column) -%}
    cast(try_strptime(trim({{ text_column }}), ['%Y-%m-%d', '%Y/%m/%d', '%Y%m%d']) as date)
{%- endmacro %}

{% macro spark__parse_date(text_column) -%}
    cast(coalesce(
        {%- for pattern in ['yyyy-MM-dd', 'yyyy/MM/dd', 'yyyyMMdd'] %}
        try_to_timestamp(trim({{ text_column }}), '{{ pattern }}'){% if not loop.last %},{% endif %}
        {%- endfor %}
    ) as date)
{%- endmacro %}

{% macro parse_decimal(text_column, precision=18, scale=2) -%}
    {{ return(adapter.dispatch('parse_decimal', 'segmart')(text_column, precision, scale)) }}
{%- endmacro %}

{% macro default__parse_decimal(text_column, precision, scale) -%}
    try_cast(trim({{ text_column }}) as decimal({{ precision }}, {{ scale }}))
{%- endmacro %}

{% macro parse_integer(text_column) -%}
    {{ return(adapter.dispatch('parse_integer', 'segmart')(text_column)) }}
{%- endmacro %}

{% macro default__parse_integer(text_column) -%}
    try_cast(trim({{ text_column }}) as bigint)
{%- endmacro %}

{#- Lower-cased, trimmed text; empty strings become NULL. -#}
{% macro clean_text(text_column) -%}
    nullif(lower(trim({{ text_column }})), '')
{%- endmacro %}

{#- Trimmed identifier; empty strings become NULL. -#}
{% macro clean_id(text_column) -%}
    nullif(trim({{ text_column }}), '')
{%- endmacro %}

{#- The build's start time (UTC) as a timestamp literal: "now" for this whole run. -#}
{% macro build_started_at() -%}
    cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S.%f") }}' as timestamp)
{%- endmacro %}

{#- The business date of a UTC timestamp: the calendar date in the var business_timezone (an
    IANA zone, daylight saving included). Customers, holidays and as-of dates count in it. -#}
{% macro local_date(utc_timestamp, time_zone=none) -%}
    {{ return(adapter.dispatch('local_date', 'segmart')(utc_timestamp, time_zone)) }}
{%- endmacro %}

{% macro default__local_date(utc_timestamp, time_zone) -%}
    cast(timezone('{{ business_timezone(time_zone) }}', timezone('UTC', {{ utc_timestamp }})) as date)
{%- endmacro %}

{% macro spark__local_date(utc_timestamp, time_zone) -%}
    cast(from_utc_timestamp({{ utc_timestamp }}, '{{ business_timezone(time_zone) }}') as date)
{%- endmacro %}
