"""Tests of the demo warehouse generator (determinism, raw contract, realism, scale)."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from customer_health import generator as g
from customer_health.generator import GeneratorConfig, generate, main, write_warehouse

END = dt.date(2026, 11, 22)
SMALL = GeneratorConfig(n_accounts=60, history_days=400, end_date=END, seed=7)
REALISM = GeneratorConfig(n_accounts=400, history_days=400, end_date=END, seed=11)

V, TS, B, INT, DEC, D = "VARCHAR", "TIMESTAMP", "BOOLEAN", "INTEGER", "DECIMAL(18,2)", "DATE"
CONTRACT: dict[str, dict[str, str]] = {
    "accounts": {
        "account_id": V, "account_name": V, "segment": V, "parent_account_id": V,
        "created_at": TS, "churned_at": TS, "is_internal": B, "arr": DEC,
        "renewal_date": D,
    },
    "contacts": {"contact_id": V, "account_id": V, "email": V, "created_at": TS},
    "tickets": {
        "ticket_id": V, "account_id": V, "requester_id": V, "created_at": TS,
        "first_response_at": TS, "solved_at": TS, "status": V, "category": V, "priority": V,
        "channel": V, "handle_minutes": INT, "reopen_count": INT,
    },
    "usage_events": {
        "event_id": V, "account_id": V, "user_id": V, "event_name": V, "occurred_at": TS,
    },
    "survey_responses": {
        "response_id": V, "account_id": V, "contact_id": V, "ticket_id": V, "survey_type": V,
        "score": INT, "comment": V, "responded_at": TS,
    },
    "subscription_events": {
        "subscription_event_id": V, "account_id": V, "event_type": V, "mrr_delta": DEC,
        "occurred_at": TS,
    },
    "touchpoints": {
        "touchpoint_id": V, "account_id": V, "contact_id": V, "touchpoint_type": V,
        "detail": V, "occurred_at": TS,
    },
    "csm_sentiment": {
        "sentiment_id": V, "account_id": V, "author": V, "sentiment": INT, "reason_code": V,
        "note": V, "recorded_at": TS,
    },
}
ENUMS = [
    ("accounts", "segment", {"enterprise", "mid_market", "smb", "internal"}),
    ("tickets", "status", {"new", "open", "pending", "solved", "closed"}),
    ("tickets", "category", {"question", "bug", "feature_request", "complaint", "other"}),
    ("tickets", "priority", {"low", "normal", "high", "urgent"}),
    ("tickets", "channel", {"email", "chat", "phone", "web", None}),
    ("survey_responses", "survey_type", {"nps", "csat", "like"}),
    ("subscription_events", "event_type",
     {"new", "renewal", "expansion", "contraction", "cancellation"}),
    ("touchpoints", "touchpoint_type", {
        "email_open", "email_click", "content_view", "event_attended", "meeting",
        "social_like", "social_comment", "testimonial", "feedback"}),
]
ID_KEYS = {
    "accounts": "account_id", "contacts": "contact_id", "tickets": "ticket_id",
    "usage_events": "event_id", "survey_responses": "response_id",
    "subscription_events": "subscription_event_id", "touchpoints": "touchpoint_id",
    "csm_sentiment": "sentiment_id",
}
EVENT_TIME = {
    "contacts": "created_at", "tickets": "created_at", "usage_events": "occurred_at",
    "survey_responses": "responded_at", "subscription_events": "occurred_at",
    "touchpoints": "occurred_at", "csm_sentiment": "recorded_at",
}


def _db(tmp_path_factory: pytest.TempPathFactory, config: GeneratorConfig, name: str):
    path = tmp_path_factory.mktemp(name) / "warehouse.duckdb"
    counts = write_warehouse(path, config)
    con = duckdb.connect(str(path), read_only=True)
    return con, counts


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory):
    con, counts = _db(tmp_path_factory, SMALL, "small")
    yield con, counts
    con.close()


@pytest.fixture(scope="module")
def realism(tmp_path_factory: pytest.TempPathFactory):
    con, _ = _db(tmp_path_factory, REALISM, "realism")
    yield con
    con.close()


def _one(con: duckdb.DuckDBPyConnection, sql: str):
    return con.execute(sql).fetchall()[0][0]


# --------------------------------------------------------------------------------------------
# Determinism
# --------------------------------------------------------------------------------------------


def test_same_config_gives_identical_frames() -> None:
    first = generate(SMALL)
    second = generate(SMALL)
    assert first.keys() == second.keys()
    for table in first:
        pd.testing.assert_frame_equal(first[table], second[table], check_exact=True)


def test_different_seed_gives_different_data() -> None:
    a = generate(SMALL)
    b = generate(GeneratorConfig(n_accounts=60, history_days=400, end_date=END, seed=8))
    assert not a["raw.usage_events"].equals(b["raw.usage_events"])
    assert not a["raw.accounts"].equals(b["raw.accounts"])


def test_generate_matches_written_counts(small) -> None:
    _, counts = small
    frames = generate(SMALL)
    for table, frame in frames.items():
        assert counts[table] == len(frame), table
    assert counts["demo_truth.generation"] == 1


# --------------------------------------------------------------------------------------------
# Raw contract
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("table", sorted(CONTRACT))
def test_contract_columns_and_types(small, table: str) -> None:
    con, counts = small
    rows = con.execute(
        "select column_name, data_type from information_schema.columns "
        "where table_schema = 'raw' and table_name = ? order by ordinal_position",
        [table],
    ).fetchall()
    expected = dict(CONTRACT[table], _loaded_at=TS)
    assert dict(rows) == expected
    assert [r[0] for r in rows] == list(expected)
    assert counts[f"raw.{table}"] > 0


@pytest.mark.parametrize(("table", "column", "allowed"), ENUMS)
def test_enum_values(small, table: str, column: str, allowed: set) -> None:
    con, _ = small
    values = {r[0] for r in con.execute(f"select distinct {column} from raw.{table}").fetchall()}
    assert values <= allowed


@pytest.mark.parametrize("table", sorted(ID_KEYS))
def test_primary_keys_unique_and_not_null(small, table: str) -> None:
    con, _ = small
    key = ID_KEYS[table]
    n, n_distinct, n_null = con.execute(
        f"select count(*), count(distinct {key}), count(*) - count({key}) from raw.{table}"
    ).fetchall()[0]
    assert n == n_distinct and n_null == 0


def test_score_ranges(small) -> None:
    con, _ = small
    bad = _one(con, """
        select count(*) from raw.survey_responses
        where score is null
           or (survey_type = 'nps' and score not between 0 and 10)
           or (survey_type = 'csat' and score not between 1 and 5)
           or (survey_type = 'like' and score not in (0, 1))
           or (survey_type = 'csat') <> (ticket_id is not null)
    """)
    assert bad == 0
    assert _one(con, "select count(*) from raw.tickets where handle_minutes < 1") == 0
    assert _one(con, "select count(*) from raw.tickets where reopen_count < 0") == 0
    assert _one(con, "select count(*) from raw.accounts where arr < 0") == 0
    assert _one(con, "select count(*) from raw.csm_sentiment "
                     "where sentiment is null or sentiment not between 1 and 5") == 0


def test_demo_extensions_groups_renewals_sentiment(small) -> None:
    """Issue 25: a group three levels deep (no cycle), contract renewal dates after the last
    day on some live accounts only (co-termed in groups), sentiment readings by a named CSM
    for enterprise and mid-market accounts only, with reasons on some."""
    con, _ = small
    depth = _one(con, """
        with recursive up(account_id, ancestor, depth) as (
            select account_id, parent_account_id, 1 from raw.accounts
            where parent_account_id is not null
            union all
            select up.account_id, a.parent_account_id, up.depth + 1
            from up join raw.accounts a on a.account_id = up.ancestor
            where a.parent_account_id is not null and up.depth < 10)
        select max(depth) from up""")
    assert 3 <= depth <= 4, depth
    renewals, bad, churned = con.execute(f"""
        select count(renewal_date), count(*) filter (where renewal_date <= date '{END}'),
               count(*) filter (where renewal_date is not null and churned_at is not null)
        from raw.accounts""").fetchone()
    assert renewals > 0 and bad == 0 and churned == 0
    segments = {r[0] for r in con.execute(
        "select distinct a.segment from raw.csm_sentiment s join raw.accounts a "
        "using (account_id)").fetchall()}
    assert segments == {"enterprise", "mid_market"}, segments
    authors, reasons = con.execute(
        "select count(distinct author) filter (where author is null), count(reason_code) "
        "from raw.csm_sentiment").fetchone()
    assert authors == 0 and reasons > 0


def test_no_orphans(small) -> None:
    con, _ = small
    checks = {
        "parent": "select count(*) from raw.accounts c left join raw.accounts p "
                  "on c.parent_account_id = p.account_id "
                  "where c.parent_account_id is not null and p.account_id is null",
        "contact account": "select count(*) from raw.contacts c "
                           "anti join raw.accounts a using (account_id)",
        "ticket account": "select count(*) from raw.tickets t where account_id is not null "
                          "and account_id not in (select account_id from raw.accounts)",
        "ticket requester": "select count(*) from raw.tickets where requester_id is not null "
                            "and requester_id not in (select contact_id from raw.contacts)",
        "ticket unreachable": "select count(*) from raw.tickets "
                              "where account_id is null and requester_id is null",
        "ticket requester account": "select count(*) from raw.tickets t join raw.contacts c "
                                    "on t.requester_id = c.contact_id "
                                    "where t.account_id <> c.account_id",
        "usage account": "select count(*) from raw.usage_events "
                         "anti join raw.accounts using (account_id)",
        "survey account": "select count(*) from raw.survey_responses where account_id is not "
                          "null and account_id not in (select account_id from raw.accounts)",
        "survey contact": "select count(*) from raw.survey_responses where contact_id is not "
                          "null and contact_id not in (select contact_id from raw.contacts)",
        "survey ticket": "select count(*) from raw.survey_responses where ticket_id is not "
                         "null and ticket_id not in (select ticket_id from raw.tickets)",
        "survey unreachable": "select count(*) from raw.survey_responses "
                              "where account_id is null and contact_id is null "
                              "and ticket_id is null",
        "subscription account": "select count(*) from raw.subscription_events "
                                "anti join raw.accounts using (account_id)",
        "touchpoint account": "select count(*) from raw.touchpoints where account_id is not "
                              "null and account_id not in (select account_id from raw.accounts)",
        "touchpoint contact": "select count(*) from raw.touchpoints where contact_id is not "
                              "null and contact_id not in (select contact_id from raw.contacts)",
        "touchpoint unreachable": "select count(*) from raw.touchpoints "
                                  "where account_id is null and contact_id is null",
        "sentiment account": "select count(*) from raw.csm_sentiment "
                             "anti join raw.accounts using (account_id)",
    }
    failures = {name: n for name, sql in checks.items() if (n := _one(con, sql))}
    assert not failures


def test_post_ticket_surveys_carry_only_the_ticket(realism) -> None:
    """About 2 % of all answers are post-ticket CSAT rows with ticket_id alone (issue 10)."""
    con = realism
    total, ticket_only, not_csat = con.execute("""
        select count(*),
            count(*) filter (where account_id is null and contact_id is null),
            count(*) filter (where account_id is null and contact_id is null
                             and (survey_type <> 'csat' or ticket_id is null))
        from raw.survey_responses
    """).fetchone()
    assert not_csat == 0
    assert 0.01 <= ticket_only / total <= 0.03, (ticket_only, total)


def test_no_duplicate_rows(small) -> None:
    con, _ = small
    for table, cols in CONTRACT.items():
        if table == "usage_events":
            continue  # two identical events in the same second are legitimate
        rest = ", ".join(c for c in cols if c != ID_KEYS[table])
        assert _one(con, f"select count(*) - count(distinct ({rest})) from raw.{table}") == 0


def _account_of(table: str) -> str:
    """SQL giving each row's account id (directly or through its contact)."""
    if table in ("tickets",):
        return ("select t.*, coalesce(t.account_id, c.account_id) as acc from raw.tickets t "
                "left join raw.contacts c on t.requester_id = c.contact_id")
    if table in ("survey_responses", "touchpoints"):
        return (f"select t.*, coalesce(t.account_id, c.account_id) as acc from raw.{table} t "
                "left join raw.contacts c on t.contact_id = c.contact_id")
    return f"select t.*, t.account_id as acc from raw.{table} t"


