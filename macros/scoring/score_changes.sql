{#-
    The windows (days back from as_of_date) of marts.health_score_changes: var
    score_change_windows, plus the alerts' window (var alert_drop_window_days)
    and critical cases' window (var score_change_explained_days), so both can
    read their explanation there; sorted, each once. Fails compilation on a
    window that is not a positive whole number of days.
-#}
{% macro score_change_windows() -%}
    {%- set configured = var('score_change_windows') -%}
    {%- if configured is string or configured is number -%}
        {%- set configured = [configured] -%}
    {%- endif -%}
    {%- set windows = [] -%}
    {%- for value in configured | list + [var('alert_drop_window_days'), var('score_change_explained_days')] -%}
        {%- set text = value | string | trim -%}
        {%- if not modules.re.match('^[0-9]+$', text) or text | int < 1 -%}
            {{ exceptions.raise_compiler_error("var score_change_windows (and alert_drop_window_days, score_change_explained_days) must be whole numbers of days >= 1, got '" ~ text ~ "'") }}
        {%- endif -%}
        {%- if text | int not in windows -%}
            {%- do windows.append(text | int) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(windows | sort) }}
{%- endmacro %}
