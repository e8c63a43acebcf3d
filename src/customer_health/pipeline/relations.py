"""Where the package's tables are in a DuckDB warehouse, and SQL that names them safely.

Two problems, one place (issue 21, items 5 and 7):

- **Where the build put the marts.** Standalone, the marts are in schema `marts`. Installed
  in a host project, the host's `generate_schema_name` decides (e.g. `acme_marts`). dbt's
  manifest (`target/manifest.json` of the project, :func:`settings.target_dir`) records each
  node's schema and alias: :func:`model_relations` reads it, and :func:`relation` maps a
  model name (`health_score`) to its `(schema, table)`; without a manifest, or when the
  manifest's table is not in this warehouse, the standalone layout (`marts.<name>`).
- **A file named like a schema.** DuckDB names a file's catalog after its stem, so in
  `raw.duckdb` an unqualified `raw.tickets` is ambiguous (catalog raw or schema raw?) and
  fails with a Binder Error. Every name this module writes carries the catalog
  (`"raw"."raw"."tickets"`), the connection's own `current_database()`, whatever the file
  is called.

:func:`connect` opens a warehouse file and returns a :class:`Warehouse` connection whose
`execute`/`sql` rewrite the two-part names the Python side writes (`marts.health_score`,
`raw.tickets`, `config.health_bands`, ...), outside string literals, to the catalog-qualified
relation. The readers (summary, report, notify, publish, suggest, evaluate, backfill,
export, validate, preflight, the Spark loader, bench) open warehouses through it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from customer_health.pipeline import settings

PACKAGE = "customer_health"
# the schemas of the standalone layout (dbt_project.yml's +schema, the raw contract)
STANDALONE_SCHEMAS = ("raw", "marts", "intermediate", "staging", "config", "snapshots")
# and the schemas only the Python side writes: the notification ledger, the demo's truth
PYTHON_SCHEMAS = ("ops", "demo_truth")
_NAME = re.compile(
    r'(?<![\w."])(' + "|".join(STANDALONE_SCHEMAS + PYTHON_SCHEMAS)
    + r')\.("?)([A-Za-z_][\w]*)\2(?![\w."(])'
)
_STRING = re.compile(r"('(?:[^']|'')*')")


@dataclass(frozen=True)
class Relation:
    """A table of the warehouse: its schema and name (the catalog is the connection's)."""

    schema: str
    table: str
    kind: str = "model"  # model, seed, snapshot or source (the manifest's resource_type)
    catalog: str | None = None  # a source in another database than the warehouse's

    def sql(self, catalog: str) -> str:
        """The catalog-qualified, quoted name (catalog: the connection's, unless set here)."""
        return ".".join(quote(part) for part in (self.catalog or catalog, self.schema,
                                                  self.table))

    def __str__(self) -> str:
        return ".".join(part for part in (self.catalog, self.schema, self.table) if part)


def quote(name: str) -> str:
    """A quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def manifest_path(root: Path | None = None) -> Path:
    """dbt's manifest of the project (`target/manifest.json`, or `$DBT_TARGET_PATH`)."""
    return settings.target_dir(root or settings.project_dir()) / "manifest.json"


def _manifest(root: Path | None) -> dict[str, Any]:
    """The parsed manifest of the project at root ({} when missing or unreadable)."""
    try:
        return json.loads(manifest_path(root).read_text())
    except (OSError, ValueError):
        return {}


def model_relations(root: Path | None = None,
                    manifest: dict[str, Any] | None = None) -> dict[str, Relation]:
    """model name -> where the last build put it, for each model and seed of the package.

    Read from the manifest of the project at root (default: settings.project_dir()); empty
    when there is none or it cannot be read (then the standalone layout applies).
    """
    manifest = _manifest(root) if manifest is None else manifest
    found: dict[str, Relation] = {}
    for node in manifest.get("nodes", {}).values():
        if node.get("package_name") != PACKAGE:
            continue
        if node.get("resource_type") not in {"model", "seed", "snapshot"}:
            continue
        if not node.get("schema"):
            continue
        found[node["name"]] = Relation(node["schema"], node.get("alias") or node["name"],
                                       node["resource_type"])
    return found


# the raw contract's source files (models/staging/<source>/_<source>__sources.yml, the files
# preflight reads); the vendor adapters' sources (models/staging/adapters/...) are not raw
_CONTRACT_FILE = re.compile(r"models/staging/(\w+)/_\1__sources\.yml")


def _contract_sources(manifest: dict[str, Any], disabled: bool = False) -> list[dict[str, Any]]:
    """The package's raw-contract source tables of a manifest (and its disabled ones)."""
    entries = list(manifest.get("sources", {}).values())
    if disabled:
        entries += [e for group in manifest.get("disabled", {}).values() for e in group
                    if e.get("resource_type") == "source"]
    return [e for e in entries if e.get("package_name") == PACKAGE
            and _CONTRACT_FILE.fullmatch(str(e.get("original_file_path", "")).replace("\\", "/"))]


def source_relations(root: Path | None = None,
                     manifest: dict[str, Any] | None = None) -> dict[str, Relation]:
    """raw table name (the contract's: `tickets`) -> where the package's source reads it.

    The manifest's database, schema and identifier: dbt resolved the source vars
    (customer_health_database, customer_health_schema, customer_health_<table>_identifier)
    when it parsed the project. Empty without a manifest (then the standalone raw.<name>).
    A database other than the one the package's models are built in is kept as the
    relation's catalog (an attached database); the same database is the connection's.
    """
    manifest = _manifest(root) if manifest is None else manifest
    built_in = next((n.get("database") for n in manifest.get("nodes", {}).values()
                     if n.get("package_name") == PACKAGE and n.get("resource_type") == "model"),
                    None)
    found: dict[str, Relation] = {}
    for source in _contract_sources(manifest):
        database = source.get("database")
        found[source["name"]] = Relation(
            source["schema"], source.get("identifier") or source["name"], "source",
            database if database and built_in and database != built_in else None)
    return found


def optional_sources(root: Path | None = None) -> set[str]:
    """The raw tables (contract names) whose source says meta optional, switched off or not."""
    return {source["name"] for source in _contract_sources(_manifest(root), disabled=True)
            if ((source.get("config") or {}).get("meta") or source.get("meta") or {})
            .get("optional")}


def mart_names(root: Path | None = None, top_level: bool = False,
               manifest_file: Path | None = None) -> list[str]:
    """The marts a manifest lists, by model name: the package's models built into the
    schema of health_score (standalone: marts; on a host, where its generate_schema_name
    put them). top_level: only those directly in models/marts/ (not models/marts/backtest/)."""
    path = manifest_file or manifest_path(root)
    try:
        manifest = json.loads(path.read_text())
    except (OSError, ValueError):
        return []
    models = [node for node in manifest.get("nodes", {}).values()
              if node.get("package_name") == PACKAGE and node.get("resource_type") == "model"]
    schema = next((n.get("schema") for n in models if n["name"] == "health_score"), "marts")
    return sorted(
        node["name"] for node in models
        if node.get("schema") == schema and (
            not top_level
            or str(node.get("original_file_path", "")).replace("\\", "/").count("/") == 2)
    )


class Resolver:
    """Maps the standalone names the Python side writes to this warehouse's relations."""

    def __init__(self, catalog: str, tables: set[tuple[str, str]],
                 models: dict[str, Relation],
                 sources: dict[str, Relation] | None = None) -> None:
        self.catalog = catalog
        self.tables = tables  # (schema, table) of this catalog
        self.models = models
        self.sources = sources or {}  # raw table name -> the package's source (manifest)

    @classmethod
    def of(cls, con: duckdb.DuckDBPyConnection, root: Path | None = None) -> Resolver:
        """The resolver of an open connection (its catalog, its tables, the manifest)."""
        catalog = con.execute("select current_database()").fetchone()[0]
        tables = {(s, t) for s, t in con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_catalog = ?", [catalog]).fetchall()}
        manifest = _manifest(root)
        return cls(catalog, tables, model_relations(root, manifest),
                   source_relations(root, manifest))

    def relation(self, schema: str, name: str) -> Relation:
        """Where `schema.name` of the standalone layout is in this warehouse.

        A model the manifest places elsewhere (a host's generate_schema_name) is read there
        when that table exists here; otherwise the standalone `schema.name`.
        """
        if schema in STANDALONE_SCHEMAS and schema != "raw":
            built = self.models.get(name)
            if built is not None and (built.schema, built.table) in self.tables:
                return built
        return Relation(schema, name, "table")

    def source(self, name: str) -> Relation:
        """Where the package's source reads the raw table `name` (the manifest's relation:
        the source vars resolved), else the standalone raw.<name>. Read-only callers (the
        raw suite): writers of raw tables (the demo generator) keep raw.<name>."""
        return self.sources.get(name) or Relation("raw", name, "table")

    def mart(self, name: str) -> Relation:
        """Where the mart `name` is (standalone: marts.<name>)."""
        return self.relation("marts", name)

    def has(self, schema: str, name: str) -> bool:
        """True when the table `schema.name` (standalone layout) exists in this warehouse."""
        found = self.relation(schema, name)
        return (found.schema, found.table) in self.tables

    def sql(self, schema: str, name: str) -> str:
        """The catalog-qualified name of `schema.name` (standalone layout)."""
        return self.relation(schema, name).sql(self.catalog)

    def qualify(self, query: str) -> str:
        """query with each standalone `schema.table` (outside string literals) replaced by
        its catalog-qualified relation in this warehouse."""
        parts = _STRING.split(query)
        for i in range(0, len(parts), 2):
            parts[i] = _NAME.sub(lambda m: self.sql(m.group(1), m.group(3)), parts[i])
        return "".join(parts)


class Warehouse:
    """A DuckDB connection whose `execute` and `sql` catalog-qualify the standalone names.

    Everything else (fetchone, df, close, ...) is the DuckDB connection's.
    """

    def __init__(self, con: duckdb.DuckDBPyConnection, root: Path | None = None) -> None:
        self.con = con
        self.resolver = Resolver.of(con, root)

    def execute(self, query: str, parameters: Any = None) -> duckdb.DuckDBPyConnection:
        """Run query (names rewritten by Resolver.qualify)."""
        query = self.resolver.qualify(query)
        if parameters is None:
            return self.con.execute(query)
        return self.con.execute(query, parameters)

    def executemany(self, query: str, parameters: Any) -> duckdb.DuckDBPyConnection:
        """Run query once per parameter set (names rewritten by Resolver.qualify)."""
        return self.con.executemany(self.resolver.qualify(query), parameters)

    def sql(self, query: str, **kwargs: Any) -> duckdb.DuckDBPyRelation:
        """DuckDB's relational `sql`, names rewritten."""
        return self.con.sql(self.resolver.qualify(query), **kwargs)

    def refresh(self) -> None:
        """Re-read the warehouse's tables (after this connection created some)."""
        self.resolver = Resolver(self.resolver.catalog, Resolver.of(self.con).tables,
                                 self.resolver.models, self.resolver.sources)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.con, name)

    def __enter__(self) -> Warehouse:
        return self

    def __exit__(self, *exc: object) -> None:
        self.con.close()


def connect(db_path: Path | str, read_only: bool = True, root: Path | None = None,
            **kwargs: Any) -> Warehouse:
    """Open the DuckDB warehouse at db_path (see Warehouse); root: the dbt project whose
    manifest says where the marts are (default: settings.project_dir())."""
    return Warehouse(duckdb.connect(str(db_path), read_only=read_only, **kwargs), root)


def schemas_built(root: Path | None = None) -> set[str]:
    """The schemas a build of the project writes (the manifest's, else the standalone
    layout's), raw excluded."""
    built = {r.schema for r in model_relations(root).values()}
    return (built or set(STANDALONE_SCHEMAS)) - {"raw"}


def file_name_problem(db_path: Path, root: Path | None = None) -> str | None:
    """Why dbt cannot build into this DuckDB file, or None.

    DuckDB names a file's catalog after its stem. The Python side qualifies every name with
    the catalog, and so does dbt-duckdb; but DuckDB (2.0) refuses to create a view whose
    query reads `"marts"."marts"."x"` (Binder Error: Ambiguous reference to catalog or
    schema) even fully qualified, so a file named like a schema the build creates views
    over (marts.duckdb, staging.duckdb, ...) cannot be built into. raw.duckdb can: the
    models reading raw are tables.
    """
    stem = Path(db_path).name.split(".")[0]
    if stem in schemas_built(root):
        return (f"the warehouse file {Path(db_path).name} is named like the schema {stem} the "
                f"build writes: DuckDB names a file's catalog after it and cannot create the "
                f"views reading {stem}.{stem}.<table> (Ambiguous reference to catalog or "
                f"schema); name the file otherwise (HEALTH_DUCKDB_PATH, e.g. "
                f"{stem}_warehouse.duckdb)")
    return None


def has_table(con: Any, schema: str, table: str) -> bool:
    """True when `schema.table` (standalone layout) exists in the warehouse of con: a
    Warehouse resolves it (manifest, catalog); a plain DuckDB connection looks it up in
    its own catalog."""
    if isinstance(con, Warehouse):
        return con.resolver.has(schema, table)
    return bool(con.execute(
        "select count(*) from information_schema.tables where table_catalog = "
        "current_database() and table_schema = ? and table_name = ?", [schema, table]
    ).fetchone()[0])
