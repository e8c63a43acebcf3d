"""The dbt project as Dagster sees it, in a module of its own.

`dagster-dbt project prepare-and-package --file src/customer_health/orchestration/dbt_project.py`
parses the project (writes target/manifest.json) before a deployment; `dagster dev`
parses it on start (prepare_if_dev). The project folder is settings.project_dir()
(HEALTH_PROJECT_DIR, else the current directory, else this checkout); the target is
HEALTH_TARGET (profiles/profiles.yml, default duckdb).
"""

from __future__ import annotations

import os

from dagster_dbt import DbtProject

from customer_health.pipeline import settings

ROOT = settings.project_dir()

health_dbt_project = DbtProject(
    project_dir=ROOT,
    profiles_dir=ROOT / "profiles",
    target=os.environ.get("HEALTH_TARGET", "duckdb"),
    target_path=settings.target_dir(ROOT),
)
health_dbt_project.prepare_if_dev()
