"""Great Expectations (GX 1.x) validation of the raw tables and the marts.

Two suites live as JSON beside this module (expectations/raw.json and
expectations/marts.json), one list of GX expectations per table. Tables are read
from DuckDB into pandas with the duckdb Python API (read-only connection) and
validated with an ephemeral GX context and a pandas datasource: GX's SQLAlchemy
path over duckdb-engine fails in resolve_metric_bundle (GX issues 10738, 11579).

`validate(db, "raw")` is a report (raw data may hold a few bad rows that a later
step quarantines; the caller decides what to do); `validate(db, "marts")` is strict.

    python -m customer_health.quality --stage raw|marts [--db PATH] [--out DIR] [--max-rows N]

The reports are written by customer_health.quality.render, the command line is
customer_health.quality.command.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import logging
import math
import os
import sys
import time
import warnings
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, get_args

import duckdb

from customer_health.pipeline import relations

if TYPE_CHECKING:
    import pandas as pd
    from great_expectations.data_context import AbstractDataContext

Stage = Literal["raw", "marts"]
STAGES: tuple[str, ...] = get_args(Stage)
SUITES_DIR = Path(__file__).resolve().parent / "expectations"
SAMPLE_SEED = 42
SAMPLE_VALUES = 5
PARTIAL_UNEXPECTED = 20
TABLE_EXISTS = "table_exists"


@dataclass
class ExpectationOutcome:
    """The result of one expectation on one table."""

    table: str
    expectation_type: str
    column: str | None
    success: bool
    unexpected_count: int | None = None
    unexpected_percent: float | None = None
    element_count: int | None = None
    observed_value: Any = None
    unexpected_sample: list[Any] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def status(self) -> str:
        """PASS, WARN (passed thanks to `mostly` but with unexpected rows) or FAIL."""
        if not self.success:
            return "FAIL"
        return "WARN" if self.unexpected_count else "PASS"


@dataclass
class ValidationReport:
    """The outcome of validating one stage (suite) of a warehouse."""

    stage: str
    success: bool
    results: list[ExpectationOutcome]
    rows_validated: dict[str, int]
    rows_total: dict[str, int]
    sampled: bool
    max_rows: int | None
    db_path: str
    duration_seconds: float
    validated_at: str

    @property
    def tables(self) -> list[str]:
        """The tables of the suite, in suite order."""
        return list(dict.fromkeys(r.table for r in self.results))

    def for_table(self, table: str) -> list[ExpectationOutcome]:
        """The outcomes of one table."""
        return [r for r in self.results if r.table == table]

    def failures(self) -> list[ExpectationOutcome]:
        """The outcomes that failed."""
        return [r for r in self.results if not r.success]

    def warnings(self) -> list[ExpectationOutcome]:
        """The outcomes that passed (thanks to `mostly`) although rows were unexpected."""
        return [r for r in self.results if r.status == "WARN"]

    def table_sampled(self, table: str) -> bool:
        """Whether the table was validated on a sample."""
        return self.rows_validated.get(table, 0) < self.rows_total.get(table, 0)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable view of the report."""
        data = asdict(self)
        for item, outcome in zip(data["results"], self.results, strict=True):
            item["status"] = outcome.status
        return _jsonable(data)


# -- suites -------------------------------------------------------------------


def load_suite(stage: str) -> dict[str, Any]:
    """Return the suite definition of a stage, read from expectations/<stage>.json."""
    if stage not in STAGES:
        raise ValueError(f"unknown stage {stage!r}: expected one of {', '.join(STAGES)}")
    return json.loads((SUITES_DIR / f"{stage}.json").read_text())


def _parameter_names(value: Any) -> set[str]:
    """Suite parameters ({"$PARAMETER": name}) used anywhere in an expectation's kwargs."""
    if isinstance(value, dict):
        if set(value) == {"$PARAMETER"}:
            return {str(value["$PARAMETER"])}
        return set().union(*(_parameter_names(v) for v in value.values()))
    if isinstance(value, list):
        return set().union(*(_parameter_names(v) for v in value))
    return set()


# -- GX -------------------------------------------------------------------------


