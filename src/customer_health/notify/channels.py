"""The three delivery channels: Slack-compatible webhook, e-mail over SMTP, tasks file.

Each channel's `deliver(alerts)` yields, batch by batch, one ledger Outcome per alert
(`sent` or `failed` with a one-line reason), so the caller records each batch as soon as
it is known. A channel never raises for a delivery problem: an unreachable server, a
refused message or an unwritable folder is a failed outcome, sent again on the next run.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import smtplib
import socket
import ssl
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import urlsplit

from customer_health.notify import messages
from customer_health.notify.config import SmtpConfig, TasksConfig, WebhookConfig
from customer_health.notify.ledger import Outcome

Alert = messages.Alert


def _failed(alerts: Sequence[Alert], destination: str, error: str) -> list[Outcome]:
    return [Outcome(a, "failed", destination, error) for a in alerts]


def _sent(alerts: Sequence[Alert], destination: str, detail: str | None = None) -> list[Outcome]:
    return [Outcome(a, "sent", destination, detail) for a in alerts]


def _reason(exc: BaseException) -> str:
    """One line for a network error (urllib wraps the socket error in .reason)."""
    reason = getattr(exc, "reason", None) or exc
    text = getattr(reason, "strerror", None) or str(reason) or type(reason).__name__
    return " ".join(str(text).split())


class WebhookChannel:
    """POST each batch of alerts as one message to a Slack-compatible incoming webhook."""

    name = "webhook"

    def __init__(self, config: WebhookConfig, timeout_seconds: float) -> None:
        """Use the webhook of config; each request waits at most timeout_seconds."""
        self.config = config
        self.timeout = timeout_seconds
        parts = urlsplit(config.url)
        # the URL's path is the webhook's secret: messages and the table name the host only
        self.destination = f"{parts.scheme}://{parts.netloc}"

    def deliver(self, alerts: Sequence[Alert]) -> Iterator[list[Outcome]]:
        """Send the alerts in messages of at most batch_size alerts each.

        When the server cannot be reached, the remaining batches fail with the same
        reason without waiting for it again.
        """
        size = self.config.batch_size
        unreachable: str | None = None
        for start in range(0, len(alerts), size):
            batch = alerts[start:start + size]
            if unreachable:
                yield _failed(batch, self.destination, unreachable)
                continue
            error, reached = self._post(messages.webhook_payload(batch))
            if not reached:
                unreachable = error
            yield (
                _failed(batch, self.destination, error) if error
                else _sent(batch, self.destination)
            )

    def _post(self, payload: Mapping[str, str]) -> tuple[str | None, bool]:
        """POST one message; return (None when the server accepted it (2xx), else why
        not; whether the server answered at all)."""
        request = urllib.request.Request(
            self.config.url,
            data=json.dumps(payload).encode("utf-8"),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                response.read()
            return None, True
        except urllib.error.HTTPError as exc:
            body = " ".join(exc.read(300).decode("utf-8", "replace").split())
            return f"webhook {self.destination} answered HTTP {exc.code}" + (
                f": {body}" if body else ""
            ), True
        except (urllib.error.URLError, OSError) as exc:
            return f"cannot reach webhook {self.destination}: {_reason(exc)}", False


class EmailChannel:
    """Send one e-mail per owner role to that role's recipients."""

    name = "email"

    def __init__(
        self,
        config: SmtpConfig,
        timeout_seconds: float,
        seed_recipients: Mapping[str, tuple[str, ...]] | None = None,
    ) -> None:
        """Use the SMTP server of config; seed_recipients come from seed notification_recipients."""
        self.config = config
        self.timeout = timeout_seconds
        self.seed_recipients = {k.lower(): v for k, v in (seed_recipients or {}).items()}
        self.server = f"{config.host}:{config.port}"

    def recipients(self, owner_role: str) -> tuple[str, ...]:
        """Return who receives a role's alerts: HEALTH_NOTIFY_EMAIL_TO_<ROLE>, else the
        seed's rows for the role, else HEALTH_NOTIFY_EMAIL_TO."""
        role = owner_role.lower()
        return (
            self.config.role_recipients.get(role)
            or self.seed_recipients.get(role)
            or self.config.default_recipients
        )

    def deliver(self, alerts: Sequence[Alert]) -> Iterator[list[Outcome]]:
        """Group the alerts by owner role and send one message per role."""
        by_role: dict[str, list[Alert]] = {}
        for alert in alerts:
            by_role.setdefault(str(alert.get("owner_role") or "unassigned"), []).append(alert)
        connection: smtplib.SMTP | None = None
        try:
            for role, batch in sorted(by_role.items()):
                to = self.recipients(role)
                if not to:
                    yield _failed(
                        batch, "", f"no e-mail recipients for owner role {role!r}: set "
                        f"HEALTH_NOTIFY_EMAIL_TO_{role.upper()} or HEALTH_NOTIFY_EMAIL_TO, or add "
                        "rows to seed notification_recipients",
                    )
                    continue
                destination = ", ".join(to)
                message = EmailMessage()
                message["Subject"] = messages.email_subject(role, batch)
                message["From"] = self.config.sender
                message["To"] = destination
                message.set_content(messages.email_body(role, batch))
                try:
                    if connection is None:
                        connection = self._connect()
                    refused = connection.send_message(message)
                except (smtplib.SMTPException, OSError) as exc:
                    yield _failed(batch, destination, self._error(exc))
                    connection = self._close(connection)
                    continue
                note = f"refused by the server: {', '.join(refused)}" if refused else None
                yield _sent(batch, destination, note)
        finally:
            self._close(connection)

    def _connect(self) -> smtplib.SMTP:
        cfg = self.config
        if cfg.security == "ssl":
            connection: smtplib.SMTP = smtplib.SMTP_SSL(
                cfg.host, cfg.port, timeout=self.timeout, context=ssl.create_default_context()
            )
        else:
            connection = smtplib.SMTP(cfg.host, cfg.port, timeout=self.timeout)
            if cfg.security == "starttls":
                connection.starttls(context=ssl.create_default_context())
        if cfg.user and cfg.password:
            connection.login(cfg.user, cfg.password)
        return connection

    @staticmethod
    def _close(connection: smtplib.SMTP | None) -> None:
        if connection is not None:
            try:
                connection.quit()
            except (smtplib.SMTPException, OSError):
                connection.close()

    def _error(self, exc: BaseException) -> str:
        if isinstance(exc, smtplib.SMTPRecipientsRefused):
            return f"SMTP server {self.server} refused every recipient"
        if isinstance(exc, smtplib.SMTPResponseException):
            text = exc.smtp_error.decode("utf-8", "replace") if isinstance(
                exc.smtp_error, bytes) else str(exc.smtp_error)
            return f"SMTP server {self.server} answered {exc.smtp_code}: {' '.join(text.split())}"
        if isinstance(exc, socket.timeout | TimeoutError):
            return f"SMTP server {self.server} did not answer within {self.timeout:g} s"
        return f"cannot reach SMTP server {self.server}: {_reason(exc)}"


