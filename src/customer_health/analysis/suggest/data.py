"""The data of `suggest`: the configuration from the seeds, the fit dates, the churn outcomes
and the criterion scores at past dates rebuilt on a copy of the warehouse, in wide form."""

from __future__ import annotations

import csv
import datetime as dt
import json
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import yaml

from customer_health.pipeline import relations
from customer_health.pipeline.dbt import Dbt

if TYPE_CHECKING:  # numpy and pandas load when the command runs, not with the CLI
    import numpy as np
    import pandas as pd

DEFAULT_HORIZON_DAYS = 90
DEFAULT_WINDOW_DAYS = 365
DEFAULT_EVERY_DAYS = 14
# the criteria's longest look-back besides commercial momentum (usage baseline, 91 days):
# a fit date needs this much data before it
MIN_LOOKBACK_DAYS = 91
HOLDOUT_SHARE = 0.3
SPLIT_SEED = 13
RIDGE = 1e-3
GOOD_END_QUANTILE = 0.9
CHURN_RISK_SHARE_FACTOR = 2.0
CHURN_RISK_SHARE_MIN = 0.05
CHURN_RISK_SHARE_MAX = 0.30
MAX_CRITERIA = 6
MISSING_STATUSES = ("no_data", "silent", "insufficient_history", "source_missing", "source_sparse")


class SuggestError(Exception):
    """A suggestion cannot be made (history too short, no churners...): one line, exit 2."""


@dataclass
class Config:
    """The scoring configuration read from the seeds."""

    weights: dict[str, dict[str, float]]  # scorecard -> criterion -> weight (seed order)
    criteria_rows: list[dict[str, str]]  # health_criteria.csv rows as text
    criteria_fields: list[str]
    churn_risk_max: int  # the highest score of the lowest band (churn_risk)
    min_coverage_pct: float

    @property
    def criteria(self) -> list[str]:
        """The criteria in seed order."""
        return [row["criterion"] for row in self.criteria_rows]

    def thresholds(self) -> dict[str, tuple[float, float]]:
        """zero_at, full_at of every linear criterion."""
        return {
            row["criterion"]: (float(row["zero_at"]), float(row["full_at"]))
            for row in self.criteria_rows
            if row["normalisation_method"] == "linear" and row["zero_at"] and row["full_at"]
        }

    def redistribute_to(self) -> dict[str, str]:
        """criterion -> the criterion its weight goes to when it has no score."""
        return {r["criterion"]: r["redistribute_to"] for r in self.criteria_rows
                if r.get("redistribute_to")}


def read_config(root: Path) -> Config:
    """Read the current weights, criteria and bands from root/seeds and the vars."""
    seeds = root / "seeds"
    weights: dict[str, dict[str, float]] = {}
    with open(seeds / "health_weights.csv", newline="") as fh:
        for row in csv.DictReader(fh):
            weights.setdefault(row["scorecard"], {})[row["criterion"]] = float(row["weight"])
    with open(seeds / "health_criteria.csv", newline="") as fh:
        reader = csv.DictReader(fh)
        criteria_rows = list(reader)
        fields = list(reader.fieldnames or [])
    with open(seeds / "health_bands.csv", newline="") as fh:
        bands = sorted(csv.DictReader(fh), key=lambda r: int(r["min_score"]))
    variables = yaml.safe_load((root / "dbt_project.yml").read_text()).get("vars", {})
    return Config(weights, criteria_rows, fields, int(bands[0]["max_score"]),
                  float(variables.get("min_coverage_pct", 50)))


# -- the data -----------------------------------------------------------------------------


def fit_dates(
    data_start: dt.date, scoring_date: dt.date, horizon_days: int, window_days: int,
    every_days: int,
) -> list[dt.date]:
    """The dates the fit scores: every every_days back from scoring_date - horizon."""
    last = scoring_date - dt.timedelta(days=horizon_days)
    first = max(last - dt.timedelta(days=window_days - 1),
                data_start + dt.timedelta(days=MIN_LOOKBACK_DAYS))
    if last < first:
        span = (scoring_date - data_start).days + 1
        raise SuggestError(
            f"the history is too short: {span} days of data ({data_start} to {scoring_date}); "
            f"suggest needs at least {horizon_days + MIN_LOOKBACK_DAYS + 1} (horizon "
            f"{horizon_days} + {MIN_LOOKBACK_DAYS} days of look-back + 1); try a shorter "
            "--horizon-days"
        )
    dates = []
    day = last
    while day >= first:
        dates.append(day)
        day -= dt.timedelta(days=every_days)
    return sorted(dates)


def warehouse_span(db_path: Path) -> tuple[dt.date, dt.date]:
    """(first day of usage data, scoring date of marts.health_score) of a built warehouse."""
    if not db_path.exists():
        raise SuggestError(f"no warehouse at {db_path}: run `customer-health run` first")
    try:
        con = relations.connect(db_path)
    except duckdb.Error as exc:
        raise SuggestError(f"cannot open {db_path}: {str(exc).splitlines()[0]}") from exc
    try:
        try:
            scoring_date = con.execute(
                "select max(score_date) from marts.health_score"
            ).fetchone()[0]
            start = con.execute(
                "select min(cast(occurred_at as date)) from staging.stg_product__usage_events"
            ).fetchone()[0]
        except duckdb.CatalogException as exc:
            raise SuggestError(
                f"{db_path} holds no built marts: run `customer-health run` first"
            ) from exc
    finally:
        con.close()
    if scoring_date is None or start is None:
        raise SuggestError(f"{db_path} has no scored accounts or no usage data to fit on")
    return start, scoring_date


