"""Seasonality ablation: what does the seasonal adjustment of product_usage buy?

`customer-health evaluate --ablation` copies the built warehouse, rescores every stored
day of the copy with var seasonal_adjustment false (usage compared raw, without the
seasonal index) and reads the backtest marts of both: the AUC of the score for churn
(mean over the evaluation dates) and the false churn_risk alarms (account-evaluations in
churn_risk that did not churn within the horizon) in the seasonal months (the calendar
months whose estimated month-of-year index is lowest) and in the other months. The
user's warehouse is never written.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

import duckdb

from customer_health.pipeline import relations, settings
from customer_health.pipeline.dbt import Dbt

# The months reported as "seasonal": the ones with the lowest estimated month-of-year index.
SEASONAL_MONTHS = 2
# The models the ablation rebuilds: the backtest marts and everything upstream.
ABLATION_SELECT = "+health_score_fitness +health_score_calibration"


class AblationError(Exception):
    """A warehouse the ablation cannot work on (the message says why, in one line)."""


@dataclass
class Side:
    """The backtest of one build (seasonal adjustment on or off)."""

    evaluation_dates: int
    auc_mean: float | None
    auc_latest: float | None
    churn_risk_precision: float | None
    churn_risk_recall: float | None
    false_alarms_seasonal: int
    non_churners_seasonal: int
    false_alarms_other: int
    non_churners_other: int

    @property
    def false_alarm_rate_seasonal(self) -> float | None:
        """Share of the non-churner evaluations in the seasonal months flagged churn_risk."""
        return _ratio(self.false_alarms_seasonal, self.non_churners_seasonal)

    @property
    def false_alarm_rate_other(self) -> float | None:
        """The same share in the other months."""
        return _ratio(self.false_alarms_other, self.non_churners_other)


def _ratio(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


def seasonal_months(con: duckdb.DuckDBPyConnection, count: int = SEASONAL_MONTHS) -> list[int]:
    """The calendar months with the lowest month-of-year index on the latest scored date.

    Empty when the index is flat (fewer complete months than var seasonal_min_complete_months).
    """
    rows = con.execute(
        """
        select period_number, seasonal_index
        from intermediate.int_seasonal_indices_computed
        where period_type = 'month_of_year'
            and score_date = (
                select max(score_date) from intermediate.int_seasonal_indices_computed
            )
        order by seasonal_index, period_number
        """
    ).fetchall()
    if not rows or all(abs(index - 1.0) < 1e-9 for _, index in rows):
        return []
    return sorted(int(month) for month, _ in rows[:count])


def read_side(con: duckdb.DuckDBPyConnection, horizon: int, months: list[int]) -> Side:
    """The backtest figures of one warehouse for one horizon (segment all)."""
    dates, auc_mean, auc_latest, precision, recall = con.execute(
        """
        select count(*), avg(auc), arg_max(auc, evaluation_date),
            avg(churn_risk_precision), avg(churn_risk_recall)
        from marts.health_score_fitness
        where segment = 'all' and horizon_days = ?
        """,
        [horizon],
    ).fetchone()
    month_list = ", ".join(str(m) for m in months) or "null"
    alarms = con.execute(
        f"""
        select
            extract(month from evaluation_date) in ({month_list}) as is_seasonal,
            sum(case when band = 'churn_risk' then 1 else 0 end),
            count(*)
        from intermediate.int_backtest_outcomes_joined
        where horizon_days = ? and health_score is not null and not is_churned
        group by 1
        """,
        [horizon],
    ).fetchall()
    by_kind = {bool(kind): (int(flagged), int(total)) for kind, flagged, total in alarms}
    seasonal = by_kind.get(True, (0, 0))
    other = by_kind.get(False, (0, 0))
    return Side(int(dates), auc_mean, auc_latest, precision, recall,
                seasonal[0], seasonal[1], other[0], other[1])


def _default_horizon(con: duckdb.DuckDBPyConnection) -> int:
    """The first horizon of the fitness mart (var backtest_horizon_days); error when empty."""
    row = con.execute(
        "select min(horizon_days), count(*) from marts.health_score_fitness"
    ).fetchone()
    if not row[1]:
        first, last = con.execute(
            "select min(score_date), max(score_date) from marts.health_score_daily"
        ).fetchone()
        raise AblationError(
            f"the backtest has no evaluation date: the stored history ({first} to {last}) is "
            "shorter than the horizon; build with a longer HEALTH_SCORE_HISTORY_DAYS first "
            "(make run uses 400)"
        )
    return int(row[0])


def ablate(db_path: Path) -> dict:
    """Rescore a copy of db_path without the seasonal adjustment; compare both backtests."""
    if not db_path.exists():
        raise AblationError(f"no warehouse at {db_path}: run `customer-health run` first")
    con = relations.connect(db_path)
    try:
        for relation in ("marts.health_score_fitness", "intermediate.int_backtest_outcomes_joined"):
            schema, table = relation.split(".")
            if not relations.has_table(con, schema, table):
                raise AblationError(f"{relation} is missing: run `customer-health run` first")
        horizon = _default_horizon(con)
        first_day, as_of = con.execute(
            "select min(score_date), max(score_date) from marts.health_score_daily"
        ).fetchone()
        months = seasonal_months(con)
        with_adjustment = read_side(con, horizon, months)
    finally:
        con.close()
    history_days = (as_of - first_day).days + 1
    root = settings.project_dir()
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "ablation.duckdb"
        shutil.copy2(db_path, copy)
        # every stored day is rescored: the configuration (config_version) differs on all of
        # them once seasonal_adjustment is false and the backfill window covers the history
        previous = os.environ.get("HEALTH_SCORE_HISTORY_DAYS")
        os.environ["HEALTH_SCORE_HISTORY_DAYS"] = str(history_days)
        try:
            Dbt(root, copy, as_of).run(
                ["run", "--select", ABLATION_SELECT,
                 "--vars", json.dumps({"seasonal_adjustment": False}),
                 "--target-path", f"{tmp}/target"],
                capture=True,
            )
        except subprocess.CalledProcessError as exc:
            tail = (exc.stdout or "").strip().splitlines()[-5:]
            raise AblationError("dbt run without the seasonal adjustment failed: "
                                + " | ".join(tail)) from exc
        finally:
            if previous is None:
                os.environ.pop("HEALTH_SCORE_HISTORY_DAYS", None)
            else:
                os.environ["HEALTH_SCORE_HISTORY_DAYS"] = previous
        con = relations.connect(copy)
        try:
            without_adjustment = read_side(con, horizon, months)
        finally:
            con.close()
    return {
        "as_of": as_of.isoformat() if isinstance(as_of, dt.date) else str(as_of),
        "history_days": history_days,
        "horizon_days": horizon,
        "seasonal_months": months,
        "with_adjustment": asdict(with_adjustment)
        | {"false_alarm_rate_seasonal": with_adjustment.false_alarm_rate_seasonal,
           "false_alarm_rate_other": with_adjustment.false_alarm_rate_other},
        "without_adjustment": asdict(without_adjustment)
        | {"false_alarm_rate_seasonal": without_adjustment.false_alarm_rate_seasonal,
           "false_alarm_rate_other": without_adjustment.false_alarm_rate_other},
    }


def render(result: dict) -> str:
    """Format an ablation result as text."""
    def num(value: float | None) -> str:
        return "n/a" if value is None else f"{value:.3f}"

    def pct(value: float | None) -> str:
        return "n/a" if value is None else f"{100 * value:.1f}%"

    months = ", ".join(dt.date(2000, m, 1).strftime("%B") for m in result["seasonal_months"])
    lines = [
        f"Seasonality ablation: {result['history_days']} stored days to {result['as_of']}, "
        f"churn within {result['horizon_days']} days; seasonal months (lowest month index): "
        f"{months or 'none (no month-of-year index yet)'}",
        f"  {'':<34}{'with adjustment':>18}{'without':>12}",
    ]
    on, off = result["with_adjustment"], result["without_adjustment"]
    rows = [
        ("evaluation dates", str(on["evaluation_dates"]), str(off["evaluation_dates"])),
        ("AUC, mean over evaluation dates", num(on["auc_mean"]), num(off["auc_mean"])),
        ("AUC, latest evaluation date", num(on["auc_latest"]), num(off["auc_latest"])),
        ("churn_risk precision (mean)", pct(on["churn_risk_precision"]),
         pct(off["churn_risk_precision"])),
        ("churn_risk recall (mean)", pct(on["churn_risk_recall"]),
         pct(off["churn_risk_recall"])),
        ("false alarms, seasonal months", str(on["false_alarms_seasonal"]),
         str(off["false_alarms_seasonal"])),
        ("  share of non-churners flagged", pct(on["false_alarm_rate_seasonal"]),
         pct(off["false_alarm_rate_seasonal"])),
        ("false alarms, other months", str(on["false_alarms_other"]),
         str(off["false_alarms_other"])),
        ("  share of non-churners flagged", pct(on["false_alarm_rate_other"]),
         pct(off["false_alarm_rate_other"])),
    ]
    lines += [f"  {name:<34}{a:>18}{b:>12}" for name, a, b in rows]
    lines.append("  (false alarm: an account-evaluation in churn_risk that did not churn within "
                 "the horizon)")
    return "\n".join(lines)
