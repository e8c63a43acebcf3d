"""pipeline.relations: where the marts are (dbt's manifest) and catalog-qualified SQL."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from customer_health.pipeline import relations
from customer_health.pipeline.relations import Relation, Resolver


def _manifest(root: Path, schema: str) -> None:
    (root / "target").mkdir(parents=True)
    node = {"resource_type": "model", "package_name": "customer_health", "name": "health_score",
            "alias": "health_score", "schema": schema,
            "original_file_path": "models/marts/health_score.sql"}
    (root / "target" / "manifest.json").write_text(json.dumps({"nodes": {"m": node}}))


def test_qualify_names_the_catalog_and_the_manifest_schema() -> None:
    resolver = Resolver("raw", {("acme_marts", "health_score")},
                        {"health_score": Relation("acme_marts", "health_score")})
    sql = resolver.qualify("select 'raw.tickets' from marts.health_score s "
                           "join raw.tickets t on s.id = t.id, marts.\"health_alerts\"")
    assert sql == ('select \'raw.tickets\' from "raw"."acme_marts"."health_score" s '
                   'join "raw"."raw"."tickets" t on s.id = t.id, "raw"."marts"."health_alerts"')


def test_a_stale_manifest_falls_back_to_the_standalone_layout() -> None:
    resolver = Resolver("wh", {("marts", "health_score")},
                        {"health_score": Relation("acme_marts", "health_score")})
    assert str(resolver.mart("health_score")) == "marts.health_score"


@pytest.mark.parametrize("schema", ["marts", "acme_marts"])
def test_connect_reads_the_marts_where_the_manifest_puts_them(tmp_path: Path,
                                                            schema: str) -> None:
    _manifest(tmp_path, schema)
    db = tmp_path / "marts.duckdb"  # a catalog named like the schema: still unambiguous
    con = duckdb.connect(str(db))
    con.execute(f"create schema marts.{schema}")
    con.execute(f"create table marts.{schema}.health_score as select 7 as health_score")
    con.close()
    with relations.connect(db, root=tmp_path) as warehouse:
        assert warehouse.execute("select health_score from marts.health_score").fetchone() == (7,)
        assert relations.has_table(warehouse, "marts", "health_score")
    assert relations.mart_names(tmp_path) == ["health_score"]


def test_file_named_like_a_built_schema_is_refused(tmp_path: Path) -> None:
    assert relations.file_name_problem(tmp_path / "raw.duckdb", tmp_path) is None
    problem = relations.file_name_problem(tmp_path / "marts.duckdb", tmp_path)
    assert problem and "named like the schema marts" in problem


def test_source_relations_are_the_resolved_source_vars(tmp_path: Path) -> None:
    """The raw contract's sources as dbt resolved them (schema, identifier, another database
    kept as the catalog); the vendor adapters' sources and other packages' are not raw."""
    def source(name: str, schema: str, identifier: str, database: str, path: str,
               package: str = "customer_health", optional: bool = False) -> dict:
        return {"resource_type": "source", "package_name": package, "name": name,
                "schema": schema, "identifier": identifier, "database": database,
                "original_file_path": path, "config": {"meta": {"optional": optional}}}

    model = {"resource_type": "model", "package_name": "customer_health", "name": "health_score",
             "alias": "health_score", "schema": "acme_marts", "database": "acme",
             "original_file_path": "models/marts/health_score.sql"}
    manifest = {
        "nodes": {"m": model},
        "sources": {
            "a": source("tickets", "landing", "zd_tickets", "acme",
                        "models/staging/helpdesk/_helpdesk__sources.yml"),
            "b": source("accounts", "crm_raw", "sf_accounts", "lake",
                        "models/staging/crm/_crm__sources.yml"),
            "c": source("tickets2", "zendesk", "ticket", "acme",
                        "models/staging/adapters/zendesk/_zendesk__sources.yml"),
            "d": source("orders", "raw", "orders", "acme", "models/staging/shop/_shop__sources.yml",
                        package="acme_analytics"),
        },
        "disabled": {"e": [source("touchpoints", "landing", "hs", "acme",
                                  "models/staging/marketing/_marketing__sources.yml",
                                  optional=True)]},
    }
    (tmp_path / "target").mkdir()
    (tmp_path / "target" / "manifest.json").write_text(json.dumps(manifest))
    found = relations.source_relations(tmp_path)
    assert found == {"tickets": Relation("landing", "zd_tickets", "source"),
                     "accounts": Relation("crm_raw", "sf_accounts", "source", "lake")}
    assert found["accounts"].sql("acme") == '"lake"."crm_raw"."sf_accounts"'
    assert relations.optional_sources(tmp_path) == {"touchpoints"}
    resolver = Resolver("acme", set(), {}, found)
    assert str(resolver.source("tickets")) == "landing.zd_tickets"
    assert str(resolver.source("contacts")) == "raw.contacts"  # no manifest entry: standalone
    # writers keep the standalone name: qualify never maps raw.* to a source
    assert resolver.qualify("select * from raw.tickets") == 'select * from "acme"."raw"."tickets"'
