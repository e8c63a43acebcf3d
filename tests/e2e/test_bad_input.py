"""Bad raw input is quarantined, not fatal: staging keeps the accepted (possibly repaired) rows,
marts.rejected_rows lists every problem row, and nothing else changes.

The session's small portfolio is the `clean` build (small_built, as generated); `dirty` is the
same portfolio generated again with every bad case below injected at once (each on its own
row, identifiable by its id or a marker) and built from scratch.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass

import pytest

from conftest import SMALL_AS_OF, SMALL_CONFIG, Warehouse, copy_project

AS_OF = SMALL_AS_OF
FUTURE = "timestamp '2099-01-01 00:00:00'"
MISSING_ACCOUNT = "acc_missing"
MISSING_CONTACT = "con_missing"

# raw table -> (staging model, key column in raw, key column in staging)
TABLES = {
    "raw.accounts": ("staging.stg_crm__accounts", "account_id", "account_id"),
    "raw.contacts": ("staging.stg_crm__contacts", "contact_id", "contact_id"),
    "raw.subscription_events": (
        "staging.stg_crm__subscription_events",
        "subscription_event_id",
        "subscription_event_id",
    ),
    "raw.tickets": ("staging.stg_helpdesk__tickets", "ticket_id", "ticket_id"),
    "raw.usage_events": ("staging.stg_product__usage_events", "event_id", "event_id"),
    "raw.survey_responses": (
        "staging.stg_surveys__survey_responses",
        "response_id",
        "response_id",
    ),
    "raw.touchpoints": ("staging.stg_marketing__touchpoints", "touchpoint_id", "touchpoint_id"),
}

# Existing accounts the injections touch (role -> picked account, see _pick_accounts).
ROLES = [
    "tickets",  # new (mostly repaired) tickets and bad contacts
    "dup_row",  # raw.accounts row loaded twice
    "dup_key",  # an older, different version of the raw.accounts row
    "churn_before",  # churned_at before created_at
    "churn_future",  # churned_at in the future
    "neg_arr",  # negative arr
    "usage",  # rejected usage events only
    "surveys",  # survey responses
    "subs",  # rejected subscription events only
    "touchpoints",  # touchpoints
]


@dataclass(frozen=True)
class Case:
    """One injected problem row and what marts.rejected_rows must say about it."""

    case_id: str
    source_table: str
    reason: str
    severity: str
    key: str | None  # source_key; may name a picked value, e.g. "{dup_row}"
    marker: str | None = None  # text inside raw_record (needed when key is None)


# One line per injected problem: source_key (for reason null_key: a case name, the key is null;
# "{role}": a picked id, see _inject), raw table, reason, severity, optional marker that
# raw_record contains.
CASE_TABLE = """
acc_null_key            accounts            null_key                 rejected bad_null_key_account
acc_bad_null_ts         accounts            null_timestamp           rejected
acc_bad_future_ts       accounts            future_timestamp         rejected
{dup_row}               accounts            duplicate_row            rejected
{dup_key}               accounts            duplicate_key            rejected bad_dup_key_account
{churn_before}          accounts            churn_before_creation    repaired
{churn_future}          accounts            future_timestamp         repaired
{neg_arr}               accounts            negative_amount          repaired
con_null_key            contacts            null_key                 rejected nullkey@bad.example
con_bad_null_ts         contacts            null_timestamp           rejected
con_bad_future_ts       contacts            future_timestamp         rejected
con_bad_unknown_acct    contacts            unknown_account          rejected
con_bad_rejected_acct   contacts            unknown_account          rejected
tkt_null_key            tickets             null_key                 rejected bad_null_key_channel
tkt_bad_null_ts         tickets             null_timestamp           rejected
tkt_bad_future_ts       tickets             future_timestamp         rejected
tkt_bad_future_resp     tickets             future_timestamp         repaired
tkt_bad_future_solved   tickets             future_timestamp         repaired
tkt_bad_unknown_acct    tickets             unknown_account          rejected
tkt_bad_unknown_contact tickets             unknown_contact          rejected
tkt_bad_via_bad_contact tickets             unknown_contact          rejected
tkt_bad_unattributable  tickets             unattributable           rejected
tkt_bad_category        tickets             unknown_value            repaired
tkt_bad_priority        tickets             unknown_value            repaired
tkt_bad_status_solved   tickets             unknown_value            repaired
tkt_bad_status_open     tickets             unknown_value            repaired
tkt_bad_resp_before     tickets             response_before_creation repaired
tkt_bad_solved_before   tickets             solved_before_creation   repaired
tkt_bad_neg_minutes     tickets             negative_duration        repaired
tkt_bad_neg_reopen      tickets             negative_count           repaired
tkt_bad_dup_row         tickets             duplicate_row            rejected
tkt_bad_dup_key         tickets             duplicate_key            rejected bad_dup_key_old
evt_null_key            usage_events        null_key                 rejected bad_null_key_event
evt_bad_null_ts         usage_events        null_timestamp           rejected
evt_bad_future_ts       usage_events        future_timestamp         rejected
evt_bad_unknown_acct    usage_events        unknown_account          rejected
evt_bad_before_created  usage_events        before_account_created   rejected
{usage_dup_row}         usage_events        duplicate_row            rejected
{usage_dup_key}         usage_events        duplicate_key            rejected bad_dup_key_event
srv_null_key            survey_responses    null_key                 rejected bad_null_key_comment
srv_bad_null_ts         survey_responses    null_timestamp           rejected
srv_bad_future_ts       survey_responses    future_timestamp         rejected
srv_bad_unknown_acct    survey_responses    unknown_account          rejected
srv_bad_unknown_contact survey_responses    unknown_contact          rejected
srv_bad_unattributable  survey_responses    unattributable           rejected
srv_bad_nps             survey_responses    score_out_of_range       rejected
srv_bad_csat            survey_responses    score_out_of_range       rejected
srv_bad_like            survey_responses    score_out_of_range       rejected
srv_bad_type            survey_responses    unknown_value            rejected
srv_bad_dup_row         survey_responses    duplicate_row            rejected
sub_null_key            subscription_events null_key                 rejected 424242.42
sub_bad_null_ts         subscription_events null_timestamp           rejected
sub_bad_future_ts       subscription_events future_timestamp         rejected
sub_bad_unknown_acct    subscription_events unknown_account          rejected
sub_bad_type            subscription_events unknown_value            rejected
tp_null_key             touchpoints         null_key                 rejected bad_null_key_detail
tp_bad_null_ts          touchpoints         null_timestamp           rejected
tp_bad_future_ts        touchpoints         future_timestamp         rejected
tp_bad_unknown_acct     touchpoints         unknown_account          rejected
tp_bad_unknown_contact  touchpoints         unknown_contact          rejected
tp_bad_unattributable   touchpoints         unattributable           rejected
tp_bad_dup_key          touchpoints         duplicate_key            rejected bad_dup_key_old
"""


def _case(line: str) -> Case:
    key, table, reason, severity, *marker = line.split()
    return Case(
        case_id=key.strip("{}"),
        source_table=f"raw.{table}",
        reason=reason,
        severity=severity,
        key=None if reason == "null_key" else key,
        marker=marker[0] if marker else None,
    )


CASES = [_case(line) for line in CASE_TABLE.strip().splitlines()]
CASES_BY_ID = {case.case_id: case for case in CASES}

# Repairs visible in staging: case -> (staging column, expected value)
REPAIRS = {
    "churn_before": ("churned_at", None),
    "churn_future": ("churned_at", None),
    "neg_arr": ("arr_amount", None),
    "tkt_bad_future_resp": ("first_responded_at", None),
    "tkt_bad_future_solved": ("solved_at", None),
    "tkt_bad_category": ("category", "other"),
    "tkt_bad_priority": ("priority", "normal"),
    "tkt_bad_status_solved": ("status", "solved"),
    "tkt_bad_status_open": ("status", "open"),
    "tkt_bad_resp_before": ("first_responded_at", None),
    "tkt_bad_solved_before": ("solved_at", None),
    "tkt_bad_neg_minutes": ("handle_minutes", None),
    "tkt_bad_neg_reopen": ("reopen_count", None),
}

# Valid rows with untidy enums: accepted, normalised, never listed as problems.
TIDY = {
    ("raw.tickets", "tkt_ok_enum_case"): {
        "category": "bug",
        "priority": "high",
        "status": "solved",
    },
    ("raw.survey_responses", "srv_ok_enum_case"): {"survey_type": "nps", "score": 9},
}


@dataclass
class Scenario:
    """The clean and the dirty build of one portfolio."""

    clean: Warehouse
    dirty: Warehouse
    clean_results: dict  # run_results.json of the clean build
    dirty_result: subprocess.CompletedProcess[str]
    refs: dict[str, str]  # role / picked row -> id

    def key(self, case: Case) -> str | None:
        """The case's source_key with picked ids filled in."""
        return None if case.key is None else case.key.format(**self.refs)


