"""Preflight: check the raw tables against the raw contract before dbt runs.

The contract is the dbt sources (models/staging/*/_*__sources.yml): the tables, their
columns and each column's `data_type` (string, timestamp, integer, numeric, boolean).
It is read as YAML, without starting dbt, and compared with the warehouse's
information_schema:

- a missing required table, a missing column (a renamed one shows as missing, with
  the new name suggested) or a column whose type cannot hold the contract's values is
  a problem: the run stops before any model runs, one message per problem;
- an extra column, an empty table, a missing optional table (`meta: {optional: true}`
  on the source table: a loader that never delivered it; staging reads it as empty,
  macro raw_table, and its criteria get source_missing), or a column of another type
  whose every value casts (a score delivered as VARCHAR holding numbers) is a note:
  the run proceeds.

What "castable" means (DECISIONLOG.md, "Raw schema preflight"): every non-null value
that is not blank text gives a value under the cast staging applies (the same
`try_cast` as models/staging/*/base), and, for timestamp text, it carries no UTC
offset other than +00 (staging would drop the offset and shift the time). Number
types where a timestamp is expected (epoch seconds) are never castable.

    python -m customer_health.pipeline.preflight [--db PATH]
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import yaml

from customer_health.pipeline import relations, settings

# The contract types, the cast staging applies to each, and the DuckDB types that hold
# them without a check. `string` takes any type: ids and text are cast to strings.
CONTRACT_TYPES = ("string", "timestamp", "integer", "numeric", "boolean")
STAGING_CAST = {
    "timestamp": "timestamp",
    "integer": "integer",
    "numeric": "numeric(28, 6)",
    "boolean": "boolean",
}
INTEGER_TYPES = {
    "TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT",
    "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT", "UHUGEINT",
}
FLOAT_TYPES = {"FLOAT", "DOUBLE", "REAL"}
TIMESTAMP_TYPES = {
    "TIMESTAMP", "TIMESTAMP WITH TIME ZONE", "TIMESTAMP_S", "TIMESTAMP_MS", "TIMESTAMP_NS",
    "DATE",
}
TEXT_TYPES = {"VARCHAR"}
SAMPLE_VALUES = 3
# The templates the sources use for where a table is (package mode, docs/package.md):
# `{{ var('customer_health_schema', none) or var('raw_schema', 'raw') }}`,
# `{{ var('customer_health_<table>_identifier', none) or '<table>' }}`.
VAR_CALL = re.compile(
    r"var\(\s*['\"](\w+)['\"]\s*(?:,\s*(?:['\"]([^'\"]*)['\"]|none|None))?\s*\)"
)
LITERAL = re.compile(r"['\"]([^'\"]*)['\"]")

@dataclass(frozen=True)
class ContractColumn:
    """One column of the raw contract."""

    name: str
    data_type: str
    optional: bool = False  # meta.optional in the source YAML: checked only when present


@dataclass(frozen=True)
class ContractTable:
    """One raw table of the contract, as a dbt source declares it."""

    source: str
    name: str
    schema: str
    columns: tuple[ContractColumn, ...]
    yaml_path: str
    optional: bool = False  # meta.optional on the source table: a missing table is a note
    contract_name: str = ""  # the source table's name (name: the identifier in the warehouse)

    @property
    def relation(self) -> str:
        """schema.table in the warehouse."""
        return f"{self.schema}.{self.name}"


@dataclass
class PreflightReport:
    """Problems stop the run; notes are said and the run proceeds."""

    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    tables_checked: int = 0

    @property
    def ok(self) -> bool:
        """True when nothing stops the run."""
        return not self.problems


class ContractError(ValueError):
    """The contract YAML itself is malformed (a bug in the project, not in the data)."""


def _project_vars(root: Path) -> dict:
    """The vars of dbt_project.yml (the CLI's build runs with them)."""
    try:
        config = yaml.safe_load((root / "dbt_project.yml").read_text()) or {}
    except (OSError, yaml.YAMLError):
        return {}
    return dict(config.get("vars") or {})


def _resolve(text: str | None, variables: dict, default: str) -> str:
    """A source's schema or identifier: its template resolved with the project's vars.

    `{{ a or b or ... }}` where each part is `var('name')`, `var('name', 'default')`,
    `var('name', none)` or a quoted literal: the first that gives a value.
    """
    if not text:
        return default
    body = text.strip()
    if "{{" not in body:
        return body
    if not (body.startswith("{{") and body.endswith("}}")):
        raise ContractError(f"cannot resolve source template {text!r} without dbt")
    for part in body[2:-2].split(" or "):
        part = part.strip()
        call, literal = VAR_CALL.fullmatch(part), LITERAL.fullmatch(part)
        if call:
            value = variables.get(call.group(1))
            if value not in (None, ""):
                return str(value)
            if call.group(2):
                return call.group(2)
        elif literal:
            return literal.group(1)
        else:
            raise ContractError(f"cannot resolve source template {text!r} without dbt")
    return default


def _switched_off(table: str, variables: dict) -> bool:
    """True when var customer_health__using_<table> is false (the table does not exist)."""
    value = variables.get(f"customer_health__using_{table}", True)
    return str(value).strip().lower() in {"false", "0", "no", "off"}


def load_contract(root: Path | None = None) -> list[ContractTable]:
    """Read the raw contract from the project's source YAML files."""
    root = root or settings.project_dir()
    variables = _project_vars(root)
    tables: list[ContractTable] = []
    for path in sorted((root / "models" / "staging").glob("*/_*__sources.yml")):
        document = yaml.safe_load(path.read_text()) or {}
        for source in document.get("sources") or []:
            schema = _resolve(source.get("schema"), variables, "raw")
            for table in source.get("tables") or []:
                columns = []
                for column in table.get("columns") or []:
                    data_type = str(column.get("data_type") or "").lower()
                    if data_type not in CONTRACT_TYPES:
                        raise ContractError(
                            f"{path.relative_to(root)}: {source['name']}.{table['name']}."
                            f"{column.get('name')}: data_type {data_type or 'missing'!r}, "
                            f"expected one of {', '.join(CONTRACT_TYPES)}"
                        )
                    optional = bool((column.get("meta") or {}).get("optional"))
                    columns.append(
                        ContractColumn(str(column["name"]).lower(), data_type, optional)
                    )
                tables.append(ContractTable(
                    source=source["name"],
                    name=_resolve(table.get("identifier"), variables, table["name"]).lower(),
                    schema=schema.lower(),
                    columns=tuple(columns),
                    yaml_path=str(path.relative_to(root)),
                    optional=bool((table.get("meta") or {}).get("optional")),
                    contract_name=str(table["name"]).lower(),
                ))
    return tables


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _warehouse_columns(
    con: duckdb.DuckDBPyConnection, schemas: set[str]
) -> dict[str, dict[str, str]]:
    """{schema.table: {column: DuckDB type}} for the given schemas."""
    rows = con.execute(
        "select lower(table_schema), lower(table_name), lower(column_name), data_type "
        "from information_schema.columns where table_catalog = current_database() "
        "and lower(table_schema) in "
        f"({', '.join('?' for _ in schemas)}) order by ordinal_position",
        sorted(schemas),
    ).fetchall()
    found: dict[str, dict[str, str]] = {}
    for schema, table, column, data_type in rows:
        found.setdefault(f"{schema}.{table}", {})[column] = str(data_type).upper()
    return found


def _base_type(data_type: str) -> str:
    """DECIMAL(18,3) -> DECIMAL."""
    return data_type.split("(")[0].strip()


def _cast_failures(
    con: duckdb.DuckDBPyConnection, relation: str, column: str, expected: str, found: str
) -> tuple[int, int, list[str]]:
    """(values checked, values that do not cast, a few of them) for one column."""
    col = _quote(column)
    value = f"trim(cast({col} as varchar))" if found in TEXT_TYPES else col
    present = f"{col} is not null" + (f" and {value} <> ''" if found in TEXT_TYPES else "")
    cast = f"try_cast({value} as {STAGING_CAST[expected]})"
    bad = f"{cast} is null"
    if expected == "timestamp" and found in TEXT_TYPES:
        # text with an offset: staging's cast to timestamp drops it (the contract is UTC)
        bad += (f" or try_cast({value} as timestamptz) is distinct from "
                f"cast({cast} as timestamptz)")
    checked, failing = con.execute(
        f"select count(*), count(*) filter (where {bad}) from {relation} where {present}"
    ).fetchone()
    sample = [str(row[0]) for row in con.execute(
        f"select distinct cast({col} as varchar) from {relation} where {present} and ({bad}) "
        f"order by 1 limit {SAMPLE_VALUES}"
    ).fetchall()] if failing else []
    return int(checked), int(failing), sample


def _check_column(
    con: duckdb.DuckDBPyConnection,
    table: ContractTable,
    column: ContractColumn,
    found_type: str,
    report: PreflightReport,
) -> None:
    """Add the problem or note of one present contract column."""
    where = f"{table.relation}.{column.name}"
    expected, base = column.data_type, _base_type(found_type)
    if expected == "string":
        return
    if expected == "timestamp":
        if base in TIMESTAMP_TYPES:
            return
        if base in INTEGER_TYPES | FLOAT_TYPES or base == "DECIMAL":
            report.problems.append(
                f"{where}: expected a timestamp (UTC), found {found_type} "
                "(epoch seconds?): deliver a TIMESTAMP or ISO-8601 text"
            )
            return
    elif expected in {"integer", "numeric"}:
        if base in INTEGER_TYPES or (expected == "numeric" and base in FLOAT_TYPES | {"DECIMAL"}):
            return
        if base == "BOOLEAN":
            report.problems.append(f"{where}: expected {expected}, found BOOLEAN")
            return
    elif expected == "boolean" and base == "BOOLEAN":
        return
    if base not in TEXT_TYPES | INTEGER_TYPES | FLOAT_TYPES | {"DECIMAL"}:
        report.problems.append(f"{where}: expected {expected}, found {found_type}")
        return
    checked, failing, sample = _cast_failures(con, _relation_sql(con, table), column.name,
                                              expected, base)
    if failing:
        what = "text" if base in TEXT_TYPES else "values"
        extra = " or carry a UTC offset other than +00" if expected == "timestamp" else ""
        report.problems.append(
            f"{where}: expected {expected}, found {found_type} {what}: {failing:,} of "
            f"{checked:,} values do not cast{extra} "
            f"(e.g. {', '.join(repr(v) for v in sample)})"
        )
    else:
        report.notes.append(
            f"{where}: {found_type} where the contract says {expected}; all {checked:,} "
            "values cast, proceeding"
        )


def _relation_sql(con: duckdb.DuckDBPyConnection, table: ContractTable) -> str:
    """The table's catalog-qualified name: immune to a file named like the schema (raw.duckdb)."""
    catalog = con.execute("select current_database()").fetchone()[0]
    return f"{_quote(catalog)}.{_quote(table.schema)}.{_quote(table.name)}"


def _rename_candidates(missing: list[str], extra: list[str]) -> dict[str, str]:
    """Guess which extra column a missing one was renamed to (same words, close spelling)."""
    import difflib

    guesses: dict[str, str] = {}
    for name in missing:
        match = difflib.get_close_matches(name, extra, n=1, cutoff=0.6)
        if match:
            guesses[name] = match[0]
    return guesses


def check(db_path: Path, root: Path | None = None) -> PreflightReport:
    """Compare every raw table of the contract with the warehouse; return the report."""
    contract = load_contract(root)
    report = PreflightReport()
    variables = _project_vars(root or settings.project_dir())
    for table in [t for t in contract if _switched_off(t.contract_name, variables)]:
        contract.remove(table)
        report.notes.append(
            f"{table.relation}: switched off (var customer_health__using_"
            f"{table.contract_name}: false); not read, its criteria get source_missing"
        )
    if not Path(db_path).exists():
        report.problems.append(f"warehouse not found: {db_path}")
        return report
    con = relations.connect(db_path)
    try:
        con.execute("set TimeZone = 'UTC'")
        found = _warehouse_columns(con, {t.schema for t in contract})
        for table in contract:
            columns = found.get(table.relation)
            if columns is None and table.optional:
                report.notes.append(
                    f"{table.relation}: table missing (source {table.source}.{table.name}, "
                    "optional); the build reads it as empty and the criteria that read it "
                    "get source_missing"
                )
                continue
            if columns is None:
                report.problems.append(
                    f"{table.relation}: table missing (source {table.source}.{table.name}, "
                    f"{table.yaml_path}); create it, empty if there is no data"
                )
                continue
            report.tables_checked += 1
            expected = [c.name for c in table.columns]
            missing = [c.name for c in table.columns if c.name not in columns and not c.optional]
            extra = [c for c in columns if c not in expected]
            renamed = _rename_candidates(missing, extra)
            for column in table.columns:
                if column.name not in columns and column.optional:
                    continue
                if column.name in missing:
                    hint = (f"; found {renamed[column.name]!r} instead (renamed?)"
                            if column.name in renamed else "")
                    report.problems.append(
                        f"{table.relation}.{column.name}: contract column missing "
                        f"(expected {column.data_type}){hint}"
                    )
                else:
                    _check_column(con, table, column, columns[column.name], report)
            unexplained = [c for c in extra if c not in renamed.values() and c != "_loaded_at"]
            if unexplained:
                report.notes.append(
                    f"{table.relation}: extra column(s) {', '.join(unexplained)} "
                    "not in the contract, ignored"
                )
            rows = con.execute(f"select count(*) from {_relation_sql(con, table)}").fetchone()[0]
            if not rows:
                report.notes.append(
                    f"{table.relation}: empty; the build proceeds and the criteria that read "
                    "it find no data"
                )
    finally:
        con.close()
    return report


def render(report: PreflightReport) -> str:
    """The report as lines: problems first, then notes."""
    lines = []
    if report.problems:
        lines.append(f"raw schema preflight FAILED: {len(report.problems)} problem(s); "
                     "no model was run")
        lines += [f"  problem: {p}" for p in report.problems]
    else:
        lines.append(f"raw schema preflight passed ({report.tables_checked} tables)")
    lines += [f"  note: {n}" for n in report.notes]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Check a warehouse against the raw contract; 0 when the run may proceed."""
    parser = argparse.ArgumentParser(
        prog="python -m customer_health.pipeline.preflight",
        description="Check the raw tables against the raw contract (the dbt sources).",
    )
    parser.add_argument("--db", type=Path, default=None, help="DuckDB file (default: project's)")
    args = parser.parse_args(argv)
    try:
        report = check(args.db or settings.duckdb_path())
    except (ContractError, duckdb.Error) as exc:
        print(f"error: {str(exc).splitlines()[0]}", file=sys.stderr)
        return 2
    print(render(report))
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
