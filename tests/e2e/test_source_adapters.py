"""Source adapters (issue 24): the same demo in two shapes builds the same marts.

One small demo is written twice: in the raw contract's layout, and as Fivetran lands Zendesk,
HubSpot and Stripe and as Segment lands its tracks (generator.vendor_layout), both aligned on
what those vendors cannot carry (Zendesk has no handling time and rates good/bad, a Segment
track needs a user, a Stripe renewal changes nothing and a cancellation is the churn). The
vendor warehouse also gets the awkward rows an adapter must set aside or reject (a merged and a
deleted ticket, an organisation whose domain matches no account, a void invoice, an anonymous
track, a task). Both are built;
the score marts must be identical, and every vendor row must be staged or in rejected_rows with
a reason naming the system and id (the build's reconciliation test checks the counts).
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

import pytest

from customer_health.generator import GeneratorConfig
from customer_health.generator.vendor_layout import layout_vars, write_vendor_layout

from conftest import Warehouse, copy_project

AS_OF = dt.date(2026, 6, 30)
CONFIG = GeneratorConfig(n_accounts=40, history_days=400, end_date=AS_OF, seed=7)
# marts whose rows depend on the rows set aside, not on the portfolio
QUALITY_MARTS = {"rejected_rows", "data_quality_summary"}
RUN_COLUMNS = {"detected_at", "computed_at", "scored_at", "run_started_at", "generated_at"}

AWKWARD_ROWS = [
    # a Zendesk organisation whose domain is no account's, its only end user, and their ticket
    "insert into zendesk.organization (id, name, created_at, updated_at, _fivetran_synced)"
    " values ('zd_org_lost', 'Lost Ltd', timestamp '2026-01-01', timestamp '2026-01-01',"
    " timestamp '2026-06-01')",
    "insert into zendesk.organization_domain_name values"
    " ('zd_org_lost', 0, 'lost.example', timestamp '2026-06-01')",
    "insert into zendesk.user (id, role, organization_id, email, name, created_at, active,"
    " _fivetran_synced, _fivetran_deleted) values ('zd_lost', 'end-user', 'zd_org_lost',"
    " 'pat@lost.example', 'Pat', timestamp '2026-01-01', true, timestamp '2026-06-01', false)",
    "insert into zendesk.ticket select 'tkt_lost', 'zd_org_lost', 'zd_lost', assignee_id,"
    " created_at, updated_at, status, priority, type, subject, via_channel, _fivetran_synced,"
    " false from zendesk.ticket order by id limit 1",
    # a ticket merged into another, and a deleted one
    "insert into zendesk.ticket select 'tkt_merged', organization_id, requester_id, assignee_id,"
    " created_at, updated_at, 'closed', priority, type, subject, via_channel, _fivetran_synced,"
    " false from zendesk.ticket order by id limit 1",
    "insert into zendesk.ticket_tag values"
    " ('tkt_merged', 'closed_by_merge', timestamp '2026-06-01')",
    "insert into zendesk.ticket select 'tkt_deleted', organization_id, requester_id, assignee_id,"
    " created_at, updated_at, 'deleted', priority, type, subject, via_channel, _fivetran_synced,"
    " false from zendesk.ticket order by id limit 1",
    # a void Stripe invoice, an anonymous Segment track, a HubSpot task
    "insert into stripe.invoice select 'in_void', customer_id, subscription_id, 'void',"
    " 'subscription_update', created, _fivetran_synced from stripe.invoice order by id limit 1",
    "insert into segment.tracks select 'evt_anonymous', null, 'anon-1', event, event_text,"
    " timestamp, original_timestamp, received_at, uuid_ts from segment.tracks order by id limit 1",
    "insert into hubspot.engagement select 'task_1', 'TASK', timestamp, created_at, true,"
    " _fivetran_synced from hubspot.engagement order by id limit 1",
]
SET_ASIDE = {
    ("zendesk.ticket", "tkt_merged", "merged"),
    ("zendesk.ticket", "tkt_deleted", "deleted"),
    ("zendesk.user", "zd_agent_1", "not_a_contact"),
    ("stripe.invoice", "in_void", "not_billed"),
    ("segment.tracks", "evt_anonymous", "anonymous"),
    ("hubspot.engagement", "task_1", "not_an_interaction"),
}


def _build(tmp_path_factory: pytest.TempPathFactory, layout: str) -> Warehouse:
    warehouse = copy_project(tmp_path_factory.mktemp(f"layout_{layout}"))
    warehouse.generate(CONFIG)
    write_vendor_layout(warehouse.db, layout)
    if layout == "fivetran":
        warehouse.execute(*AWKWARD_ROWS)
    warehouse.build(AS_OF, extra_vars=layout_vars(layout) or None)
    return warehouse


@pytest.fixture(scope="module")
def contract_built(tmp_path_factory: pytest.TempPathFactory) -> Warehouse:
    """The demo in the raw contract's layout (aligned on what the vendors cannot carry)."""
    return _build(tmp_path_factory, "raw")


