"""The fit of `suggest`: the account split, the non-negative logistic regression, weights by
the largest remainder, thresholds for a target churn_risk share, held-out comparison."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from customer_health.analysis.suggest.data import (
    CHURN_RISK_SHARE_FACTOR,
    CHURN_RISK_SHARE_MAX,
    CHURN_RISK_SHARE_MIN,
    GOOD_END_QUANTILE,
    HOLDOUT_SHARE,
    MAX_CRITERIA,
    RIDGE,
    SPLIT_SEED,
    Config,
    Observations,
    SuggestError,
)
from customer_health.analysis.suggest.scoring import (
    health_scores,
    heldout_auc,
    rescore,
    weight_matrix,
)

if TYPE_CHECKING:  # numpy and pandas load when the command runs, not with the CLI
    import numpy as np
    import pandas as pd


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


