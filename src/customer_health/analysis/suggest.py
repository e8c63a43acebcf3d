"""`customer-health suggest`: weights and normalisation thresholds fitted on the portfolio's
own churn, written for a person to review (never applied to seeds/).

Method (DECISIONLOG.md, "Weight suggestions"):

1. Criterion scores at past dates. The score is rebuilt on a copy of the warehouse (the
   user's marts are untouched) at the fit dates: every `every_days` days from the last
   date whose churn outcome is fully known (scoring date - horizon) back over
   `window_days`. Every model reads only data known on each date.
2. Outcome: an account-date is a churn when staging.stg_crm__accounts.churned_at falls in
   (date, date + horizon]. External accounts only (internal teams do not churn); account-
   dates below the coverage needed for a score (var min_coverage_pct) are left out.
3. Split by account: a fixed-seed share of the accounts (churners and others drawn apart)
   is held out; the fit never sees them.
4. Fit: logistic regression of churn on the criterion scores (0-1) with every coefficient
   constrained to push the same way as the score (a higher criterion score never raises
   the churn odds): log-odds = b0 - sum(beta_i x_i), beta_i >= 0, a small ridge penalty,
   scipy's L-BFGS-B with bounds. A missing criterion is imputed with the account's score
   under the current weights on that date, which is what the redistribution does.
5. Weights: beta_i / sum(beta) x 100, rounded to integers summing to 100 by the largest
   remainder, per external scorecard over its criteria (at most six). Criteria with weight
   0 are left out. The internal scorecard is kept.
6. Thresholds (linear criteria): the good end (`full_at`) at the portfolio's 90th
   percentile of the raw value, the bad end (`zero_at`) at the same quantile q of every
   criterion's distribution, q chosen so that with the suggested weights the churn_risk
   band holds the target share of account-dates: twice the observed churn rate within the
   horizon, clamped to 5-30 %.
7. Held-out AUC (a churner scores below a non-churner, ties half) of the current
   configuration and of the suggested one, each scored exactly as the models score
   (redistribution of missing criteria, `redistribute_to`, integer rounding).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import yaml

from customer_health.analysis.evaluate import auc
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
EXIT_USAGE = 2


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
        con = duckdb.connect(str(db_path), read_only=True)
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
    con = duckdb.connect(str(db_path), read_only=True)
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
        con = duckdb.connect(str(copy), read_only=True)
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


# -- scoring as the models score -----------------------------------------------------------


def weight_matrix(obs: Observations, weights: dict[str, dict[str, float]]) -> np.ndarray:
    """Each observation's scorecard weight per criterion (0 where not in its scorecard)."""
    import numpy as np
    matrix = np.zeros(obs.scores.shape)
    for scorecard, card in weights.items():
        mask = (obs.keys["scorecard"] == scorecard).to_numpy()
        for j, criterion in enumerate(obs.criteria):
            matrix[mask, j] = card.get(criterion, 0.0)
    return matrix


def health_scores(
    scores: np.ndarray, weights: np.ndarray, redistribute: dict[str, str], criteria: list[str]
) -> np.ndarray:
    """The health score of each row, as int_criterion_points_allocated and
    int_health_scores_computed compute it: an excluded criterion's weight goes to its
    redistribute_to target when that has a score, the rest is spread over the included
    criteria in proportion to their weights; the sum of points is rounded half away from 0.
    """
    import numpy as np
    included = ~np.isnan(scores)
    allocated = np.where(included, weights, 0.0)
    for source, target in redistribute.items():
        if source in criteria and target in criteria:
            s, t = criteria.index(source), criteria.index(target)
            moved = (~included[:, s]) & included[:, t]
            allocated[moved, t] += weights[moved, s]
    total = allocated.sum(axis=1)
    points = np.where(included, allocated * np.nan_to_num(scores), 0.0).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        exact = np.where(total > 0, points / total, np.nan)
    return np.floor(exact + 0.5)


