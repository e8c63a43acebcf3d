"""The demo portfolio in the layouts vendors' loaders land (``generate --layout fivetran``).

:func:`write_vendor_layout` takes a warehouse the generator wrote in the raw contract's layout
(schema ``raw``) and moves the domains a vendor carries into that vendor's tables, as its loader
lands them, so the source adapters (models/staging/adapters, docs/sources.md) read them:

* helpdesk -> Zendesk Support as Fivetran lands it (schema ``zendesk``): ``organization`` and
  ``organization_domain_name`` (one organisation per account, its domain), ``user`` (every
  contact as an end user of its account's organisation, and one agent), ``ticket``,
  ``ticket_tag`` (the category as a tag or the ticket type), ``ticket_comment`` (the requester's
  first comment and the agent's first public reply), ``ticket_field_history`` (the status
  changes: new, the reopen cycles, solved, closed) and ``satisfaction_rating`` (CSAT answers as
  good, a score of 4 or 5, or bad).

What Zendesk cannot carry is changed in the raw layout too, by :func:`align_raw_layout`, so
both layouts describe the same portfolio: CSAT answers become like/dislike answers (Zendesk's
ratings are good or bad), tickets lose their handling time (Zendesk keeps none), events
without a user get the account's service user (a Segment track needs one), a renewal changes
no MRR, a cancellation takes all of it and the account churns at the cancellation (Stripe), and
the accounts lose their contract renewal date (a HubSpot company has no standard property for
it). The raw accounts gain the optional ``domain`` column both layouts match organisations by.
CSM sentiment (``raw.csm_sentiment``) has no vendor here: it stays in ``raw`` in both layouts.
"""

from __future__ import annotations

import os

import duckdb

LAYOUTS = ("raw", "fivetran")
AGENT_ID = "zd_agent_1"


def account_domain(account_id_sql: str) -> str:
    """SQL for the demo's web domain of an account id (e.g. acc-000012.example)."""
    return f"replace({account_id_sql}, '_', '-') || '.example'"


def align_raw_layout(
    con: duckdb.DuckDBPyConnection, vendors: tuple[str, ...] | None = None
) -> None:
    """Change the raw layout as the vendor layout must (see the module docstring).

    vendors: align only on what these vendors cannot carry (default: all four, what
    write_vendor_layout does, whatever its mix); the accounts' domain is always added.
    """
    chosen = set(VENDORS if vendors is None else vendors)
    columns = {r[0] for r in con.execute(
        "select column_name from information_schema.columns "
        "where table_schema = 'raw' and table_name = 'accounts'").fetchall()}
    if "domain" not in columns:
        con.execute("alter table raw.accounts add column domain varchar")
    con.execute(f"update raw.accounts set domain = {account_domain('account_id')}")
    if "hubspot" in chosen and "renewal_date" in columns:
        # HubSpot: a company has no standard renewal-date property, so the contract's renewal
        # date (generator 1.2.0) is left out; both layouts derive it from the subscription events
        con.execute("update raw.accounts set renewal_date = null")
    if "zendesk" in chosen:
        con.execute(
            "update raw.survey_responses set survey_type = 'like', "
            "score = case when score >= 4 then 1 else 0 end "
            "where survey_type = 'csat' and ticket_id is not null")
        con.execute("update raw.tickets set handle_minutes = null")
    if "segment" in chosen:
        # Segment: a track without a user is anonymous (it reaches no account): server-side
        # events are sent with the account's service user
        con.execute(
            "update raw.usage_events set user_id = 'svc_' || account_id where user_id is null")
    if "stripe" in chosen:
        # Stripe: an account churns when its subscription is cancelled (the cancellation's time)
        con.execute("""
            update raw.accounts a set churned_at = c.occurred_at
            from raw.subscription_events c
            where c.account_id = a.account_id and c.event_type = 'cancellation'""")
        # Stripe: a renewal changes nothing (0); a cancellation takes the whole MRR away
        con.execute(
            "update raw.subscription_events set mrr_delta = 0 where event_type = 'renewal'")
        con.execute("""
            update raw.subscription_events e set mrr_delta = -l.level
            from (select account_id, sum(coalesce(mrr_delta, 0)) as level
                  from raw.subscription_events
                  where event_type in ('new', 'expansion', 'contraction') group by 1) l
            where e.account_id = l.account_id and e.event_type = 'cancellation'""")


