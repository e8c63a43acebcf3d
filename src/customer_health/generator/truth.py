"""demo_truth: the simulated ground truth (latent health, churn) and seasonal factors."""

from __future__ import annotations

import numpy as np
import pandas as pd

from customer_health.generator.context import _Builder
from customer_health.generator.portfolio import (
    _NEVER,
    _health,
)
from customer_health.generator.vocabulary import (
    DOW_FACTORS,
    MOY_FACTORS,
    SEGMENTS,
)


def truth(b: _Builder) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The demo_truth.accounts and demo_truth.seasonal_factors frames."""
    p = b.p
    big_d = b.big_d
    idx = np.arange(p.n)
    t_start = np.maximum(p.created_t, 0.0)
    t_end = np.minimum(big_d - 0.5, p.churn_t)
    churn_day = np.where(p.churn_t < _NEVER, np.floor(p.churn_t), np.nan)
    accounts = pd.DataFrame({
        "num": idx + 1,
        "segment": pd.Categorical.from_codes(p.seg, SEGMENTS),
        "latent_health_start": _health(p, idx, t_start),
        "latent_health_at_end": _health(p, idx, t_end),
        "churn_date": b.ts(churn_day),
        "is_future_churner": (churn_day >= big_d) & (churn_day <= big_d - 1 + 180),
        "is_silent": p.silent,
    })
    seasonal = pd.DataFrame({
        "factor_type": ["day_of_week"] * 7 + ["month"] * 12,
        "key": list(range(7)) + list(range(1, 13)),
        "factor": np.r_[DOW_FACTORS, MOY_FACTORS],
    })
    return accounts, seasonal