# -- injection ------------------------------------------------------------------------------


def _q(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _ts(text: str) -> str:
    return f"timestamp '{text}'"


def _insert(table: str, row: dict[str, str]) -> str:
    """`insert into raw.X by name select <sql> as col, ...` for one row of SQL expressions."""
    columns = ", ".join(f"{expr} as {col}" for col, expr in row.items())
    return f"insert into {table} by name select {columns}"


def _ticket(ticket_id: str | None, account: str | None, **overrides: str) -> str:
    row = {
        "ticket_id": "null" if ticket_id is None else _q(ticket_id),
        "account_id": "null" if account is None else _q(account),
        "requester_id": "null",
        "created_at": _ts("2026-05-20 10:00:00"),
        "first_response_at": _ts("2026-05-20 10:30:00"),
        "solved_at": _ts("2026-05-20 12:00:00"),
        "status": "'solved'",
        "category": "'question'",
        "priority": "'normal'",
        "channel": "'email'",
        "handle_minutes": "10",
        "reopen_count": "0",
        "_loaded_at": _ts("2026-05-20 12:05:00"),
    }
    row.update(overrides)
    return _insert("raw.tickets", row)


def _contact(contact_id: str | None, account: str | None, **overrides: str) -> str:
    row = {
        "contact_id": "null" if contact_id is None else _q(contact_id),
        "account_id": "null" if account is None else _q(account),
        "email": _q(f"{contact_id or 'x'}@bad.example"),
        "created_at": _ts("2025-01-10 09:00:00"),
        "_loaded_at": _ts("2025-01-10 09:05:00"),
    }
    row.update(overrides)
    return _insert("raw.contacts", row)


def _account(account_id: str | None, **overrides: str) -> str:
    row = {
        "account_id": "null" if account_id is None else _q(account_id),
        "account_name": _q(f"Bad {account_id}"),
        "segment": "'smb'",
        "parent_account_id": "null",
        "created_at": _ts("2025-01-01 00:00:00"),
        "churned_at": "null",
        "is_internal": "false",
        "arr": "1000",
        "_loaded_at": _ts("2025-01-01 00:05:00"),
    }
    row.update(overrides)
    return _insert("raw.accounts", row)


def _event(event_id: str | None, account: str | None, **overrides: str) -> str:
    row = {
        "event_id": "null" if event_id is None else _q(event_id),
        "account_id": "null" if account is None else _q(account),
        "user_id": "'usr_bad_01'",
        "event_name": "'login'",
        "occurred_at": _ts("2026-05-10 10:00:00"),
        "_loaded_at": _ts("2026-05-10 10:05:00"),
    }
    row.update(overrides)
    return _insert("raw.usage_events", row)


def _survey(response_id: str | None, account: str | None, **overrides: str) -> str:
    row = {
        "response_id": "null" if response_id is None else _q(response_id),
        "account_id": "null" if account is None else _q(account),
        "contact_id": "null",
        "ticket_id": "null",
        "survey_type": "'like'",
        "score": "1",
        "comment": "null",
        "responded_at": _ts("2026-05-15 10:00:00"),
        "_loaded_at": _ts("2026-05-15 10:05:00"),
    }
    row.update(overrides)
    return _insert("raw.survey_responses", row)


def _sub(event_id: str | None, account: str | None, **overrides: str) -> str:
    row = {
        "subscription_event_id": "null" if event_id is None else _q(event_id),
        "account_id": "null" if account is None else _q(account),
        "event_type": "'expansion'",
        "mrr_delta": "100",
        "occurred_at": _ts("2026-05-12 10:00:00"),
        "_loaded_at": _ts("2026-05-12 10:05:00"),
    }
    row.update(overrides)
    return _insert("raw.subscription_events", row)


def _touchpoint(touchpoint_id: str | None, account: str | None, **overrides: str) -> str:
    row = {
        "touchpoint_id": "null" if touchpoint_id is None else _q(touchpoint_id),
        "account_id": "null" if account is None else _q(account),
        "contact_id": "null",
        "touchpoint_type": "'meeting'",
        "detail": "'Quarterly business review'",
        "occurred_at": _ts("2026-05-18 15:00:00"),
        "_loaded_at": _ts("2026-05-18 16:00:00"),
    }
    row.update(overrides)
    return _insert("raw.touchpoints", row)


def _pick_accounts(warehouse: Warehouse) -> dict[str, str]:
    """Long-lived, unchurned customer accounts with recent usage, one per role."""
    rows = warehouse.query(
        """
        select a.account_id
        from raw.accounts as a
        where not a.is_internal and a.churned_at is null
            and a.created_at < timestamp '2025-01-01'
            and exists (select 1 from raw.usage_events as e
                        where e.account_id = a.account_id
                            and e.occurred_at >= timestamp '2026-05-01')
        order by a.account_id
        """
    )
    assert len(rows) >= len(ROLES), rows
    return dict(zip(ROLES, (r[0] for r in rows), strict=False))


def _inject(warehouse: Warehouse, refs: dict[str, str]) -> None:
    """Write every bad case into the raw tables; add the picked row ids to refs."""
    t, u, s = refs["tickets"], refs["usage"], refs["surveys"]
    sub, tp = refs["subs"], refs["touchpoints"]
    usage_events = warehouse.query(
        "select event_id from raw.usage_events where account_id = ? order by event_id", [u]
    )
    refs["usage_dup_row"] = usage_events[0][0]
    refs["usage_dup_key"] = usage_events[-1][0]
    statements = [
        # raw.accounts
        _account(None, account_name="'bad_null_key_account'"),
        _account("acc_bad_null_ts", created_at="null"),
        _account("acc_bad_future_ts", created_at=FUTURE),
        "insert into raw.accounts select * from raw.accounts "
        f"where account_id = {_q(refs['dup_row'])}",
        f"""
        insert into raw.accounts by name
        select * replace ('bad_dup_key_account' as account_name,
                          _loaded_at - interval 1 day as _loaded_at)
        from raw.accounts where account_id = {_q(refs["dup_key"])}
        """,
        "update raw.accounts set churned_at = created_at - interval 1 day "
        f"where account_id = {_q(refs['churn_before'])}",
        f"update raw.accounts set churned_at = {FUTURE} "
        f"where account_id = {_q(refs['churn_future'])}",
        f"update raw.accounts set arr = -1000 where account_id = {_q(refs['neg_arr'])}",
        # raw.contacts
        _contact(None, t, email="'nullkey@bad.example'"),
        _contact("con_bad_null_ts", t, created_at="null"),
        _contact("con_bad_future_ts", t, created_at=FUTURE),
        _contact("con_bad_unknown_acct", MISSING_ACCOUNT),
        _contact("con_bad_rejected_acct", "acc_bad_null_ts"),
        # raw.tickets
        _ticket(None, t, channel="'bad_null_key_channel'"),
        _ticket(
            "tkt_bad_null_ts",
            t,
            created_at="null",
            first_response_at="null",
            solved_at="null",
            status="'open'",
        ),
        _ticket(
            "tkt_bad_future_ts",
            t,
            created_at=FUTURE,
            first_response_at="null",
            solved_at="null",
            status="'open'",
        ),
        _ticket(
            "tkt_bad_future_resp",
            t,
            first_response_at=FUTURE,
            solved_at="null",
            status="'open'",
        ),
        _ticket("tkt_bad_future_solved", t, solved_at=FUTURE),
        _ticket("tkt_bad_unknown_acct", MISSING_ACCOUNT),
        _ticket("tkt_bad_unknown_contact", None, requester_id=_q(MISSING_CONTACT)),
        _ticket("tkt_bad_via_bad_contact", None, requester_id="'con_bad_unknown_acct'"),
        _ticket("tkt_bad_unattributable", None),
        _ticket("tkt_bad_category", t, category="'billing'"),
        _ticket("tkt_bad_priority", t, priority="'critical'"),
        _ticket("tkt_bad_status_solved", t, status="'done'"),
        _ticket("tkt_bad_status_open", t, status="'waiting'", solved_at="null"),
        _ticket("tkt_bad_resp_before", t, first_response_at=_ts("2026-05-20 09:00:00")),
        _ticket(
            "tkt_bad_solved_before",
            t,
            first_response_at="null",
            solved_at=_ts("2026-05-19 12:00:00"),
        ),
        _ticket("tkt_bad_neg_minutes", t, handle_minutes="-5"),
        _ticket("tkt_bad_neg_reopen", t, reopen_count="-1"),
        _ticket("tkt_bad_dup_row", t),
        _ticket("tkt_bad_dup_row", t),
        _ticket("tkt_bad_dup_key", t, channel="'bad_dup_key_old'", category="'bug'"),
        _ticket("tkt_bad_dup_key", t, _loaded_at=_ts("2026-05-21 08:00:00")),
        _ticket("tkt_ok_enum_case", t, category="'Bug '", priority="' HIGH'", status="'Solved'"),
        # raw.usage_events
        _event(None, u, event_name="'bad_null_key_event'"),
        _event("evt_bad_null_ts", u, occurred_at="null"),
        _event("evt_bad_future_ts", u, occurred_at=FUTURE),
        _event("evt_bad_unknown_acct", MISSING_ACCOUNT),
        f"""
        insert into raw.usage_events by name
        select 'evt_bad_before_created' as event_id, account_id, 'usr_bad_01' as user_id,
            'login' as event_name, created_at - interval 1 day as occurred_at,
            created_at as _loaded_at
        from raw.accounts where account_id = {_q(u)}
        """,
        "insert into raw.usage_events select * from raw.usage_events "
        f"where event_id = {_q(refs['usage_dup_row'])}",
        f"""
        insert into raw.usage_events by name
        select * replace ('bad_dup_key_event' as event_name,
                          _loaded_at - interval 1 day as _loaded_at)
        from raw.usage_events where event_id = {_q(refs["usage_dup_key"])}
        """,
        # raw.survey_responses
        _survey(None, s, comment="'bad_null_key_comment'"),
        _survey("srv_bad_null_ts", s, responded_at="null"),
        _survey("srv_bad_future_ts", s, responded_at=FUTURE),
        _survey("srv_bad_unknown_acct", MISSING_ACCOUNT),
        _survey("srv_bad_unknown_contact", None, contact_id=_q(MISSING_CONTACT)),
        _survey("srv_bad_unattributable", None),
        _survey("srv_bad_nps", s, survey_type="'nps'", score="11"),
        _survey("srv_bad_csat", s, survey_type="'csat'", score="0"),
        _survey("srv_bad_like", s, survey_type="'like'", score="2"),
        _survey("srv_bad_type", s, survey_type="'ces'", score="3"),
        _survey("srv_bad_dup_row", s),
        _survey("srv_bad_dup_row", s),
        _survey("srv_ok_enum_case", s, survey_type="' NPS'", score="9"),
        # raw.subscription_events
        _sub(None, sub, mrr_delta="424242.42"),
        _sub("sub_bad_null_ts", sub, occurred_at="null"),
        _sub("sub_bad_future_ts", sub, occurred_at=FUTURE),
        _sub("sub_bad_unknown_acct", MISSING_ACCOUNT),
        _sub("sub_bad_type", sub, event_type="'upgrade'"),
        # raw.touchpoints
        _touchpoint(None, tp, detail="'bad_null_key_detail'"),
        _touchpoint("tp_bad_null_ts", tp, occurred_at="null"),
        _touchpoint("tp_bad_future_ts", tp, occurred_at=FUTURE),
        _touchpoint("tp_bad_unknown_acct", MISSING_ACCOUNT),
        _touchpoint("tp_bad_unknown_contact", None, contact_id=_q(MISSING_CONTACT)),
        _touchpoint("tp_bad_unattributable", None),
        _touchpoint("tp_bad_dup_key", tp, detail="'bad_dup_key_old'"),
        _touchpoint("tp_bad_dup_key", tp, _loaded_at=_ts("2026-05-19 08:00:00")),
    ]
    warehouse.execute(*statements)


# -- fixtures -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def scenario(small_built: Warehouse, tmp_path_factory: pytest.TempPathFactory) -> Scenario:
    """The portfolio built as generated (clean: the session's small_built) and with every bad
    case injected (dirty: generated again, identical raw rows, injected before any build)."""
    dirty = copy_project(tmp_path_factory.mktemp("bad_input") / "dirty")
    dirty.generate(SMALL_CONFIG)
    refs = _pick_accounts(small_built)
    _inject(dirty, refs)
    dirty_result = dirty.build(AS_OF, check=False)
    return Scenario(small_built, dirty, small_built.build_results, dirty_result, refs)


def _build_log(result: subprocess.CompletedProcess[str]) -> str:
    """dbt's summary of errors at the end of its output (warnings left out)."""
    out = result.stdout
    start = out.rfind("Completed with")
    if start < 0:
        return f"returncode {result.returncode}\n{out[-6000:]}"
    kept, in_warning = [], False
    for line in out[start:].splitlines():
        if "Warning in" in line:
            in_warning = True
        elif any(word in line for word in ("Failure in", "Error in", "Done.")):
            in_warning = False
        if not in_warning:
            kept.append(line)
    return f"returncode {result.returncode}\n" + "\n".join(kept)


# -- tests ----------------------------------------------------------------------------------


def test_clean_build_succeeds_without_rejected_rows(scenario: Scenario) -> None:
    statuses = {r["unique_id"]: r["status"] for r in scenario.clean_results["results"]}
    failed = {node: s for node, s in statuses.items() if s not in ("success", "pass")}
    assert statuses and failed == {}, failed
    rows = scenario.clean.query(
        "select source_table, severity, reason, count(*) from marts.rejected_rows "
        "group by all order by all"
    )
    assert rows == []


def test_dirty_build_succeeds(scenario: Scenario) -> None:
    """Row-level problems never fail the build."""
    returncode = scenario.dirty_result.returncode
    assert returncode == 0, _build_log(scenario.dirty_result)


@pytest.mark.parametrize("case_id", list(CASES_BY_ID))
def test_bad_row_listed_in_rejected_rows(scenario: Scenario, case_id: str) -> None:
    case = CASES_BY_ID[case_id]
    key = scenario.key(case)
    staging, raw_key, staging_key = TABLES[case.source_table]
    rows = scenario.dirty.query(
        """
        select source_key, severity, reason, detail, raw_record, detected_at
        from marts.rejected_rows
        where source_table = ?
            and source_key is not distinct from ?
            and (cast(? as varchar) is null or raw_record like '%' || ? || '%')
        """,
        [case.source_table, key, case.marker, case.marker],
    )
    found = [(r[1], r[2]) for r in rows]
    assert (case.severity, case.reason) in found, (case, key, rows)
    matching = [r for r in rows if (r[1], r[2]) == (case.severity, case.reason)]
    assert len(matching) == 1, matching
    _, _, _, _, raw_record, detected_at = matching[0]
    assert detected_at is not None
    record = json.loads(raw_record)
    assert record.get(raw_key) == key, record
    if case.marker is not None:
        assert case.marker in raw_record, raw_record
    in_staging = scenario.dirty.scalar(
        f"select count(*) from {staging} where {staging_key} is not distinct from ?", [key]
    )
    if case.severity == "repaired" or case.reason in ("duplicate_row", "duplicate_key"):
        assert in_staging == 1, (staging, key, in_staging)  # the kept (repaired) version
    elif key is not None:
        assert in_staging == 0, (staging, key, in_staging)


def test_rejected_rows_lists_nothing_unexpected(scenario: Scenario) -> None:
    """Exactly the injected problems are listed (no false positives, no cascades beyond them)."""
    expected = sorted((c.source_table, scenario.key(c) or "", c.severity, c.reason) for c in CASES)
    actual = sorted(
        (table, key or "", severity, reason)
        for table, key, severity, reason in scenario.dirty.query(
            "select source_table, source_key, severity, reason from marts.rejected_rows"
        )
    )
    missing = [row for row in expected if row not in actual]
    unexpected = [row for row in actual if row not in expected]
    assert (missing, unexpected) == ([], []), (missing, unexpected)


@pytest.mark.parametrize("case_id", list(REPAIRS))
def test_repair_visible_in_staging(scenario: Scenario, case_id: str) -> None:
    case = CASES_BY_ID[case_id]
    column, expected = REPAIRS[case_id]
    staging, _, staging_key = TABLES[case.source_table]
    rows = scenario.dirty.query(
        f"select {column} from {staging} where {staging_key} = ?", [scenario.key(case)]
    )
    assert rows == [(expected,)], (staging, scenario.key(case), column, rows)


def test_duplicate_key_keeps_latest_loaded_version(scenario: Scenario) -> None:
    dirty, refs = scenario.dirty, scenario.refs
    assert dirty.query(
        "select channel, category from staging.stg_helpdesk__tickets where ticket_id = ?",
        ["tkt_bad_dup_key"],
    ) == [("email", "question")]
    assert dirty.query(
        "select detail from staging.stg_marketing__touchpoints where touchpoint_id = ?",
        ["tp_bad_dup_key"],
    ) == [("Quarterly business review",)]
    original_name = dirty.scalar(
        "select account_name from raw.accounts where account_id = ? "
        "and account_name <> 'bad_dup_key_account'",
        [refs["dup_key"]],
    )
    assert dirty.query(
        "select account_name from staging.stg_crm__accounts where account_id = ?",
        [refs["dup_key"]],
    ) == [(original_name,)]
    assert dirty.query(
        "select event_name from staging.stg_product__usage_events where event_id = ?",
        [refs["usage_dup_key"]],
    ) != [("bad_dup_key_event",)]


@pytest.mark.parametrize(("table", "key"), list(TIDY))
def test_untidy_enums_are_accepted_and_normalised(scenario: Scenario, table: str, key: str) -> None:
    staging, _, staging_key = TABLES[table]
    expected = TIDY[(table, key)]
    columns = ", ".join(expected)
    rows = scenario.dirty.query(f"select {columns} from {staging} where {staging_key} = ?", [key])
    assert rows == [tuple(expected.values())], rows
    listed = scenario.dirty.query(
        "select severity, reason from marts.rejected_rows where source_table = ? "
        "and source_key = ?",
        [table, key],
    )
    assert listed == []


def test_reconciliation_per_raw_table(scenario: Scenario) -> None:
    """count(raw) = count(staging) + count(rejected) for every raw table, in both builds."""
    problems = []
    for warehouse in (scenario.clean, scenario.dirty):
        for table, (staging, _, _) in TABLES.items():
            raw = warehouse.scalar(f"select count(*) from {table}")
            accepted = warehouse.scalar(f"select count(*) from {staging}")
            rejected = warehouse.scalar(
                "select count(*) from marts.rejected_rows "
                "where source_table = ? and severity = 'rejected'",
                [table],
            )
            if raw != accepted + rejected:
                problems.append((warehouse.root.name, table, raw, accepted, rejected))
    assert problems == [], "(build, table, raw, staging, rejected): " + repr(problems)


def test_data_quality_summary_has_every_injected_reason(scenario: Scenario) -> None:
    summary = set(
        scenario.dirty.query(
            "select source_table, severity, reason from marts.data_quality_summary"
        )
    )
    expected = {(c.source_table, c.severity, c.reason) for c in CASES}
    assert sorted(expected - summary) == []


def test_untouched_accounts_score_identically(scenario: Scenario) -> None:
    touched = sorted({scenario.refs[role] for role in ROLES})
    placeholders = ", ".join("?" for _ in touched)
    sql = (
        f"select * from marts.health_score where account_id not in ({placeholders}) "
        "order by account_id"
    )
    clean_rows = scenario.clean.query(sql, touched)
    dirty_rows = scenario.dirty.query(sql, touched)
    assert len(clean_rows) > 50
    differing = [(c, d) for c, d in zip(clean_rows, dirty_rows, strict=False) if c != d]
    assert len(clean_rows) == len(dirty_rows) and differing == [], differing[:5]
