"""Warehouse engines beside DuckDB: Spark, PostgreSQL, Snowflake (load, build, export)."""