@pytest.fixture(scope="module")
def vendor_built(tmp_path_factory: pytest.TempPathFactory) -> Warehouse:
    """The same demo as Fivetran (Zendesk, HubSpot, Stripe) and Segment land it."""
    return _build(tmp_path_factory, "fivetran")


def _mart_rows(warehouse: Warehouse, mart: str) -> list[tuple]:
    columns = [
        name for (name,) in warehouse.query(
            "select column_name from information_schema.columns where table_schema = 'marts'"
            " and table_name = ? order by ordinal_position", [mart])
        if name not in RUN_COLUMNS
    ]
    return warehouse.query(f"select {', '.join(columns)} from marts.{mart} order by all")


def test_two_layouts_build_identical_marts(
    contract_built: Warehouse, vendor_built: Warehouse
) -> None:
    marts = [name for (name,) in contract_built.query(
        "select table_name from information_schema.tables where table_schema = 'marts' order by 1")]
    assert {"health_score", "health_score_daily", "health_score_criteria"} <= set(marts)
    assert contract_built.scalar("select count(*) from marts.health_score") > 30
    for mart in marts:
        if mart in QUALITY_MARTS:
            continue
        assert _mart_rows(vendor_built, mart) == _mart_rows(contract_built, mart), mart
    # the staged commercial events, tickets and usage are the same rows, not only the scores
    for model, columns in [
        ("stg_crm__subscription_events", "account_id, event_type, mrr_delta_amount, occurred_at"),
        ("stg_product__usage_events", "event_id, account_id, user_id, event_name, occurred_at"),
        # the raw layout leaves some tickets' account to their requester, the adapter names it
        ("stg_helpdesk__tickets", "ticket_id, created_at, first_responded_at,"
                                  " solved_at, status, category, priority, reopen_count"),
        ("int_tickets_attributed", "ticket_id, account_id"),
        ("stg_crm__accounts", "account_id, account_name, segment, parent_account_id, created_at,"
                              " churned_at, is_internal, arr_amount"),
    ]:
        schema = "intermediate" if model.startswith("int_") else "staging"
        query = f"select {columns} from {schema}.{model} order by all"
        assert vendor_built.query(query) == contract_built.query(query), model


def test_vendor_rows_are_staged_or_rejected_with_a_reason(vendor_built: Warehouse) -> None:
    set_aside = set(vendor_built.query(
        "select source_table, source_key, reason from marts.rejected_rows"
        " where source_table not like 'raw.%'"))
    assert set_aside == SET_ASIDE
    # the organisation whose domain is no account's: its user and ticket are rejected by
    # staging, the reason (system and ids) in the raw row
    rejected = dict(vendor_built.query(
        "select source_key, raw_record from marts.rejected_rows"
        " where source_key in ('zd_lost', 'tkt_lost') and severity = 'rejected'"))
    assert set(rejected) == {"zd_lost", "tkt_lost"}
    assert "zendesk ticket tkt_lost reached no account" in rejected["tkt_lost"]
    assert "zendesk organization zd_org_lost" in rejected["tkt_lost"]
    assert "lost.example" in rejected["zd_lost"]
    # matches by method per system, severity matched
    matched = dict(((table, reason), count) for table, reason, count in vendor_built.query(
        "select source_table, reason, row_count from marts.data_quality_summary"
        " where severity = 'matched'"))
    assert matched[("zendesk.organization", "domain")] == CONFIG.n_accounts
    assert matched[("zendesk.organization", "unmatched")] == 1
    assert matched[("stripe.customer", "domain")] == CONFIG.n_accounts
    assert matched[("segment.group", "domain")] == CONFIG.n_accounts
    assert vendor_built.scalar(
        "select sum(row_count) from marts.data_quality_summary"
        " where source_table = 'stripe.invoice' and severity = 'rejected'"
        " and reason = 'not_billed'") == 1