def _quiet_gx() -> None:
    """Silence GX analytics, progress bars and logging (call before importing GX).

    Also: GX imports pyspark's Spark Connect module when pyspark is installed (the spark
    extra), and that module takes a `__main__` without `__file__` or `__spec__` (a pytest-xdist
    worker, `python -c`, some notebook kernels) for a doctest run and calls sys.exit(0).
    Such a main module gets a placeholder `__file__` first.
    """
    main = sys.modules.get("__main__")
    if main is not None and getattr(main, "__spec__", None) is None and not hasattr(
        main, "__file__"
    ):
        main.__file__ = "<customer_health>"
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    os.environ.setdefault("TQDM_DISABLE", "1")
    logging.getLogger("great_expectations").setLevel(logging.ERROR)


def _gx_context() -> AbstractDataContext:
    """An ephemeral GX context without progress bars."""
    _quiet_gx()
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    return context


def _run_table(
    context: AbstractDataContext,
    index: int,
    table: str,
    df: pd.DataFrame,
    configs: list[dict[str, Any]],
    parameters: dict[str, Any],
) -> list[Any]:
    """Validate one DataFrame; return the GX results in the order of `configs`."""
    import great_expectations as gx
    from great_expectations.expectations.expectation_configuration import (
        ExpectationConfiguration,
    )

    name = f"{index:02d}_{table}"
    asset = context.data_sources.add_pandas(f"ds_{name}").add_dataframe_asset(name)
    batch_definition = asset.add_batch_definition_whole_dataframe(name)
    suite = context.suites.add(gx.ExpectationSuite(name=name))
    ids: list[str | None] = []
    for config in configs:
        try:
            expectation = ExpectationConfiguration(
                type=config["type"], kwargs=config.get("kwargs", {}), meta=config.get("meta")
            ).to_domain_obj()
        except Exception as exc:  # a malformed suite file is a bug to fix, say where
            raise ValueError(f"invalid expectation for {table}: {config}: {exc}") from exc
        ids.append(suite.add_expectation(expectation).id)
    definition = context.validation_definitions.add(
        gx.ValidationDefinition(name=name, data=batch_definition, suite=suite)
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = definition.run(
            batch_parameters={"dataframe": df},
            expectation_parameters=parameters,
            result_format={
                "result_format": "SUMMARY",
                "partial_unexpected_count": PARTIAL_UNEXPECTED,
            },
        )
    by_id = {r.expectation_config.id: r for r in result.results}
    return [by_id[i] for i in ids]


def _exception_message(exception_info: Any) -> str | None:
    """The first exception message of a GX result (flat or keyed by metric)."""
    if not isinstance(exception_info, dict):
        return None
    if "raised_exception" in exception_info:
        infos = [exception_info]
    else:
        infos = [v for v in exception_info.values() if isinstance(v, dict)]
    for info in infos:
        if info.get("raised_exception"):
            return str(info.get("exception_message") or "exception raised")
    return None


def _sample(result: dict[str, Any]) -> list[Any]:
    """A few distinct unexpected values from GX's partial list."""
    values: list[Any] = []
    for value in result.get("partial_unexpected_list") or []:
        value = _jsonable(value)
        if value not in values:
            values.append(value)
        if len(values) >= SAMPLE_VALUES:
            break
    return values


def _outcome(table: str, config: dict[str, Any], gx_result: Any) -> ExpectationOutcome:
    """Turn a GX ExpectationValidationResult into an ExpectationOutcome."""
    kwargs = config.get("kwargs", {})
    result = dict(gx_result.result or {})
    details: dict[str, Any] = {
        k: kwargs[k]
        for k in ("mostly", "row_condition", "min_value", "max_value", "column_list")
        if k in kwargs
    }
    if "value_set" in kwargs:
        details["value_set"] = gx_result.expectation_config.kwargs.get("value_set")
    if result.get("details"):
        details["gx_details"] = result["details"]
    if result.get("missing_count"):
        details["missing_count"] = result["missing_count"]
    error = _exception_message(gx_result.exception_info)
    if error:
        details["error"] = error
    return ExpectationOutcome(
        table=table,
        expectation_type=config["type"],
        column=kwargs.get("column"),
        success=bool(gx_result.success) and not error,
        unexpected_count=result.get("unexpected_count"),
        unexpected_percent=result.get("unexpected_percent"),
        element_count=result.get("element_count"),
        observed_value=_jsonable(result.get("observed_value")),
        unexpected_sample=_sample(result),
        details=_jsonable(details),
    )


def _failed(table: str, config: dict[str, Any], message: str) -> ExpectationOutcome:
    """An outcome for an expectation that could not run."""
    kwargs = config.get("kwargs", {})
    return ExpectationOutcome(
        table=table,
        expectation_type=config["type"],
        column=kwargs.get("column"),
        success=False,
        details={"error": message},
    )


# -- warehouse ------------------------------------------------------------------


def _existing_tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    """schema.table names of the warehouse's tables and views (its own catalog); a model a
    host project's build put elsewhere (pipeline.relations) under its standalone name."""
    rows = con.execute("select table_schema, table_name from information_schema.tables "
                       "where table_catalog = current_database()").fetchall()
    found = {f"{schema}.{name}".lower() for schema, name in rows}
    if isinstance(con, relations.Warehouse):
        for name, built in con.resolver.models.items():
            if (built.schema, built.table) in con.resolver.tables:
                found |= {f"{schema}.{name}".lower() for schema in relations.STANDALONE_SCHEMAS
                          if schema != "raw"}
    return found


def _quote(table: str) -> str:
    """Quote a schema.table name for SQL."""
    return ".".join('"' + part.replace('"', '""') + '"' for part in table.split("."))


def _raw_source(con: duckdb.DuckDBPyConnection, table: str) -> relations.Relation | None:
    """The relation the package's source reads for a raw suite table (`raw.tickets`): the
    source vars as dbt resolved them (a host's schema and names); None off the raw stage."""
    schema, _, name = table.partition(".")
    if schema != "raw" or not isinstance(con, relations.Warehouse):
        return None
    return con.resolver.source(name)


def _source_exists(con: duckdb.DuckDBPyConnection, source: relations.Relation) -> bool:
    """True when the source's table or view exists (in its own database when it has one)."""
    return bool(con.execute(
        "select count(*) from information_schema.tables where table_catalog = "
        "coalesce(?, current_database()) and table_schema = ? and table_name = ?",
        [source.catalog, source.schema, source.table]).fetchone()[0])


def _read_table(
    con: duckdb.DuckDBPyConnection, table: str, max_rows: int | None
) -> tuple[pd.DataFrame, int]:
    """Read a table into pandas (a deterministic sample above max_rows); return (df, total)."""
    source = _raw_source(con, table)
    if source is not None:
        relation = source.sql(con.resolver.catalog)
    elif isinstance(con, relations.Warehouse) and table.count(".") == 1:
        relation = con.resolver.sql(*table.split("."))
    else:
        relation = _quote(table)
    total = int(con.execute(f"select count(*) from {relation}").fetchone()[0])
    sql = f"select * from {relation}"
    if max_rows is not None and total > max_rows:
        sql += f" using sample reservoir({int(max_rows)} rows) repeatable ({SAMPLE_SEED})"
    return con.execute(sql).df(), total


def _parameters(
    con: duckdb.DuckDBPyConnection, suite: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, str]]:
    """Compute the suite parameters from the warehouse: (values, errors by name)."""
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name, spec in suite.get("parameters", {}).items():
        try:
            rows = con.execute(spec["sql"]).fetchall()
        except duckdb.Error as exc:
            errors[name] = f"suite parameter {name!r} could not be read: {exc}".splitlines()[0]
            continue
        values[name] = sorted(row[0] for row in rows if row[0] is not None)
    return values, errors


