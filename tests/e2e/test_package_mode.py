"""Package mode (issue 21): customer_health installed into another dbt project.

- integration_tests/ (the package's own host-shaped project, `local: ../`) builds on
  DuckDB and its dbt tests, the hand-worked scores, bands and criterion points
  (docs/package.md, "Worked examples"), pass in three scenarios: every raw table,
  the optional tables switched off (then no source() call reaches them), and the
  host's own bands replacing the package's seed through var customer_health_bands;
- a host project with its own name, profile and generate_schema_name, reading raw
  tables in a schema and under names of its own, builds every mart with
  `dbt build --select package:customer_health`: its marts equal the standalone
  build's row for row, in the schemas the host's macro names;
- a plain `dbt build` on raw tables with a column missing or of an incompatible type
  fails before any model runs, one line per problem naming table and column, in this
  project and in the host (never an engine binder error).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
from pathlib import Path

import duckdb
import pytest

from customer_health.generator import GeneratorConfig

from conftest import DBT_IN_PROCESS, PROJECT_ROOT, Warehouse, copy_project, run_dbt_in_process

AS_OF = dt.date(2026, 6, 30)
CONFIG = GeneratorConfig(n_accounts=40, history_days=400, end_date=AS_OF, seed=11)
DBT = str(Path(os.environ.get("VIRTUAL_ENV", PROJECT_ROOT / ".venv")) / "bin" / "dbt")
OPTIONAL_OFF = {
    "it_scenario": "optional_off",
    "customer_health__using_touchpoints": False,
    "customer_health__using_survey_responses": False,
    "customer_health__using_subscription_events": False,
}
OPTIONAL_SEEDS = ["it_survey_answers", "it_billing_events", "it_marketing_touchpoints"]
# the host's own bands (integration_tests/seeds/config/it_health_bands.csv) replace the seed
CUSTOM_BANDS = {"it_scenario": "custom_bands",
                "customer_health_bands": "{{ ref('it_health_bands') }}"}
# the host's names for the raw tables (schema `landing`)
HOST_NAMES = {
    "accounts": "sf_accounts", "contacts": "sf_contacts", "tickets": "zd_tickets",
    "usage_events": "segment_events", "survey_responses": "delighted_answers",
    "subscription_events": "stripe_events", "touchpoints": "hubspot_touchpoints",
    "csm_sentiment": "cs_platform_sentiment",
}
# the marts compared row for row (backtest marts left out of both builds, as the
# end-to-end fixtures do); columns naming a raw table are compared by contract name
COMPARED_MARTS = ["health_score", "health_score_criteria", "health_score_daily",
                  "health_alerts", "health_band_transitions", "critical_cases",
                  "rejected_rows", "data_quality_summary"]
VOLATILE = {"detected_at"}
HOST_GENERATE_SCHEMA = """
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}{{ target.schema }}
    {%- else -%}acme_{{ custom_schema_name | trim }}{%- endif -%}
{%- endmacro %}
"""


def _dbt(root: Path, *args: str, db: Path, check: bool = True) -> subprocess.CompletedProcess:
    """dbt in a host-shaped project (its own profiles/ folder), output captured."""
    env = {**os.environ, "DBT_PROFILES_DIR": str(root / "profiles"), "CH_IT_DUCKDB_PATH": str(db),
           "DBT_SEND_ANONYMOUS_USAGE_STATS": "False", "HEALTH_AS_OF_DATE": ""}
    if DBT_IN_PROCESS:
        result = run_dbt_in_process(root, args, env)
    else:
        result = subprocess.run([DBT, *args], cwd=root, env=env, capture_output=True, text=True)
    if check and result.returncode != 0:
        raise AssertionError(f"dbt {' '.join(args)} failed:\n{result.stdout[-6000:]}")
    return result


def _problems(output: str) -> list[str]:
    return [line.strip() for line in output.splitlines() if line.strip().startswith("problem: ")]


# -- integration_tests/ ---------------------------------------------------------------

@pytest.fixture(scope="module")
def integration_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The package copied with its integration_tests/ beside it (local: ../ as written)."""
    package = copy_project(tmp_path_factory.mktemp("it") / "customer_health").root
    shutil.copytree(PROJECT_ROOT / "integration_tests", package / "integration_tests",
                    ignore=shutil.ignore_patterns("target", "logs", "dbt_packages", "*.duckdb",
                                                  "package-lock.yml", ".user.yml"))
    root = package / "integration_tests"
    _dbt(root, "deps", db=root / "unused.duckdb")
    return root


