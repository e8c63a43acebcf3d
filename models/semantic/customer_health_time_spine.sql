-- The MetricFlow time spine: one row per calendar day (column date_day) from
-- var semantic_time_spine_start to var semantic_time_spine_end. A view: it costs
-- the build one node and no data; MetricFlow reads it only for queries that
-- need every day (join_to_timespine, cumulative metrics).
{{ date_range(
    "cast('" ~ var('semantic_time_spine_start') ~ "' as date)",
    "cast('" ~ var('semantic_time_spine_end') ~ "' as date)"
) }}