def linear_scores(raw: np.ndarray, zero_at: float, full_at: float) -> np.ndarray:
    """macros/scoring linear_score: zero_at -> 0, full_at -> 100, clamped."""
    import numpy as np
    return 100.0 * np.clip((raw - zero_at) / (full_at - zero_at), 0.0, 1.0)


def rescore(obs: Observations, thresholds: dict[str, tuple[float, float]]) -> np.ndarray:
    """Criterion scores with other thresholds for the rescorable (linear) rows."""
    import numpy as np
    scores = obs.scores.copy()
    for j, criterion in enumerate(obs.criteria):
        if criterion in thresholds:
            zero_at, full_at = thresholds[criterion]
            mask = ~np.isnan(obs.raw[:, j])
            scores[mask, j] = linear_scores(obs.raw[mask, j], zero_at, full_at)
    return scores


def heldout_auc(scores: np.ndarray, churned: np.ndarray) -> float:
    """AUC of the score for churn (churners scoring lower), rows with a score only."""
    import numpy as np
    ok = ~np.isnan(scores)
    return auc(list(scores[ok & churned]), list(scores[ok & ~churned]))


# -- the fit ------------------------------------------------------------------------------


def split_accounts(keys: pd.DataFrame, share: float = HOLDOUT_SHARE,
                   seed: int = SPLIT_SEED) -> np.ndarray:
    """Boolean mask of held-out rows: a share of the churning accounts and of the others,
    drawn apart with a fixed seed, so both sides hold churners."""
    import numpy as np
    by_account = keys.groupby("account_id")["churned"].any().sort_index()
    rng = np.random.default_rng(seed)
    held: set[str] = set()
    for flag in (True, False):
        ids = np.array(by_account.index[by_account == flag])
        rng.shuffle(ids)
        held.update(ids[: int(round(share * len(ids)))])
    return keys["account_id"].isin(held).to_numpy()


def fit_nonnegative_logit(x: np.ndarray, y: np.ndarray, ridge: float = RIDGE) -> np.ndarray:
    """Coefficients beta >= 0 of log-odds(churn) = b0 - x @ beta (x in 0-1), by L-BFGS-B."""
    import numpy as np
    from scipy.optimize import minimize

    n, k = x.shape
    yf = y.astype(float)

    def loss(params: np.ndarray) -> tuple[float, np.ndarray]:
        z = params[0] - x @ params[1:]
        # log(1 + e^z) computed stably
        log1pexp = np.logaddexp(0.0, z)
        value = float(np.sum(log1pexp - yf * z) / n + 0.5 * ridge * params[1:] @ params[1:])
        p = 1.0 / (1.0 + np.exp(-z))
        dz = (p - yf) / n
        grad = np.concatenate([[dz.sum()], -(x.T @ dz) + ridge * params[1:]])
        return value, grad

    base = float(np.clip(yf.mean(), 1e-6, 1 - 1e-6))
    start = np.concatenate([[np.log(base / (1 - base))], np.zeros(k)])
    result = minimize(loss, start, jac=True, method="L-BFGS-B",
                      bounds=[(None, None)] + [(0.0, None)] * k)
    if not result.success:
        raise SuggestError(f"the logistic fit did not converge: {result.message}")
    return result.x[1:]


def largest_remainder(shares: dict[str, float], total: int = 100) -> dict[str, int]:
    """Integers proportional to shares summing to total (largest remainder, ties by name)."""
    import numpy as np
    whole = sum(shares.values())
    if whole <= 0:
        raise SuggestError("every fitted coefficient is 0: no criterion separates churners")
    exact = {k: total * v / whole for k, v in shares.items()}
    result = {k: int(np.floor(v)) for k, v in exact.items()}
    left = total - sum(result.values())
    for key in sorted(exact, key=lambda k: (-(exact[k] - result[k]), k))[:left]:
        result[key] += 1
    return result