def _build_scenario(root: Path, db: Path, scenario: str) -> tuple[int, str, dict, dict]:
    """Load the raw seeds and `dbt build` the integration project in one scenario: dbt's
    exit code and output, its run results and manifest (read before the next dbt command)."""
    scenario_vars = {"optional_off": OPTIONAL_OFF, "custom_bands": CUSTOM_BANDS}.get(scenario)
    args = ["--vars", json.dumps(scenario_vars)] if scenario_vars else []
    exclude = ["--exclude", *OPTIONAL_SEEDS] if scenario == "optional_off" else []
    # the loader: the raw seeds (the optional tables of optional_off never exist)
    _dbt(root, "seed", *exclude, *args, db=db)
    # the package's dbt unit tests too, in the full scenario (they pin the vars they read)
    units = [] if scenario == "full" else ["--exclude-resource-type", "unit_test"]
    result = _dbt(root, "build", *units, *exclude, *args, db=db, check=False)
    return (result.returncode, result.stdout,
            json.loads((root / "target" / "run_results.json").read_text()),
            json.loads((root / "target" / "manifest.json").read_text()))


@pytest.fixture(scope="module")
def full_scenario(integration_project: Path,
                  tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, tuple]:
    """The full scenario built once (its test below, and the failing-expectation test on a
    copy): its warehouse and _build_scenario's results."""
    db = tmp_path_factory.mktemp("it_full") / "full.duckdb"
    return db, _build_scenario(integration_project, db, "full")


@pytest.mark.parametrize("scenario", ["full", "optional_off", "custom_bands"])
def test_integration_tests_pass(integration_project: Path, tmp_path: Path, scenario: str,
                                request: pytest.FixtureRequest) -> None:
    if scenario == "full":
        db, built = request.getfixturevalue("full_scenario")
    else:
        db = tmp_path / f"{scenario}.duckdb"
        built = _build_scenario(integration_project, db, scenario)
    code, stdout, run_results, manifest = built
    assert code == 0, stdout[-6000:]
    statuses = {r["unique_id"].split(".")[-1]: r["status"] for r in run_results["results"]}
    assert statuses["assert_hand_worked_health_scores"] == "pass"
    assert statuses["assert_hand_worked_criterion_points"] == "pass"
    if scenario == "full":
        assert statuses["sources_checked_missing_sparse_connected"] == "pass"
    con = duckdb.connect(str(db), read_only=True)
    try:
        # dbt's default schema naming (the integration project has no macro of its own)
        assert con.execute("select count(*) from main_marts.health_score").fetchone()[0] == 4
        bands = {r[0] for r in con.execute("select band from main_marts.health_score").fetchall()}
        sources = con.execute(
            "select distinct source_table from main_marts.data_quality_summary order by 1"
        ).fetchall()
    finally:
        con.close()
    # raw tables named as the user named them
    assert ("main_it_raw.it_helpdesk_tickets",) in sources
    reads = {n: node["depends_on"]["nodes"] for n, node in manifest["nodes"].items()
             if n.startswith("model.customer_health.base_")}
    touchpoints = reads["model.customer_health.base_marketing__touchpoints_checked"]
    # the configuration used is the host's when its var names one
    assert ("thriving" in bands) == (scenario == "custom_bands"), bands
    if scenario == "optional_off":
        # switched off: no source() reaches the table, its criteria are not connected
        assert not [d for d in touchpoints if d.startswith("source.")], touchpoints
        assert "WARN 2 warn_criterion_sources_not_connected" in stdout
    else:
        assert "source.customer_health.marketing.touchpoints" in touchpoints


def test_hand_worked_test_fails_on_a_wrong_expectation(integration_project: Path,
                                                       full_scenario: tuple[Path, tuple],
                                                       tmp_path: Path) -> None:
    """The integration assertions can fail: one expected score off by one is reported (on a
    copy of the full scenario's build: the expectation seed reloaded, the assertion run)."""
    root = integration_project
    db = tmp_path / "wrong.duckdb"
    shutil.copyfile(full_scenario[0], db)
    expected = root / "seeds" / "expected" / "expected_health_score.csv"
    original = expected.read_text()
    try:
        expected.write_text(original.replace("full,A4,69,neutral", "full,A4,70,neutral"))
        result = _dbt(root, "build", "--select", "expected_health_score",
                      "assert_hand_worked_health_scores", db=db, check=False)
    finally:
        expected.write_text(original)
    assert result.returncode == 1, result.stdout[-3000:]
    assert "FAIL 1 assert_hand_worked_health_scores" in result.stdout


