"""SQL materialisation of the compact frames: string ids and the exact raw contract types."""

from __future__ import annotations

import re

import duckdb
import pandas as pd


def _nid(prefix: str, col: str, width: int) -> str:
    return f"case when {col} >= 0 then format('{prefix}_{{:0{width}d}}', {col}) end::varchar"


def _render(sql: str, src: str, accounts: str) -> str:
    """Expand the ``@nid(prefix, column, width)``, ``@src`` and ``@accounts`` placeholders."""
    sql = re.sub(r"@nid\((\w+), (\w+), (\d+)\)",
                 lambda m: _nid(m.group(1), m.group(2), int(m.group(3))), sql)
    return sql.replace("@src", src).replace("@accounts", accounts)


_SELECTS: dict[str, str] = {
    "raw.accounts": """
        select format('acc_{:06d}', num)::varchar as account_id,
               name::varchar as account_name,
               segment::varchar as segment,
               @nid(acc, parent_num, 6) as parent_account_id,
               created_at::timestamp as created_at,
               churned_at::timestamp as churned_at,
               is_internal::boolean as is_internal,
               cast(round(arr, 2) as decimal(18, 2)) as arr,
               renewal_date::date as renewal_date,
               loaded_at::timestamp as _loaded_at
        from @src order by num""",
    "raw.contacts": """
        with c as (
            select c.*, a.is_internal,
                   case when a.is_internal then 'ourcompany'
                        else trim(regexp_replace(lower(a.name), '[^a-z0-9]+', '-', 'g'), '-')
                   end as domain
            from @src c join @accounts a on a.num = c.acct
        ), d as (
            select *, row_number() over (
                partition by domain, first_name, last_name order by num) as dup
            from c
        )
        select format('con_{:07d}', num)::varchar as contact_id,
               format('acc_{:06d}', acct)::varchar as account_id,
               case when not email_null then
                   lower(first_name::varchar) || '.' || lower(last_name::varchar)
                   || case when dup > 1 then dup::varchar else '' end
                   || '@' || domain || '.example' end::varchar as email,
               created_at::timestamp as created_at,
               loaded_at::timestamp as _loaded_at
        from d order by num""",
    "raw.tickets": """
        select format('tkt_{:08d}', num)::varchar as ticket_id,
               @nid(acc, acct, 6) as account_id,
               @nid(con, requester, 7) as requester_id,
               created_at::timestamp as created_at,
               first_response_at::timestamp as first_response_at,
               solved_at::timestamp as solved_at,
               status::varchar as status,
               category::varchar as category,
               priority::varchar as priority,
               channel::varchar as channel,
               case when handle_minutes >= 0 then handle_minutes end::integer as handle_minutes,
               case when reopen_count >= 0 then reopen_count end::integer as reopen_count,
               loaded_at::timestamp as _loaded_at
        from @src order by num""",
    "raw.usage_events": """
        select format('evt_{:010d}', num)::varchar as event_id,
               format('acc_{:06d}', acct)::varchar as account_id,
               case when user_num >= 0 then format('usr_{:06d}_{:02d}', acct, user_num)
               end::varchar as user_id,
               event_name::varchar as event_name,
               occurred_at::timestamp as occurred_at,
               loaded_at::timestamp as _loaded_at
        from @src""",
    "raw.survey_responses": """
        select format('srv_{:08d}', num)::varchar as response_id,
               @nid(acc, acct, 6) as account_id,
               @nid(con, contact, 7) as contact_id,
               @nid(tkt, ticket, 8) as ticket_id,
               survey_type::varchar as survey_type,
               score::integer as score,
               comment::varchar as comment,
               responded_at::timestamp as responded_at,
               loaded_at::timestamp as _loaded_at
        from @src order by num""",
    "raw.subscription_events": """
        select format('sub_{:07d}', num)::varchar as subscription_event_id,
               format('acc_{:06d}', acct)::varchar as account_id,
               event_type::varchar as event_type,
               cast(mrr_delta as decimal(18, 2)) as mrr_delta,
               occurred_at::timestamp as occurred_at,
               loaded_at::timestamp as _loaded_at
        from @src order by num""",
    "raw.touchpoints": """
        select format('tp_{:08d}', num)::varchar as touchpoint_id,
               @nid(acc, acct, 6) as account_id,
               @nid(con, contact, 7) as contact_id,
               touchpoint_type::varchar as touchpoint_type,
               detail::varchar as detail,
               occurred_at::timestamp as occurred_at,
               loaded_at::timestamp as _loaded_at
        from @src order by num""",
    "raw.csm_sentiment": """
        select format('csm_{:07d}', num)::varchar as sentiment_id,
               format('acc_{:06d}', acct)::varchar as account_id,
               author::varchar as author,
               sentiment::integer as sentiment,
               reason_code::varchar as reason_code,
               note::varchar as note,
               recorded_at::timestamp as recorded_at,
               loaded_at::timestamp as _loaded_at
        from @src order by num""",
    "demo_truth.accounts": """
        select format('acc_{:06d}', num)::varchar as account_id,
               segment::varchar as segment,
               latent_health_start::double as latent_health_start,
               latent_health_at_end::double as latent_health_at_end,
               churn_date::date as churn_date,
               is_future_churner::boolean as is_future_churner,
               is_silent::boolean as is_silent
        from @src order by num""",
    "demo_truth.seasonal_factors": """
        select factor_type::varchar as factor_type, key::integer as key,
               factor::double as factor
        from @src""",
}

_ORDER_KEYS = {
    "raw.accounts": "account_id",
    "raw.contacts": "contact_id",
    "raw.tickets": "ticket_id",
    "raw.usage_events": "event_id",
    "raw.survey_responses": "response_id",
    "raw.subscription_events": "subscription_event_id",
    "raw.touchpoints": "touchpoint_id",
    "raw.csm_sentiment": "sentiment_id",
    "demo_truth.accounts": "account_id",
    "demo_truth.seasonal_factors": "factor_type, key",
}


def _sql(con: duckdb.DuckDBPyConnection, query: str, params: list[object] | None = None) -> list:
    """Execute ``query`` and fetch the complete result (leaves no pending result behind)."""
    return con.execute(query, params).fetchall() if params else con.execute(query).fetchall()


def _src_name(table: str) -> str:
    return "_gen_" + table.replace(".", "_")


def _materialise(
    con: duckdb.DuckDBPyConnection, compact: dict[str, pd.DataFrame], consume: bool = False
) -> dict[str, int]:
    """Create the target tables in ``con`` from the compact frames; return row counts.

    With ``consume`` the frames are removed from ``compact`` once written (frees memory).
    """
    _sql(con, "create schema if not exists raw")
    _sql(con, "create schema if not exists demo_truth")
    accounts_src = _src_name("raw.accounts")
    con.register(accounts_src, compact["raw.accounts"])
    counts: dict[str, int] = {}
    try:
        for table in list(compact):
            src = _src_name(table)
            if table != "raw.accounts":
                con.register(src, compact[table])
            sql = _render(_SELECTS[table], src, accounts_src)
            _sql(con, f"drop table if exists {table}")
            _sql(con, f"create table {table} as {sql}")
            counts[table] = int(_sql(con, f"select count(*) from {table}")[0][0])
            if table != "raw.accounts":
                con.unregister(src)
                if consume:
                    del compact[table]
    finally:
        con.unregister(accounts_src)
    return counts
