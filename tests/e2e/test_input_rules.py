"""Input rules of issue 10 on a built warehouse: post-ticket surveys and contradictory events.

One incremental build of a copy of the small portfolio after a load of hand-made rows:
- survey answers reaching their account through account_id, the contact or the ticket (the
  ticket's own account or its requester's), conflicts between them, and answers none resolves;
- subscription events whose mrr_delta sign contradicts their type.
Rules and reason codes: DECISIONLOG.md ("Survey attribution", "Commercial events whose sign
contradicts their type").
"""

from __future__ import annotations

import datetime as dt

from conftest import SMALL_AS_OF, Warehouse


def _last_load(wh: Warehouse) -> dt.datetime:
    return max(
        wh.scalar(f"select max(_loaded_at) from raw.{table}")
        for table in ("usage_events", "touchpoints", "tickets", "survey_responses",
                      "subscription_events", "accounts")
    )


def test_surveys_attributed_through_ticket_and_signs_checked(small_copy: Warehouse) -> None:
    wh = small_copy
    # a ticket with its own account, a ticket reached through its requester, and a contact of
    # another account than the first ticket's
    ticket_a, account_a = wh.query(
        "select ticket_id, account_id from staging.stg_helpdesk__tickets "
        "where account_id is not null order by ticket_id limit 1"
    )[0]
    ticket_r, account_r = wh.query(
        "select t.ticket_id, c.account_id from staging.stg_helpdesk__tickets t "
        "join staging.stg_crm__contacts c on t.requester_contact_id = c.contact_id "
        "where t.account_id is null order by t.ticket_id limit 1"
    )[0]
    contact_b, account_b = wh.query(
        "select contact_id, account_id from staging.stg_crm__contacts "
        "where account_id <> ? order by contact_id limit 1", [account_a]
    )[0]
    loaded = f"timestamp '{_last_load(wh) + dt.timedelta(hours=1)}'"
    at = f"timestamp '{SMALL_AS_OF} 09:00:00'"

    def survey(key: str, account: str | None, contact: str | None, ticket: str | None) -> str:
        def q(v: str | None) -> str:
            return "null" if v is None else f"'{v}'"
        return (f"('{key}', {q(account)}, {q(contact)}, {q(ticket)}, 'csat', 4, {at}, {loaded})")

    rows = [
        survey("x_srv_ticket_only", None, None, ticket_a),
        survey("x_srv_ticket_requester", None, None, ticket_r),
        survey("x_srv_ticket_unknown", None, None, "tkt_missing"),
        survey("x_srv_nothing", None, None, None),
        survey("x_srv_account_vs_ticket", account_b, None, ticket_a),
        survey("x_srv_account_vs_contact", account_a, contact_b, None),
        survey("x_srv_contact_vs_ticket", None, contact_b, ticket_a),
        survey("x_srv_unknown_contact_ticket", None, "con_missing", ticket_a),
        survey("x_srv_agree", account_a, None, ticket_a),
    ]
    wh.execute(
        f"""
        insert into raw.survey_responses by name
        select * from (values {", ".join(rows)})
            as t(response_id, account_id, contact_id, ticket_id, survey_type, score,
                 responded_at, _loaded_at)
        """,
        f"""
        insert into raw.subscription_events by name
        select * from (values
            ('x_sub_expansion_negative', '{account_a}', 'expansion', -50.0, {at}, {loaded}),
            ('x_sub_renewal_negative', '{account_a}', 'renewal', -10.0, {at}, {loaded}),
            ('x_sub_new_negative', '{account_a}', 'new', -10.0, {at}, {loaded}),
            ('x_sub_contraction_positive', '{account_a}', 'contraction', 20.0, {at}, {loaded}),
            ('x_sub_cancellation_positive', '{account_b}', 'cancellation', 100.0, {at}, {loaded}),
            ('x_sub_expansion_ok', '{account_a}', 'expansion', 50.0, {at}, {loaded}),
            ('x_sub_contraction_ok', '{account_a}', 'contraction', -20.0, {at}, {loaded})
        ) as t(subscription_event_id, account_id, event_type, mrr_delta, occurred_at, _loaded_at)
        """,
    )
    wh.build(SMALL_AS_OF)  # the reconciliation test runs in it: raw = staging + rejected

    reported = {
        (key, severity, reason)
        for key, severity, reason in wh.query(
            "select source_key, severity, reason from marts.rejected_rows "
            "where source_key like 'x\\_srv%' escape '\\' or source_key like 'x\\_sub%' escape '\\'"
        )
    }
    assert reported == {
        ("x_srv_ticket_unknown", "rejected", "unknown_ticket"),
        ("x_srv_nothing", "rejected", "unattributable"),
        ("x_srv_account_vs_ticket", "repaired", "account_conflict"),
        ("x_srv_account_vs_contact", "repaired", "account_conflict"),
        ("x_srv_contact_vs_ticket", "repaired", "account_conflict"),
        ("x_srv_unknown_contact_ticket", "repaired", "unknown_contact"),
        ("x_sub_expansion_negative", "repaired", "sign_contradicts_type"),
        ("x_sub_renewal_negative", "repaired", "sign_contradicts_type"),
        ("x_sub_new_negative", "repaired", "sign_contradicts_type"),
        ("x_sub_contraction_positive", "repaired", "sign_contradicts_type"),
        ("x_sub_cancellation_positive", "repaired", "sign_contradicts_type"),
    }

    attributed = {
        key: (account, attribution, contact, ticket)
        for key, account, attribution, contact, ticket in wh.query(
            "select response_id, account_id, account_attribution, contact_id, ticket_id "
            "from intermediate.int_survey_responses_attributed where response_id like 'x\\_srv%' "
            "escape '\\'"
        )
    }
    assert attributed == {
        "x_srv_ticket_only": (account_a, "ticket", None, ticket_a),
        "x_srv_ticket_requester": (account_r, "ticket", None, ticket_r),
        # account_id wins over the ticket, and over the contact; the contact over the ticket;
        # the reference that lost is set to null
        "x_srv_account_vs_ticket": (account_b, "response", None, None),
        "x_srv_account_vs_contact": (account_a, "response", None, None),
        "x_srv_contact_vs_ticket": (account_b, "contact", contact_b, None),
        "x_srv_unknown_contact_ticket": (account_a, "ticket", None, ticket_a),
        "x_srv_agree": (account_a, "response", None, ticket_a),
    }
    deltas = dict(wh.query(
        "select subscription_event_id, mrr_delta_amount from staging.stg_crm__subscription_events "
        "where subscription_event_id like 'x\\_sub%' escape '\\'"
    ))
    assert deltas == {
        "x_sub_expansion_negative": None,
        "x_sub_renewal_negative": None,
        "x_sub_new_negative": None,
        "x_sub_contraction_positive": None,
        "x_sub_cancellation_positive": None,
        "x_sub_expansion_ok": 50,
        "x_sub_contraction_ok": -20,
    }