# -- a host project ---------------------------------------------------------------------

@pytest.fixture(scope="module")
def standalone(tmp_path_factory: pytest.TempPathFactory) -> Warehouse:
    """This project built standalone (as make run does) on a small generated portfolio."""
    warehouse = copy_project(tmp_path_factory.mktemp("standalone"))
    warehouse.generate(CONFIG)
    # a few bad rows, so that rejected_rows and data_quality_summary name raw tables
    warehouse.execute(
        "insert into raw.tickets select * replace ('T-bad' as ticket_id, 'no-such-account' "
        "as account_id) from raw.tickets order by ticket_id limit 1",
        "insert into raw.survey_responses select * replace ('R-bad' as response_id, 99 "
        "as score) from raw.survey_responses where survey_type = 'nps' order by response_id "
        "limit 1",
    )
    warehouse.build(AS_OF)
    return warehouse


def _host_project(root: Path, package: Path, raw_db: Path) -> Path:
    """A host project `acme_analytics` installing the package, its raw tables in
    `landing` under its own names (copied from raw_db's schema raw); returns its DuckDB."""
    (root / "macros").mkdir(parents=True)
    (root / "profiles").mkdir()
    (root / "macros" / "generate_schema_name.sql").write_text(HOST_GENERATE_SCHEMA)
    (root / "packages.yml").write_text(f"packages:\n  - local: {package}\n")
    host_vars = {
        "as_of_date": AS_OF.isoformat(),
        "customer_health_schema": "landing",
        **{f"customer_health_{t}_identifier": name for t, name in HOST_NAMES.items()},
    }
    (root / "dbt_project.yml").write_text(
        "name: acme_analytics\nversion: '1.0.0'\nconfig-version: 2\nprofile: acme\n"
        f"vars: {json.dumps(host_vars)}\n"
    )
    db = root / "acme.duckdb"
    (root / "profiles" / "profiles.yml").write_text(
        "acme:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n"
        f"      path: {db}\n      schema: analytics\n      threads: 4\n"
        "      settings: {TimeZone: UTC}\n"
    )
    con = duckdb.connect(str(db))
    try:
        con.execute(f"attach '{raw_db}' as source_wh (read_only)")
        con.execute("create schema landing")
        for table, name in HOST_NAMES.items():
            con.execute(f"create table landing.{name} as select * from source_wh.raw.{table}")
    finally:
        con.close()
    _dbt(root, "deps", db=db)
    return db


def _mart_rows(db: Path, schema: str, mart: str, renames: dict[str, str]) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        columns = [r[0] for r in con.execute(
            "select column_name from information_schema.columns where table_schema = ? "
            "and table_name = ? order by ordinal_position", [schema, mart]).fetchall()
            if r[0] not in VOLATILE]
        rows = con.execute(f"select {', '.join(columns)} from {schema}.{mart}").fetchall()
    finally:
        con.close()
    def rename(value):
        if isinstance(value, str):
            for old, new in renames.items():
                value = value.replace(old, new)
        return value
    return sorted((tuple(rename(v) for v in row) for row in rows), key=repr)


