"""raw.subscription_events: new, renewal, expansion, contraction, cancellation."""

from __future__ import annotations

import numpy as np
import pandas as pd

from customer_health.generator.context import _Builder
from customer_health.generator.portfolio import (
    _NEVER,
    _health,
)
from customer_health.generator.sampling import (
    _poisson_candidates,
    _rng,
)
from customer_health.generator.vocabulary import (
    SEG_INT,
    SUBSCRIPTION_EVENT_TYPES,
)


def subscriptions(b: _Builder) -> tuple[pd.DataFrame, np.ndarray]:
    """Compact frame of raw.subscription_events, and each account's ARR now."""
    p, cfg = b.p, b.cfg
    rng = _rng(cfg, 50)
    big_d = b.big_d
    cus = np.flatnonzero(p.seg != SEG_INT)
    created = p.created_t
    # Cancellation notice 0-60 days before churn, never before the first month.
    cancel_t = np.where(p.churn_t < _NEVER,
                        np.maximum(created + 1.0, p.churn_t - rng.random(p.n) * 60.0), _NEVER)
    stop = np.minimum(cancel_t, big_d)  # contract changes strictly before this
    # new
    a_new, t_new = cus, created[cus]
    # renewals on anniversaries
    years = np.floor(np.maximum(stop[cus] - created[cus], 0.0) / 365.0).astype(np.int64)
    a_ren = np.repeat(cus, years)
    k = np.arange(a_ren.size) - np.repeat(np.cumsum(years) - years, years) + 1
    t_ren = created[a_ren] + 365.0 * k
    keep = t_ren < stop[a_ren]
    a_ren, t_ren = a_ren[keep], t_ren[keep]
    # expansions / contractions (~0.5 per account-year), direction driven by health
    owner, day = _poisson_candidates(rng, created[cus], stop[cus], np.full(cus.size, 0.5 / 365))
    a_chg = cus[owner]
    t_chg = day + rng.random(owner.size)
    t_chg = np.maximum(t_chg, created[a_chg] + 1.0)
    ok = t_chg < stop[a_chg]
    a_chg, t_chg = a_chg[ok], t_chg[ok]
    h = _health(p, a_chg, np.maximum(t_chg, 0.0))
    expand = rng.random(a_chg.size) < h**2 / (h**2 + (1 - h) ** 2)
    frac = np.where(expand, 0.03 + 0.17 * rng.random(a_chg.size),
                    -(0.03 + 0.15 * rng.random(a_chg.size)))
    # cancellations
    a_can = cus[cancel_t[cus] < big_d]
    t_can = cancel_t[a_can]

    acct = np.concatenate([a_new, a_ren, a_chg, a_can])
    t = np.concatenate([t_new, t_ren, t_chg, t_can])
    etype = np.concatenate([np.zeros(a_new.size), np.ones(a_ren.size),
                            np.where(expand, 2, 3), np.full(a_can.size, 4)]).astype(np.int8)
    f = np.concatenate([np.zeros(a_new.size + a_ren.size), frac, np.zeros(a_can.size)])
    order = np.lexsort((etype, t, acct))
    acct, t, etype, f = acct[order], t[order], etype[order], f[order]
    # MRR path per account via grouped cumulative log factors.
    logf = np.log1p(f)
    cs = np.cumsum(logf)
    first = np.r_[True, acct[1:] != acct[:-1]]
    grp = np.cumsum(first) - 1
    base = (cs - logf)[first]
    mrr_after = p.arr0[acct] / 12.0 * np.exp(cs - base[grp])
    delta = np.round(mrr_after - mrr_after / (1.0 + f), 2)
    delta = np.where(etype == 0, np.round(p.arr0[acct] / 12.0, 2), delta)
    delta = np.where(etype == 1, 0.0, delta)
    running = np.cumsum(np.where(etype == 4, 0.0, delta))
    grp_base = (running - np.where(etype == 4, 0.0, delta))[first]
    mrr_now = running - grp_base[grp]  # MRR after each event within the account
    delta = np.where(etype == 4, -np.round(mrr_now, 2), delta)
    delta = np.where((etype == 1) & (rng.random(acct.size) < 0.5), np.nan, delta)
    # Current ARR per account: 12 x MRR after the last non-cancellation event.
    # (``running`` excludes cancellations, so a churned account keeps its last ARR.)
    arr_now = np.full(p.n, np.nan)
    if acct.size:
        last_idx = np.r_[np.flatnonzero(first)[1:] - 1, acct.size - 1]
        arr_now[acct[last_idx]] = np.round(12.0 * mrr_now[last_idx], 2)
    frame = pd.DataFrame({
        "num": np.arange(1, acct.size + 1, dtype=np.int64),
        "acct": acct + 1,
        "event_type": pd.Categorical.from_codes(etype, SUBSCRIPTION_EVENT_TYPES),
        "mrr_delta": delta,
        "occurred_at": b.ts(t),
        "loaded_at": b.loaded(rng, t),
    })
    return frame, arr_now
