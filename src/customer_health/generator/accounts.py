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
    SEG_ENT,
    SEG_INT,
    SEG_MID,
    SEGMENTS,
)

# Share of live enterprise and mid-market accounts whose CRM record carries the contract's
# renewal date (the others' is derived from the subscription events).
RENEWAL_DATE_SHARE = 0.5


def renewal_dates(b: _Builder) -> np.ndarray:
    """The contract renewal date (float days; NaN = none) of some live accounts.

    The first anniversary of the account's creation after the last generated day; an account
    in a group whose top account has one is co-termed with it (the parent signs the renewal).
    Its own random stream: the other tables are unchanged.
    """
    p = b.p
    rng = _rng(b.cfg, 71)
    last_day = float(b.big_d - 1)
    terms = np.ceil(np.maximum(last_day - np.floor(p.created_t), 0.0) / 365.0)
    due = np.floor(p.created_t) + 365.0 * np.maximum(terms, 1.0)
    live = (p.churn_t >= b.big_d) & (p.seg != SEG_INT)
    covered = (p.seg == SEG_ENT) | (p.seg == SEG_MID)
    chosen = live & covered & (rng.random(p.n) < RENEWAL_DATE_SHARE)
    renewal = np.where(chosen, due, np.nan)
    top = np.arange(p.n)
    for _ in range(4):  # groups are at most four levels deep
        top = np.where(p.parent[top] >= 0, p.parent[top], top)
    co_termed = live & (p.parent >= 0) & np.isfinite(renewal[top])
    return np.where(co_termed, renewal[top], renewal)


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
        "renewal_date": b.ts(renewal_dates(b)),
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