@pytest.fixture(scope="module")
def host_built(standalone: Warehouse, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The host project acme_analytics built (`dbt build --select package:customer_health`);
    returns its folder (its warehouse: acme.duckdb)."""
    host = tmp_path_factory.mktemp("host") / "acme"
    db = _host_project(host, standalone.root, standalone.db)
    result = _dbt(host, "build", "--select", "package:customer_health", "--exclude",
                  "tag:backtest", "--exclude-resource-type", "unit_test", "saved_query",
                  "exposure", db=db, check=False)
    assert result.returncode == 0, result.stdout[-6000:]
    return host


def test_host_project_builds_the_same_marts(standalone: Warehouse, host_built: Path) -> None:
    db = host_built / "acme.duckdb"
    # the host's generate_schema_name decided: acme_marts, acme_config, ...
    con = duckdb.connect(str(db), read_only=True)
    try:
        schemas = {r[0] for r in con.execute(
            "select distinct table_schema from information_schema.tables").fetchall()}
    finally:
        con.close()
    assert {"acme_marts", "acme_staging", "acme_intermediate", "acme_config"} <= schemas
    assert "marts" not in schemas
    renames = {f"landing.{name}": f"raw.{table}" for table, name in HOST_NAMES.items()}
    for mart in COMPARED_MARTS:
        expected = _mart_rows(standalone.db, "marts", mart, {})
        assert expected, mart
        assert _mart_rows(db, "acme_marts", mart, renames) == expected, mart


def _cli(host: Path, *args: str) -> subprocess.CompletedProcess:
    """customer-health on the host project (HEALTH_PROJECT_DIR), output captured."""
    env = {**os.environ, "HEALTH_PROJECT_DIR": str(host),
           "HEALTH_DUCKDB_PATH": str(host / "acme.duckdb"),
           "HEALTH_PUBLISH_DIR": str(host / "published")}
    env.pop("DBT_TARGET_PATH", None)
    return subprocess.run([str(Path(DBT).with_name("customer-health")), *args], cwd=host,
                          env=env, capture_output=True, text=True)


def test_cli_reads_the_marts_where_the_host_built_them(host_built: Path,
                                                       standalone: Warehouse) -> None:
    """summary, report, publish and export on the host find the marts in acme_marts (from
    dbt's manifest, pipeline.relations), not in a schema marts the host never built."""
    summary = _cli(host_built, "summary")
    assert summary.returncode == 0, summary.stderr[-3000:]
    assert "Traceback" not in summary.stderr
    scored = standalone.scalar("select count(*) from marts.health_score")
    assert "Ten most at-risk accounts" in summary.stdout
    assert any(line.split()[:2] == ["acme_marts.health_score", str(scored)]
               for line in summary.stdout.splitlines()), summary.stdout[:3000]

    report = _cli(host_built, "report", "--out", str(host_built / "report.html"))
    assert report.returncode == 0, report.stderr[-3000:]
    assert "holds no built marts" not in report.stderr
    assert (host_built / "report.html").stat().st_size > 0

    published = _cli(host_built, "publish")
    assert published.returncode == 0, published.stderr[-3000:]
    con = duckdb.connect(str(host_built / "published" / "customer_health.duckdb"),
                         read_only=True)
    try:
        assert con.execute("select count(*) from marts.health_score").fetchone()[0] == scored
    finally:
        con.close()

    exported = _cli(host_built, "export", "--target", "duckdb", "--to",
                    str(host_built / "exported"))
    assert exported.returncode == 0, exported.stderr[-3000:]
    parquet = host_built / "exported" / "health_score.parquet"
    assert duckdb.connect().execute(f"select count(*) from '{parquet}'").fetchone()[0] == scored


def test_validate_raw_reads_the_tables_the_sources_read(host_built: Path) -> None:
    """`validate --stage raw` on the host reads landing.<host name> (the source vars as dbt
    resolved them, from the manifest), not a schema raw the host does not have."""
    result = _cli(host_built, "validate", "--stage", "raw")
    output = result.stdout + result.stderr
    assert "Traceback" not in output and "does not exist" not in output, output[-3000:]
    con = duckdb.connect(str(host_built / "acme.duckdb"), read_only=True)
    try:
        expected = {f"raw.{table}": con.execute(f"select count(*) from landing.{name}")
                    .fetchone()[0] for table, name in HOST_NAMES.items()}
    finally:
        con.close()
    rows = {line.split()[1]: int(line.split()[2].replace(",", ""))
            for line in result.stdout.splitlines() if line.startswith(("PASS ", "FAIL "))}
    assert rows == expected, result.stdout
    assert all(n > 0 for n in rows.values())
    report = json.loads(next((host_built / "reports" / "gx").glob("raw*.json")).read_text())
    assert report["rows_validated"] == expected


# -- the raw contract checked by dbt itself ---------------------------------------------

DRIFT = [
    "alter table {s}.{tickets} drop column priority",
    "alter table {s}.{survey_responses} alter score type boolean using score > 6",
    "alter table {s}.{tickets} add column ticket_url varchar",  # extra: ignored
]


def _assert_contract_failure(result: subprocess.CompletedProcess, tickets: str,
                             surveys: str) -> None:
    output = result.stdout + result.stderr
    assert result.returncode != 0, output[-4000:]
    assert sorted(_problems(output)) == sorted([
        f"problem: {surveys}.score: expected integer, found BOOLEAN",
        f"problem: {tickets}.priority: contract column missing (expected string)",
    ]), output[-4000:]
    assert "no model was run" in output
    assert "Binder Error" not in output and "Traceback" not in output
    assert " OK created " not in output


def test_plain_dbt_build_fails_on_a_broken_raw_contract(standalone: Warehouse,
                                                        tmp_path: Path) -> None:
    copy = standalone.clone(tmp_path / "broken")
    copy.execute(*[s.format(s="raw", tickets="tickets", survey_responses="survey_responses")
                   for s in DRIFT])
    result = copy.build(AS_OF, check=False)
    _assert_contract_failure(result, "raw.tickets", "raw.survey_responses")


def test_host_dbt_build_fails_on_a_broken_raw_contract(standalone: Warehouse,
                                                       tmp_path: Path) -> None:
    host = tmp_path / "acme"
    db = _host_project(host, standalone.root, standalone.db)
    con = duckdb.connect(str(db))
    try:
        for statement in DRIFT:
            con.execute(statement.format(s="landing", **HOST_NAMES))
    finally:
        con.close()
    result = _dbt(host, "build", "--select", "package:customer_health", db=db, check=False)
    _assert_contract_failure(result, "landing.zd_tickets", "landing.delighted_answers")


def test_type_families_cover_each_engine_names() -> None:
    """The dbt check's type families (macros/package/raw_contract.sql) on the type names
    DuckDB, Spark, Postgres and Snowflake report, read by rendering the macro."""
    import jinja2

    text = (PROJECT_ROOT / "macros" / "package" / "raw_contract.sql").read_text()
    env = jinja2.Environment(extensions=["jinja2.ext.do"])

    class Returned(Exception):
        pass

    def _return(value):
        raise Returned(value)

    module = env.from_string(text).make_module({"return": _return})

    def family(name: str) -> str:
        try:
            module.customer_health_type_family(name)
        except Returned as returned:
            return returned.args[0]
        raise AssertionError(name)

    cases = {
        "VARCHAR": "text", "character varying(256)": "text", "string": "text", "TEXT": "text",
        "BIGINT": "integer", "int": "integer", "NUMBER(38,0)": "integer", "integer": "integer",
        "DECIMAL(18,2)": "numeric", "double precision": "numeric", "FLOAT": "numeric",
        "decimal(10,2)": "numeric", "NUMBER(18,2)": "numeric",
        "TIMESTAMP WITH TIME ZONE": "timestamp", "timestamp without time zone": "timestamp",
        "TIMESTAMP_NTZ": "timestamp", "date": "timestamp", "BOOLEAN": "boolean",
        "bool": "boolean", "STRUCT(a INTEGER)": "other", "VARIANT": "other",
    }
    assert {name: family(name) for name in cases} == cases


def test_preflight_reads_the_same_vars(tmp_path: Path) -> None:
    """The Python preflight resolves the sources' templates from the project's vars, as
    dbt does: schema (customer_health_schema, raw_schema alias), identifiers, switches."""
    from customer_health.pipeline import preflight

    root = copy_project(tmp_path / "vars").root
    project_file = root / "dbt_project.yml"
    text = project_file.read_text()
    assert "  customer_health_schema: null" in text
    assert {t.relation for t in preflight.load_contract(root)} >= {"raw.tickets", "raw.accounts"}
    project_file.write_text(text.replace("  raw_schema: raw\n", "  raw_schema: landing\n"))
    assert {t.relation for t in preflight.load_contract(root)} >= {"landing.tickets"}
    project_file.write_text(
        text.replace("  customer_health_schema: null", "  customer_health_schema: acme_raw")
        .replace("  customer_health_tickets_identifier: null",
                 "  customer_health_tickets_identifier: zd_tickets")
        .replace("  customer_health__using_touchpoints: true",
                 "  customer_health__using_touchpoints: false"))
    relations = {t.contract_name: t.relation for t in preflight.load_contract(root)}
    assert relations["tickets"] == "acme_raw.zd_tickets"
    assert relations["accounts"] == "acme_raw.accounts"
    db = tmp_path / "empty.duckdb"
    duckdb.connect(str(db)).close()
    report = preflight.check(db, root)
    assert any(n.startswith("acme_raw.touchpoints: switched off") for n in report.notes)
    assert not any("touchpoints" in p for p in report.problems)
    # tables named as the user named them: a required one missing is a problem, an
    # optional one (tickets) a note
    assert any(p.startswith("acme_raw.accounts: table missing") for p in report.problems)
    assert any(n.startswith("acme_raw.zd_tickets: table missing") for n in report.notes)
