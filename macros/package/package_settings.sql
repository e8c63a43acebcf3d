{#-
    Package mode (docs/package.md): where the raw tables are and which
    configuration tables the scoring reads, from vars a host project sets.
    Nothing here assumes this package is the root project.
-#}

{#- The optional raw tables a host can switch off, and their var. -#}
{% macro customer_health_optional_tables() -%}
    {{ return({
        'touchpoints': 'customer_health__using_touchpoints',
        'survey_responses': 'customer_health__using_survey_responses',
        'subscription_events': 'customer_health__using_subscription_events',
        'csm_sentiment': 'customer_health__using_csm_sentiment',
    }) }}
{%- endmacro %}

{#- The schema of the raw tables: var customer_health_schema, else its older
    alias raw_schema, else `raw`. -#}
{% macro customer_health_raw_schema() -%}
    {{ return(var('customer_health_schema', none) or var('raw_schema', 'raw')) }}
{%- endmacro %}

{#- The name a raw table has in the warehouse: var
    customer_health_<table>_identifier, else the contract's name. -#}
{% macro customer_health_raw_identifier(table) -%}
    {{ return(var('customer_health_' ~ table ~ '_identifier', none) or table) }}
{%- endmacro %}

{#- A raw table as the user named it, `<schema>.<identifier>` (the database is
    left out: reports read the same on every engine). -#}
{% macro customer_health_raw_name(table) -%}
    {{ return(customer_health_raw_schema() ~ '.' ~ customer_health_raw_identifier(table)) }}
{%- endmacro %}

{#- False when the host switched the raw table off
    (var customer_health__using_<table>: false): nothing reads it. -#}
{% macro customer_health_source_enabled(table) -%}
    {%- set flag = customer_health_optional_tables().get(table) -%}
    {%- if flag is none -%}{{ return(true) }}{%- endif -%}
    {%- set value = var(flag, true) -%}
    {{ return(value is not string and value or (value is string and value | lower not in ['false', '0', 'no', 'off'])) }}
{%- endmacro %}

{#- The raw table a base model reads: source(source_name, table) when it is
    on; when the host switched it off, a relation of the same name built
    without source() (no lineage, nothing queries it: macro raw_table reads
    an empty stand-in and its criteria get source_missing). -#}
{% macro customer_health_source(source_name, table) -%}
    {%- if customer_health_source_enabled(table) -%}
        {{ return(source(source_name, table)) }}
    {%- endif -%}
    {{ return(api.Relation.create(
        database=var('customer_health_database', none) or target.database,
        schema=customer_health_raw_schema(),
        identifier=customer_health_raw_identifier(table),
    )) }}
{%- endmacro %}

{#- The contract table (source table name) a raw relation is, or none. -#}
{% macro customer_health_contract_table(relation) -%}
    {%- for node in graph.sources.values()
        if node.package_name == 'customer_health'
        and node.identifier | lower == relation.identifier | lower
        and node.schema | lower == relation.schema | lower -%}
        {{ return(node.name) }}
    {%- endfor -%}
    {{ return(none) }}
{%- endmacro %}

{#- The configuration tables and the var that replaces each. -#}
{% macro customer_health_config_vars() -%}
    {{ return({
        'health_weights': 'customer_health_weights',
        'health_bands': 'customer_health_bands',
        'health_criteria': 'customer_health_criteria',
        'support_sla_targets': 'customer_health_support_sla_targets',
        'engagement_points': 'customer_health_engagement_points',
        'commercial_event_values': 'customer_health_commercial_event_values',
        'ticket_category_roles': 'customer_health_ticket_category_roles',
        'playbook_actions': 'customer_health_playbook_actions',
        'health_overrides': 'customer_health_overrides',
        'notification_recipients': 'customer_health_notification_recipients',
    }) }}
{%- endmacro %}

{#- A configuration table: the relation the host's var names (e.g.
    customer_health_weights: "{{ ref('my_health_weights') }}"), else the
    package's seed of that name. -#}
{% macro customer_health_config(seed) -%}
    {%- set var_name = customer_health_config_vars().get(seed) -%}
    {%- if var_name is none -%}
        {{ exceptions.raise_compiler_error('customer_health_config: unknown configuration table ' ~ seed) }}
    {%- endif -%}
    {%- set chosen = var(var_name, none) -%}
    {%- if chosen is none or chosen | string | trim == '' -%}
        {{ return(ref(seed)) }}
    {%- endif -%}
    {%- if chosen is not string or not execute -%}{{ return(chosen) }}{%- endif -%}
    {#- a rendered ref()/source() is text ("db"."schema"."name"): the macros that read
        a table's columns (health_row_text) need a relation -#}
    {%- set parts = (chosen | trim | replace('"', '') | replace('`', '')).split('.') -%}
    {%- if parts | length == 3 -%}
        {{ return(api.Relation.create(database=parts[0], schema=parts[1], identifier=parts[2])) }}
    {%- elif parts | length == 2 -%}
        {{ return(api.Relation.create(schema=parts[0], identifier=parts[1])) }}
    {%- endif -%}
    {{ return(chosen) }}
{%- endmacro %}