@pytest.mark.parametrize("table", sorted(EVENT_TIME))
def test_activity_within_account_lifetime(small, table: str) -> None:
    con, _ = small
    ts = EVENT_TIME[table]
    bad = _one(con, f"""
        with r as ({_account_of(table)})
        select count(*) from r join raw.accounts a on a.account_id = r.acc
        where r.{ts} < a.created_at or r.{ts} > coalesce(a.churned_at, r.{ts})
    """)
    assert bad == 0


def test_no_timestamps_after_end_date(small) -> None:
    con, _ = small
    limit = f"timestamp '{END} 23:59:59'"
    load_limit = f"timestamp '{END + dt.timedelta(days=1)} 06:00:00'"
    for table, cols in CONTRACT.items():
        for col in [c for c, t in cols.items() if t == TS]:
            assert _one(con, f"select count(*) from raw.{table} where {col} > {limit}") == 0
        assert _one(con, f"select count(*) from raw.{table} where _loaded_at > {load_limit}") == 0
        first_ts = EVENT_TIME.get(table, "created_at")
        assert _one(con, f"select count(*) from raw.{table} where _loaded_at < {first_ts}") == 0


def test_ticket_and_survey_time_order(small) -> None:
    con, _ = small
    assert _one(con, """
        select count(*) from raw.tickets
        where first_response_at < created_at or solved_at < created_at
           or solved_at < first_response_at
           or (status in ('solved', 'closed')) <> (solved_at is not null)
           or (first_response_at is null and status <> 'new')
    """) == 0
    assert _one(con, """
        select count(*) from raw.survey_responses s join raw.tickets t using (ticket_id)
        where s.responded_at < t.solved_at or t.solved_at is null
    """) == 0
    assert _one(con, """
        select count(*) from raw.contacts c join raw.accounts a using (account_id)
        where c.created_at < a.created_at
    """) == 0


