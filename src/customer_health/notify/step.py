"""The delivery step: send the alerts of `marts.health_alerts` not delivered before.

For each configured channel (notify_config) the step sends the alerts of the mart that
have no row in the deliveries table (notify_ledger) for that channel, except repeats,
plus every earlier delivery on that channel that failed; each outcome is recorded as
soon as the channel answers. `customer-health notify` runs it alone; `customer-health
run` runs it after a green build (after_build). Rules: DECISIONLOG.md "Notifications".
"""

from __future__ import annotations

import argparse
import datetime as dt
import decimal
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from customer_health.notify import config as notify_config
from customer_health.notify import ledger as notify_ledger
from customer_health.notify.channels import EmailChannel, TasksChannel, WebhookChannel
from customer_health.notify.ledger import Outcome
from customer_health.pipeline import relations

ALERTS_RELATION = "marts.health_alerts"
RECIPIENTS_RELATION = "config.notification_recipients"

# Exit codes of `customer-health notify` (README "Notifications"); `customer-health run`
# ends with EXIT_DELIVERY_FAILED when its build is green but a delivery failed.
EXIT_OK = 0
EXIT_CONFIG = 2  # a setting that cannot be used, or no built warehouse to read alerts from
EXIT_DELIVERY_FAILED = 4  # at least one delivery failed: recorded, sent again next run

SEVERITY_ORDER = {"high": 0, "medium": 1}
NO_CHANNEL = (
    "notifications: no channel configured (set HEALTH_NOTIFY_WEBHOOK_URL, "
    "HEALTH_NOTIFY_SMTP_HOST or HEALTH_NOTIFY_TASKS_DIR): nothing sent"
)


class NotifyError(RuntimeError):
    """The step cannot start (no warehouse, no alerts mart, warehouse in use)."""


@dataclass
class ChannelReport:
    """What one channel did in this run."""

    channel: str
    sent: int = 0
    retried: int = 0  # of sent: deliveries that had failed before
    suppressed: int = 0
    already: int = 0  # alerts of the mart delivered (or suppressed) by an earlier run
    failures: dict[str, int] = field(default_factory=dict)  # reason -> alerts

    @property
    def failed(self) -> int:
        """Number of alerts whose delivery failed in this run."""
        return sum(self.failures.values())

    def lines(self) -> list[str]:
        """Return the report lines of this channel."""
        head = f"notifications: {self.channel}: "
        if not (self.sent or self.suppressed or self.failures):
            return [head + f"nothing new ({self.already} alerts of the mart already handled)"]
        parts = [f"{self.sent} sent" + (f" ({self.retried} after an earlier failure)"
                                        if self.retried else "")]
        if self.suppressed:
            parts.append(f"{self.suppressed} repeats not sent")
        if self.already:
            parts.append(f"{self.already} already handled")
        lines = [head + ", ".join(parts)]
        for reason, count in self.failures.items():
            lines.append(
                f"notifications: {self.channel}: delivery FAILED for {count} alert"
                f"{'s' if count != 1 else ''}: {reason} (recorded in "
                f"{notify_ledger.TABLE}; sent again on the next run)"
            )
        return lines


@dataclass
class StepReport:
    """What the delivery step did, per channel."""

    channels: list[ChannelReport] = field(default_factory=list)
    waiting: dict[str, int] = field(default_factory=dict)  # failed, channel not configured

    @property
    def failed(self) -> int:
        """Number of alerts whose delivery failed in this run, all channels."""
        return sum(c.failed for c in self.channels)

    def lines(self) -> list[str]:
        """Return the report, one line per channel and failure."""
        lines = [line for c in self.channels for line in c.lines()]
        for channel, count in sorted(self.waiting.items()):
            lines.append(
                f"notifications: {count} failed deliveries on channel {channel} wait in "
                f"{notify_ledger.TABLE}: the channel is not configured in this run"
            )
        return lines


def _json_value(value: Any) -> Any:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):  # arr_at_risk (DECIMAL): a JSON number
        return float(value)
    return value


