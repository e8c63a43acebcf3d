"""The dbt project as Dagster sees it, in a module of its own.

`dagster-dbt project prepare-and-package --file src/customer_health/orchestration/dbt_project.py`
parses the project (writes target/manifest.json) before a deployment; `dagster dev`
parses it on start (prepare_if_dev). Both parse through the run pipeline's dbt invocation
(pipeline.dbt.Dbt: `dbt parse` in the project folder with the pipeline's environment),
never through dagster-dbt's own dbt runner. The project folder is settings.project_dir()
(HEALTH_PROJECT_DIR, else the current directory, else this checkout); the target is
HEALTH_TARGET (profiles/profiles.yml, default duckdb).
"""

from __future__ import annotations

import os

from dagster_dbt import DbtProject, DbtProjectPreparer
from dagster_shared.record import replace

from customer_health.pipeline import settings
from customer_health.pipeline.dbt import Dbt

ROOT = settings.project_dir()


class PipelineParse(DbtProjectPreparer):
    """Prepare the project with `dbt parse` started by the pipeline's Dbt."""

    def prepare_if_dev(self, project: DbtProject) -> None:
        """Under `dagster dev`: parse, so the assets follow the project's current files."""
        if self.using_dagster_dev():
            self.prepare(project)

    def prepare(self, project: DbtProject) -> None:
        """`dbt parse`: writes manifest.json in the project's target folder."""
        Dbt(project.project_dir).run(["parse", "--quiet"])


health_dbt_project = replace(
    DbtProject(
        project_dir=ROOT,
        profiles_dir=ROOT / "profiles",
        target=os.environ.get("HEALTH_TARGET", "duckdb"),
        target_path=settings.target_dir(ROOT),
    ),
    preparer=PipelineParse(),
)
health_dbt_project.prepare_if_dev()
