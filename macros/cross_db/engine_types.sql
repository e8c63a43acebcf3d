{#-
    Type names. The models' contracts and the seeds' column_types use the type
    names DuckDB, Spark and Snowflake share (string, double, timestamp, ...).
    PostgreSQL has no `string` or `double`: warehouse_type translates a declared
    type name there, and the PostgreSQL versions of dbt's contract and seed
    macros below apply it (dbt dispatches them to this project first).
-#}

{#- The engine's name for a declared type name (unchanged where the engine knows it). -#}
{% macro warehouse_type(type_name) -%}
    {{ return(adapter.dispatch('warehouse_type', 'customer_health')(type_name)) }}
{%- endmacro %}

{% macro default__warehouse_type(type_name) -%}
    {{ return(type_name) }}
{%- endmacro %}

{% macro postgres__warehouse_type(type_name) -%}
    {%- set names = {'string': 'text', 'double': 'double precision'} -%}
    {{ return(names.get(type_name | trim | lower, type_name)) }}
{%- endmacro %}

{#- A copy of a model's columns (name -> column dict) with warehouse_type applied. -#}
{% macro warehouse_typed_columns(columns) -%}
    {%- set typed = {} -%}
    {%- for name in columns -%}
        {%- set column = {} -%}
        {%- do column.update(columns[name]) -%}
        {%- if column.get('data_type') -%}
            {%- do column.update({'data_type': warehouse_type(column['data_type'])}) -%}
        {%- endif -%}
        {%- do typed.update({name: column}) -%}
    {%- endfor -%}
    {{ return(typed) }}
{%- endmacro %}

{#- Contracts on PostgreSQL: the empty-schema query the contract check compares with,
    and the columns of the create table statement, with translated types. -#}
{% macro postgres__get_empty_schema_sql(columns) -%}
    {{ return(dbt.default__get_empty_schema_sql(warehouse_typed_columns(columns))) }}
{%- endmacro %}

{#- A named unique or primary key constraint is an index of that name in the schema:
    dbt creates the new table beside the old one before swapping them, so the name
    would be taken on every rebuild. PostgreSQL names such an index itself (and
    picks a free name); check constraints keep their names (per table). -#}
{% macro postgres__get_table_columns_and_constraints() -%}
    {%- set model_constraints = [] -%}
    {%- for constraint in model['constraints'] -%}
        {%- set copy = {} -%}
        {%- do copy.update(constraint) -%}
        {%- if copy.get('type') in ('unique', 'primary_key') -%}
            {%- do copy.update({'name': none}) -%}
        {%- endif -%}
        {%- do model_constraints.append(copy) -%}
    {%- endfor -%}
    {%- set raw_column_constraints = adapter.render_raw_columns_constraints(raw_columns=warehouse_typed_columns(model['columns'])) -%}
    {%- set raw_model_constraints = adapter.render_raw_model_constraints(raw_constraints=model_constraints) -%}
    (
    {% for c in raw_column_constraints -%}
        {{ c }}{{ "," if not loop.last or raw_model_constraints }}
    {% endfor %}
    {% for c in raw_model_constraints -%}
        {{ c }}{{ "," if not loop.last }}
    {% endfor -%}
    )
{%- endmacro %}

{#- Seeds on PostgreSQL: the declared column_types (seeds/_seeds.yml), translated. -#}
{% macro postgres__create_csv_table(model, agate_table) -%}
    {%- set column_override = model['config'].get('column_types', {}) -%}
    {%- set quote_seed_column = model['config'].get('quote_columns', None) -%}
    {%- set sql -%}
        create table {{ this.render() }} (
            {%- for col_name in agate_table.column_names -%}
                {%- set type = column_override.get(col_name, adapter.convert_type(agate_table, loop.index0)) -%}
                {{ adapter.quote_seed_column(col_name | string, quote_seed_column) }} {{ warehouse_type(type) }}
                {%- if not loop.last -%}, {%- endif -%}
            {%- endfor -%}
        )
    {%- endset -%}
    {%- call statement('_') -%}
        {{ sql }}
    {%- endcall -%}
    {{ return(sql) }}
{%- endmacro %}
