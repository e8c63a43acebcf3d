"""The short report `make run` prints after `dbt build`."""

from __future__ import annotations

from pathlib import Path

import duckdb

from customer_health.pipeline import relations

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
    return relations.has_table(con, schema, table)


def row_counts(con: duckdb.DuckDBPyConnection) -> list[tuple[str, int | str]]:
    """Rows per model in the staging, intermediate and marts schemas."""
    schemas = {"staging", "intermediate", "marts"}
    if isinstance(con, relations.Warehouse):  # a host project's schemas (the manifest)
        schemas |= {r.schema for r in con.resolver.models.values()
                    if r.kind == "model" and not r.schema.endswith("config")}
    names = con.execute(
        "select table_schema, table_name from information_schema.tables "
        "where table_catalog = current_database() and list_contains(?, table_schema) "
        "order by case when table_schema like '%staging' then 1 "
        "when table_schema like '%intermediate' then 2 else 3 end, table_schema, table_name",
        [sorted(schemas)],
    ).fetchall()
    catalog = con.execute("select current_database()").fetchone()[0]
    counts: list[tuple[str, int | str]] = []
    for s, t in names:
        try:
            rows: int | str = con.execute(
                f"select count(*) from {relations.Relation(s, t).sql(catalog)}").fetchone()[0]
        except duckdb.Error:
            # a view DuckDB cannot bind in this file (a file named like a schema it reads:
            # pipeline.relations.file_name_problem)
            rows = "unreadable"
        counts.append((f"{s}.{t}", rows))
    return counts


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
    con = relations.connect(db_path)
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
        parts.extend(issue25_lines(con))
        if _exists(con, "marts", "health_score_daily"):
            parts.append(fitness_block(con))
        return "\n\n".join(parts)
    finally:
        con.close()


def fitness_block(con: duckdb.DuckDBPyConnection) -> str:
    """The backtest lines of the summary, from the backtest marts.

    For the shortest horizon of marts.health_score_fitness (var backtest_horizon_days, 90,
    unless shorter extra horizons are set): the AUC
    (mean over the evaluation dates, and the latest), the precision and recall of band
    churn_risk (means over the dates), the churn rate per band (pooled over the dates,
    marts.health_score_calibration) and the median lead time (marts.health_score_lead_time);
    or one line saying why there is none.
    """
    if not _exists(con, "marts", "health_score_fitness"):
        return "Backtest: not built (marts.health_score_fitness is missing)."
    rows = con.execute(
        """
        select
            horizon_days,
            count(*),
            min(evaluation_date),
            max(evaluation_date),
            avg(auc),
            arg_max(auc, evaluation_date),
            sum(accounts_scored),
            sum(accounts_churned),
            avg(churn_risk_precision),
            avg(churn_risk_recall)
        from marts.health_score_fitness
        where segment = 'all'
        group by 1
        order by 1
        """
    ).fetchall()
    if not rows:
        days, first_day, last_day = con.execute(
            "select count(distinct score_date), min(score_date), max(score_date) "
            "from marts.health_score_daily"
        ).fetchone()
        return (
            f"Backtest: no evaluation date yet. The stored score history holds {days} days "
            f"({first_day} to {last_day}); an evaluation date needs its whole horizon (var "
            "backtest_horizon_days, default 90 days) stored after it. Set "
            "HEALTH_SCORE_HISTORY_DAYS (make run uses 400) and build with --full-refresh."
        )
    horizon_rows = con.execute(
        "select horizon_days from marts.health_score_fitness group by 1 order by 1"
    ).fetchall()
    by_horizon = {row[0]: row for row in rows}
    horizon = horizon_rows[0][0]
    _, n_dates, first, last, mean_auc, latest_auc, scored, churned, precision, recall = (
        by_horizon[horizon]
    )
    bands = con.execute(
        """
        select bucket, observations, churned, round(100 * churn_rate, 1)
        from marts.health_score_calibration
        where horizon_days = ? and bucket_type = 'band'
        order by bucket_order
        """,
        [horizon],
    ).fetchall() if _exists(con, "marts", "health_score_calibration") else []

    def pct(value: float | None) -> str:
        return "n/a" if value is None else f"{100 * value:.1f}%"

    def num(value: float | None) -> str:
        return "n/a" if value is None else f"{value:.3f}"

    lines = [
        f"Backtest (marts.health_score_fitness, segment all): churn within {horizon} days of "
        f"a stored score; {n_dates} evaluation dates {first} to {last}, {scored} "
        f"account-evaluations, {churned} of them churned within the horizon",
        f"  AUC (a churner scores below a non-churner, ties half): mean {num(mean_auc)}, "
        f"latest ({last}) {num(latest_auc)}",
        f"  band churn_risk: precision {pct(precision)} (churners among the flagged), "
        f"recall {pct(recall)} (churners flagged); means over the evaluation dates",
    ]
    if _exists(con, "marts", "health_score_lead_time"):
        lead = con.execute(
            "select churners, churners_flagged, lead_days_median, share_never_flagged "
            "from marts.health_score_lead_time where segment = 'all' and horizon_days = ?",
            [horizon],
        ).fetchone()
        if lead:
            median = "n/a" if lead[2] is None else f"{lead[2]:.0f} days"
            lines.append(
                f"  lead time: median {median} from the first churn_risk day to the churn "
                f"({lead[1]} of {lead[0]} churners flagged in the {horizon} days before, "
                f"{pct(lead[3])} never)"
            )
    if bands:
        lines.append(
            "  churn rate by band (marts.health_score_calibration, every evaluation date)\n"
            + _table(bands, ["band", "account-evaluations", "churned", "churn rate %"])
        )
    return "\n".join(lines)


