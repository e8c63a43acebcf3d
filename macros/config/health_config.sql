{#- The criterion registry (var customer_health_criterion_models): one key per model int_criteria__<key>. -#}
{% macro health_criteria_keys() -%}
    {{ return(var('customer_health_criterion_models')) }}
{%- endmacro %}

{#- The registry's name in messages; names the former var criteria when a project still sets it. -#}
{% macro criterion_registry_var() -%}
    {%- set name = "var customer_health_criterion_models" -%}
    {%- if var('criteria', none) is not none -%}
        {%- set name = name ~ " (renamed from var criteria, which is no longer read: rename it in your dbt_project.yml)" -%}
    {%- endif -%}
    {{ return(name) }}
{%- endmacro %}

{#- The model of each registered criterion, from the graph (execute time only; {} while parsing). -#}
{% macro criterion_model_nodes() -%}
    {%- set found = {} -%}
    {%- if execute -%}
        {#- a unit test's graph is empty: its model gets the map from overrides.macros -#}
        {%- for node in graph.get('nodes', {}).values() if node.resource_type == 'model' and node.name.startswith('int_criteria__') -%}
            {%- do found.update({node.name[('int_criteria__' | length):]: node}) -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(found) }}
{%- endmacro %}

{#-
    Where each criterion's rows come from, for int_criterion_sources_checked,
    read at execute time from the meta `criterion_source` each criterion model
    declares in its YAML: the raw tables (source table names, shown
    schema-qualified as the source declares them), the rows that count, and the
    vars whose sum is the window (days before and including the score date) in
    which a live account needs one of them (its has_source_rows). A criterion
    whose model declares none is reported with its own name and a window of 0
    (unknown). While parsing: {} (no SQL depends on it then).
-#}
{% macro criterion_sources() -%}
    {%- set sources = {} -%}
    {%- set models = criterion_model_nodes() -%}
    {%- for key in health_criteria_keys() if key in models and models[key].config.meta.criterion_source is defined -%}
        {%- set declared = models[key].config.meta.criterion_source -%}
        {%- set tables = [] -%}
        {%- for table in declared.tables -%}
            {%- do tables.append(customer_health_raw_name(table)) -%}
        {%- endfor -%}
        {%- set window = namespace(days=0) -%}
        {%- for name in declared.window_vars -%}
            {%- set window.days = window.days + (var(name) | int) -%}
        {%- endfor -%}
        {%- do sources.update({key: {'tables': tables | join(', '), 'rows': declared.rows, 'window_days': window.days}}) -%}
    {%- endfor -%}
    {{ return(sources) }}
{%- endmacro %}

{#- The highest number of criteria per scorecard the method recommends. -#}
{% macro max_recommended_criteria() -%}{{ return(6) }}{%- endmacro %}

{#-
    Fails the build with a message naming what is wrong when the scoring
    configuration (seeds and vars) is inconsistent. Called by
    int_health_config_validated, which every scoring model depends on.
-#}
{% macro validate_health_config() %}
    {%- if not execute -%}{{ return('') }}{%- endif -%}
    {#- Compiling without built seeds (sqlfluff, `dbt compile` on an empty warehouse): nothing to check yet. -#}
    {%- for seed in ['health_weights', 'health_criteria', 'health_bands', 'health_overrides', 'playbook_actions', 'stg_crm__accounts'] -%}
        {%- if load_relation(ref(seed)) is none -%}{{ return('') }}{%- endif -%}
    {%- endfor -%}
    {%- set problems = [] -%}

    {#- vars -#}
    {%- set min_coverage = var('min_coverage_pct') | float -%}
    {%- if not (0 <= min_coverage <= 100) -%}
        {%- do problems.append("var min_coverage_pct must be between 0 and 100, got " ~ min_coverage) -%}
    {%- endif -%}
    {%- set sparse_pct = var('source_sparse_min_account_pct') | float -%}
    {%- if not (0 <= sparse_pct <= 100) -%}
        {%- do problems.append("var source_sparse_min_account_pct must be between 0 and 100, got " ~ sparse_pct) -%}
    {%- endif -%}
    {%- for name in ['score_history_days', 'usage_current_window_days', 'usage_baseline_window_days',
                     'support_lookback_days', 'satisfaction_lookback_days', 'engagement_lookback_days',
                     'commercial_lookback_days', 'satisfaction_half_life_days', 'engagement_half_life_days',
                     'alert_drop_window_days', 'csm_sentiment_half_life_days'] -%}
        {%- if (var(name) | int) < 1 -%}
            {%- do problems.append("var " ~ name ~ " must be a whole number of days >= 1, got " ~ var(name)) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if not ((var('commercial_size_reference_share') | float) > 0) -%}
        {%- do problems.append("var commercial_size_reference_share must be a share of ARR above 0, got " ~ var('commercial_size_reference_share')) -%}
    {%- endif -%}
    {%- if not ((var('commercial_size_max_factor') | float) >= 1) -%}
        {%- do problems.append("var commercial_size_max_factor must be >= 1, got " ~ var('commercial_size_max_factor')) -%}
    {%- endif -%}
    {%- if (var('csm_sentiment_stale_days') | int) < 0 -%}
        {%- do problems.append("var csm_sentiment_stale_days must be a whole number of days >= 0, got " ~ var('csm_sentiment_stale_days')) -%}
    {%- endif -%}
    {%- if (var('daily_recompute_days') | int) < 0 -%}
        {%- do problems.append("var daily_recompute_days must be >= 0, got " ~ var('daily_recompute_days')) -%}
    {%- endif -%}
    {%- if (var('alert_drop_window_days') | int) > (var('score_history_days') | int) - 1 -%}
        {%- do problems.append("var alert_drop_window_days (" ~ var('alert_drop_window_days') ~ ") must be below score_history_days (" ~ var('score_history_days') ~ ")") -%}
    {%- endif -%}
    {%- if (var('score_history_days') | int) < 31 -%}
        {%- do problems.append("var score_history_days must be at least 31 (score_change_30d needs it), got " ~ var('score_history_days')) -%}
    {%- endif -%}

    {#- weights -#}
    {%- set weights = run_query("select scorecard, criterion, weight from " ~ customer_health_config('health_weights')) -%}
    {%- set criteria_rows = run_query("select criterion, redistribute_to from " ~ customer_health_config('health_criteria')) -%}
    {%- set seeded_criteria = criteria_rows.columns[0].values() | list -%}
    {%- for row in criteria_rows.rows -%}
        {%- if row[1] is not none and (row[1] not in seeded_criteria or row[1] == row[0]) -%}
            {%- do problems.append("health_criteria: criterion '" ~ row[0] ~ "' redistributes to '" ~ row[1] ~ "', which is not another criterion") -%}
        {%- endif -%}
    {%- endfor -%}
    {%- set totals = {} -%}
    {%- set counts = {} -%}
    {%- for row in weights.rows -%}
        {%- do totals.update({row[0]: totals.get(row[0], 0) + (row[2] | float)}) -%}
        {%- do counts.update({row[0]: counts.get(row[0], 0) + 1}) -%}
        {%- if row[1] not in seeded_criteria -%}
            {%- do problems.append("health_weights: scorecard '" ~ row[0] ~ "' uses unknown criterion '" ~ row[1] ~ "' (not in seed health_criteria)") -%}
        {%- endif -%}
        {%- if row[1] not in health_criteria_keys() -%}
            {%- do problems.append("health_weights: scorecard '" ~ row[0] ~ "' uses criterion '" ~ row[1] ~ "' that is not in " ~ criterion_registry_var() ~ " (the registry of models int_criteria__<key>)") -%}
        {%- endif -%}
    {%- endfor -%}
    {%- for scorecard, total in totals.items() -%}
        {%- if (total - 100) | abs > 0.000001 -%}
            {%- do problems.append("health_weights: weights of scorecard '" ~ scorecard ~ "' sum to " ~ total ~ ", expected 100") -%}
        {%- endif -%}
        {%- if counts[scorecard] > max_recommended_criteria() -%}
            {%- do exceptions.warn("health_weights: scorecard '" ~ scorecard ~ "' has " ~ counts[scorecard] ~ " criteria; the method recommends at most " ~ max_recommended_criteria()) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if 'default' not in totals -%}
        {%- do problems.append("health_weights: no scorecard named 'default' (used by accounts whose segment has no scorecard)") -%}
    {%- endif -%}
    {#- the registry (var customer_health_criterion_models) against the criterion models and the seeds -#}
    {%- set models = criterion_model_nodes() -%}
    {%- for criterion in seeded_criteria -%}
        {%- if criterion not in health_criteria_keys() -%}
            {%- do problems.append("health_criteria: criterion '" ~ criterion ~ "' is not in " ~ criterion_registry_var() ~ " (the registry of models int_criteria__<key>)") -%}
        {%- endif -%}
    {%- endfor -%}
    {%- for criterion in health_criteria_keys() -%}
        {%- if criterion not in seeded_criteria -%}
            {%- do problems.append(criterion_registry_var() ~ ": criterion '" ~ criterion ~ "' has no row in seed health_criteria") -%}
        {%- endif -%}
        {%- if models[criterion].config.meta.criterion_source is not defined -%}
            {%- do problems.append("int_criteria__" ~ criterion ~ ": no meta criterion_source (tables, rows, window_vars) in its YAML") -%}
        {%- endif -%}
    {%- endfor -%}
    {%- for criterion in models.keys() | sort if criterion not in health_criteria_keys() -%}
        {%- do problems.append("model int_criteria__" ~ criterion ~ " is not in " ~ criterion_registry_var() ~ ": add '" ~ criterion ~ "' to it (dbt_project.yml), or int_criteria_unioned leaves it out") -%}
    {%- endfor -%}
    {%- set playbook = run_query("select criterion from " ~ customer_health_config('playbook_actions')).columns[0].values() | list -%}
    {%- for criterion in playbook if criterion != 'overall' and criterion not in seeded_criteria -%}
        {%- do problems.append("playbook_actions: action for unknown criterion '" ~ criterion ~ "' (use a criterion key or 'overall')") -%}
    {%- endfor -%}
    {%- for criterion in health_criteria_keys() if criterion not in playbook -%}
        {%- do exceptions.warn("playbook_actions: no action for criterion '" ~ criterion ~ "'; its alerts get the 'overall' action") -%}
    {%- endfor -%}

    {#- bands: integer ranges covering 0-100 without gaps or overlaps -#}
    {%- set bands = run_query("select band, min_score, max_score from " ~ customer_health_config('health_bands') ~ " order by min_score, max_score") -%}
    {%- set expected_min = namespace(value=0) -%}
    {%- for row in bands.rows -%}
        {%- set band, lo, hi = row[0], row[1] | int, row[2] | int -%}
        {%- if lo > hi -%}
            {%- do problems.append("health_bands: band '" ~ band ~ "' has min_score " ~ lo ~ " above max_score " ~ hi) -%}
        {%- elif lo > expected_min.value -%}
            {%- do problems.append("health_bands: gap before band '" ~ band ~ "': scores " ~ expected_min.value ~ "-" ~ (lo - 1) ~ " are in no band") -%}
        {%- elif lo < expected_min.value -%}
            {%- do problems.append("health_bands: band '" ~ band ~ "' overlaps the band below it (starts at " ~ lo ~ ", expected " ~ expected_min.value ~ ")") -%}
        {%- endif -%}
        {%- if hi + 1 > expected_min.value -%}{%- set expected_min.value = hi + 1 -%}{%- endif -%}
    {%- endfor -%}
    {%- if bands.rows | length == 0 -%}
        {%- do problems.append("health_bands: no band defined") -%}
    {%- elif expected_min.value != 101 -%}
        {%- do problems.append("health_bands: bands end at " ~ (expected_min.value - 1) ~ ", expected 100") -%}
    {%- endif -%}

    {#- overrides -#}
    {%- set bad_overrides = run_query(
        "select o.account_id, o.criterion, a.account_id is null as unknown_account from "
        ~ customer_health_config('health_overrides') ~ " as o left join " ~ ref('stg_crm__accounts')
        ~ " as a on cast(o.account_id as " ~ dbt.type_string() ~ ") = a.account_id"
    ) -%}
    {%- for row in bad_overrides.rows -%}
        {%- if row[2] -%}
            {%- do problems.append("health_overrides: unknown account '" ~ row[0] ~ "'") -%}
        {%- endif -%}
        {%- if row[1] != 'overall' and row[1] not in seeded_criteria -%}
            {%- do problems.append("health_overrides: account '" ~ row[0] ~ "' overrides unknown criterion '" ~ row[1] ~ "' (use a criterion key or 'overall')") -%}
        {%- endif -%}
    {%- endfor -%}

    {%- if problems | length > 0 -%}
        {{ exceptions.raise_compiler_error("customer_health configuration is invalid:\n  - " ~ problems | join("\n  - ")) }}
    {%- endif -%}
{% endmacro %}

{#- A row of a relation as one text value (columns in order, nulls as empty), for hashing. -#}
{% macro health_row_text(relation) -%}
    {%- set columns = adapter.get_columns_in_relation(relation) -%}
    {%- set parts = [] -%}
    {%- for column in columns -%}
        {%- if column.is_float() -%}
            {#- a double as DuckDB prints it, on every engine (number_text) -#}
            {%- do parts.append("coalesce(" ~ number_text(adapter.quote(column.name)) ~ ", '')") -%}
        {%- else -%}
            {%- do parts.append("coalesce(cast(" ~ adapter.quote(column.name) ~ " as " ~ dbt.type_string() ~ "), '')") -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if parts | length == 0 -%}''{%- else -%}{{ parts | join(" || ',' || ") }}{%- endif -%}
{%- endmacro %}
