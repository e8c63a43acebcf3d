{#- The six columns of a vendor row an adapter sets aside, as every
    adapter_<vendor>__rows_set_aside model returns them for marts.rejected_rows:
    the vendor's table, the row's key, the reason and its sentence, the whole row
    as JSON (raw_row of the CTE the row comes from, as the checked base models
    keep a rejected row) and when the vendor loaded it, as a timestamp. source_key,
    reason and detail are SQL expressions over that CTE. -#}
{% macro adapter_row_set_aside(source_table, source_key, reason, detail, rows, loaded_at='_fivetran_synced') -%}
    '{{ source_table }}' as source_table,
    {{ source_key }} as source_key,
    {{ reason }} as reason,
    {{ detail }} as detail,
    {{ json_text(raw_row(rows)) }} as raw_record,
    cast({{ rows }}.{{ loaded_at }} as {{ dbt.type_timestamp() }}) as loaded_at
{%- endmacro %}