def issue25_lines(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Renewals, the largest score falls in words and the account groups (each when built)."""
    lines: list[str] = []
    if _exists(con, "marts", "health_alerts"):
        due, arr = con.execute(
            "select count(*), sum(arr_at_risk) from marts.health_alerts "
            "where alert_type = 'renewal_at_risk'"
        ).fetchone()
        lines.append(
            f"Renewals first: {due} churn-risk accounts renew within var "
            f"renewal_alert_window_days (alert renewal_at_risk; ARR at risk "
            f"{float(arr or 0):,.0f}); critical cases are ordered by ARR at risk, then days to "
            "renewal (marts.critical_cases.review_rank)."
        )
    if _exists(con, "marts", "health_score_changes"):
        falls = con.execute(
            """
            select account_id, change_explained
            from marts.health_score_changes
            where window_days = 30 and is_comparable and score_change < 0
            group by 1, 2, score_change
            order by score_change, account_id
            limit 5
            """
        ).fetchall()
        if falls:
            lines.append(
                "Largest falls over 30 days, by criterion (marts.health_score_changes)\n"
                + _table(falls, ["account", "change"])
            )
    lines.extend(sentiment_lines(con))
    if _exists(con, "marts", "health_score_rollup"):
        groups, risky = con.execute(
            "select count(*), count(case when rolled_up_band = 'churn_risk' then 1 end) "
            "from marts.health_score_rollup"
        ).fetchone()
        lines.append(
            f"Account groups: {groups} parent accounts rolled up, {risky} of them in churn_risk "
            "(marts.health_score_rollup)."
        )
    return lines


def sentiment_lines(con: duckdb.DuckDBPyConnection) -> list[str]:
    """CSM sentiment (criterion csm_sentiment) when the warehouse has readings or weighs it.

    Weighed by a scorecard: how many of those accounts count a current reading, how many
    readings went stale, and the lowest current one. Readings but no scorecard weighing the
    criterion: say so, and where the example scorecard is. Neither: nothing.
    """
    if not _exists(con, "intermediate", "int_criteria__csm_sentiment"):
        return []
    current, stale = con.execute(
        "select count(*) filter (where status = 'ok'), "
        "count(*) filter (where evidence like 'stale:%') "
        "from intermediate.int_criteria__csm_sentiment "
        "where score_date = (select max(score_date) from intermediate.int_criteria__csm_sentiment)"
    ).fetchone()
    weighed: list[tuple] = []
    if _exists(con, "marts", "health_score_criteria"):
        weighed = con.execute(
            "select scorecard, count(*), count(*) filter (where status = 'ok'), "
            "count(*) filter (where evidence like 'stale:%') "
            "from marts.health_score_criteria where criterion = 'csm_sentiment' "
            "group by 1 order by 1"
        ).fetchall()
    if weighed:
        lowest = con.execute(
            "select account_id, evidence from marts.health_score_criteria "
            "where criterion = 'csm_sentiment' and status = 'ok' "
            "order by raw_value, account_id limit 1"
        ).fetchone()
        scorecards = ", ".join(str(row[0]) for row in weighed)
        line = (
            f"CSM sentiment (criterion csm_sentiment, scorecards {scorecards}): "
            f"{sum(r[2] for r in weighed)} of {sum(r[1] for r in weighed)} accounts count a "
            f"current reading, {sum(r[3] for r in weighed)} stale (older than var "
            "csm_sentiment_stale_days), the others have none"
        )
        if lowest:
            line += f"; lowest: {lowest[0]} {lowest[1]}"
        return [line + "."]
    if current or stale:
        return [
            f"CSM sentiment: {current} accounts have a current reading (raw.csm_sentiment, "
            f"{stale} more only stale ones), but no scorecard weighs criterion csm_sentiment; "
            "seeds/examples/health_weights_csm_sentiment.csv shows how to trade a criterion "
            "for it (docs/csm-sentiment.md)."
        ]
    return []