def read_alerts(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """Return the rows of marts.health_alerts as dicts of JSON values."""
    cursor = con.execute(f"select * from {ALERTS_RELATION} order by alert_date, alert_id")
    names = [d[0] for d in cursor.description]
    return [{n: _json_value(v) for n, v in zip(names, row, strict=True)}
            for row in cursor.fetchall()]


def read_seed_recipients(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[str, ...]]:
    """Return owner role -> addresses from seed notification_recipients (empty if not built)."""
    if not _table_exists(con, RECIPIENTS_RELATION):
        return {}
    found: dict[str, list[str]] = {}
    rows = con.execute(
        f"select lower(trim(owner_role)), trim(email) from {RECIPIENTS_RELATION} "
        "where owner_role is not null and email is not null order by 1, 2"
    ).fetchall()
    for role, email in rows:
        found.setdefault(role, []).append(email)
    return {role: tuple(emails) for role, emails in found.items()}


def _sort_key(alert: dict[str, Any]) -> tuple:
    return (
        alert["alert_date"],
        SEVERITY_ORDER.get(str(alert.get("severity")), 9),
        str(alert["account_id"]),
        str(alert["alert_type"]),
    )


@dataclass
class ChannelPlan:
    """What the step does on one channel: send, suppress, and what was handled before."""

    to_send: list[dict[str, Any]]
    suppressed: list[Outcome]
    retry_ids: set[str]  # of to_send: deliveries that failed before
    already: int  # alerts of the mart sent or suppressed by an earlier run


def plan_channel(
    con: duckdb.DuckDBPyConnection,
    channel: str,
    alerts: Sequence[dict[str, Any]],
    repeat_days: int,
) -> ChannelPlan:
    """Return what to send on a channel and which new alerts are repeats.

    To send: the mart's alerts with no row for the channel, and the channel's failed
    deliveries (the mart's current version of an alert when it still holds it). A new
    alert is a repeat, recorded as suppressed and not sent, when an alert of the same
    account, type and band dated less than repeat_days earlier was sent or is still to
    be sent on the channel (0 turns this off).
    """
    recorded = notify_ledger.statuses(con, channel) if _ledger_exists(con) else {}
    current = {a["alert_id"]: a for a in alerts}
    retries = [
        current.get(a["alert_id"], a)
        for a in (notify_ledger.failed_alerts(con, channel) if recorded else [])
    ]
    new = [a for a in alerts if a["alert_id"] not in recorded]
    already = sum(1 for a in alerts if recorded.get(a["alert_id"]) in ("sent", "suppressed"))
    suppressed: list[Outcome] = []
    if repeat_days > 0 and new and recorded:
        earliest = min(dt.date.fromisoformat(a["alert_date"]) for a in new)
        earlier: dict[tuple, list[tuple[dt.date, str]]] = {}
        since = earliest - dt.timedelta(days=repeat_days)
        for account, alert_type, band, alert_date, alert_id in notify_ledger.recent_deliveries(
            con, channel, since
        ):
            earlier.setdefault((account, alert_type, band), []).append((alert_date, alert_id))
        kept = []
        for alert in new:
            day = dt.date.fromisoformat(alert["alert_date"])
            key = (alert["account_id"], alert["alert_type"], alert.get("band"))
            match = next(
                ((d, i) for d, i in earlier.get(key, [])
                 if 0 < (day - d).days < repeat_days),
                None,
            )
            if match is None:
                kept.append(alert)
            else:
                suppressed.append(Outcome(
                    alert, "suppressed", None,
                    f"repeat of alert {match[1]} of {match[0].isoformat()} (same account, "
                    f"type and band less than {repeat_days} days before)",
                ))
        new = kept
    return ChannelPlan(
        sorted(retries + new, key=_sort_key),
        suppressed,
        {a["alert_id"] for a in retries},
        already,
    )


def _table_exists(con: duckdb.DuckDBPyConnection, relation: str) -> bool:
    schema, table = relation.split(".")
    return relations.has_table(con, schema, table)


def _ledger_exists(con: duckdb.DuckDBPyConnection) -> bool:
    return _table_exists(con, notify_ledger.TABLE)


def _channels(
    config: notify_config.NotifyConfig,
    con: duckdb.DuckDBPyConnection,
    now: dt.datetime,
) -> list[Any]:
    channels: list[Any] = []
    if config.webhook:
        channels.append(WebhookChannel(config.webhook, config.timeout_seconds))
    if config.smtp:
        channels.append(
            EmailChannel(config.smtp, config.timeout_seconds, read_seed_recipients(con))
        )
    if config.tasks:
        channels.append(TasksChannel(config.tasks, now))
    return channels


def _connect(db_path: Path, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    if not db_path.exists():
        raise NotifyError(f"warehouse {db_path} not found: run `customer-health run` first")
    try:
        con = relations.connect(db_path, read_only=read_only)
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower():
            raise NotifyError(
                f"warehouse {db_path} is in use by another process (a build running?): "
                "run `customer-health notify` again when it has finished"
            ) from None
        raise NotifyError(f"cannot open warehouse {db_path}: {exc}") from None
    if not _table_exists(con, ALERTS_RELATION):
        con.close()
        raise NotifyError(
            f"{ALERTS_RELATION} not found in {db_path}: run `customer-health run` first"
        )
    return con


def deliver(
    db_path: Path,
    config: notify_config.NotifyConfig,
    now: dt.datetime | None = None,
    dry_run: bool = False,
    echo: Callable[[str], None] = print,
) -> StepReport:
    """Run the delivery step on a built warehouse and return what it did.

    dry_run prints what each channel would send and records nothing.
    """
    now = now or dt.datetime.now(dt.UTC).replace(tzinfo=None)
    report = StepReport()
    con = _connect(db_path, read_only=dry_run)
    try:
        if not dry_run:
            notify_ledger.ensure_table(con)
        alerts = read_alerts(con)
        for channel in _channels(config, con, now):
            plan = plan_channel(con, channel.name, alerts, config.repeat_days)
            result = ChannelReport(
                channel.name, suppressed=len(plan.suppressed), already=plan.already
            )
            report.channels.append(result)
            if dry_run:
                echo(f"notifications (dry run): {channel.name} would send "
                     f"{len(plan.to_send)} alerts ({len(plan.retry_ids)} after an earlier "
                     f"failure), {len(plan.suppressed)} repeats not sent")
                continue
            notify_ledger.record(con, channel.name, plan.suppressed, now)
            for outcomes in channel.deliver(plan.to_send):
                notify_ledger.record(con, channel.name, outcomes, now)
                sent = [o for o in outcomes if o.status == "sent"]
                result.sent += len(sent)
                result.retried += sum(1 for o in sent if o.alert["alert_id"] in plan.retry_ids)
                for outcome in outcomes:
                    if outcome.status == "failed":
                        reason = str(outcome.detail)
                        result.failures[reason] = result.failures.get(reason, 0) + 1
        if _ledger_exists(con):
            configured = set(config.channels())
            report.waiting = {
                channel: count
                for channel, count in notify_ledger.failed_by_channel(con).items()
                if channel not in configured
            }
    finally:
        con.close()
    return report


def run_step(
    root: Path, db_path: Path, dry_run: bool = False, echo: Callable[[str], None] = print
) -> int:
    """Read the settings, run the step, print its report; return the exit code."""
    try:
        config = notify_config.from_env(root)
    except notify_config.NotifyConfigError as exc:
        echo(f"notifications: configuration error: {exc}")
        return EXIT_CONFIG
    if not config.channels():
        echo(NO_CHANNEL)
        return EXIT_OK
    try:
        report = deliver(db_path, config, dry_run=dry_run, echo=echo)
    except NotifyError as exc:
        echo(f"notifications: {exc}")
        return EXIT_CONFIG
    if dry_run:
        return EXIT_OK
    for line in report.lines():
        echo(line)
    return EXIT_DELIVERY_FAILED if report.failed else EXIT_OK


def after_build(root: Path, db_path: Path) -> int:
    """The step as `customer-health run` calls it after a green build; return its exit code.

    The build stays green whatever happens here: a failed delivery is reported on stderr
    and the run ends with EXIT_DELIVERY_FAILED (a scheduler sees it), and the next run
    sends it again.
    """
    print()
    code = run_step(root, db_path)
    if code != EXIT_OK:
        print(
            f"The build is green, but the notifications step failed (exit {EXIT_DELIVERY_FAILED}); "
            "see the lines above.",
            file=sys.stderr,
        )
        return EXIT_DELIVERY_FAILED
    return EXIT_OK


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare `customer-health notify` options."""
    parser.add_argument(
        "--dry-run", action="store_true",
        help="say what each channel would send; send and record nothing",
    )
