"""The notification channels a user configured, from the environment (README "Notifications").

A channel is on when its one required variable is set: `HEALTH_NOTIFY_WEBHOOK_URL`,
`HEALTH_NOTIFY_SMTP_HOST`, `HEALTH_NOTIFY_TASKS_DIR`. A value that cannot be used raises
NotifyConfigError with one line naming the variable.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.utils import parseaddr
from pathlib import Path
from urllib.parse import urlsplit

PREFIX = "HEALTH_NOTIFY_"
ROLE_RECIPIENTS_PREFIX = "HEALTH_NOTIFY_EMAIL_TO_"
DEFAULT_TIMEOUT_SECONDS = 10.0
DEFAULT_REPEAT_DAYS = 7
DEFAULT_WEBHOOK_BATCH = 20
SMTP_SECURITY = ("none", "starttls", "ssl")


class NotifyConfigError(ValueError):
    """A notification setting that cannot be used (the message names the variable)."""


@dataclass(frozen=True)
class WebhookConfig:
    """A Slack-compatible incoming webhook."""

    url: str
    batch_size: int = DEFAULT_WEBHOOK_BATCH


@dataclass(frozen=True)
class SmtpConfig:
    """An SMTP server and who receives the alerts of each owner role."""

    host: str
    port: int
    sender: str
    security: str = "none"
    user: str | None = None
    password: str | None = None
    # owner role (lower case) -> addresses, from HEALTH_NOTIFY_EMAIL_TO_<ROLE>
    role_recipients: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # HEALTH_NOTIFY_EMAIL_TO: every role with no recipients of its own
    default_recipients: tuple[str, ...] = ()


@dataclass(frozen=True)
class TasksConfig:
    """The folder the tasks files (CSV and JSON) are written to."""

    directory: Path


@dataclass(frozen=True)
class NotifyConfig:
    """Every configured channel, and the settings shared by all of them."""

    webhook: WebhookConfig | None = None
    smtp: SmtpConfig | None = None
    tasks: TasksConfig | None = None
    timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS
    repeat_days: int = DEFAULT_REPEAT_DAYS

    def channels(self) -> list[str]:
        """Return the names of the configured channels (as in the deliveries table)."""
        configured = (("webhook", self.webhook), ("email", self.smtp), ("tasks", self.tasks))
        return [name for name, cfg in configured if cfg is not None]


def _int(env: Mapping[str, str], name: str, default: int, minimum: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise NotifyConfigError(f"{name}={raw!r} is not a whole number") from None
    if value < minimum:
        raise NotifyConfigError(f"{name}={value} must be at least {minimum}")
    return value


def _addresses(name: str, raw: str) -> tuple[str, ...]:
    """Split a comma-separated list of e-mail addresses, checking each one."""
    found = []
    for part in raw.split(","):
        part = part.strip()
        if not part:
            continue
        found.append(_address(name, part))
    return tuple(found)


def _address(name: str, value: str) -> str:
    """Return value when it holds one e-mail address (`a@b.c` or `Name <a@b.c>`)."""
    if not re.fullmatch(r"[^@\s,]+@[^@\s,]+", parseaddr(value)[1]):
        raise NotifyConfigError(f"{name}: {value!r} is not an e-mail address")
    return value


def _webhook(env: Mapping[str, str]) -> WebhookConfig | None:
    url = env.get(f"{PREFIX}WEBHOOK_URL", "").strip()
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise NotifyConfigError(
            f"{PREFIX}WEBHOOK_URL must be an http(s) URL with a host, got {url!r}"
        )
    return WebhookConfig(url, _int(env, f"{PREFIX}WEBHOOK_BATCH", DEFAULT_WEBHOOK_BATCH, 1))


def _smtp(env: Mapping[str, str]) -> SmtpConfig | None:
    host = env.get(f"{PREFIX}SMTP_HOST", "").strip()
    if not host:
        return None
    port = _int(env, f"{PREFIX}SMTP_PORT", 25, 1)
    if port > 65535:
        raise NotifyConfigError(f"{PREFIX}SMTP_PORT={port} is not a TCP port")
    sender = env.get(f"{PREFIX}SMTP_FROM", "").strip()
    if not sender:
        raise NotifyConfigError(f"{PREFIX}SMTP_HOST is set but {PREFIX}SMTP_FROM (sender) is not")
    sender = _address(f"{PREFIX}SMTP_FROM", sender)
    default_security = {587: "starttls", 465: "ssl"}.get(port, "none")
    security = env.get(f"{PREFIX}SMTP_SECURITY", "").strip().lower() or default_security
    if security not in SMTP_SECURITY:
        raise NotifyConfigError(
            f"{PREFIX}SMTP_SECURITY={security!r}: expected one of {', '.join(SMTP_SECURITY)}"
        )
    user = env.get(f"{PREFIX}SMTP_USER", "").strip() or None
    password = env.get(f"{PREFIX}SMTP_PASSWORD") or None
    if bool(user) != bool(password):
        raise NotifyConfigError(f"set both {PREFIX}SMTP_USER and {PREFIX}SMTP_PASSWORD, or neither")
    roles = {
        name[len(ROLE_RECIPIENTS_PREFIX):].lower(): _addresses(name, value)
        for name, value in env.items()
        if name.startswith(ROLE_RECIPIENTS_PREFIX) and value.strip()
    }
    return SmtpConfig(
        host=host,
        port=port,
        sender=sender,
        security=security,
        user=user,
        password=password,
        role_recipients=roles,
        default_recipients=_addresses(f"{PREFIX}EMAIL_TO", env.get(f"{PREFIX}EMAIL_TO", "")),
    )


def _tasks(env: Mapping[str, str], root: Path) -> TasksConfig | None:
    raw = env.get(f"{PREFIX}TASKS_DIR", "").strip()
    if not raw:
        return None
    path = Path(raw).expanduser()
    return TasksConfig(path if path.is_absolute() else root / path)


def from_env(root: Path, env: Mapping[str, str] | None = None) -> NotifyConfig:
    """Return the notification settings of the environment (relative paths from root)."""
    env = os.environ if env is None else env
    timeout_raw = env.get(f"{PREFIX}TIMEOUT", "").strip()
    try:
        timeout = float(timeout_raw) if timeout_raw else DEFAULT_TIMEOUT_SECONDS
    except ValueError:
        raise NotifyConfigError(
            f"{PREFIX}TIMEOUT={timeout_raw!r} is not a number of seconds"
        ) from None
    if timeout <= 0:
        raise NotifyConfigError(f"{PREFIX}TIMEOUT={timeout_raw} must be more than 0 seconds")
    return NotifyConfig(
        webhook=_webhook(env),
        smtp=_smtp(env),
        tasks=_tasks(env, root),
        timeout_seconds=timeout,
        repeat_days=_int(env, f"{PREFIX}REPEAT_DAYS", DEFAULT_REPEAT_DAYS, 0),
    )
