"""Alert notifications (customer_health.notify) against servers started here on 127.0.0.1.

Every test works on a copy of small_built's DuckDB file (notify writes ops.alert_deliveries
into it), so the module adds no dbt build; `customer-health run` is driven with dbt and the
Great Expectations stages replaced (test_run_*), to check only what run does around notify.
"""

from __future__ import annotations

import csv
import datetime as dt
import email
import http.server
import json
import shutil
import socket
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from aiosmtpd.controller import Controller

import customer_health.cli as cli
from customer_health.notify import config as notify_config
from customer_health.notify import step as notify
from customer_health.pipeline import publish, seeds
from customer_health.pipeline import run as pipeline_run
from customer_health.pipeline.dbt import Dbt

from conftest import Warehouse

LEDGER = "ops.alert_deliveries"
# The due-date rule of DECISIONLOG.md "Notifications", written out again here.
EXPECTED_DUE_DAYS = {("high", True): 2, ("high", False): 5, ("medium", True): 5,
                     ("medium", False): 7}


# -- servers ---------------------------------------------------------------------------

class WebhookServer:
    """A Slack-compatible incoming webhook on 127.0.0.1 that records each POST body."""

    def __init__(self) -> None:
        self.bodies: list[dict] = []
        self.paths: list[str] = []
        self.status = 200
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                length = int(self.headers.get("Content-Length", 0))
                body = self.rfile.read(length)
                if server.status == 200:
                    server.bodies.append(json.loads(body))
                    server.paths.append(self.path)
                self.send_response(server.status)
                self.end_headers()
                self.wfile.write(b"ok" if server.status == 200 else b"invalid_payload")

            def log_message(self, *args) -> None:
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/services/T000/B000/secret"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def texts(self) -> list[str]:
        return [body["text"] for body in self.bodies]

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


class SmtpRecorder:
    """aiosmtpd handler keeping every message it accepts."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], email.message.Message]] = []

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 (aiosmtpd)
        self.messages.append(
            (list(envelope.rcpt_tos), email.message_from_bytes(envelope.original_content))
        )
        return "250 Message accepted for delivery"


def free_port() -> int:
    """A port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def webhook() -> Iterator[WebhookServer]:
    server = WebhookServer()
    yield server
    server.close()


@pytest.fixture
def smtp() -> Iterator[tuple[SmtpRecorder, int]]:
    recorder = SmtpRecorder()
    port = free_port()
    controller = Controller(recorder, hostname="127.0.0.1", port=port)
    controller.start()
    yield recorder, port
    controller.stop()


# -- warehouse and environment ---------------------------------------------------------

