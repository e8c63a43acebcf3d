"""Properties of the health score on a generated portfolio, checked end to end."""

from __future__ import annotations

import datetime as dt
import json

from conftest import SMALL_AS_OF, Warehouse

AS_OF = SMALL_AS_OF.isoformat()


def test_dbt_unit_tests_pass(small_built: Warehouse) -> None:
    """Every dbt unit test of the project ran (once per session, in small_built's build) and
    passed; the other builds leave them out, as production does."""
    manifest = json.loads((small_built.root / "target" / "manifest.json").read_text())
    results = {
        r["unique_id"]: r["status"]
        for r in small_built.build_results["results"]
        if r["unique_id"].startswith("unit_test.")
    }
    assert len(manifest["unit_tests"]) >= 30
    assert results == {unique_id: "pass" for unique_id in manifest["unit_tests"]}


def test_scores_in_range_and_bands_match_seed(small_built: Warehouse) -> None:
    rows = small_built.query(
        """
        select s.account_id, s.health_score, s.band, b.band as expected_band
        from marts.health_score as s
        left join config.health_bands as b
            on s.health_score between b.min_score and b.max_score
        """
    )
    assert len(rows) > 100
    for account_id, score, band, expected in rows:
        if score is None:
            assert band == "insufficient_data", account_id
        else:
            assert 0 <= score <= 100, account_id
            assert band == expected, account_id
    assert {band for _, _, band, _ in rows} >= {"churn_risk", "neutral", "healthy"}


def test_points_sum_to_score_and_effective_weights_to_100(small_built: Warehouse) -> None:
    rows = small_built.query(
        """
        select s.account_id, s.health_score, sum(c.points), sum(c.effective_weight)
        from marts.health_score as s
        inner join marts.health_score_criteria as c using (account_id)
        where s.health_score is not null and not s.is_overridden
        group by 1, 2
        """
    )
    assert rows
    for account_id, score, points, effective in rows:
        assert abs(points - score) <= 1, account_id
        assert abs(effective - 100) < 0.01, account_id


def test_churned_accounts_not_scored_internal_accounts_scored(small_built: Warehouse) -> None:
    churned_scored = small_built.scalar(
        """
        select count(*)
        from marts.health_score as s
        inner join staging.stg_crm__accounts as a using (account_id)
        where a.churned_at < cast(? as date) + interval 1 day
        """,
        [AS_OF],
    )
    assert churned_scored == 0
    internal = small_built.query(
        "select scorecard, count(*) from marts.health_score where is_internal group by 1"
    )
    assert internal == [("internal", internal[0][1])] and internal[0][1] >= 1


def test_score_separates_future_churners(small_built: Warehouse) -> None:
    """Accounts the generator will churn within 180 days score lower (AUC well above 0.5)."""
    rows = small_built.query(
        """
        select s.health_score, t.is_future_churner
        from marts.health_score as s
        inner join demo_truth.accounts as t using (account_id)
        where s.health_score is not null and not s.is_internal
        """
    )
    churners = [score for score, churner in rows if churner]
    others = [score for score, churner in rows if not churner]
    assert len(churners) >= 5
    wins = sum((o > c) + 0.5 * (o == c) for c in churners for o in others)
    auc = wins / (len(churners) * len(others))
    assert auc >= 0.75, auc


MART_KEYS = {
    "marts.health_score": "account_id",
    "marts.health_score_criteria": "account_id, criterion",
    "marts.health_score_daily": "account_id, score_date",
    "marts.health_alerts": "alert_id",
    "marts.critical_cases": "review_rank",
    "marts.health_score_changes": "account_id, window_days, criterion",
}


def test_incremental_run_equals_full_refresh(small_copy: Warehouse, tmp_path) -> None:
    """as_of D (built) then D+1 incrementally == a full refresh at D+1 (same window).

    The two builds of the same raw data also show the marts are reproducible: every mart
    row is the same whichever way it was built (the daily history over the window both
    builds computed)."""
    next_day = SMALL_AS_OF + dt.timedelta(days=1)
    # give D+1 some data: the generator's portfolio continues with a copy of D's usage
    small_copy.execute(
        """
        insert into raw.usage_events by name
        select event_id || '_next' as event_id, account_id, user_id, event_name,
            occurred_at + interval 1 day as occurred_at, _loaded_at + interval 1 day as _loaded_at
        from raw.usage_events
        where cast(occurred_at as date) = date '2026-06-30'
        """
    )
    full = small_copy.clone(tmp_path / "full")
    small_copy.build(next_day)
    full.build_reference(next_day)
    # the full refresh backfills score_history_days days; compare over that window
    window_start = full.scalar("select min(score_date) from marts.health_score_daily")
    assert window_start == next_day - dt.timedelta(days=30)  # default score_history_days 31
    sql = (
        "select * from marts.health_score_daily where score_date >= ? "
        "order by account_id, score_date"
    )
    incremental_rows = small_copy.query(sql, [window_start])
    full_rows = full.query(sql, [window_start])
    assert incremental_rows == full_rows
    # the criterion history is stored with the score history, by the same runs
    criteria_sql = (
        "select * from marts.health_score_criteria_daily where score_date >= ? "
        "order by account_id, score_date, criterion"
    )
    assert small_copy.query(criteria_sql, [window_start]) == full.query(
        criteria_sql, [window_start]
    )
    assert small_copy.scalar(
        "select count(*) from marts.health_score_daily where score_date = ?", [next_day]
    ) > 0
    # the incremental history keeps the day that fell out of the backfill window
    assert small_copy.scalar("select min(score_date) from marts.health_score_daily") < window_start
    # and the current marts agree, row for row
    for relation, order_by in MART_KEYS.items():
        if relation == "marts.health_score_daily":
            continue  # compared above, over the window both builds computed
        assert small_copy.table_rows(relation, order_by) == full.table_rows(
            relation, order_by
        ), relation