def test_internal_accounts_and_truth(small) -> None:
    con, _ = small
    n_int, bad = con.execute("""
        select count(*), count(*) filter (
            where segment <> 'internal' or churned_at is not null or arr is not null
               or account_name not like 'Internal - %')
        from raw.accounts where is_internal
    """).fetchall()[0]
    assert n_int >= 2 and bad == 0
    assert _one(con, "select count(*) from raw.accounts where not is_internal and arr is null") == 0
    gen = con.execute("select seed, n_accounts, history_days, end_date from demo_truth.generation")
    assert gen.fetchall() == [(SMALL.seed, SMALL.n_accounts, SMALL.history_days, END)]
    assert _one(con, "select count(*) from demo_truth.accounts") == SMALL.n_accounts
    assert _one(con, """
        select count(*) from demo_truth.accounts t join raw.accounts a using (account_id)
        where (a.churned_at is not null) <> coalesce(t.churn_date <= date '2026-11-22', false)
           or (t.is_future_churner and a.churned_at is not null)
    """) == 0


def test_subscription_mrr_consistency(small) -> None:
    con, _ = small
    # A churned account's events net to zero; every customer starts with a 'new' event.
    assert _one(con, """
        select count(*) from (
            select account_id, sum(coalesce(mrr_delta, 0)) as net,
                   bool_or(event_type = 'cancellation') as cancelled
            from raw.subscription_events group by 1
        ) where cancelled and net <> 0
    """) == 0
    assert _one(con, """
        select count(*) from raw.accounts a where not is_internal and not exists (
            select 1 from raw.subscription_events s
            where s.account_id = a.account_id and s.event_type = 'new')
    """) == 0


