"""The short report `make run` prints after `dbt build`."""

from __future__ import annotations

from pathlib import Path

import duckdb

SCHEMAS = ("staging", "intermediate", "marts")


def _table(rows: list[tuple], headers: list[str]) -> str:
    """Format rows as a plain aligned text table."""
    cells = [[("" if v is None else str(v)) for v in row] for row in rows]
    widths = [len(h) for h in headers]
    for row in cells:
        widths = [max(w, len(c)) for w, c in zip(widths, row, strict=True)]
    line = "  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))
    out = [line, "  ".join("-" * w for w in widths)]
    out += ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in cells]
    return "\n".join(out)


def _exists(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    """Tell whether schema.table exists."""
    return bool(
        con.execute(
            "select count(*) from information_schema.tables "
            "where table_schema = ? and table_name = ?",
            [schema, table],
        ).fetchone()[0]
    )


def row_counts(con: duckdb.DuckDBPyConnection) -> list[tuple[str, int]]:
    """Rows per model in the staging, intermediate and marts schemas."""
    names = con.execute(
        "select table_schema, table_name from information_schema.tables "
        "where table_schema in ('staging', 'intermediate', 'marts') "
        "order by case table_schema when 'staging' then 1 when 'intermediate' then 2 else 3 end, "
        "table_name"
    ).fetchall()
    return [
        (f"{s}.{t}", con.execute(f'select count(*) from "{s}"."{t}"').fetchone()[0])
        for s, t in names
    ]


def unconnected_sources(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    """(raw tables, reason) of each criterion whose sources are not connected today.

    The `warn` rows of marts.data_quality_summary (source_missing / source_sparse,
    int_criterion_sources_checked); empty when the mart is absent or every source is
    connected.
    """
    if not _exists(con, "marts", "data_quality_summary"):
        return []
    return [
        (str(table), str(reason))
        for table, reason in con.execute(
            "select source_table, reason from marts.data_quality_summary "
            "where severity = 'warn' and (reason like 'source_missing:%' "
            "or reason like 'source_sparse:%') order by reason"
        ).fetchall()
    ]


def render(db_path: Path) -> str:
    """Return the summary of the warehouse at db_path as text."""
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        parts: list[str] = []
        parts.append("Rows per model\n" + _table(row_counts(con), ["model", "rows"]))
        if not _exists(con, "marts", "health_score"):
            return "\n\n".join(parts)

        score_date, n_scored = con.execute(
            "select max(score_date), count(*) from marts.health_score"
        ).fetchone()
        bands = con.execute(
            """
            select
                s.band,
                coalesce(b.label, 'Insufficient data') as label,
                coalesce(b.color, 'grey') as color,
                count(*) filter (where not s.is_internal) as customers,
                count(*) filter (where s.is_internal) as internal,
                round(100.0 * count(*) filter (where not s.is_internal)
                    / nullif(sum(count(*) filter (where not s.is_internal)) over (), 0), 1)
                    as pct_customers
            from marts.health_score as s
            left join config.health_bands as b on s.band = b.band
            group by 1, 2, 3, b.sort_order
            order by coalesce(b.sort_order, 0)
            """
        ).fetchall()
        parts.append(
            f"Health bands at {score_date} ({n_scored} accounts scored)\n"
            + _table(bands, ["band", "label", "color", "customers", "internal", "% customers"])
        )
        unconnected = unconnected_sources(con)
        if unconnected:
            parts.append(
                f"Sources not connected at {score_date}: these criteria are excluded for "
                "every account and their weight redistributed (DECISIONLOG.md, "
                '"Sources not connected")\n'
                + "\n".join(f"  warning: {reason}" for _, reason in unconnected)
            )
        at_risk = con.execute(
            """
            select
                s.account_id, s.account_name, s.segment, s.health_score, s.band,
                s.score_change_30d, s.top_negative_driver,
                c.evidence
            from marts.health_score as s
            left join marts.health_score_criteria as c
                on s.account_id = c.account_id and s.top_negative_driver = c.criterion
            where s.health_score is not null and not s.is_internal
            order by s.health_score, s.arr_amount desc nulls last, s.account_id
            limit 10
            """
        ).fetchall()
        parts.append(
            "Ten most at-risk accounts\n"
            + _table(
                at_risk,
                ["account", "name", "segment", "score", "band", "30d", "top driver", "evidence"],
            )
        )
        if _exists(con, "marts", "rejected_rows"):
            problems = con.execute(
                """
                select source_table, severity, reason, count(*)
                from marts.rejected_rows
                group by 1, 2, 3
                order by 2, 1, 3
                """
            ).fetchall()
            if problems:
                parts.append(
                    "Data quality: raw rows set aside or repaired (marts.rejected_rows)\n"
                    + _table(problems, ["raw table", "severity", "reason", "rows"])
                )
            else:
                parts.append("Data quality: every raw row was accepted as it came.")
        n_alerts = con.execute(
            "select count(*), count(distinct account_id) from marts.health_alerts"
        ).fetchone()
        n_cases = con.execute("select count(*) from marts.critical_cases").fetchone()[0]
        parts.append(
            f"Alerts today: {n_alerts[0]} on {n_alerts[1]} accounts (marts.health_alerts); "
            f"critical cases to review: {n_cases} (marts.critical_cases)."
        )
        return "\n\n".join(parts)
    finally:
        con.close()
