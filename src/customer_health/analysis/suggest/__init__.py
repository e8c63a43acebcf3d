"""`customer-health suggest`: weights and normalisation thresholds fitted on the portfolio's
own churn, written for a person to review (never applied to seeds/).

Modules: data (configuration, fit dates, outcomes, past scores), scoring (numpy, as the
models score), fit (split, regression, weights, thresholds), output (seeds, rendering).

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

from pathlib import Path

from customer_health.analysis.suggest.data import (
    DEFAULT_EVERY_DAYS,
    DEFAULT_HORIZON_DAYS,
    DEFAULT_WINDOW_DAYS,
    MIN_LOOKBACK_DAYS,
    Config,
    Observations,
    SuggestError,
    build_observations,
    count_churners,
    criterion_rows,
    fit_dates,
    outcomes,
    read_config,
    score_history,
    warehouse_span,
)
from customer_health.analysis.suggest.fit import (
    Suggestion,
    analyse,
    fit_nonnegative_logit,
    largest_remainder,
    round_sig,
    split_accounts,
    suggest_thresholds,
    suggest_weights,
)
from customer_health.analysis.suggest.output import format_number, render, write_seeds
from customer_health.analysis.suggest.scoring import (
    health_scores,
    heldout_auc,
    linear_scores,
    rescore,
    weight_matrix,
)

__all__ = [
    "DEFAULT_EVERY_DAYS", "DEFAULT_HORIZON_DAYS", "DEFAULT_WINDOW_DAYS", "MIN_LOOKBACK_DAYS",
    "Config", "Observations", "Suggestion", "SuggestError", "analyse", "build_observations",
    "count_churners", "criterion_rows", "fit_dates", "fit_nonnegative_logit", "format_number",
    "health_scores", "heldout_auc", "largest_remainder", "linear_scores", "outcomes",
    "read_config", "render", "rescore", "round_sig", "run", "score_history", "split_accounts",
    "suggest_thresholds", "suggest_weights", "warehouse_span", "weight_matrix", "write_seeds",
]


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