def write_zendesk(con: duckdb.DuckDBPyConnection) -> None:
    """Move the helpdesk tables (raw.tickets, contacts, CSAT answers) into schema zendesk."""
    con.execute("create schema if not exists zendesk")
    org = "'zd_org_' || {0}"
    statements = [
        f"""create or replace table zendesk.organization as
            select {org.format('account_id')} as id, account_name as name, created_at,
                   created_at as updated_at, _loaded_at as _fivetran_synced,
                   false as _fivetran_deleted
            from raw.accounts""",
        f"""create or replace table zendesk.organization_domain_name as
            select {org.format('account_id')} as organization_id, 0 as index,
                   {account_domain('account_id')} as domain_name,
                   _loaded_at as _fivetran_synced
            from raw.accounts""",
        f"""create or replace table zendesk.user as
            select 'zd_' || contact_id as id, 'end-user' as role,
                {org.format('account_id')} as organization_id,
                   email, contact_id as name, created_at, true as active,
                   _loaded_at as _fivetran_synced, false as _fivetran_deleted
            from raw.contacts
            union all
            select '{AGENT_ID}', 'agent', null, 'agent@ourcompany.example', 'Agent',
                   timestamp '2000-01-01', true, timestamp '2000-01-01', false""",
        f"""create or replace table zendesk.ticket as
            select ticket_id as id, {org.format('account_id')} as organization_id,
                   'zd_' || requester_id as requester_id,
                   '{AGENT_ID}' as assignee_id, created_at, coalesce(solved_at,
                       created_at) as updated_at,
                   status, priority,
                   case category when 'question' then 'question' when 'bug' then 'problem'
                                 when 'complaint' then 'incident' else 'task' end as type,
                   'Ticket ' || ticket_id as subject, channel as via_channel,
                   _loaded_at as _fivetran_synced, false as _fivetran_deleted
            from raw.tickets""",
        """create or replace table zendesk.ticket_tag as
            select ticket_id, category as tag, _loaded_at as _fivetran_synced
            from raw.tickets where category in ('bug', 'complaint', 'feature_request')""",
        f"""create or replace table zendesk.ticket_comment as
            select 'c1_' || ticket_id as id, ticket_id, 'zd_' || requester_id as user_id,
                created_at as created,
                   true as public, 'Request' as body, _loaded_at as _fivetran_synced
            from raw.tickets where requester_id is not null
            union all
            select 'c2_' || ticket_id, ticket_id, '{AGENT_ID}', first_response_at, true, 'Reply',
                   _loaded_at
            from raw.tickets where first_response_at is not null""",
        # status changes: new, `reopen_count` cycles of solved then open (a second apart,
        # right after creation), solved at solved_at, closed a second later
        """create or replace table zendesk.ticket_field_history as
            select ticket_id, 'status' as field_name, 'new' as value, created_at as updated,
                   'zd_' || requester_id as user_id, _loaded_at as _fivetran_synced
            from raw.tickets
            union all
            select ticket_id, 'status', case when k % 2 = 1 then 'solved' else 'open' end,
                   created_at + to_seconds(k), null, _loaded_at
            from raw.tickets, range(1, 2 * coalesce(reopen_count, 0) + 1) as cycles(k)
            union all
            select ticket_id, 'status', 'solved', solved_at, null, _loaded_at
            from raw.tickets where solved_at is not null
            union all
            select ticket_id, 'status', 'closed', solved_at + interval 1 second, null, _loaded_at
            from raw.tickets where status = 'closed' and solved_at is not null
            union all
            select ticket_id, 'status', status,
                created_at + to_seconds(2 * coalesce(reopen_count, 0) + 1),
                   null, _loaded_at
            from raw.tickets where status not in ('solved', 'closed', 'new')""",
        """create or replace table zendesk.satisfaction_rating as
            select response_id as id, ticket_id, 'zd_' || contact_id as requester_id,
                   '{agent}' as assignee_id,
                   case when score = 1 then 'good' else 'bad' end as score, comment,
                   responded_at as created_at, responded_at as updated_at,
                   _loaded_at as _fivetran_synced
            from raw.survey_responses
            where survey_type = 'like' and ticket_id is not null""".replace("{agent}", AGENT_ID),
        "delete from raw.survey_responses where survey_type = 'like' and ticket_id is not null",
        "drop table raw.tickets",
    ]
    for statement in statements:
        con.execute(statement)


