"""CSM sentiment as a criterion (issue 25, part 2), built end to end.

One small generated portfolio, built twice with the example scorecard
(seeds/examples/health_weights_csm_sentiment.csv: `enterprise` trades engagement for
csm_sentiment) through var customer_health_weights:
1. without the raw table csm_sentiment (dropped): the criterion is not connected
   (source_missing for every enterprise account, its weight redistributed), the build passes;
2. with the table holding hand-written readings for three enterprise accounts (the generated
   readings of those accounts removed) and three bad rows: the readings are aged and scored,
   their author and reason are in the evidence, a stale one is excluded, and the bad rows are
   set aside in rejected_rows with their reason.
The ageing and staleness rules themselves are pinned on hand-written rows by the dbt unit
test csm_sentiment_ageing_and_staleness (models/intermediate/criteria).
"""

from __future__ import annotations

import datetime as dt
import math

import duckdb
import pytest

from customer_health.generator import GeneratorConfig

from conftest import copy_project

AS_OF = dt.date(2026, 6, 30)
CONFIG = GeneratorConfig(n_accounts=80, history_days=400, end_date=AS_OF, seed=7)
EXAMPLE = {"customer_health_weights": "{{ ref('health_weights_csm_sentiment') }}"}
HALF_LIFE, STALE = 45, 90  # the defaults (dbt_project.yml)


def _aged(sentiment: int, age_days: int) -> float:
    return 50.0 + (25.0 * (sentiment - 1) - 50.0) * 0.5 ** (age_days / HALF_LIFE)


@pytest.fixture(scope="module")
def sentiment_built(tmp_path_factory: pytest.TempPathFactory):
    warehouse = copy_project(tmp_path_factory.mktemp("csm_sentiment"))
    warehouse.generate(CONFIG)
    generated = warehouse.query("select * from raw.csm_sentiment order by sentiment_id")
    warehouse.execute("drop table raw.csm_sentiment")
    warehouse.build(AS_OF, extra_vars=EXAMPLE)
    without_table = warehouse.query(
        "select account_id, status, is_included, effective_weight, evidence "
        "from marts.health_score_criteria where criterion = 'csm_sentiment'")

    accounts = [r[0] for r in warehouse.query(
        "select account_id from marts.health_score where scorecard = 'enterprise' "
        "and band <> 'insufficient_data' order by account_id limit 3")]
    assert len(accounts) == 3, accounts
    a, b, c = accounts
    warehouse.execute(
        "create table raw.csm_sentiment (sentiment_id varchar, account_id varchar, "
        "author varchar, sentiment integer, reason_code varchar, note varchar, "
        "recorded_at timestamp, _loaded_at timestamp)")
    con_rows = [r for r in generated if r[1] not in accounts]
    con_rows += [
        ("t_a", a, "ana.lopez", 1, "champion_left", "lost the champion",
         dt.datetime(2026, 6, 20, 10), dt.datetime(2026, 6, 20, 11)),
        ("t_b", b, "ben.okafor", 5, None, None,
         dt.datetime(2026, 6, 30, 9), dt.datetime(2026, 6, 30, 10)),
        ("t_c", c, "chloe.martin", 2, "budget_cuts", None,
         dt.datetime(2026, 3, 1, 9), dt.datetime(2026, 3, 1, 10)),
        # set aside: out of range, unknown account, no time
        ("t_bad_range", a, "ana.lopez", 7, None, None,
         dt.datetime(2026, 6, 29, 9), dt.datetime(2026, 6, 29, 10)),
        ("t_bad_account", "acc_nowhere", "ana.lopez", 3, None, None,
         dt.datetime(2026, 6, 29, 9), dt.datetime(2026, 6, 29, 10)),
        ("t_bad_time", a, "ana.lopez", 4, None, None, None, dt.datetime(2026, 6, 29, 10)),
    ]
    con = duckdb.connect(str(warehouse.db))
    try:
        con.executemany("insert into raw.csm_sentiment values (?, ?, ?, ?, ?, ?, ?, ?)", con_rows)
    finally:
        con.close()
    warehouse.build(AS_OF, extra_vars=EXAMPLE)
    return warehouse, without_table, accounts


def test_without_the_table_the_criterion_is_not_connected(sentiment_built) -> None:
    _, without_table, _ = sentiment_built
    assert without_table, "the enterprise scorecard weighs csm_sentiment"
    for account_id, status, included, effective_weight, evidence in without_table:
        assert status == "source_missing", account_id
        assert not included and effective_weight == 0
        assert evidence.startswith("source_missing: csm_sentiment has no CSM sentiment readings")


def test_example_scorecard_trades_engagement_for_sentiment(sentiment_built) -> None:
    warehouse, _, _ = sentiment_built
    criteria = dict(warehouse.query(
        "select scorecard, string_agg(distinct criterion, ',' order by criterion) "
        "from marts.health_score_criteria group by 1"))
    assert "csm_sentiment" in criteria["enterprise"].split(",")
    assert "engagement" not in criteria["enterprise"].split(",")
    for scorecard in set(criteria) - {"enterprise"}:
        assert "csm_sentiment" not in criteria[scorecard].split(","), scorecard
    assert len(criteria["enterprise"].split(",")) == 6


def test_readings_are_aged_scored_and_explained(sentiment_built) -> None:
    warehouse, _, (a, b, c) = sentiment_built
    rows = {r[0]: r[1:] for r in warehouse.query(
        "select account_id, raw_value, criterion_score, status, is_included, "
        "effective_weight, points, evidence from marts.health_score_criteria "
        "where criterion = 'csm_sentiment' and account_id in (?, ?, ?)", [a, b, c])}
    raw, score, status, included, weight, points, evidence = rows[a]
    assert math.isclose(raw, _aged(1, 10), abs_tol=1e-5), raw  # 7.14: 1/5 ten days old
    assert status == "ok" and included
    assert math.isclose(points, weight * score / 100, abs_tol=1e-3)
    assert evidence == ("sentiment 1/5 (champion_left) by ana.lopez on 2026-06-20, "
                        "10 days old; aged to 7.1/100")
    raw, score, status, included, weight, points, evidence = rows[b]
    assert raw == 100 and status == "ok" and math.isclose(points, weight, abs_tol=1e-3)
    assert evidence == "sentiment 5/5 by ben.okafor on 2026-06-30, 0 days old; aged to 100.0/100"
    raw, score, status, included, weight, points, evidence = rows[c]
    assert (121 > STALE) and raw is None and status == "no_data" and not included
    assert points == 0 and weight == 0
    assert evidence == ("stale: sentiment 2/5 (budget_cuts) by chloe.martin on 2026-03-01, "
                        "121 days old; older than 90 days, not counted")


def test_bad_readings_are_set_aside_with_a_reason(sentiment_built) -> None:
    warehouse, _, _ = sentiment_built
    rejected = dict(warehouse.query(
        "select source_key, reason from marts.rejected_rows "
        "where source_table = 'raw.csm_sentiment'"))
    assert rejected == {
        "t_bad_range": "score_out_of_range",
        "t_bad_account": "unknown_account",
        "t_bad_time": "null_timestamp",
    }
    accepted = {r[0] for r in warehouse.query(
        "select sentiment_id from staging.stg_csm__csm_sentiment")}
    assert {"t_a", "t_b", "t_c"} <= accepted and not accepted & set(rejected)