def outcomes(db_path: Path) -> pd.DataFrame:
    """account_id, segment, is_internal, churn date of every accepted account."""
    con = relations.connect(db_path)
    try:
        return con.execute(
            "select account_id, is_internal, cast(churned_at as date) as churn_date "
            "from staging.stg_crm__accounts"
        ).df()
    finally:
        con.close()


def count_churners(accounts: pd.DataFrame, first: dt.date, last: dt.date) -> int:
    """External accounts that churned in (first, last]."""
    import pandas as pd
    churn = pd.to_datetime(accounts["churn_date"])
    within = (churn > pd.Timestamp(first)) & (churn <= pd.Timestamp(last))
    mask = (~accounts["is_internal"]) & within
    return int(mask.sum())


def score_history(
    db_path: Path, root: Path, as_of: dt.date, days: int, dates: list[dt.date]
) -> pd.DataFrame:
    """Criterion rows of the fit dates, rebuilt on a copy of the warehouse (dbt run).

    One row per account, date and criterion of its scorecard: raw value, status, fixed
    score, criterion score (overrides included), scorecard, coverage.
    """
    with tempfile.TemporaryDirectory(prefix="customer_health_suggest_") as tmp:
        copy = Path(tmp) / "suggest.duckdb"
        shutil.copy2(db_path, copy)
        args = [
            "run", "--full-refresh", "--select", "+int_criterion_points_allocated",
            "--vars", json.dumps({"score_history_days": days}),
            "--target-path", f"{tmp}/target", "--log-path", f"{tmp}/logs",
        ]
        try:
            Dbt(root, copy, as_of).run(args, capture=True)
        except subprocess.CalledProcessError as exc:
            tail = (exc.stdout or "").strip().splitlines()[-8:]
            raise SuggestError(
                "rebuilding the past scores failed (dbt run on a copy): "
                + " | ".join(line.strip() for line in tail)
            ) from exc
        con = relations.connect(copy)
        try:
            return criterion_rows(con, dates)
        finally:
            con.close()


def criterion_rows(con: duckdb.DuckDBPyConnection, dates: list[dt.date]) -> pd.DataFrame:
    """The criterion rows of the given score dates stored in int_criterion_points_allocated."""
    con.execute("create or replace temp table fit_dates (score_date date)")
    con.executemany("insert into fit_dates values (?)", [[d] for d in dates])
    return con.execute(
        """
        select
            p.account_id, p.score_date, p.scorecard, p.criterion, p.raw_value,
            p.status, u.fixed_score, p.criterion_score, p.is_overridden,
            p.coverage_pct
        from intermediate.int_criterion_points_allocated as p
        inner join fit_dates as f on p.score_date = f.score_date
        left join intermediate.int_criteria_unioned as u
            on p.account_id = u.account_id and p.score_date = u.score_date
            and p.criterion = u.criterion
        order by p.score_date, p.account_id, p.criterion
        """
    ).df()


@dataclass
class Observations:
    """Account-dates in wide form: one row each, one column per criterion."""

    keys: pd.DataFrame  # account_id, score_date, scorecard, churned (bool)
    scores: np.ndarray  # criterion scores (0-100), NaN where not included
    raw: np.ndarray  # raw values, NaN where not rescorable by a linear threshold
    criteria: list[str]


def build_observations(
    rows: pd.DataFrame, accounts: pd.DataFrame, horizon_days: int, config: Config
) -> Observations:
    """Join outcomes, keep external account-dates with a score, pivot to wide form."""
    import pandas as pd
    accounts = accounts.assign(churn_date=pd.to_datetime(accounts["churn_date"]))
    rows = rows.merge(accounts, on="account_id", how="inner")
    rows = rows[(~rows["is_internal"]) & (rows["coverage_pct"] >= config.min_coverage_pct)]
    if rows.empty:
        raise SuggestError("no external account has a score on the fit dates")
    day = pd.to_datetime(rows["score_date"])
    rows = rows.assign(
        churned=(rows["churn_date"] > day)
        & (rows["churn_date"] <= day + pd.Timedelta(days=horizon_days)),
        score=rows["criterion_score"].astype(float),
    )
    thresholds = config.thresholds()
    rescorable = (
        rows["criterion"].isin(list(thresholds))
        & rows["fixed_score"].isna()
        & ~rows["status"].isin(MISSING_STATUSES)
        & rows["raw_value"].notna()
        & ~rows["is_overridden"].astype(bool)
    )
    rows = rows.assign(raw_rescorable=rows["raw_value"].where(rescorable))
    criteria = [c for c in config.criteria if c in set(rows["criterion"])]
    index = ["account_id", "score_date", "scorecard", "churned"]
    wide = rows.set_index([*index, "criterion"])[["score", "raw_rescorable"]].unstack("criterion")
    keys = wide.index.to_frame(index=False)
    scores = wide["score"].reindex(columns=criteria).to_numpy(dtype=float)
    raw = wide["raw_rescorable"].reindex(columns=criteria).to_numpy(dtype=float)
    return Observations(keys, scores, raw, criteria)
