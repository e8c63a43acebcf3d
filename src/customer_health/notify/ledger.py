"""The deliveries table `ops.alert_deliveries`: which alert went (or failed to go) to which channel.

It lives in the working warehouse, in schema `ops`, outside every schema dbt builds: dbt
never drops or rebuilds it (a dbt model would be rebuilt, and its history lost, by the
next build), and publication copies schema `marts` only. notify creates it on first use.
One row per channel and alert (primary key): status `sent`, `failed` (sent again on the
next run) or `suppressed` (a repeat, not sent: DECISIONLOG.md "Notifications"). The row
keeps the alert as JSON, so a failed delivery is retried after the mart has moved on to
another day's alerts.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import duckdb

SCHEMA = "ops"
TABLE = f"{SCHEMA}.alert_deliveries"
STATUSES = ("sent", "failed", "suppressed")

DDL = f"""
create table if not exists {TABLE} (
    channel varchar not null,
    alert_id varchar not null,
    alert_date date not null,
    account_id varchar not null,
    alert_type varchar not null,
    band varchar,
    status varchar not null check (status in ('sent', 'failed', 'suppressed')),
    attempts integer not null,
    first_attempt_at timestamp not null,
    last_attempt_at timestamp not null,
    sent_at timestamp,
    destination varchar,
    detail varchar,
    alert_json varchar not null,
    primary key (channel, alert_id)
)
"""


@dataclass(frozen=True)
class Outcome:
    """What happened to one alert on one channel in this run."""

    alert: Mapping[str, Any]
    status: str  # one of STATUSES
    destination: str | None = None  # webhook host, recipients, file path
    detail: str | None = None  # the error of a failed delivery, or why it was suppressed


def ensure_table(con: duckdb.DuckDBPyConnection) -> None:
    """Create schema ops and the deliveries table when they do not exist."""
    con.execute(f"create schema if not exists {SCHEMA}")
    con.execute(DDL)


def statuses(con: duckdb.DuckDBPyConnection, channel: str) -> dict[str, str]:
    """Return alert_id -> status of every alert recorded for a channel."""
    rows = con.execute(
        f"select alert_id, status from {TABLE} where channel = ?", [channel]
    ).fetchall()
    return dict(rows)


def failed_alerts(con: duckdb.DuckDBPyConnection, channel: str) -> list[dict[str, Any]]:
    """Return the alerts whose delivery on a channel failed (oldest first), to send again."""
    rows = con.execute(
        f"select alert_json from {TABLE} where channel = ? and status = 'failed' "
        "order by alert_date, alert_id",
        [channel],
    ).fetchall()
    return [json.loads(row[0]) for row in rows]


def recent_deliveries(
    con: duckdb.DuckDBPyConnection, channel: str, since: dt.date
) -> list[tuple[str, str, str | None, dt.date, str]]:
    """Return (account_id, alert_type, band, alert_date, alert_id) of the alerts sent or
    still to be sent (failed) on a channel whose alert date is on or after since."""
    return con.execute(
        f"select account_id, alert_type, band, alert_date, alert_id from {TABLE} "
        "where channel = ? and status in ('sent', 'failed') and alert_date >= ? "
        "order by alert_date, alert_id",
        [channel, since],
    ).fetchall()


def failed_by_channel(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Return channel -> number of deliveries waiting to be sent again."""
    rows = con.execute(
        f"select channel, count(*) from {TABLE} where status = 'failed' group by channel"
    ).fetchall()
    return dict(rows)


def record(
    con: duckdb.DuckDBPyConnection, channel: str, outcomes: Iterable[Outcome], now: dt.datetime
) -> None:
    """Insert or update the rows of a channel's outcomes (one transaction).

    A sent or failed outcome counts one attempt; a suppressed one none. first_attempt_at
    keeps the first run that saw the alert; sent_at is set once it is sent.
    """
    rows = []
    for outcome in outcomes:
        if outcome.status not in STATUSES:
            raise ValueError(f"unknown delivery status {outcome.status!r}")
        alert = outcome.alert
        rows.append([
            channel,
            alert["alert_id"],
            alert["alert_date"],
            alert["account_id"],
            alert["alert_type"],
            alert.get("band"),
            outcome.status,
            0 if outcome.status == "suppressed" else 1,
            now,
            now,
            now if outcome.status == "sent" else None,
            outcome.destination,
            outcome.detail,
            json.dumps(dict(alert), sort_keys=True),
        ])
    if not rows:
        return
    con.execute("begin transaction")
    try:
        con.executemany(
            f"insert into {TABLE} values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "on conflict (channel, alert_id) do update set "
            "status = excluded.status, "
            "attempts = attempts + excluded.attempts, "
            "last_attempt_at = excluded.last_attempt_at, "
            "sent_at = coalesce(sent_at, excluded.sent_at), "
            "destination = excluded.destination, "
            "detail = excluded.detail",
            rows,
        )
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
