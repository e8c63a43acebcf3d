"""Data quality: Great Expectations suites (validation, render, command) and the marts'
guarantee coverage (guarantees).

validation runs a suite (expectations/*.json) on a DuckDB warehouse; render writes its
Markdown and JSON reports; command is `customer-health validate`
(`python -m customer_health.quality`); guarantees reads dbt's manifest and run results.
"""
