"""raw.accounts and raw.contacts (compact frames)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from customer_health.generator.context import _Builder
from customer_health.generator.portfolio import _Contacts
from customer_health.generator.sampling import _rng
from customer_health.generator.vocabulary import (
    _FIRST_NAMES,
    _LAST_NAMES,
    SEG_INT,
    SEGMENTS,
)


def accounts(b: _Builder, arr_now: np.ndarray) -> pd.DataFrame:
    """Compact frame of raw.accounts (ARR now from the subscriptions)."""
    p = b.p
    rng = _rng(b.cfg, 10)
    churned = p.churn_t < b.big_d
    churn = np.where(churned, p.churn_t, np.nan)
    return pd.DataFrame({
        "num": np.arange(1, p.n + 1, dtype=np.int64),
        "name": p.names,
        "segment": pd.Categorical.from_codes(p.seg, SEGMENTS),
        "parent_num": np.where(p.parent >= 0, p.parent + 1, -1),
        "created_at": b.ts(p.created_t),
        "churned_at": b.ts(churn),
        "is_internal": p.seg == SEG_INT,
        "arr": arr_now,
        "loaded_at": b.loaded(rng, np.fmax(p.created_t, churn)),
    })


def contacts(b: _Builder) -> tuple[_Contacts, pd.DataFrame]:
    """Contacts of every account, and the compact frame of raw.contacts."""
    p = b.p
    rng = _rng(b.cfg, 11)
    lo = np.array([4, 2, 1, 3])[p.seg]
    hi = np.array([8, 5, 3, 8])[p.seg]
    nc = rng.integers(lo, hi + 1)
    owner = np.repeat(np.arange(p.n), nc)
    first_pos = np.repeat(np.cumsum(nc) - nc, nc)
    rank = np.arange(owner.size) - first_pos
    ct = p.created_t[owner] + np.where(rank == 0, 0.0, rng.exponential(200.0, owner.size))
    limit = np.minimum(b.big_d, np.floor(np.minimum(p.churn_t, b.big_d)))
    keep = (rank == 0) | (ct < limit[owner])
    owner, ct = owner[keep], ct[keep]
    first = rng.integers(0, len(_FIRST_NAMES), owner.size)
    last = rng.integers(0, len(_LAST_NAMES), owner.size)
    email_null = rng.random(owner.size) < 0.03
    count = np.bincount(owner, minlength=p.n)
    con = _Contacts(owner=owner, created_t=ct, offset=np.cumsum(count) - count, count=count,
                    first=first, last=last, email_null=email_null)
    frame = pd.DataFrame({
        "num": np.arange(1, owner.size + 1, dtype=np.int64),
        "acct": owner + 1,
        "first_name": pd.Categorical.from_codes(first, _FIRST_NAMES),
        "last_name": pd.Categorical.from_codes(last, _LAST_NAMES),
        "email_null": email_null,
        "created_at": b.ts(ct),
        "loaded_at": b.loaded(rng, ct),
    })
    return con, frame
