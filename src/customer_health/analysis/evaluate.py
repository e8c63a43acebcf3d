"""Backtest: does a low score predict churn? Works on any warehouse, not just the demo.

The score is rebuilt at an earlier date D (on a copy of the warehouse, so the
user's marts are untouched); every model only reads data up to D, so the
score sees nothing of what followed. An account counts as churned when
raw.accounts says it churned in (D, D + horizon]. The report gives the AUC
(probability that a churner scores below a non-churner, ties counting half)
and the churn rate per band.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import tempfile
from pathlib import Path

from customer_health.pipeline import relations, settings
from customer_health.pipeline.dbt import Dbt


def auc(churner_scores: list[float], other_scores: list[float]) -> float:
    """Probability that a random churner scores lower than a random non-churner."""
    if not churner_scores or not other_scores:
        return float("nan")
    pooled = sorted(
        [(s, 1) for s in churner_scores] + [(s, 0) for s in other_scores], key=lambda p: p[0]
    )
    # mid-ranks, ties averaged (Mann-Whitney U)
    ranks: list[float] = [0.0] * len(pooled)
    i = 0
    while i < len(pooled):
        j = i
        while j + 1 < len(pooled) and pooled[j + 1][0] == pooled[i][0]:
            j += 1
        for k in range(i, j + 1):
            ranks[k] = (i + j) / 2 + 1
        i = j + 1
    rank_sum_others = sum(
        rank for rank, (_, is_churner) in zip(ranks, pooled, strict=True) if not is_churner
    )
    n_others = len(other_scores)
    u_others = rank_sum_others - n_others * (n_others + 1) / 2
    return u_others / (len(churner_scores) * n_others)


def backtest(db_path: Path, as_of: dt.date, horizon_days: int) -> dict:
    """Rebuild the score at as_of on a copy of db_path and measure it against later churn."""
    root = settings.project_dir()
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "backtest.duckdb"
        shutil.copy2(db_path, copy)
        variables = json.dumps({"as_of_date": as_of.isoformat()})
        Dbt(root, copy).run(
            ["run", "--full-refresh", "--vars", variables, "--target-path", f"{tmp}/target"],
            capture=True,
        )
        con = relations.connect(copy)
        try:
            rows = con.execute(
                """
                select
                    s.health_score,
                    s.band,
                    a.churned_at is not null
                        and cast(a.churned_at as date) > ?
                        and cast(a.churned_at as date) <= ? as churned
                from marts.health_score as s
                inner join staging.stg_crm__accounts as a using (account_id)
                where not s.is_internal
                """,
                [as_of, as_of + dt.timedelta(days=horizon_days)],
            ).fetchall()
        finally:
            con.close()
    scored = [(score, churned) for score, _, churned in rows if score is not None]
    by_band: dict[str, list[int]] = {}
    for _, band, churned in rows:
        counts = by_band.setdefault(band, [0, 0])
        counts[0] += 1
        counts[1] += int(churned)
    return {
        "as_of": as_of.isoformat(),
        "horizon_days": horizon_days,
        "accounts": len(rows),
        "churned": sum(int(c) for _, _, c in rows),
        "auc": auc([s for s, c in scored if c], [s for s, c in scored if not c]),
        "by_band": {band: {"accounts": n, "churned": c} for band, (n, c) in by_band.items()},
    }


def render(result: dict) -> str:
    """Format a backtest result as text."""
    lines = [
        f"Backtest: score at {result['as_of']}, churn within {result['horizon_days']} days after",
        f"  accounts scored (external): {result['accounts']}, churned: {result['churned']}",
        f"  AUC (a churner scores below a non-churner): {result['auc']:.3f}",
        "  churn rate by band:",
    ]
    for band, counts in sorted(result["by_band"].items()):
        rate = counts["churned"] / counts["accounts"] if counts["accounts"] else 0.0
        lines.append(
            f"    {band:<18} {counts['accounts']:>6} accounts  {counts['churned']:>5} churned"
            f"  {100 * rate:5.1f}%"
        )
    return "\n".join(lines)