@pytest.fixture
def warehouse(small_built: Warehouse, tmp_path: Path) -> Path:
    """A private copy of small_built's DuckDB file (small_built stays read-only)."""
    path = tmp_path / "warehouse.duckdb"
    shutil.copyfile(small_built.db, path)
    return path


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, warehouse: Path, tmp_path: Path):
    """Clear every notification setting, point the CLI at the copy; return a setter."""
    import os

    for name in list(os.environ):
        if name.startswith("HEALTH_NOTIFY_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("HEALTH_DUCKDB_PATH", str(warehouse))

    def set_env(**values: object) -> None:
        for name, value in values.items():
            if value is None:
                monkeypatch.delenv(f"HEALTH_NOTIFY_{name}", raising=False)
            else:
                monkeypatch.setenv(f"HEALTH_NOTIFY_{name}", str(value))

    return set_env


def query(db: Path, sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def execute(db: Path, *statements: str) -> None:
    con = duckdb.connect(str(db))
    try:
        for statement in statements:
            con.execute(statement)
    finally:
        con.close()


def mart_alerts(db: Path) -> list[dict]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return notify.read_alerts(con)
    finally:
        con.close()


def run_notify(capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = cli.main(["notify"])
    return code, capsys.readouterr().out


def task_files(directory: Path) -> list[Path]:
    return sorted(directory.glob("health_tasks_*.csv")) if directory.exists() else []


# -- the tests -------------------------------------------------------------------------

def test_alerts_arrive_once_per_channel_with_their_content(
    env, warehouse: Path, tmp_path: Path, webhook: WebhookServer, smtp, capsys
) -> None:
    recorder, smtp_port = smtp
    alerts = mart_alerts(warehouse)
    roles = {a["owner_role"] for a in alerts}
    assert len(alerts) >= 10 and {"csm", "support_lead", "account_executive"} <= roles
    # recipients: csm from its own variable, support_lead from the seed, the rest default
    execute(warehouse, "create or replace table config.notification_recipients as "
            "select * from (values ('support_lead', 'lead@example.test'), "
            "('Support_Lead', 'lead2@example.test')) as t(owner_role, email)")
    env(WEBHOOK_URL=webhook.url, WEBHOOK_BATCH=10, SMTP_HOST="127.0.0.1", SMTP_PORT=smtp_port,
        SMTP_FROM="Customer Health <health@example.test>",
        EMAIL_TO_CSM="csm1@example.test, csm2@example.test", EMAIL_TO="team@example.test",
        TASKS_DIR=tmp_path / "tasks")

    code, out = run_notify(capsys)
    assert code == notify.EXIT_OK, out
    for channel in ("webhook", "email", "tasks"):
        assert f"notifications: {channel}: {len(alerts)} sent" in out

    # webhook: batches of 10, each a Slack message naming the alert's account and action
    assert len(webhook.bodies) == -(-len(alerts) // 10)
    assert all(set(body) == {"text"} for body in webhook.bodies)
    assert webhook.paths[0] == "/services/T000/B000/secret"
    text = "\n".join(webhook.texts())
    assert text.count("account acc_") == len(alerts)
    for alert in alerts:
        assert f"account {alert['account_id']}, alert of {alert['alert_date']}" in text
        assert alert["recommended_action"] in text
    assert "Customer health: 10 new alerts" in webhook.texts()[0]

    # e-mail: one message per owner role, to that role's recipients, listing its alerts
    by_subject = {message["Subject"]: (rcpts, message) for rcpts, message in recorder.messages}
    assert len(recorder.messages) == len(roles)
    expected_rcpts = {
        "csm": ["csm1@example.test", "csm2@example.test"],
        "support_lead": ["lead2@example.test", "lead@example.test"],
        "account_executive": ["team@example.test"],
    }
    for role in roles:
        role_alerts = [a for a in alerts if a["owner_role"] == role]
        subject = next(s for s in by_subject if f" for {role} (" in s)
        rcpts, message = by_subject[subject]
        assert sorted(rcpts) == sorted(expected_rcpts[role])
        assert subject.startswith(f"Customer health: {len(role_alerts)} new alert")
        assert message["From"] == "Customer Health <health@example.test>"
        body = message.get_payload(decode=True).decode()
        assert body.count("account acc_") == len(role_alerts)
        for alert in role_alerts:
            assert alert["account_id"] in body and alert["recommended_action"] in body

    # tasks: one CSV and one JSON file, one row per alert, due date by the rule
    (csv_path,) = task_files(tmp_path / "tasks")
    with csv_path.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    by_id = {a["alert_id"]: a for a in alerts}
    assert sorted(r["task_id"] for r in rows) == sorted(by_id)
    for row in rows:
        alert = by_id[row["task_id"]]
        assert row["account_id"] == alert["account_id"]
        assert row["driver"] == alert["driver_criterion"]
        assert row["recommended_action"] == alert["recommended_action"]
        assert row["owner_role"] == alert["owner_role"]
        days = EXPECTED_DUE_DAYS[(alert["severity"], alert["band"] == "churn_risk")]
        assert dt.date.fromisoformat(row["due_date"]) == (
            dt.date.fromisoformat(alert["alert_date"]) + dt.timedelta(days=days)
        )
    # the JSON file holds the same rows (its numbers as numbers, nulls as null)
    json_rows = json.loads(csv_path.with_suffix(".json").read_text())
    assert [{k: "" if v is None else str(v) for k, v in r.items()} for r in json_rows] == rows

    # the deliveries table: one sent row per alert and channel
    assert query(warehouse, f"select channel, status, count(*), max(attempts) from {LEDGER} "
                 "group by all order by 1") == [
        ("email", "sent", len(alerts), 1), ("tasks", "sent", len(alerts), 1),
        ("webhook", "sent", len(alerts), 1)]

    # a second run sends nothing new anywhere
    code, out = run_notify(capsys)
    assert code == notify.EXIT_OK, out
    assert len(webhook.bodies) == -(-len(alerts) // 10)
    assert len(recorder.messages) == len(roles)
    assert len(task_files(tmp_path / "tasks")) == 1
    assert out.count("nothing new") == 3


def test_unreachable_endpoints_fail_the_step_and_are_sent_on_the_next_run(
    env, warehouse: Path, tmp_path: Path, webhook: WebhookServer, smtp, capsys
) -> None:
    recorder, smtp_port = smtp
    alerts = mart_alerts(warehouse)
    dead_port = free_port()
    blocked = tmp_path / "not_a_folder"
    blocked.write_text("a file where the tasks folder should be")
    env(WEBHOOK_URL=f"http://127.0.0.1:{dead_port}/hooks/secret", SMTP_HOST="127.0.0.1",
        SMTP_PORT=free_port(), SMTP_FROM="health@example.test", EMAIL_TO="team@example.test",
        TASKS_DIR=blocked, TIMEOUT=2)

    code, out = run_notify(capsys)
    assert code == notify.EXIT_DELIVERY_FAILED
    assert (f"webhook: delivery FAILED for {len(alerts)} alerts: cannot reach webhook "
            f"http://127.0.0.1:{dead_port}: Connection refused") in out
    assert "secret" not in out  # the webhook's path is its credential
    assert "email: delivery FAILED" in out and "cannot reach SMTP server 127.0.0.1:" in out
    assert f"tasks: delivery FAILED for {len(alerts)} alerts: cannot write the tasks" in out
    assert "Traceback" not in out
    assert query(warehouse, f"select status, count(*), max(attempts) from {LEDGER} "
                 "group by all") == [("failed", 3 * len(alerts), 1)]

    # the mart moves on (the next day's build has other alerts): the failed ones still go
    execute(warehouse, "delete from marts.health_alerts")
    blocked.unlink()
    webhook.status = 500
    env(WEBHOOK_URL=webhook.url, SMTP_PORT=smtp_port, TASKS_DIR=tmp_path / "tasks")
    code, out = run_notify(capsys)
    assert code == notify.EXIT_DELIVERY_FAILED
    assert "webhook: delivery FAILED" in out and "answered HTTP 500: invalid_payload" in out
    assert f"email: {len(alerts)} sent ({len(alerts)} after an earlier failure)" in out
    assert f"tasks: {len(alerts)} sent ({len(alerts)} after an earlier failure)" in out

    webhook.status = 200
    code, out = run_notify(capsys)
    assert code == notify.EXIT_OK, out
    assert f"webhook: {len(alerts)} sent ({len(alerts)} after an earlier failure)" in out
    text = "\n".join(webhook.texts())
    for alert in alerts:
        assert f"account {alert['account_id']}, alert of {alert['alert_date']}" in text
    bodies = "".join(m.get_payload(decode=True).decode() for _, m in recorder.messages)
    assert bodies.count("account acc_") == len(alerts)
    (csv_path,) = task_files(tmp_path / "tasks")
    assert len(list(csv.DictReader(csv_path.open()))) == len(alerts)
    assert query(warehouse, f"select channel, status, max(attempts), count(sent_at) "
                 f"from {LEDGER} group by all order by 1") == [
        ("email", "sent", 2, len(alerts)), ("tasks", "sent", 2, len(alerts)),
        ("webhook", "sent", 3, len(alerts))]

    # and never twice
    sent_before = (len(webhook.bodies), len(recorder.messages))
    code, out = run_notify(capsys)
    assert code == notify.EXIT_OK
    assert (len(webhook.bodies), len(recorder.messages)) == sent_before
    assert len(task_files(tmp_path / "tasks")) == 1


def _next_day(db: Path, days: int, band_change: str | None = None) -> None:
    """Turn the mart's alerts into the same alerts `days` later (new keys, as a build does)."""
    execute(db, f"update marts.health_alerts set alert_date = alert_date + {days}, "
            f"alert_id = alert_id || '+{days}'")
    if band_change:
        execute(db, f"update marts.health_alerts set band = 'neutral' "
                f"where account_id = '{band_change}'")


def test_a_repeat_within_a_week_is_recorded_not_sent(
    env, warehouse: Path, tmp_path: Path, capsys
) -> None:
    alerts = mart_alerts(warehouse)
    env(TASKS_DIR=tmp_path / "tasks")
    assert run_notify(capsys)[0] == notify.EXIT_OK

    # the next day: the same account, type and band again -> a repeat, except one account
    # whose band changed
    changed = next(a for a in alerts if a["band"] == "churn_risk")["account_id"]
    n_changed = sum(1 for a in alerts if a["account_id"] == changed)
    _next_day(warehouse, 1, band_change=changed)
    code, out = run_notify(capsys)
    assert code == notify.EXIT_OK
    assert f"tasks: {n_changed} sent, {len(alerts) - n_changed} repeats not sent" in out
    files = task_files(tmp_path / "tasks")
    assert len(files) == 2
    assert {r["account_id"] for r in csv.DictReader(files[-1].open())} == {changed}
    assert query(warehouse, f"select count(*) from {LEDGER} where status = 'suppressed' "
                 "and detail like 'repeat of alert % (same account, type and band less "
                 "than 7 days before)'")[0][0] == len(alerts) - n_changed

    # seven days after the first: sent again (a weekly reminder)
    _next_day(warehouse, 6)
    code, out = run_notify(capsys)
    assert f"tasks: {len(alerts) - n_changed} sent, {n_changed} repeats not sent" in out

    # HEALTH_NOTIFY_REPEAT_DAYS=0: every new alert is sent
    env(REPEAT_DAYS=0)
    _next_day(warehouse, 1)
    code, out = run_notify(capsys)
    assert f"tasks: {len(alerts)} sent" in out and "repeats" not in out


def test_no_channel_configured_sends_nothing_and_says_so(
    env, warehouse: Path, capsys
) -> None:
    code, out = run_notify(capsys)
    assert code == notify.EXIT_OK
    assert out.strip() == notify.NO_CHANNEL
    assert query(warehouse, "select count(*) from information_schema.schemata "
                 "where schema_name = 'ops'")[0][0] == 0


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"WEBHOOK_URL": "hooks.example.test/x"}, "HEALTH_NOTIFY_WEBHOOK_URL must be an http(s)"),
        ({"SMTP_HOST": "127.0.0.1"}, "HEALTH_NOTIFY_SMTP_FROM (sender) is not"),
        ({"SMTP_HOST": "h", "SMTP_FROM": "a@b.c", "SMTP_PORT": "smtp"},
         "HEALTH_NOTIFY_SMTP_PORT='smtp' is not a whole number"),
        ({"SMTP_HOST": "h", "SMTP_FROM": "a@b.c", "EMAIL_TO_CSM": "a@b.c, nobody"},
         "HEALTH_NOTIFY_EMAIL_TO_CSM: 'nobody' is not an e-mail address"),
        ({"SMTP_HOST": "h", "SMTP_FROM": "a@b.c", "SMTP_SECURITY": "tls"},
         "HEALTH_NOTIFY_SMTP_SECURITY='tls': expected one of none, starttls, ssl"),
        ({"TASKS_DIR": "t", "TIMEOUT": "-1"}, "HEALTH_NOTIFY_TIMEOUT=-1 must be more than 0"),
        ({"TASKS_DIR": "t", "REPEAT_DAYS": "week"}, "HEALTH_NOTIFY_REPEAT_DAYS='week' is not"),
    ],
)
def test_a_bad_setting_is_one_clear_line(env, capsys, settings, message) -> None:
    env(**settings)
    code, out = run_notify(capsys)
    assert code == notify.EXIT_CONFIG
    assert out.startswith("notifications: configuration error: ")
    assert message in out and len(out.strip().splitlines()) == 1 and "Traceback" not in out


def test_no_built_warehouse_is_one_clear_line(env, tmp_path: Path, monkeypatch, capsys) -> None:
    env(TASKS_DIR=tmp_path / "tasks")
    monkeypatch.setenv("HEALTH_DUCKDB_PATH", str(tmp_path / "missing.duckdb"))
    code, out = run_notify(capsys)
    assert (code, out.strip()) == (notify.EXIT_CONFIG, f"notifications: warehouse "
                                   f"{tmp_path / 'missing.duckdb'} not found: run "
                                   "`customer-health run` first")
    execute(tmp_path / "empty.duckdb", "create table t (x int)")
    monkeypatch.setenv("HEALTH_DUCKDB_PATH", str(tmp_path / "empty.duckdb"))
    code, out = run_notify(capsys)
    assert code == notify.EXIT_CONFIG and "marts.health_alerts not found" in out


def test_email_role_without_recipients_fails_and_waits(
    env, warehouse: Path, tmp_path: Path, smtp, capsys
) -> None:
    recorder, port = smtp
    alerts = mart_alerts(warehouse)
    n_csm = sum(1 for a in alerts if a["owner_role"] == "csm")
    env(SMTP_HOST="127.0.0.1", SMTP_PORT=port, SMTP_FROM="health@example.test",
        EMAIL_TO_CSM="csm@example.test")
    code, out = run_notify(capsys)
    assert code == notify.EXIT_DELIVERY_FAILED
    assert f"email: {n_csm} sent" in out
    assert ("no e-mail recipients for owner role 'support_lead': set "
            "HEALTH_NOTIFY_EMAIL_TO_SUPPORT_LEAD or HEALTH_NOTIFY_EMAIL_TO") in out
    assert [rcpts for rcpts, _ in recorder.messages] == [["csm@example.test"]]

    # a run without the e-mail channel says that its failed deliveries wait
    env(SMTP_HOST=None, TASKS_DIR=tmp_path / "tasks")
    code, out = run_notify(capsys)
    assert code == notify.EXIT_OK
    assert (f"notifications: {len(alerts) - n_csm} failed deliveries on channel email wait "
            "in ops.alert_deliveries: the channel is not configured in this run") in out

    # once configured, the waiting ones go, the csm ones do not go again
    env(SMTP_HOST="127.0.0.1", TASKS_DIR=None, EMAIL_TO="team@example.test")
    code, out = run_notify(capsys)
    assert code == notify.EXIT_OK
    assert f"email: {len(alerts) - n_csm} sent ({len(alerts) - n_csm} after an earlier" in out
    assert len(recorder.messages) == 3


def test_from_env_reads_every_setting(tmp_path: Path) -> None:
    config = notify_config.from_env(tmp_path, {
        "HEALTH_NOTIFY_WEBHOOK_URL": "https://hooks.example.test/a",
        "HEALTH_NOTIFY_SMTP_HOST": "mail.example.test", "HEALTH_NOTIFY_SMTP_PORT": "587",
        "HEALTH_NOTIFY_SMTP_FROM": "h@example.test", "HEALTH_NOTIFY_SMTP_USER": "u",
        "HEALTH_NOTIFY_SMTP_PASSWORD": "p", "HEALTH_NOTIFY_EMAIL_TO_ACCOUNT_EXECUTIVE": "x@y.z",
        "HEALTH_NOTIFY_TASKS_DIR": "out/tasks", "HEALTH_NOTIFY_REPEAT_DAYS": "3",
    })
    assert config.channels() == ["webhook", "email", "tasks"]
    assert config.smtp.security == "starttls"
    assert config.smtp.role_recipients == {"account_executive": ("x@y.z",)}
    assert config.tasks.directory == tmp_path / "out" / "tasks"
    assert (config.repeat_days, config.timeout_seconds, config.webhook.batch_size) == (3, 10, 20)
    assert notify_config.from_env(tmp_path, {}).channels() == []


# -- customer-health run ---------------------------------------------------------------

class _GreenReport:
    success = True

    def failures(self) -> list:
        return []


@pytest.fixture
def run_without_dbt(small_built: Warehouse, warehouse: Path, tmp_path: Path, monkeypatch):
    """`customer-health run` on the copy with dbt and the GX stages replaced: the build is
    green unless the test makes Dbt.run fail."""
    monkeypatch.setenv("HEALTH_PROJECT_DIR", str(small_built.root))
    monkeypatch.setenv("DBT_TARGET_PATH", str(tmp_path / "target"))
    monkeypatch.setenv("HEALTH_PUBLISH_DIR", str(tmp_path / "published"))
    monkeypatch.setenv("HEALTH_DEMO", "never")
    calls: list[list[str]] = []

    def fake_dbt(args, *rest, **kwargs):
        calls.append(list(args))
        return subprocess.CompletedProcess(args, 0)

    monkeypatch.setattr(Dbt, "run", lambda self, args, **k: fake_dbt(args, **k))
    monkeypatch.setattr(seeds, "record_success", lambda *a, **k: None)
    monkeypatch.setattr(pipeline_run, "validate_stage", lambda *a, **k: _GreenReport())
    # no dbt ran, so no manifest: publish every table of schema marts (the default)
    monkeypatch.setattr(publish, "marts_from_manifest", lambda *a, **k: None)
    return calls


def test_run_stays_green_when_a_delivery_fails(
    env, run_without_dbt, warehouse: Path, tmp_path: Path, capsys
) -> None:
    env(WEBHOOK_URL=f"http://127.0.0.1:{free_port()}/hook", TASKS_DIR=tmp_path / "tasks")
    code = cli.main(["run", "--as-of", "2026-06-30"])
    captured = capsys.readouterr()
    assert run_without_dbt and run_without_dbt[0][0] == "build"
    assert code == notify.EXIT_DELIVERY_FAILED
    assert "dbt build finished" in captured.out
    assert "webhook: delivery FAILED" in captured.out and "Connection refused" in captured.out
    assert "The build is green, but the notifications step failed (exit 4)" in captured.err
    assert len(task_files(tmp_path / "tasks")) == 1


def test_run_sends_nothing_when_the_build_fails(
    env, run_without_dbt, monkeypatch, tmp_path: Path, capsys
) -> None:
    def failing_dbt(args, *rest, **kwargs):
        raise subprocess.CalledProcessError(1, args)

    monkeypatch.setattr(Dbt, "run", lambda self, args, **k: failing_dbt(args, **k))
    monkeypatch.setattr(seeds, "forget_success", lambda *a, **k: None)
    env(TASKS_DIR=tmp_path / "tasks")
    code = cli.main(["run", "--as-of", "2026-06-30"])
    assert code == 1
    assert "notifications" not in capsys.readouterr().out
    assert task_files(tmp_path / "tasks") == []


def test_dry_run_sends_and_records_nothing(env, warehouse: Path, tmp_path: Path, capsys):
    alerts = mart_alerts(warehouse)
    env(TASKS_DIR=tmp_path / "tasks")
    assert cli.main(["notify", "--dry-run"]) == notify.EXIT_OK
    out = capsys.readouterr().out
    assert out.startswith(f"notifications (dry run): tasks would send {len(alerts)} alerts")
    assert len(out.splitlines()) == 1
    assert task_files(tmp_path / "tasks") == []
    assert query(warehouse, "select count(*) from information_schema.schemata "
                 "where schema_name = 'ops'")[0][0] == 0


def test_warehouse_in_use_is_one_clear_line(env, warehouse: Path, tmp_path: Path, capsys):
    import sys

    env(TASKS_DIR=tmp_path / "tasks")
    holder = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys, time; con = duckdb.connect(sys.argv[1]); "
         "print('open', flush=True); time.sleep(60)", str(warehouse)],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "open"
        code, out = run_notify(capsys)
    finally:
        holder.kill()
        holder.wait()
    assert code == notify.EXIT_CONFIG
    assert out.strip() == (f"notifications: warehouse {warehouse} is in use by another process "
                           "(a build running?): run `customer-health notify` again when it has "
                           "finished")
    assert task_files(tmp_path / "tasks") == []
