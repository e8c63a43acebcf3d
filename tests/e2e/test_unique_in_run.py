"""The set-level uniqueness test (tests/generic/customer_health_unique_in_run.sql) finds a
duplicate in each of its scopes (issue 23: each scope asks the same question at its own cost).

- `rows`: a daily history keyed by its score date (health_score_criteria_daily) with a row
  copied on a date this run scores: found among the written rows, with no join back;
- `keys`: an incremental table whose run column is not in the key (int_usage_daily_aggregated,
  source_checked_at): a daily run checks the keys it wrote, so an older duplicate is not its
  business, and a full check (HEALTH_FULL_CHECK=1, scope `all`) finds it.
"""

from __future__ import annotations

import os

from conftest import SMALL_AS_OF, Warehouse

ROWS_TEST = "health_score_criteria_daily__unique"
KEYS_TEST = "int_usage_daily_aggregated__unique_in_run"


def _failures(warehouse: Warehouse, test_name: str) -> list[str]:
    """Run one data test; return the names of the tests that failed."""
    result = warehouse.dbt("test", "--select", test_name, as_of=SMALL_AS_OF, check=False)
    # 0 or 1 (a test failed): 2 would leave the last command's run_results.json to be read
    assert result.returncode in (0, 1), result.stdout[-3000:]
    assert "Compilation Error" not in result.stdout, result.stdout[-3000:]
    return [r["unique_id"] for r in warehouse.run_results()["results"] if r["status"] == "fail"]


def test_unique_in_run_finds_duplicates_in_every_scope(small_copy: Warehouse) -> None:
    assert _failures(small_copy, ROWS_TEST) == []
    assert _failures(small_copy, KEYS_TEST) == []
    small_copy.execute(
        "insert into marts.health_score_criteria_daily select * from "
        "marts.health_score_criteria_daily where score_date = "
        "(select max(score_date) from marts.health_score_criteria_daily) limit 1",
        "insert into intermediate.int_usage_daily_aggregated select * from "
        "intermediate.int_usage_daily_aggregated limit 1",
    )
    # scope `rows`: the copied row is on a date this run scores
    assert len(_failures(small_copy, ROWS_TEST)) == 1
    # scope `keys`: this invocation wrote no usage day, so it checks none
    assert _failures(small_copy, KEYS_TEST) == []
    # scope `all`: a full check reads every row
    os.environ["HEALTH_FULL_CHECK"] = "1"
    try:
        assert len(_failures(small_copy, KEYS_TEST)) == 1
    finally:
        del os.environ["HEALTH_FULL_CHECK"]
