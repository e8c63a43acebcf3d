"""sqlfluff with the dbt templater over the models and analyses (`customer-health lint`).

Run inside the suite rather than before it (Makefile, `make test`), so that pytest-xdist
overlaps its minute of single-process work with the other worker's builds.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from conftest import PROJECT_ROOT


def test_models_pass_sqlfluff() -> None:
    cli = Path(sys.executable).with_name("customer-health")
    result = subprocess.run([str(cli), "lint"], cwd=PROJECT_ROOT, capture_output=True,
                            text=True, env={**os.environ, "HEALTH_PROJECT_DIR": str(PROJECT_ROOT)})
    assert result.returncode == 0, (result.stdout[-6000:] + result.stderr[-2000:])
