"""Publish the marts for readers: a read-only DuckDB file and a Parquet set, swapped atomically.

BI tools never open the working warehouse: DuckDB allows one writer, so a tool that
holds that file open blocks the next refresh, and during a build the working marts
are a mix of old and new tables. After a green run the marts are copied to
`HEALTH_PUBLISH_DIR` (default data/published/):

    customer_health.duckdb          schema marts only
    parquet -> parquet.<version>    symlink to the current Parquet set
    parquet.<version>/<mart>.parquet, _manifest.json

Every file is written under a temporary name and renamed into place (rename is
atomic on one POSIX file system). A reader that opens customer_health.duckdb gets the
old or the new file, never a mix, and keeps the file it opened (the old inode stays
readable) while the next one is swapped in. The Parquet files are written into a new
versioned directory, then the `parquet` symlink is swapped atomically: a reader that
resolves `parquet` once (realpath) and reads every file below that directory sees one
complete set. The last KEEP_VERSIONS sets are kept, so a reader that resolved the
previous set can finish. A failed build publishes nothing (the caller publishes only
after a green build and validation).

    python -m customer_health.pipeline.publish [--db PATH] [--out DIR]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb

from customer_health.pipeline import relations, settings

DEFAULT_PUBLISH_DIR = "data/published"
DUCKDB_NAME = "customer_health.duckdb"
PARQUET_LINK = "parquet"
MANIFEST_NAME = "_manifest.json"
MARTS_SCHEMA = "marts"
KEEP_VERSIONS = 2
TMP_PREFIX = ".tmp-"


@dataclass(frozen=True)
class Publication:
    """What one publication wrote."""

    version: str
    directory: Path
    rows: dict[str, int]  # mart -> rows

    @property
    def parquet_dir(self) -> Path:
        """The versioned Parquet directory of this publication."""
        return self.directory / f"{PARQUET_LINK}.{self.version}"


class PublishError(RuntimeError):
    """The marts could not be published (the previous publication is left as it was)."""


def publish_dir(root: Path | None = None) -> Path:
    """The publication folder: `$HEALTH_PUBLISH_DIR`, relative to the project."""
    root = root or settings.project_dir()
    path = Path(os.environ.get("HEALTH_PUBLISH_DIR", DEFAULT_PUBLISH_DIR))
    return path if path.is_absolute() else root / path


def marts_from_manifest(manifest_path: Path) -> list[str]:
    """The mart models a dbt manifest lists, by table name: schema marts (standalone), and
    the package's models under models/marts/ wherever a host project's
    generate_schema_name put them (by model name)."""
    manifest = json.loads(manifest_path.read_text())
    standalone = {
        node.get("alias") or node["name"]
        for node in manifest.get("nodes", {}).values()
        if node.get("resource_type") == "model" and node.get("schema") == MARTS_SCHEMA
    }
    return sorted(standalone or relations.mart_names(manifest_file=manifest_path))


def _sql_string(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _clear_leftovers(out_dir: Path) -> None:
    """Remove what an interrupted publication left under a temporary name."""
    for item in out_dir.glob(TMP_PREFIX + "*"):
        if item.is_dir() and not item.is_symlink():
            shutil.rmtree(item, ignore_errors=True)
        else:
            item.unlink(missing_ok=True)


def _prune(out_dir: Path, current: str, keep: int) -> None:
    """Keep the newest `keep` Parquet sets (the current one always)."""
    versions = sorted(
        (p for p in out_dir.glob(f"{PARQUET_LINK}.*") if p.is_dir() and not p.is_symlink()),
        key=lambda p: p.name,
    )
    stale = [p for p in versions[: max(len(versions) - keep, 0)] if p.name != current]
    for path in stale:
        shutil.rmtree(path, ignore_errors=True)


def publish(
    db_path: Path,
    out_dir: Path,
    marts: list[str] | None = None,
    keep: int = KEEP_VERSIONS,
) -> Publication:
    """Copy the marts of the working warehouse to out_dir and swap them in atomically.

    marts: the marts to publish (default: every table of schema marts, or on a host
    project every mart its manifest lists). Each is read where the build put it
    (pipeline.relations: the project's dbt manifest) and published in schema marts. The
    caller must hold the run lock (no build writes the warehouse meanwhile).
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    _clear_leftovers(out_dir)
    # the system clock, not a test clock: versions must sort in publication order
    version = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
    tmp_db = out_dir / f"{TMP_PREFIX}{DUCKDB_NAME}.{version}"
    tmp_parquet = out_dir / f"{TMP_PREFIX}{PARQUET_LINK}.{version}"
    tmp_parquet.mkdir()
    rows: dict[str, int] = {}
    try:
        con = duckdb.connect(str(tmp_db))
        try:
            con.execute("set TimeZone = 'UTC'")
            con.execute(f"attach {_sql_string(db_path)} as working (read_only)")
            tables = {(s, t) for s, t in con.execute(
                "select table_schema, table_name from information_schema.tables "
                "where table_catalog = 'working'").fetchall()}
            working = relations.Resolver("working", tables, relations.model_relations())
            if marts is not None:
                wanted = marts
            else:
                wanted = sorted({t for s, t in tables if s == MARTS_SCHEMA} | {
                    m for m in relations.mart_names() if working.has(MARTS_SCHEMA, m)})
            missing = sorted(m for m in wanted if not working.has(MARTS_SCHEMA, m))
            if missing:
                raise PublishError(f"marts missing from {db_path}: {', '.join(missing)}")
            catalog = con.execute("select current_database()").fetchone()[0]
            con.execute(f"create schema {_quote(catalog)}.{MARTS_SCHEMA}")
            for mart in wanted:
                source = working.sql(MARTS_SCHEMA, mart)
                target = relations.Relation(MARTS_SCHEMA, mart).sql(catalog)
                con.execute(f"create table {target} as select * from {source}")
                parquet = tmp_parquet / f"{mart}.parquet"
                con.execute(f"copy {target} to {_sql_string(parquet)} (format parquet)")
                rows[mart] = int(con.execute(f"select count(*) from {target}").fetchone()[0])
            con.execute("detach working")
            con.execute("checkpoint")
        finally:
            con.close()
        manifest = {
            "version": version,
            "published_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "source": str(db_path),
            "rows": rows,
        }
        (tmp_parquet / MANIFEST_NAME).write_text(json.dumps(manifest, indent=2) + "\n")
        for item in [tmp_db, *tmp_parquet.iterdir(), tmp_parquet]:
            _fsync(item)
        final_parquet = out_dir / f"{PARQUET_LINK}.{version}"
        os.rename(tmp_parquet, final_parquet)
        os.replace(tmp_db, out_dir / DUCKDB_NAME)
        link = out_dir / PARQUET_LINK
        if link.exists() and not link.is_symlink():
            raise PublishError(f"{link} is a directory, not the symlink publish swaps: move it")
        tmp_link = out_dir / f"{TMP_PREFIX}{PARQUET_LINK}.link"
        tmp_link.unlink(missing_ok=True)
        os.symlink(final_parquet.name, tmp_link)
        os.replace(tmp_link, link)
        _fsync(out_dir)
    except (duckdb.Error, OSError) as exc:
        raise PublishError(f"publication failed: {str(exc).splitlines()[0]}") from exc
    finally:
        _clear_leftovers(out_dir)
    _prune(out_dir, final_parquet.name, keep)
    return Publication(version=version, directory=out_dir, rows=rows)


def main(
    argv: list[str] | None = None, prog: str = "python -m customer_health.pipeline.publish"
) -> int:
    """Publish the marts of a built warehouse (without building).

    A bad option or a missing warehouse: one line `<prog>: ...` on stderr, exit 2.
    """
    from customer_health.cli import args as cliargs
    from customer_health.pipeline import lock as runlock

    parser = cliargs.ArgumentParser(
        prog=prog,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description=cliargs.wrap(
            "Copy schema marts of the working warehouse (without building) to a read-only "
            "DuckDB file and a Parquet set in the publication folder, swapped in atomically; "
            "`customer-health run` does this after every green build. Holds the run lock."),
        epilog="""environment:
  HEALTH_DUCKDB_PATH   the working warehouse (default data/customer_health.duckdb)
  HEALTH_PUBLISH_DIR   the publication folder (default data/published)
exit codes:
  0  published   1  the publication failed (readers keep the previous one)
  2  a bad argument, or no warehouse   75  a run holds the warehouse: try again later""",
    )
    parser.add_argument("--db", type=cliargs.existing_file, default=None,
                        help="DuckDB file (default: $HEALTH_DUCKDB_PATH)")
    parser.add_argument("--out", type=cliargs.output_dir, default=None,
                        help="folder (default: $HEALTH_PUBLISH_DIR, else data/published)")
    args = parser.parse_args(argv)
    db_path = args.db or settings.duckdb_path()
    if not db_path.is_file():
        return cliargs.fail(prog, f"no warehouse at {db_path}: run `customer-health run` first")
    try:
        with runlock.hold(db_path):
            publication = publish(db_path, args.out or publish_dir())
    except runlock.RunLocked as exc:
        print(f"error: {exc}", file=sys.stderr)
        return runlock.LOCKED_EXIT_CODE
    except PublishError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"published {len(publication.rows)} marts to {publication.directory} "
          f"(version {publication.version})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