# --------------------------------------------------------------------------------------------
# Realism
# --------------------------------------------------------------------------------------------


def test_churners_have_lower_health_and_more_bad_tickets(realism) -> None:
    con = realism
    health = dict(con.execute("""
        select churn_date is not null and (churn_date <= date '2026-11-22' or is_future_churner),
               avg(latent_health_at_end)
        from demo_truth.accounts where segment <> 'internal' group by 1
    """).fetchall())
    assert health[True] < health[False] - 0.15
    start = dict(con.execute("""
        select is_future_churner, avg(latent_health_start) from demo_truth.accounts
        where segment <> 'internal' and (churn_date is null or churn_date > date '2026-11-22')
        group by 1
    """).fetchall())
    assert start[True] < start[False]
    # Bug + complaint tickets per account-month in the last 90 days of life (or of history).
    rates = dict(con.execute("""
        with acc as (
            select a.account_id,
                   t.churn_date is not null and t.churn_date <= date '2026-11-22'
                       or t.is_future_churner as churner,
                   least(coalesce(a.churned_at, timestamp '2026-11-23'),
                         timestamp '2026-11-23') as stop
            from raw.accounts a join demo_truth.accounts t using (account_id)
            where not a.is_internal and not t.is_silent
              and a.created_at < timestamp '2026-11-23' - interval 400 day
        ), tk as (
            select coalesce(t.account_id, c.account_id) as account_id, t.created_at, t.category
            from raw.tickets t left join raw.contacts c on t.requester_id = c.contact_id
        )
        select churner, count(tk.account_id) / (count(distinct acc.account_id) * 3.0)
        from acc left join tk on tk.account_id = acc.account_id
            and tk.category in ('bug', 'complaint')
            and tk.created_at >= acc.stop - interval 90 day and tk.created_at < acc.stop
        group by 1
    """).fetchall())
    assert rates[True] > 1.5 * rates[False]