def write_hubspot(con: duckdb.DuckDBPyConnection) -> None:
    """Move the CRM (raw.accounts, contacts) and the touchpoints HubSpot carries to schema hubspot.

    Companies carry the package's fields in custom properties (property_customer_segment,
    property_churned_at, property_is_internal, property_arr); meetings become engagements of
    their company and contact, e-mail opens and clicks of a contact with an address (and no other
    account) become marketing e-mail events. The other touchpoints stay in raw.touchpoints.
    """
    con.execute("create schema if not exists hubspot")
    movable_email = """
        from raw.touchpoints t left join raw.contacts c on c.contact_id = t.contact_id
        where t.touchpoint_type in ('email_open', 'email_click') and c.email is not null
          and (t.account_id is null or t.account_id = c.account_id)"""
    statements = [
        """create or replace table hubspot.company as
            select account_id as id, false as is_deleted, account_name as property_name,
                   domain as property_domain, created_at as property_createdate,
                   created_at as property_hs_date_entered_customer,
                   parent_account_id as property_hs_parent_company_id,
                   segment as property_customer_segment, churned_at as property_churned_at,
                   is_internal as property_is_internal, arr as property_arr,
                   _loaded_at as _fivetran_synced, false as _fivetran_deleted
            from raw.accounts""",
        """create or replace table hubspot.contact as
            select contact_id as id, email as property_email,
                account_id as property_associatedcompanyid,
                   created_at as property_createdate, _loaded_at as _fivetran_synced,
                   false as _fivetran_deleted
            from raw.contacts""",
        """create or replace table hubspot.engagement as
            select touchpoint_id as id, 'MEETING' as type, occurred_at as timestamp,
                   occurred_at as created_at, true as active, _loaded_at as _fivetran_synced
            from raw.touchpoints where touchpoint_type = 'meeting'""",
        """create or replace table hubspot.engagement_company as
            select touchpoint_id as engagement_id, account_id as company_id,
                _loaded_at as _fivetran_synced
            from raw.touchpoints where touchpoint_type = 'meeting' and account_id is not null""",
        """create or replace table hubspot.engagement_contact as
            select touchpoint_id as engagement_id, contact_id, _loaded_at as _fivetran_synced
            from raw.touchpoints where touchpoint_type = 'meeting' and contact_id is not null""",
        f"""create or replace table hubspot.email_event as
            select t.touchpoint_id as id, upper(replace(t.touchpoint_type, 'email_', '')) as type,
                   c.email as recipient, t.occurred_at as created, 1 as email_campaign_id,
                   t._loaded_at as _fivetran_synced
            {movable_email}""",
        f"""delete from raw.touchpoints
            where touchpoint_id in (select t.touchpoint_id {movable_email})
            or touchpoint_type = 'meeting'""",
        "drop table raw.accounts",
    ]
    for statement in statements:
        con.execute(statement)


def write_stripe(con: duckdb.DuckDBPyConnection) -> None:
    """Move raw.subscription_events into Stripe's tables (schema stripe).

    One customer (e-mail at the account's domain) and one yearly subscription per account: the
    new event is its creating invoice, an expansion or contraction a subscription_update invoice
    of two proration lines (the unused old price negative, the new price positive, pro-rated
    amounts), a renewal a subscription_cycle invoice at the current price, a cancellation the
    subscription's current version, canceled at the event's time. Each invoice's line has a price
    of its own whose yearly unit_amount is twelve times the MRR after the event.
    """
    con.execute("create schema if not exists stripe")
    con.execute("""create or replace temp table stripe_events as
        select e.*, 'cus_' || e.account_id as customer_id,
            'sub_' || e.account_id as subscription_id,
               sum(case when e.event_type in ('new', 'expansion', 'contraction')
                        then coalesce(e.mrr_delta, 0) else 0 end)
                   over (partition by e.account_id order by e.occurred_at, e.subscription_event_id)
                   as level_after,
               lag(e.subscription_event_id) over (
                   partition by e.account_id order by e.occurred_at, e.subscription_event_id)
                   as previous_event_id
        from raw.subscription_events e""")
    statements = [
        f"""create or replace table stripe.customer as
            select 'cus_' || account_id as id,
                'billing@' || {account_domain('account_id')} as email,
                   created_at as created, false as is_deleted, _loaded_at as _fivetran_synced
            from raw.accounts""",
        """create or replace table stripe.price as
            select 'price_' || subscription_event_id as id,
                   cast(round(level_after * 1200) as bigint) as unit_amount,
                   'year' as recurring_interval, 1 as recurring_interval_count,
                   _loaded_at as _fivetran_synced
            from stripe_events where event_type <> 'cancellation'""",
        """create or replace table stripe.invoice as
            select 'in_' || subscription_event_id as id, customer_id, subscription_id,
                'paid' as status,
                   case event_type when 'new' then 'subscription_create'
                                   when 'renewal' then 'subscription_cycle'
                                   else 'subscription_update' end as billing_reason,
                   occurred_at as created, _loaded_at as _fivetran_synced
            from stripe_events where event_type <> 'cancellation'""",
        """create or replace table stripe.invoice_line_item as
            select 'il_' || subscription_event_id as id,
                'in_' || subscription_event_id as invoice_id,
                   subscription_id, 'price_' || subscription_event_id as price_id, 1 as quantity,
                   cast(round(level_after * 1200) as bigint) as amount,
                   event_type in ('expansion', 'contraction') as proration, 'subscription' as type,
                   occurred_at as period_start, occurred_at + interval 1 year as period_end,
                   _loaded_at as _fivetran_synced
            from stripe_events where event_type <> 'cancellation'
            union all
            select 'il_old_' || subscription_event_id, 'in_' || subscription_event_id,
                subscription_id,
                   'price_' || previous_event_id, 1,
                       -cast(round((level_after - coalesce(mrr_delta, 0)) * 600) as bigint),
                   true, 'subscription', occurred_at, occurred_at + interval 1 year, _loaded_at
            from stripe_events where event_type in ('expansion', 'contraction')""",
        """create or replace table stripe.subscription_history as
            select s.subscription_id as id, s.customer_id,
                   case when c.subscription_event_id is not null then 'canceled' else 'active' end
                       as status,
                   s.started_at as created, s.started_at as start_date,
                   c.occurred_at as canceled_at, c.occurred_at as ended_at,
                   true as _fivetran_active, s.started_at as _fivetran_start,
                   s.loaded_at as _fivetran_synced
            from (select account_id, any_value(subscription_id) as subscription_id,
                         any_value(customer_id) as customer_id, min(occurred_at) as started_at,
                         max(_loaded_at) as loaded_at
                  from stripe_events group by 1) s
            left join stripe_events c
                on c.account_id = s.account_id and c.event_type = 'cancellation'""",
        "delete from raw.subscription_events",
    ]
    for statement in statements:
        con.execute(statement)


