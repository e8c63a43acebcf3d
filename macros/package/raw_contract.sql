{#-
    The raw contract checked by dbt itself (on-run-start of this package, so it
    runs in a host project too): before any model runs, every raw table a
    selected base model reads is compared with its source YAML (the contract the
    Python preflight reads too: tables, columns, data_type, meta.optional). A
    missing required table, a missing required column or a column whose type can
    never hold the contract's values fails the run with one line per problem,
    naming the table as the user named it. Extra columns are ignored; values
    (text that does not cast) are the quarantine's business (marts.rejected_rows).
    Types are compared by family, so DuckDB, Spark, Postgres and Snowflake names
    all map (macro customer_health_type_family).
-#}

{#- The family of a warehouse type name: text, integer, numeric, boolean,
    timestamp or other. -#}
{% macro customer_health_type_family(data_type) -%}
    {%- set t = (data_type or '') | lower | trim -%}
    {%- set base = t.split('(')[0] | trim -%}
    {%- if base.startswith('timestamp') or base.startswith('datetime') or base == 'date' -%}
        {{ return('timestamp') }}
    {%- elif base.startswith('bool') -%}
        {{ return('boolean') }}
    {%- elif base in ['tinyint', 'smallint', 'int', 'integer', 'bigint', 'hugeint', 'int1', 'int2', 'int4', 'int8',
                      'long', 'short', 'byte', 'utinyint', 'usmallint', 'uinteger', 'ubigint', 'uhugeint',
                      'serial', 'bigserial', 'smallserial'] -%}
        {{ return('integer') }}
    {%- elif base in ['number', 'numeric', 'decimal'] and (t.replace(' ', '').endswith(',0)')) -%}
        {{ return('integer') }}
    {%- elif base in ['number', 'numeric', 'decimal', 'float', 'float4', 'float8', 'double', 'double precision',
                      'real', 'bignumeric', 'float64', 'int64'] -%}
        {{ return('numeric') }}
    {%- elif base in ['varchar', 'char', 'character', 'character varying', 'text', 'string', 'nvarchar',
                      'nchar', 'bpchar', 'varchar2', 'nvarchar2'] -%}
        {{ return('text') }}
    {%- endif -%}
    {{ return('other') }}
{%- endmacro %}

{#- The type families that can hold a contract type's values (text is cast by
    staging, value by value). -#}
{% macro customer_health_compatible_families(contract_type) -%}
    {{ return({
        'timestamp': ['timestamp', 'text'],
        'integer': ['integer', 'numeric', 'text'],
        'numeric': ['integer', 'numeric', 'text'],
        'boolean': ['boolean', 'integer', 'text'],
    }.get(contract_type)) }}
{%- endmacro %}

{#- The problems of the raw tables against the contract, one string each.
    tables: contract table names to check (none: every table). -#}
{% macro customer_health_raw_contract_problems(tables=none) -%}
    {%- set problems = [] -%}
    {%- for node in graph.sources.values() if node.package_name == 'customer_health'
        and (tables is none or node.name in tables) and customer_health_source_enabled(node.name) -%}
        {%- set named = customer_health_raw_name(node.name) -%}
        {%- set relation = adapter.get_relation(database=node.database, schema=node.schema, identifier=node.identifier) -%}
        {%- if relation is none -%}
            {%- if not (node.meta or {}).get('optional') -%}
                {%- do problems.append(named ~ ": table missing (source " ~ node.source_name ~ "." ~ node.name
                    ~ "); create it, empty if there is no data") -%}
            {%- endif -%}
        {%- else -%}
            {%- set found = {} -%}
            {%- for column in adapter.get_columns_in_relation(relation) -%}
                {%- do found.update({column.name | lower: column.dtype}) -%}
            {%- endfor -%}
            {%- for column in node.columns.values() -%}
                {%- set name = column.name | lower -%}
                {%- set expected = (column.data_type or 'string') | lower -%}
                {%- if name not in found -%}
                    {%- if not (column.meta or {}).get('optional') -%}
                        {%- do problems.append(named ~ "." ~ name ~ ": contract column missing (expected " ~ expected ~ ")") -%}
                    {%- endif -%}
                {%- elif expected != 'string' -%}
                    {%- set family = customer_health_type_family(found[name]) -%}
                    {%- if family not in customer_health_compatible_families(expected) -%}
                        {%- do problems.append(named ~ "." ~ name ~ ": expected " ~ expected ~ ", found " ~ found[name]) -%}
                    {%- endif -%}
                {%- endif -%}
            {%- endfor -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(problems) }}
{%- endmacro %}

{#- on-run-start: check the raw tables of the selected base models (dbt run or
    build; nothing for seed, test, docs or a selection without them; nothing for a
    table a source adapter lands) and fail
    before any model runs, one line per problem. Returns no SQL. -#}
{% macro customer_health_check_raw_contract() -%}
    {%- if not execute or flags.WHICH not in ['run', 'build'] -%}{{ return('') }}{%- endif -%}
    {%- set selected = selected_resources if selected_resources is defined else none -%}
    {%- set tables = [] -%}
    {%- for t in quarantined_tables() -%}
        {#- a table a source adapter lands (docs/sources.md) is the adapter's to read:
            its raw-contract part, if any, is read as empty when absent -#}
        {%- if (selected is none or ('model.customer_health.' ~ t.checked) in selected)
            and customer_health_adapter_model(t.source, t.table) is none -%}
            {%- do tables.append(t.table) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if not tables -%}{{ return('') }}{%- endif -%}
    {%- set problems = customer_health_raw_contract_problems(tables) -%}
    {%- if problems -%}
        {{ exceptions.raise_compiler_error(
            "customer_health raw contract: " ~ problems | length ~ " problem(s); no model was run\n  problem: "
            ~ problems | join("\n  problem: ")
            ~ "\n(the contract: the package's source YAML, models/staging/*/_*__sources.yml; docs/package.md)"
        ) }}
    {%- endif -%}
    {{ return('') }}
{%- endmacro %}