def test_identity_map_wins_over_domain(vendor_built: Warehouse, tmp_path) -> None:
    """A map row sends the lost organisation to an account: its ticket is staged there."""
    copy = vendor_built.clone(tmp_path / "mapped")
    copy.write_seed("adapters/customer_health_identity_map",
                    "system,external_id,account_id\nzendesk,zd_org_lost,acc_000001\n")
    copy.build(AS_OF, extra_vars=layout_vars("fivetran"),
               select="customer_health_identity_map+ adapter__account_identities+",
               exclude="tag:marts")
    assert copy.query(
        "select account_id from staging.stg_helpdesk__tickets where ticket_id = 'tkt_lost'"
    ) == [("acc_000001",)]
    assert copy.scalar(
        "select match_method from staging.adapter__account_identities"
        " where system = 'zendesk' and external_id = 'zd_org_lost'") == "identity_map"


def test_adapter_unit_tests_pass(vendor_built: Warehouse) -> None:
    """The adapters' dbt unit tests run only with the vendors chosen (they are disabled else)."""
    result = vendor_built.dbt("test", "--select", "test_type:unit,tag:adapters",
                              "--vars", str(layout_vars("fivetran")).replace("'", '"'),
                              as_of=AS_OF)
    passed = [line for line in result.stdout.splitlines() if " PASS " in line]
    assert len(passed) >= 9, result.stdout[-3000:]


def test_unknown_system_is_one_line(vendor_built: Warehouse) -> None:
    result = vendor_built.dbt("parse", "--vars", '{"customer_health_helpdesk_source": "freshdesk"}',
                              check=False)
    assert result.returncode != 0
    assert "var customer_health_helpdesk_source is freshdesk: choose one of raw, zendesk" in (
        result.stdout + result.stderr)


def test_generate_rejects_an_unknown_layout(tmp_path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "customer_health.generator", "--layout", "airbyte",
         "--db", str(tmp_path / "w.duckdb")], capture_output=True, text=True, check=False)
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and "--layout" in result.stderr


@pytest.mark.parametrize("vendors", [("stripe", "segment"), ("zendesk",), ("hubspot", "stripe")])
def test_a_mix_of_vendors_and_raw_tables(
    vendors: tuple[str, ...], contract_built: Warehouse, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Some vendors beside the raw contract's other tables (Stripe and Segment matched to the raw
    accounts by their optional domain; Zendesk users beside the raw contacts; HubSpot with
    Stripe's ARR laid over its companies): the same score marts as the raw layout."""
    warehouse = copy_project(tmp_path_factory.mktemp("mix"))
    warehouse.generate(CONFIG)
    write_vendor_layout(warehouse.db, "fivetran", vendors)
    raw_tables = {name for (name,) in warehouse.query(
        "select table_name from information_schema.tables where table_schema = 'raw'")}
    assert ("tickets" in raw_tables) == ("zendesk" not in vendors)
    warehouse.build(AS_OF, extra_vars=layout_vars("fivetran", vendors))
    for mart in ["health_score", "health_score_daily", "health_score_criteria"]:
        assert _mart_rows(warehouse, mart) == _mart_rows(contract_built, mart), mart
    # nothing of the raw contract's or the adapters' rows is rejected (only the vendor rows set
    # aside by rule: the Zendesk agent)
    assert warehouse.scalar(
        "select count(*) from marts.rejected_rows where source_table like 'raw.%'") == 0