def suggest_weights(config: Config, beta: dict[str, float]) -> dict[str, dict[str, int]]:
    """Per scorecard: the fitted weights of its criteria (external scorecards), else kept."""
    suggested: dict[str, dict[str, int]] = {}
    for scorecard, card in config.weights.items():
        if scorecard == "internal" or not any(beta.get(c, 0) > 0 for c in card):
            suggested[scorecard] = {c: int(round(w)) for c, w in card.items()}
            continue
        shares = {c: beta.get(c, 0.0) for c in card}
        top = dict(sorted(shares.items(), key=lambda kv: -kv[1])[:MAX_CRITERIA])
        rounded = largest_remainder(top)
        suggested[scorecard] = {c: rounded[c] for c in card if rounded.get(c, 0) > 0}
    return suggested


def round_sig(value: float, digits: int = 3) -> float:
    """A threshold rounded to a few significant digits (what a person writes in a seed)."""
    return float(f"{value:.{digits}g}")


def suggest_thresholds(
    obs: Observations, current: dict[str, tuple[float, float]], weights: np.ndarray,
    redistribute: dict[str, str], churn_risk_max: int, target_share: float,
) -> tuple[dict[str, tuple[float, float]], float, float]:
    """zero_at/full_at per linear criterion from its raw-value distribution; returns the
    thresholds, the bad-end quantile q and the churn_risk share they give."""
    import numpy as np
    quantiles: dict[str, tuple[np.ndarray, bool]] = {}
    for j, criterion in enumerate(obs.criteria):
        if criterion not in current:
            continue
        values = obs.raw[:, j][~np.isnan(obs.raw[:, j])]
        if len(values) >= 20:
            quantiles[criterion] = (values, current[criterion][1] > current[criterion][0])

    def thresholds_at(q: float) -> dict[str, tuple[float, float]]:
        out = dict(current)
        for criterion, (values, higher_is_better) in quantiles.items():
            good_q = GOOD_END_QUANTILE if higher_is_better else 1 - GOOD_END_QUANTILE
            good = np.quantile(values, good_q)
            bad = np.quantile(values, q if higher_is_better else 1 - q)
            zero_at, full_at = round_sig(float(bad)), round_sig(float(good))
            if zero_at != full_at:  # a point mass (e.g. most accounts at 0 tickets): keep
                out[criterion] = (zero_at, full_at)
        return out

    def share(q: float) -> float:
        score = health_scores(rescore(obs, thresholds_at(q)), weights, redistribute, obs.criteria)
        scored = ~np.isnan(score)
        return float(np.mean(score[scored] <= churn_risk_max)) if scored.any() else 0.0

    low, high = 0.0, 0.5
    if share(low) >= target_share:
        high = low
    elif share(high) <= target_share:
        low = high
    for _ in range(25):
        if high - low < 1e-3:
            break
        mid = (low + high) / 2
        if share(mid) < target_share:
            low = mid
        else:
            high = mid
    q = high
    return thresholds_at(q), q, share(q)


@dataclass
class Suggestion:
    """What `suggest` found, ready to print and write."""

    horizon_days: int
    fit_dates: list[dt.date]
    observations: int
    accounts: int
    churned_observations: int
    churned_accounts: int
    heldout_accounts: int
    heldout_observations: int
    heldout_churned: int
    coefficients: dict[str, float]
    weights: dict[str, dict[str, int]]
    thresholds: dict[str, tuple[float, float]]
    bad_end_quantile: float
    target_churn_risk_share: float
    auc: dict[str, float] = field(default_factory=dict)
    churn_risk_share: dict[str, float] = field(default_factory=dict)


