"""What a notification says: the text of one alert, a webhook message, an e-mail, a task row.

An alert is one row of `marts.health_alerts` as a dict of JSON values (dates as ISO
strings), the form the deliveries table keeps for retries (notify_ledger).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

Alert = Mapping[str, Any]

# Days from the alert date to a task's due date, by severity and whether the account is in
# churn_risk (DECISIONLOG.md "Notifications"): a churn-risk account whose score fell sharply
# is called within 48 hours (the playbook's detractor follow-up); medium alerts outside
# churn_risk wait for the weekly health meeting.
DUE_IN_DAYS = {
    ("high", True): 2,
    ("high", False): 5,
    ("medium", True): 5,
    ("medium", False): 7,
}
DEFAULT_DUE_IN_DAYS = 7  # a severity the table does not know

# The columns of the tasks file, in order (CSV header and JSON keys).
TASK_COLUMNS = (
    "task_id",
    "account_id",
    "account_name",
    "alert_date",
    "alert_type",
    "severity",
    "health_score",
    "score_change",
    "band",
    "driver",
    "driver_evidence",
    "action_code",
    "recommended_action",
    "action_channel",
    "owner_role",
    "due_date",
    "subject",
)


def due_date(alert: Alert) -> dt.date:
    """Return the due date of an alert's task: alert date + DUE_IN_DAYS[severity, churn risk]."""
    days = DUE_IN_DAYS.get(
        (str(alert.get("severity")), alert.get("band") == "churn_risk"), DEFAULT_DUE_IN_DAYS
    )
    return dt.date.fromisoformat(str(alert["alert_date"])) + dt.timedelta(days=days)


def _signed(value: Any) -> str:
    return "n/a" if value is None else f"{int(value):+d}"


def subject(alert: Alert) -> str:
    """Return a one-line title: account, alert type, band."""
    return (
        f"{alert.get('account_name') or alert['account_id']}: "
        f"{str(alert['alert_type']).replace('_', ' ')} ({alert.get('band')})"
    )


def alert_text(alert: Alert) -> str:
    """Return the plain-text description of one alert (a few lines)."""
    previous = alert.get("previous_score")
    return "\n".join([
        f"{subject(alert)} [{alert.get('severity')}] - account {alert['account_id']}, "
        f"alert of {alert['alert_date']}",
        f"  score {alert.get('health_score')} ({_signed(alert.get('score_change'))} "
        f"from {'n/a' if previous is None else previous}; band before: "
        f"{alert.get('previous_band')})",
        f"  driver: {alert.get('driver_criterion')}"
        + (f" - {alert['driver_evidence']}" if alert.get("driver_evidence") else ""),
        f"  action for {alert.get('owner_role')} ({alert.get('action_channel')}, due "
        f"{due_date(alert).isoformat()}): {alert.get('recommended_action')}",
    ])


def _slack_escape(text: str) -> str:
    """Escape the three characters Slack's message format reserves."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def webhook_payload(alerts: Sequence[Alert]) -> dict[str, str]:
    """Return the JSON body of one Slack-compatible incoming-webhook message."""
    dates = sorted({str(a["alert_date"]) for a in alerts})
    header = (
        f"Customer health: {len(alerts)} new alert{'s' if len(alerts) != 1 else ''} "
        f"({', '.join(dates)})"
    )
    body = "\n\n".join(alert_text(a) for a in alerts)
    return {"text": _slack_escape(f"{header}\n\n{body}")}


def email_subject(owner_role: str, alerts: Sequence[Alert]) -> str:
    """Return the subject of the e-mail sent to one owner role."""
    dates = sorted({str(a["alert_date"]) for a in alerts})
    return (
        f"Customer health: {len(alerts)} new alert{'s' if len(alerts) != 1 else ''} "
        f"for {owner_role} ({', '.join(dates)})"
    )


def email_body(owner_role: str, alerts: Sequence[Alert]) -> str:
    """Return the plain-text body of the e-mail sent to one owner role."""
    intro = (
        f"{len(alerts)} customer health alert{'s' if len(alerts) != 1 else ''} "
        f"for the {owner_role} role, most urgent first:"
    )
    ordered = sorted(alerts, key=lambda a: (due_date(a), str(a["account_id"])))
    return intro + "\n\n" + "\n\n".join(alert_text(a) for a in ordered) + "\n"


def task_row(alert: Alert) -> dict[str, Any]:
    """Return one row of the tasks file (TASK_COLUMNS) for an alert."""
    return {
        "task_id": alert["alert_id"],
        "account_id": alert["account_id"],
        "account_name": alert.get("account_name"),
        "alert_date": alert["alert_date"],
        "alert_type": alert["alert_type"],
        "severity": alert.get("severity"),
        "health_score": alert.get("health_score"),
        "score_change": alert.get("score_change"),
        "band": alert.get("band"),
        "driver": alert.get("driver_criterion"),
        "driver_evidence": alert.get("driver_evidence"),
        "action_code": alert.get("action_code"),
        "recommended_action": alert.get("recommended_action"),
        "action_channel": alert.get("action_channel"),
        "owner_role": alert.get("owner_role"),
        "due_date": due_date(alert).isoformat(),
        "subject": subject(alert),
    }
