"""A source that is not connected is not silence (issue 13).

One build of a copy of the small portfolio shaped like the real-data case: usage and
tickets only, the tickets all bugs and complaints (no question or feature request,
the ticket rows that carry engagement), no touchpoints and no survey answers (tables
emptied), and no subscription events (the table absent, as from a loader that never
created it). Engagement, satisfaction and commercial_momentum then have no row for
any account: source_missing for everyone, their weight redistributed, a warning in
the build, a row in data_quality_summary, a line in the summary, and the bands are
not pushed into churn_risk. The shared build shows the other side: one silent account
among engaged ones still scores 0 on engagement.
"""

from __future__ import annotations

import pytest

from customer_health.analysis import summary
from customer_health.pipeline import preflight

from conftest import SMALL_AS_OF, Warehouse

UNCONNECTED = ("commercial_momentum", "engagement", "satisfaction")


def _band_shares(warehouse: Warehouse) -> dict[str, float]:
    rows = warehouse.query(
        "select band, count(*) from marts.health_score where not is_internal group by 1"
    )
    total = sum(n for _, n in rows)
    return {band: 100.0 * n / total for band, n in rows}


@pytest.fixture(scope="module")
def usage_and_tickets(small_built: Warehouse, tmp_path_factory: pytest.TempPathFactory):
    """The shared portfolio with only usage and bug/complaint tickets, rebuilt once."""
    warehouse = small_built.clone(tmp_path_factory.mktemp("usage_and_tickets") / "copy")
    warehouse.execute(
        "delete from raw.touchpoints",
        "delete from raw.survey_responses",
        "delete from raw.tickets where category not in ('bug', 'complaint')",
        "drop table raw.subscription_events",
    )
    result = warehouse.build(SMALL_AS_OF, full_refresh=True)
    return warehouse, result


def test_absent_optional_table_is_a_preflight_note(usage_and_tickets) -> None:
    warehouse, _ = usage_and_tickets
    report = preflight.check(warehouse.db, warehouse.root)
    assert report.ok, report.problems
    assert any(
        note.startswith("raw.subscription_events: table missing") and "source_missing" in note
        for note in report.notes
    ), report.notes


def test_unconnected_criteria_are_source_missing_for_everyone(usage_and_tickets) -> None:
    warehouse, _ = usage_and_tickets
    statuses = dict(warehouse.query(
        "select criterion, string_agg(distinct status, ',' order by status) "
        "from marts.health_score_criteria group by 1"
    ))
    for criterion in UNCONNECTED:
        assert statuses[criterion] == "source_missing", statuses
    # usage and tickets are still connected and scored as before
    assert "source_missing" not in statuses["product_usage"]
    assert statuses["support_friction"] == "ok"
    excluded = warehouse.query(
        "select criterion, count(*) filter (where is_included or effective_weight <> 0 "
        "or points <> 0), min(evidence) from marts.health_score_criteria "
        "where status = 'source_missing' group by 1 order by 1"
    )
    assert [c for c, _, _ in excluded] == list(UNCONNECTED)
    for criterion, counted, evidence in excluded:
        assert counted == 0, criterion
        assert evidence.startswith(f"source_missing: {criterion} has no "), evidence
    # weights redistributed: the points of every scored account add up to its score,
    # over effective weights that sum to 100, and coverage counts the connected weight
    mismatched = warehouse.scalar(
        """
        select count(*) from (
            select s.account_id, s.health_score, sum(c.points) as points,
                sum(c.effective_weight) as weight
            from marts.health_score as s
            inner join marts.health_score_criteria as c on s.account_id = c.account_id
            where s.health_score is not null
            group by 1, 2
        ) where abs(points - health_score) > 0.5 + 1e-6 or abs(weight - 100) > 1e-3
        """
    )
    assert mismatched == 0
    assert warehouse.scalar(
        "select count(*) from marts.health_score where band = 'insufficient_data'"
    ) == 0


def test_build_warns_and_data_quality_summary_names_the_sources(usage_and_tickets) -> None:
    warehouse, result = usage_and_tickets
    assert "WARN" in result.stdout and "warn_criterion_sources_not_connected" in result.stdout
    for criterion in UNCONNECTED:
        assert f"criterion source not connected: source_missing: {criterion} has no" in (
            result.stdout
        ), result.stdout[-3000:]
    assert "raw.subscription_events" in result.stdout and "does not exist" in result.stdout
    rows = warehouse.query(
        "select source_table, load_date, reason, row_count from marts.data_quality_summary "
        "where severity = 'warn' order by reason"
    )
    assert [(t, d) for t, d, _, _ in rows] == [
        ("raw.subscription_events", SMALL_AS_OF),
        ("raw.touchpoints, raw.tickets, raw.survey_responses", SMALL_AS_OF),
        ("raw.survey_responses", SMALL_AS_OF),
    ]
    assert [reason.split(" has ")[0] for _, _, reason, _ in rows] == [
        f"source_missing: {c}" for c in UNCONNECTED
    ]
    assert all(n == 0 for *_, n in rows)
    text = summary.render(warehouse.db)
    assert f"Sources not connected at {SMALL_AS_OF}" in text
    for criterion in UNCONNECTED:
        assert f"warning: source_missing: {criterion} has no" in text


def test_bands_are_not_pushed_into_churn_risk(
    usage_and_tickets, small_built: Warehouse
) -> None:
    """Before the rule, every account scored 0 on engagement with about a fifth of the
    weight; now the churn-risk share stays at most that of the portfolio with every
    source (measured: 23 % with all sources, 17 % with usage and tickets only)."""
    warehouse, _ = usage_and_tickets
    with_all, usage_only = _band_shares(small_built), _band_shares(warehouse)
    assert usage_only.get("churn_risk", 0) <= with_all.get("churn_risk", 0) + 2, (
        with_all, usage_only)
    assert usage_only.get("healthy", 0) >= 25, usage_only


def test_one_silent_account_among_engaged_ones_still_scores_zero(small_built: Warehouse) -> None:
    checked = small_built.query(
        "select source_status, account_share_pct from intermediate.int_criterion_sources_checked "
        "where criterion = 'engagement' and score_date = ?", [SMALL_AS_OF]
    )
    assert checked and checked[0][0] == "connected", checked
    silent = small_built.query(
        "select criterion_score, is_included, effective_weight from marts.health_score_criteria "
        "where criterion = 'engagement' and status = 'silent'"
    )
    assert silent, "the shared portfolio has no silent account"
    assert all(score == 0 and included and weight > 0 for score, included, weight in silent)
    assert small_built.scalar(
        "select count(*) from marts.data_quality_summary where severity = 'warn'"
    ) == 0
