"""raw.csm_sentiment: the CSMs' own readings of their accounts (compact frame)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from customer_health.generator.context import _Builder
from customer_health.generator.portfolio import _health
from customer_health.generator.sampling import _poisson_candidates, _rng
from customer_health.generator.vocabulary import (
    CSM_AUTHORS,
    CSM_NEGATIVE_REASONS,
    CSM_NOTES,
    CSM_POSITIVE_REASONS,
    SEG_ENT,
    SEG_MID,
)

# Mean days between two readings of an account with a named CSM (enterprise, mid-market);
# small-business accounts are pooled (tech touch) and get none.
READING_EVERY_DAYS = {SEG_ENT: 30.0, SEG_MID: 45.0}


def csm_sentiment(b: _Builder) -> pd.DataFrame:
    """Compact frame of raw.csm_sentiment.

    Each enterprise and mid-market customer has one CSM (of CSM_AUTHORS) who records a
    reading every READING_EVERY_DAYS days on average while the account is active: the latent
    health at that time on the 1-5 scale (1 + 4 x health, with noise), a reason code for most
    negative and half the positive readings, a note on a few. Silent accounts stop getting
    readings when they go quiet (their latest reading goes stale). Own random stream.
    """
    p = b.p
    rng = _rng(b.cfg, 72)
    rate = np.zeros(p.n)
    for seg, every in READING_EVERY_DAYS.items():
        rate[p.seg == seg] = 1.0 / every
    author_of = rng.integers(0, len(CSM_AUTHORS), p.n)
    acct, day = _poisson_candidates(rng, p.a_start.astype(float), p.a_end.astype(float), rate)
    keep = b.dow_ok(rng, day)
    acct, day = acct[keep], day[keep]
    t = day + 0.35 + 0.35 * rng.random(acct.size)  # office hours, UTC
    h = _health(p, acct, t)
    sentiment = np.clip(np.round(1.0 + 4.0 * h + rng.normal(0.0, 0.6, acct.size)), 1, 5)
    u = rng.random(acct.size)
    neg = rng.integers(0, len(CSM_NEGATIVE_REASONS), acct.size)
    pos = rng.integers(0, len(CSM_POSITIVE_REASONS), acct.size)
    reasons = list(CSM_NEGATIVE_REASONS) + list(CSM_POSITIVE_REASONS)
    reason = np.where((sentiment <= 2) & (u < 0.7), neg,
                      np.where((sentiment >= 4) & (u < 0.5), len(CSM_NEGATIVE_REASONS) + pos, -1))
    note = np.where(rng.random(acct.size) < 0.15,
                    rng.integers(0, len(CSM_NOTES), acct.size), -1)
    order = np.lexsort((acct, t))
    acct, t, sentiment = acct[order], t[order], sentiment[order]
    reason, note = reason[order], note[order]
    return pd.DataFrame({
        "num": np.arange(1, acct.size + 1, dtype=np.int64),
        "acct": acct + 1,
        "author": pd.Categorical.from_codes(author_of[acct], CSM_AUTHORS),
        "sentiment": sentiment.astype(np.int64),
        "reason_code": pd.Categorical.from_codes(reason, reasons),
        "note": pd.Categorical.from_codes(note, CSM_NOTES),
        "recorded_at": b.ts(t),
        "loaded_at": b.loaded(rng, t),
    })
