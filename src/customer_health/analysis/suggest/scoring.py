"""Scoring as the models score, in numpy: scorecard weights, redistribution of missing
criteria, linear thresholds, integer rounding; the held-out AUC."""

from __future__ import annotations

from typing import TYPE_CHECKING

from customer_health.analysis.evaluate import auc
from customer_health.analysis.suggest.data import Observations

if TYPE_CHECKING:  # numpy loads when the command runs, not with the CLI
    import numpy as np


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