def test_portfolio_seasonality(realism) -> None:
    con = realism
    per_day = dict(con.execute("""
        select isodow(occurred_at) >= 6, count(*) / count(distinct occurred_at::date)
        from raw.usage_events group by 1
    """).fetchall())
    assert per_day[True] < 0.6 * per_day[False]
    months = dict(con.execute("""
        select month(occurred_at), count(*) / count(distinct occurred_at::date)
        from raw.usage_events where month(occurred_at) in (11, 12) group by 1
    """).fetchall())
    assert months[12] < months[11]


def test_segment_mix_and_bands(realism) -> None:
    con = realism
    mix = dict(con.execute("""
        select segment, count(*)::double / sum(count(*)) over () from raw.accounts
        where not is_internal group by 1
    """).fetchall())
    assert 0.04 < mix["enterprise"] < 0.18 and 0.5 < mix["smb"] < 0.7
    assert _one(con, "select count(*) from raw.accounts where parent_account_id is not null") > 0
    silent = _one(con, """
        select count(*) from demo_truth.accounts t where is_silent and (
            exists (select 1 from raw.usage_events u where u.account_id = t.account_id
                    and u.occurred_at >= timestamp '2026-11-23' - interval 120 day)
            or exists (select 1 from raw.tickets k where k.account_id = t.account_id
                       and k.created_at >= timestamp '2026-11-23' - interval 120 day))
    """)
    assert silent == 0
    assert _one(con, "select count(*) filter (where is_silent) from demo_truth.accounts") > 0


# --------------------------------------------------------------------------------------------
# CLI and scale
# --------------------------------------------------------------------------------------------


def test_cli_writes_database(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "cli.duckdb"
    rc = main(["--accounts", "30", "--days", "200", "--end-date", "2026-11-22", "--seed", "3",
               "--db", str(db)])
    assert rc == 0
    out = capsys.readouterr().out
    assert "raw.usage_events" in out and "elapsed" in out
    con = duckdb.connect(str(db), read_only=True)
    try:
        assert _one(con, "select n_accounts from demo_truth.generation") == 30
    finally:
        con.close()


def test_scale_smoke(tmp_path: Path) -> None:
    config = GeneratorConfig(n_accounts=5000, history_days=365, end_date=END, seed=1)
    started = time.perf_counter()
    counts = write_warehouse(tmp_path / "scale.duckdb", config)
    elapsed = time.perf_counter() - started
    print(f"5k accounts x 365 days: {elapsed:.1f} s, {counts}")
    assert counts["raw.usage_events"] > 1_000_000
    assert elapsed < 120


def test_health_grid_matches_pointwise_health() -> None:
    p = g._portfolio(REALISM)
    idx = np.arange(p.n)
    t = np.arange(p.days) + 0.5
    grid = g._health_grid(p, idx, t)
    point = g._health(p, idx[:, None], t[None, :])
    np.testing.assert_allclose(grid, point)
    assert ((grid > 0) & (grid < 1)).all()
