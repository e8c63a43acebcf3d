"""Dagster orchestration of the daily refresh (definitions.py; the DbtProject in dbt_project.py)."""
