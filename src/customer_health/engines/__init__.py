"""Engines other than the default DuckDB build: spark (the local Spark target) and export
(marts to Parquet, from DuckDB or Spark). export never imports spark at module level, and
spark never imports export."""