def write_segment(con: duckdb.DuckDBPyConnection) -> None:
    """Move raw.usage_events into Segment's tables (schema segment).

    Each event is a track of its user (an event without a user is the account's service user
    ``svc_<account>``); each user has one group call, a second before its first event, to the
    group ``grp_<account>`` whose website trait is the account's domain, and an identify.
    """
    con.execute("create schema if not exists segment")
    user = "coalesce(user_id, 'svc_' || account_id)"
    statements = [
        f"""create or replace table segment.tracks as
            select event_id as id, {user} as user_id, null::varchar as anonymous_id,
                   event_name as event, replace(event_name, '_', ' ') as event_text,
                   occurred_at as timestamp, occurred_at as original_timestamp,
                   _loaded_at as received_at, _loaded_at as uuid_ts
            from raw.usage_events""",
        f"""create or replace table segment.groups as
            select 'g_' || {user} as id, {user} as user_id, 'grp_' || account_id as group_id,
                   min(occurred_at) - interval 1 second as timestamp,
                   {account_domain('account_id')} as website, min(_loaded_at) as uuid_ts
            from raw.usage_events group by {user}, account_id""",
        f"""create or replace table segment.identifies as
            select 'i_' || {user} as id, {user} as user_id, null::varchar as anonymous_id,
                   null::varchar as email, min(occurred_at) as timestamp, min(_loaded_at) as uuid_ts
            from raw.usage_events group by {user}""",
        "delete from raw.usage_events",
    ]
    for statement in statements:
        con.execute(statement)


VENDORS = {"zendesk": "helpdesk", "hubspot": "crm", "stripe": "billing", "segment": "product"}


def write_vendor_layout(
    db_path: str | os.PathLike[str],
    layout: str = "fivetran",
    vendors: tuple[str, ...] = tuple(VENDORS),
) -> None:
    """Rewrite the generated warehouse at db_path in a layout (see the module docstring).

    ``raw`` only aligns the raw layout (what the vendors cannot carry); ``fivetran`` also moves
    the domains of ``vendors`` (default all four) into their tables, the others stay in the raw
    contract (any mix). Run it once, right after write_warehouse.
    """
    if layout not in LAYOUTS:
        raise ValueError(f"layout {layout!r}: choose one of {', '.join(LAYOUTS)}")
    unknown = sorted(set(vendors) - set(VENDORS))
    if unknown:
        raise ValueError(f"vendors {unknown}: choose among {', '.join(VENDORS)}")
    con = duckdb.connect(os.fspath(db_path))
    try:
        align_raw_layout(con)
        if layout == "fivetran":
            # Zendesk and Stripe read the raw accounts before HubSpot replaces them
            for vendor, write in [("zendesk", write_zendesk), ("stripe", write_stripe),
                                  ("segment", write_segment), ("hubspot", write_hubspot)]:
                if vendor in vendors:
                    write(con)
            if "hubspot" in vendors:
                con.execute("delete from raw.contacts")
    finally:
        con.close()


def layout_vars(layout: str, vendors: tuple[str, ...] = tuple(VENDORS)) -> dict[str, str]:
    """The dbt vars a build of a layout (and its vendors) needs."""
    if layout != "fivetran":
        return {}
    return {f"customer_health_{VENDORS[vendor]}_source": vendor for vendor in vendors}