def _scores(warehouse: Warehouse, accounts: list[str]) -> dict[str, int]:
    rows = warehouse.query(
        "select account_id, health_score from marts.health_score where account_id in "
        f"({', '.join('?' for _ in accounts)})",
        accounts,
    )
    return dict(rows)


def _pick(warehouse: Warehouse, sql: str, n: int, exclude: set[str]) -> list[str]:
    picked = [r[0] for r in warehouse.query(sql) if r[0] not in exclude][:n]
    assert len(picked) == n, sql
    return picked


def test_monotonic_in_tickets_responses_surveys_interactions(small_copy: Warehouse) -> None:
    """All else equal: more bugs, slower responses never raise; better surveys and more
    interactions never lower; an account without surveys is scored on the rest."""
    base = small_copy
    scored = (
        "select s.account_id from marts.health_score as s "
        "where s.health_score between 5 and 95 and not s.is_internal "
    )
    with_tickets = (
        scored + "and exists (select 1 from marts.health_score_criteria as c where "
        "c.account_id = s.account_id and c.criterion = 'support_experience' and c.is_included) "
        "order by s.account_id"
    )
    with_surveys = (
        scored + "and exists (select 1 from marts.health_score_criteria as c where "
        "c.account_id = s.account_id and c.criterion = 'satisfaction' and c.is_included) "
        "order by s.account_id desc"
    )
    used: set[str] = set()
    bugs = _pick(base, with_tickets, 4, used)
    used |= set(bugs)
    slow = _pick(base, with_tickets, 4, used)
    used |= set(slow)
    better = _pick(base, with_surveys, 4, used)
    used |= set(better)
    no_surveys = _pick(base, with_surveys, 3, used)
    used |= set(no_surveys)
    engaged = _pick(base, scored + "order by s.health_score", 4, used)
    before = _scores(base, bugs + slow + better + no_surveys + engaged)

    def quoted(ids: list[str]) -> str:
        return ", ".join(f"'{a}'" for a in ids)

    def tickets_of(ids: list[str]) -> str:
        # post-ticket answers carrying only ticket_id reach the account through the ticket
        return (
            f"select ticket_id from raw.tickets where account_id in ({quoted(ids)}) "
            f"or requester_id in (select contact_id from raw.contacts "
            f"where account_id in ({quoted(ids)}))"
        )

    base.execute(
        # three more bugs and complaints each, answered and solved on target
        f"""
        insert into raw.tickets by name
        select 'tkt_extra_' || a.account_id || '_' || n as ticket_id,
            a.account_id as account_id,
            timestamp '2026-06-20 10:00:00' as created_at,
            timestamp '2026-06-20 10:30:00' as first_response_at,
            timestamp '2026-06-20 12:00:00' as solved_at,
            'solved' as status,
            case when n = 1 then 'complaint' else 'bug' end as category,
            'normal' as priority, 'email' as channel, 10 as handle_minutes, 0 as reopen_count,
            timestamp '2026-06-20 12:05:00' as _loaded_at
        from (select unnest([{quoted(bugs)}]) as account_id) as a,
            (select unnest([1, 2, 3]) as n)
        """,
        # every ticket of these accounts answered and solved three times slower
        f"""
        update raw.tickets set
            first_response_at = created_at + 3 * (first_response_at - created_at),
            solved_at = created_at + 3 * (solved_at - created_at)
        where account_id in ({quoted(slow)})
        """,
        # every answer the best the survey allows
        f"""
        update raw.survey_responses set
            score = case survey_type when 'nps' then 10 when 'csat' then 5 else 1 end
        where account_id in ({quoted(better)})
            or contact_id in (select contact_id from raw.contacts
                              where account_id in ({quoted(better)}))
            or ticket_id in ({tickets_of(better)})
        """,
        f"""
        delete from raw.survey_responses
        where account_id in ({quoted(no_surveys)})
            or contact_id in (select contact_id from raw.contacts
                              where account_id in ({quoted(no_surveys)}))
            or ticket_id in ({tickets_of(no_surveys)})
        """,
        # a meeting and an event each in the last weeks
        f"""
        insert into raw.touchpoints by name
        select 'tp_extra_' || a.account_id || '_' || n as touchpoint_id,
            a.account_id as account_id,
            case when n = 1 then 'meeting' else 'event_attended' end as touchpoint_type,
            timestamp '2026-06-25 15:00:00' as occurred_at,
            timestamp '2026-06-25 16:00:00' as _loaded_at
        from (select unnest([{quoted(engaged)}]) as account_id) as a,
            (select unnest([1, 2]) as n)
        """,
    )
    # raw rows were changed and deleted in place (no new _loaded_at), as when a loader
    # rewrites history: incremental staging only sees new loads, so rebuild in full
    base.build(SMALL_AS_OF, full_refresh=True)
    after = _scores(base, bugs + slow + better + no_surveys + engaged)
    for account in bugs + slow:
        assert after[account] <= before[account], (account, before[account], after[account])
    for account in better + engaged:
        assert after[account] >= before[account], (account, before[account], after[account])
    assert any(after[a] < before[a] for a in bugs + slow), "the changes had no effect"
    assert any(after[a] > before[a] for a in better + engaged), "the changes had no effect"
    rows = base.query(
        f"""
        select account_id, sum(effective_weight),
            bool_or(criterion = 'satisfaction' and is_included)
        from marts.health_score_criteria
        where account_id in ({quoted(no_surveys)})
        group by 1
        """
    )
    for account, effective, has_satisfaction in rows:
        assert abs(effective - 100) < 0.01 and not has_satisfaction, account
        assert after[account] is not None


