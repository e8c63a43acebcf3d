"""The criterion registry: adding a criterion is its model plus rows in the configuration seeds.

A copy of the project gets a toy seventh criterion, `toy_signal`: its model
int_criteria__toy_signal (with its YAML: the meta criterion_source that says where its
rows come from), its key in the registry (var customer_health_criterion_models), a row
in each configuration seed (health_criteria, playbook_actions) and an `enterprise`
scorecard of six criteria that weighs it instead of commercial_momentum. Nothing else of
the project is edited: the union of criteria, the sources check, the constraints on
criterion keys and the configuration checks all derive from the registry. A model left
out of the registry fails the build with a message that says what to add, instead of
being left out of the scores unseen.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import SMALL_AS_OF, SMALL_CONFIG, Warehouse, copy_project

TOY_MODEL = """\
-- A toy criterion for the registry test: every scored account has raw value 40 on every date.
select
    account_id,
    score_date,
    'toy_signal' as criterion,
    cast(40 as double) as raw_value,
    'ok' as status,
    cast(null as double) as fixed_score,
    true as has_source_rows,
    case when score_date = {{ as_of_date() }} then 'toy value 40' end as evidence
from {{ ref('int_account_score_dates_listed') }}
"""

TOY_YAML = """\
version: 2

models:
  - name: int_criteria__toy_signal
    description: A toy criterion (tests/python/test_criterion_registry.py).
    config:
      meta:
        criterion_source:
          tables: [contacts]
          rows: toy rows
          window_vars: [support_lookback_days, engagement_lookback_days]
"""

ENTERPRISE_SIX = {
    "product_usage": 25,
    "support_friction": 15,
    "support_experience": 10,
    "satisfaction": 15,
    "engagement": 20,
    "toy_signal": 15,
}


def _add_toy_criterion(warehouse: Warehouse) -> None:
    """The toy criterion's model and seed rows (not its registry entry)."""
    criteria_dir = warehouse.root / "models" / "intermediate" / "criteria"
    (criteria_dir / "int_criteria__toy_signal.sql").write_text(TOY_MODEL)
    (criteria_dir / "int_criteria__toy_signal.yml").write_text(TOY_YAML)
    seeds = warehouse.root / "seeds"
    with open(seeds / "health_criteria.csv", "a") as fh:
        fh.write("toy_signal,linear,0,80,exclude,,,A toy signal\n")
    with open(seeds / "playbook_actions.csv", "a") as fh:
        fh.write("toy_signal,toy_check,Look at the toy signal,task,csm\n")
    weights = [
        line for line in (seeds / "health_weights.csv").read_text().splitlines()
        if not line.startswith("enterprise,")
    ]
    weights += [f"enterprise,{criterion},{weight}" for criterion, weight in ENTERPRISE_SIX.items()]
    (seeds / "health_weights.csv").write_text("\n".join(weights) + "\n")


def _register(warehouse: Warehouse, key: str) -> None:
    """Append a key to the registry (var customer_health_criterion_models in dbt_project.yml)."""
    path = warehouse.root / "dbt_project.yml"
    text, count = re.subn(
        r"^(  customer_health_criterion_models: \[.*)\]$", rf"\1, {key}]", path.read_text(),
        count=1, flags=re.M,
    )
    assert count == 1, "var customer_health_criterion_models not found in dbt_project.yml"
    path.write_text(text)


@pytest.fixture(scope="module")
def toy(tmp_path_factory: pytest.TempPathFactory) -> Warehouse:
    """A project copy with the toy criterion added, its warehouse generated, not built."""
    warehouse = copy_project(Path(tmp_path_factory.mktemp("registry")) / "project")
    warehouse.generate(SMALL_CONFIG)
    _add_toy_criterion(warehouse)
    return warehouse


def test_unregistered_criterion_model_fails_the_build_with_what_to_add(toy: Warehouse) -> None:
    # registered under the registry's former name, `criteria`: not read (a host project's vars
    # are global, and a generic name may be the host's own), and the message says so
    result = toy.dbt(
        "build", "--select", "+int_health_config_validated", "--resource-type", "model", "seed",
        "--vars", '{"criteria": ["toy_signal"]}', as_of=SMALL_AS_OF, check=False,
    )
    assert result.returncode != 0
    registry = ("var customer_health_criterion_models (renamed from var criteria, which is no "
                "longer read")
    assert f"model int_criteria__toy_signal is not in {registry}" in result.stdout
    assert f"health_criteria: criterion 'toy_signal' is not in {registry}" in result.stdout


def test_registered_toy_criterion_is_scored(toy: Warehouse) -> None:
    _register(toy, "toy_signal")
    toy.build(SMALL_AS_OF)

    # scored for the enterprise accounts (their scorecard weighs it), and only for them
    rows = toy.query(
        "select a.segment, count(*), min(c.criterion_score), max(c.criterion_score), "
        "bool_and(c.is_included) "
        "from marts.health_score_criteria as c "
        "join staging.stg_crm__accounts as a using (account_id) "
        "where c.criterion = 'toy_signal' group by 1"
    )
    assert len(rows) == 1 and rows[0][0] == "enterprise", rows
    # linear 0 -> 80: raw value 40 scores 50
    assert rows[0][1] > 0 and rows[0][2:] == (50.0, 50.0, True), rows
    enterprise = toy.scalar(
        "select count(*) from marts.health_score as s join staging.stg_crm__accounts as a "
        "using (account_id) where a.segment = 'enterprise' and s.health_score is not null"
    )
    assert rows[0][1] == enterprise
    # the scorecard's six criteria, toy_signal among them, make up each enterprise score
    per_account = toy.query(
        "select count(distinct c.criterion) from marts.health_score_criteria as c "
        "join staging.stg_crm__accounts as a using (account_id) "
        "where a.segment = 'enterprise' group by c.account_id"
    )
    assert {n for (n,) in per_account} == {6}

    # the sources check reads the model's declared sources (window 90 + 90 days)
    checked = toy.query(
        "select distinct source_tables, window_days, source_status "
        "from intermediate.int_criterion_sources_checked where criterion = 'toy_signal'"
    )
    assert checked == [("raw.contacts", 180, "connected")], checked