# -- public API -----------------------------------------------------------------


def _optional_tables() -> set[str]:
    """The raw tables the contract marks optional (`meta: {optional: true}`), lower case:
    the project's source YAML, and the manifest's sources (on a host the YAML is the
    package's, under dbt_packages/)."""
    from customer_health.pipeline import preflight

    from_manifest = {f"raw.{name}".lower() for name in relations.optional_sources()}
    try:
        return from_manifest | {t.relation.lower() for t in preflight.load_contract()
                                if t.optional}
    except (OSError, ValueError, preflight.ContractError):
        return from_manifest  # a malformed contract is preflight's to report


def validate(db_path: Path, stage: Stage, max_rows: int | None = None) -> ValidationReport:
    """Validate the tables of one stage of a DuckDB warehouse with its GX suite.

    Tables are read read-only into pandas; above `max_rows` rows a table is
    validated on a deterministic sample (reservoir, seed 42) and the report says
    so. Missing tables and columns are reported as failed expectations, not raised.
    Raises FileNotFoundError when the warehouse file does not exist.
    """
    if max_rows is not None and max_rows < 1:
        raise ValueError("max_rows must be a positive number of rows")
    db_path = Path(db_path)
    if not db_path.exists():
        raise FileNotFoundError(f"warehouse not found: {db_path}")
    suite = load_suite(stage)
    started = time.perf_counter()
    validated_at = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    results: list[ExpectationOutcome] = []
    rows_validated: dict[str, int] = {}
    rows_total: dict[str, int] = {}
    context = _gx_context()
    con = relations.connect(db_path)
    try:
        existing = _existing_tables(con)
        optional = _optional_tables() if stage == "raw" else set()
        parameters, parameter_errors = _parameters(con, suite)
        for index, spec in enumerate(suite["tables"]):
            table = spec["table"]
            configs = spec["expectations"]
            source = _raw_source(con, table)
            if source is not None and str(source) != table:
                # a host's raw table: where the package's source reads it, under its name
                exists, where = _source_exists(con, source), f"{table} (read from {source})"
            else:
                exists, where = table.lower() in existing, table
            if not exists:
                # an optional raw table never created is a note, not a failure: preflight
                # notes it and the build reads it as empty (its criteria are source_missing)
                is_optional = table.lower() in optional
                results.append(
                    ExpectationOutcome(
                        table=table,
                        expectation_type=TABLE_EXISTS,
                        column=None,
                        success=is_optional,
                        details=(
                            {"note": f"optional table {where} is absent: read as empty"}
                            if is_optional
                            else {"error": f"table {where} does not exist in {db_path}"}
                        ),
                    )
                )
                rows_validated[table] = rows_total[table] = 0
                continue
            df, total = _read_table(con, table, max_rows)
            rows_validated[table], rows_total[table] = len(df), total
            runnable = []
            outcomes: list[ExpectationOutcome | None] = []
            for config in configs:
                missing = sorted(_parameter_names(config.get("kwargs", {})) - set(parameters))
                if missing:
                    message = "; ".join(
                        parameter_errors.get(m, f"unknown suite parameter {m!r}") for m in missing
                    )
                    outcomes.append(_failed(table, config, message))
                else:
                    runnable.append(config)
                    outcomes.append(None)
            gx_results = iter(
                _run_table(context, index, table, df, runnable, parameters) if runnable else []
            )
            for config, outcome in zip(configs, outcomes, strict=True):
                results.append(outcome or _outcome(table, config, next(gx_results)))
            del df
    finally:
        con.close()
    return ValidationReport(
        stage=stage,
        success=all(r.success for r in results),
        results=results,
        rows_validated=rows_validated,
        rows_total=rows_total,
        sampled=any(rows_validated[t] < rows_total[t] for t in rows_total),
        max_rows=max_rows,
        db_path=str(db_path),
        duration_seconds=round(time.perf_counter() - started, 3),
        validated_at=validated_at,
    )


def _jsonable(value: Any) -> Any:
    """Convert numpy/pandas/decimal values (recursively) to JSON-friendly ones."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return None if math.isnan(value) else value
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, dt.datetime | dt.date):  # includes pandas Timestamp and NaT
        text = value.isoformat()
        return None if text == "NaT" else text
    if hasattr(value, "item") and callable(value.item):  # numpy scalar
        try:
            return _jsonable(value.item())
        except (TypeError, ValueError):
            pass
    if hasattr(value, "isoformat"):  # pandas Timestamp
        return value.isoformat() if str(value) != "NaT" else None
    if str(value) in {"NaT", "<NA>", "nan"}:
        return None
    if hasattr(value, "to_dict"):
        return _jsonable(value.to_dict())
    return str(value)


# -- CLI ------------------------------------------------------------------------