def analyse(obs: Observations, config: Config, horizon_days: int,
            dates: list[dt.date]) -> Suggestion:
    """Fit on the training accounts, score the held-out ones, suggest thresholds."""
    import numpy as np
    churned = obs.keys["churned"].to_numpy(dtype=bool)
    held = split_accounts(obs.keys)
    if not churned[held].any() or not churned[~held].any():
        n = obs.keys.loc[churned, "account_id"].nunique()
        raise SuggestError(
            f"too few churners to fit and check a model: {n} account(s) churned within "
            f"{horizon_days} days of a fit date; try a longer --window-days"
        )
    redistribute = config.redistribute_to()
    current_w = weight_matrix(obs, config.weights)
    current = health_scores(obs.scores, current_w, redistribute, obs.criteria)
    # a missing criterion takes the account's current score (what redistribution does)
    x = np.where(np.isnan(obs.scores), current[:, None], obs.scores) / 100.0
    usable = ~np.isnan(current)
    train = (~held) & usable
    beta = fit_nonnegative_logit(x[train], churned[train])
    coefficients = dict(zip(obs.criteria, (float(b) for b in beta), strict=True))
    weights = suggest_weights(config, coefficients)
    suggested_w = weight_matrix(obs, weights)
    current_thresholds = config.thresholds()
    rate = float(churned[usable].mean())
    target = float(np.clip(CHURN_RISK_SHARE_FACTOR * rate, CHURN_RISK_SHARE_MIN,
                           CHURN_RISK_SHARE_MAX))
    thresholds, q, _ = suggest_thresholds(obs, current_thresholds, suggested_w, redistribute,
                                          config.churn_risk_max, target)
    variants = {
        "current": health_scores(obs.scores, current_w, redistribute, obs.criteria),
        "suggested_weights": health_scores(obs.scores, suggested_w, redistribute, obs.criteria),
        "suggested": health_scores(rescore(obs, thresholds), suggested_w, redistribute,
                                   obs.criteria),
    }
    result = Suggestion(
        horizon_days=horizon_days,
        fit_dates=dates,
        observations=int(usable.sum()),
        accounts=int(obs.keys.loc[usable, "account_id"].nunique()),
        churned_observations=int(churned[usable].sum()),
        churned_accounts=int(obs.keys.loc[usable & churned, "account_id"].nunique()),
        heldout_accounts=int(obs.keys.loc[held & usable, "account_id"].nunique()),
        heldout_observations=int((held & usable).sum()),
        heldout_churned=int((held & usable & churned).sum()),
        coefficients=coefficients,
        weights=weights,
        thresholds={c: thresholds[c] for c in current_thresholds},
        bad_end_quantile=q,
        target_churn_risk_share=target,
    )
    for name, score in variants.items():
        result.auc[name] = heldout_auc(score[held], churned[held])
        scored = ~np.isnan(score)
        result.churn_risk_share[name] = float(np.mean(score[scored] <= config.churn_risk_max))
    return result


# -- output -------------------------------------------------------------------------------


def format_number(value: float) -> str:
    """A threshold as the seed writes it (0.6, -1, 20)."""
    return f"{value:g}"


