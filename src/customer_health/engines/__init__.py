"""Warehouse engines beside the default DuckDB build: spark (the local Spark target),
postgres and snowflake (load, build, export), export (marts to Parquet, from DuckDB or
Spark). export never imports spark at module level, and spark never imports export."""