class TasksChannel:
    """Write the alerts as tasks a CRM can import: one CSV and one JSON file per run."""

    name = "tasks"

    def __init__(self, config: TasksConfig, now: dt.datetime) -> None:
        """Write into config.directory; now (UTC) names the files."""
        self.directory = config.directory
        self.stem = f"health_tasks_{now.strftime('%Y%m%dT%H%M%SZ')}"

    def deliver(self, alerts: Sequence[Alert]) -> Iterator[list[Outcome]]:
        """Write both files (each appears whole, by rename) holding one row per alert."""
        if not alerts:
            return
        rows = [messages.task_row(a) for a in alerts]
        written: list[Path] = []
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            stem = self.stem
            n = 1
            while (self.directory / f"{stem}.csv").exists() or (
                self.directory / f"{stem}.json"
            ).exists():
                n += 1
                stem = f"{self.stem}_{n}"
            csv_path = self.directory / f"{stem}.csv"
            json_path = self.directory / f"{stem}.json"
            _write_atomically(csv_path, _csv_text(rows))
            written.append(csv_path)
            _write_atomically(json_path, json.dumps(rows, indent=2, ensure_ascii=False) + "\n")
        except OSError as exc:
            for path in written:  # both files or none: a retry must not import a task twice
                path.unlink(missing_ok=True)
            yield _failed(
                alerts, str(self.directory),
                f"cannot write the tasks files in {self.directory}: {_reason(exc)}",
            )
            return
        yield _sent(alerts, f"{csv_path} (+ .json)")


def _csv_text(rows: Sequence[Mapping[str, object]]) -> str:
    import io

    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=messages.TASK_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def _write_atomically(path: Path, text: str) -> None:
    """Write a file under a temporary name, then rename it: readers never see half a file."""
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