def write_seeds(result: Suggestion, config: Config, out: Path) -> list[Path]:
    """Write out/health_weights.csv and out/health_criteria.csv in the seeds' format."""
    out.mkdir(parents=True, exist_ok=True)
    weights_path = out / "health_weights.csv"
    with open(weights_path, "w", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["scorecard", "criterion", "weight"])
        for scorecard, card in result.weights.items():
            for criterion, weight in card.items():
                writer.writerow([scorecard, criterion, weight])
    criteria_path = out / "health_criteria.csv"
    with open(criteria_path, "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=config.criteria_fields, lineterminator="\n")
        writer.writeheader()
        for row in config.criteria_rows:
            row = dict(row)
            if row["criterion"] in result.thresholds:
                zero_at, full_at = result.thresholds[row["criterion"]]
                row["zero_at"], row["full_at"] = format_number(zero_at), format_number(full_at)
            writer.writerow(row)
    summary_path = out / "suggestion.json"
    summary = {k: v for k, v in result.__dict__.items() if k != "fit_dates"}
    summary["fit_dates"] = [d.isoformat() for d in result.fit_dates]
    summary_path.write_text(json.dumps(summary, indent=2, default=list) + "\n")
    return [weights_path, criteria_path, summary_path]


def render(result: Suggestion, config: Config) -> str:
    """The readable comparison printed by `customer-health suggest`."""
    first, last = result.fit_dates[0], result.fit_dates[-1]
    lines = [
        f"Fit: churn within {result.horizon_days} days after {len(result.fit_dates)} dates "
        f"({first} to {last}): {result.observations} account-dates of {result.accounts} "
        f"external accounts, {result.churned_observations} followed by a churn "
        f"({result.churned_accounts} accounts)",
        f"Held out (never fitted): {result.heldout_accounts} accounts, "
        f"{result.heldout_observations} account-dates, {result.heldout_churned} churn",
        "",
        "Weights (suggested / current):",
    ]
    for scorecard, card in result.weights.items():
        current = config.weights[scorecard]
        cells = [f"{c} {card.get(c, 0)}/{int(round(w))}" for c, w in current.items()]
        kept = "  (kept: internal teams do not churn)" if scorecard == "internal" else ""
        lines.append(f"  {scorecard:<11} " + ", ".join(cells) + kept)
    lines.append("  coefficients (per 100 points of criterion score, log-odds): " + ", ".join(
        f"{c} {b:.2f}" for c, b in result.coefficients.items()))
    lines += ["", f"Normalisation (zero_at -> full_at; bad end at quantile "
              f"{result.bad_end_quantile:.3f}, good end at {GOOD_END_QUANTILE:.0%}):"]
    current_thresholds = config.thresholds()
    for criterion, (zero_at, full_at) in result.thresholds.items():
        z0, f0 = current_thresholds[criterion]
        lines.append(f"  {criterion:<20} {format_number(zero_at)} -> {format_number(full_at)}"
                     f"   (current {format_number(z0)} -> {format_number(f0)})")
    lines += [
        "",
        f"Held-out AUC (a churner scores below a non-churner) and churn_risk share "
        f"(target {result.target_churn_risk_share:.1%}: {CHURN_RISK_SHARE_FACTOR:g} x the churn "
        "rate, clamped 5-30 %):",
    ]
    labels = {"current": "current weights and thresholds",
              "suggested_weights": "suggested weights, current thresholds",
              "suggested": "suggested weights and thresholds"}
    for name, label in labels.items():
        lines.append(f"  {label:<40} AUC {result.auc[name]:.3f}   churn_risk "
                     f"{result.churn_risk_share[name]:.1%}")
    return "\n".join(lines)


def run(db_path: Path, root: Path, out: Path, horizon_days: int = DEFAULT_HORIZON_DAYS,
        window_days: int = DEFAULT_WINDOW_DAYS,
        every_days: int = DEFAULT_EVERY_DAYS) -> tuple[Suggestion, Config]:
    """Fit, suggest and write the seeds; raises SuggestError with a one-line reason."""
    config = read_config(root)
    start, scoring_date = warehouse_span(db_path)
    dates = fit_dates(start, scoring_date, horizon_days, window_days, every_days)
    accounts = outcomes(db_path)
    if count_churners(accounts, dates[0], scoring_date) == 0:
        raise SuggestError(
            f"no external account churned between {dates[0]} and {scoring_date}: there is "
            "nothing to fit the weights on (raw.accounts.churned_at)"
        )
    span_days = (dates[-1] - dates[0]).days + 1
    rows = score_history(db_path, root, dates[-1], max(span_days, 31), dates)
    obs = build_observations(rows, accounts, horizon_days, config)
    result = analyse(obs, config, horizon_days, dates)
    write_seeds(result, config, out)
    return result, config