def test_more_recent_usage_never_lowers_score(small_copy: Warehouse) -> None:
    accounts = [
        r[0]
        for r in small_copy.query(
            "select account_id from marts.health_score where health_score between 5 and 90 "
            "and not is_internal order by account_id limit 6"
        )
    ]
    before = _scores(small_copy, accounts)
    quoted = ", ".join(f"'{a}'" for a in accounts)
    small_copy.execute(
        f"""
        insert into raw.usage_events by name
        select 'evt_extra_' || a.account_id || '_' || d || '_' || n as event_id,
            a.account_id as account_id, 'login' as event_name,
            timestamp '2026-06-30 09:00:00' - d * interval 1 day as occurred_at,
            timestamp '2026-06-30 23:00:00' as _loaded_at
        from (select unnest([{quoted}]) as account_id) as a,
            (select unnest(range(0, 20)) as d), (select unnest(range(0, 5)) as n)
        """
    )
    small_copy.build(SMALL_AS_OF)
    after = _scores(small_copy, accounts)
    for account in accounts:
        assert after[account] >= before[account], (account, before[account], after[account])
    assert any(after[a] > before[a] for a in accounts)


def test_config_change_recomputes_daily_history(small_copy: Warehouse) -> None:
    """An incremental run after a weight change recomputes the stored days in the window;
    the change here is a single-criterion scorecard, whose score equals the criterion score."""
    old_version = small_copy.scalar("select max(config_version) from marts.health_score")
    small_copy.write_seed(
        "health_weights", "scorecard,criterion,weight\ndefault,support_friction,100\n"
    )
    # incremental (no --full-refresh), only what the weights feed
    small_copy.build(SMALL_AS_OF, select="health_weights+")
    new_version = small_copy.scalar("select max(config_version) from marts.health_score")
    assert new_version != old_version
    versions = small_copy.query("select distinct config_version from marts.health_score_daily")
    assert versions == [(new_version,)]
    rows = small_copy.query(
        """
        select s.account_id, s.health_score, c.criterion_score
        from marts.health_score as s
        inner join marts.health_score_criteria as c using (account_id)
        """
    )
    assert len(rows) > 100
    for account, score, criterion_score in rows:
        assert abs(score - criterion_score) <= 0.51, (account, score, criterion_score)


def test_overrides_show_in_marts_until_they_expire(small_copy: Warehouse) -> None:
    accounts = [
        r[0]
        for r in small_copy.query(
            "select account_id from marts.health_score where health_score between 10 and 60 "
            "and not is_internal order by account_id limit 2"
        )
    ]
    overall, criterion = accounts
    small_copy.write_seed(
        "health_overrides",
        "account_id,criterion,value,reason,author,expires_on\n"
        f"{overall},overall,95,signed a 3-year renewal,csm1,2026-12-31\n"
        f"{criterion},satisfaction,0,angry call with the sponsor,csm2,2026-12-31\n"
        f"{criterion},engagement,100,expired judgement,csm2,2026-06-29\n",
    )
    # a full refresh of what the overrides feed
    small_copy.build(SMALL_AS_OF, full_refresh=True, select="health_overrides+")
    score, band, is_overridden = small_copy.query(
        "select health_score, band, is_overridden from marts.health_score where account_id = ?",
        [overall],
    )[0]
    assert (score, band, is_overridden) == (95, "healthy", True)
    rows = dict(
        small_copy.query(
            "select criterion, criterion_score from marts.health_score_criteria "
            "where account_id = ? and is_overridden",
            [criterion],
        )
    )
    assert rows == {"satisfaction": 0.0}  # the engagement override expired the day before
