{#- After a run: one log line per warn-severity test that reported a skipped check (its config
    meta skip_message, e.g. "no prospects: back-test skipped"), so thin data says what it could
    not test. Runs as an on-run-end hook; logs only, the statement is a no-op. -#}
{% macro report_skipped_tests(results) -%}
    {%- if execute -%}
        {%- for result in results
            if result.node.resource_type == 'test'
            and result.status == 'warn'
            and result.node.config.meta.get('skip_message') -%}
            {{ log(result.node.name ~ ': ' ~ result.node.config.meta['skip_message'], info=True) }}
        {%- endfor -%}
    {%- endif -%}
    select 1
{%- endmacro %}
