"""raw.touchpoints: marketing and success interactions (compact frame)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from customer_health.generator.context import _Builder
from customer_health.generator.portfolio import (
    _Contacts,
    _health,
)
from customer_health.generator.sampling import (
    _choice_rows,
    _poisson_candidates,
    _rng,
    _time_of_day,
)
from customer_health.generator.vocabulary import (
    _TOUCHPOINT_DETAILS,
    SEG_INT,
    TOUCHPOINT_TYPES,
)


def touchpoints(b: _Builder, con: _Contacts) -> pd.DataFrame:
    """Compact frame of raw.touchpoints."""
    p, cfg = b.p, b.cfg
    rng = _rng(cfg, 60)
    co = con.owner
    c_start = np.maximum(p.a_start[co], np.floor(con.created_t) + 1.0)
    c_end = p.a_end[co].astype(float)
    base = np.where(p.seg[co] == SEG_INT, 0.0, 0.045 * cfg.touchpoint_intensity)
    lam_max = base * 1.5
    cid, day = _poisson_candidates(rng, c_start, c_end, lam_max)
    acct = co[cid]
    t = day + _time_of_day(rng, p.peak_hour[acct])
    h = _health(p, acct, t)
    accept = rng.random(cid.size) < (0.1 + 1.4 * h**2) / 1.5
    accept &= b.dow_ok(rng, day)
    cid, acct, t, h = cid[accept], acct[accept], t[accept], h[accept]
    n = cid.size
    ttype = _choice_rows(rng, np.column_stack([
        np.full(n, 0.42), 0.08 + 0.10 * h, 0.10 + 0.07 * h, 0.01 + 0.05 * h,
        0.02 + 0.05 * h, 0.04 + 0.08 * h, 0.01 + 0.04 * h,
        np.where(h > 0.72, 0.02, 0.0), np.full(n, 0.05),
    ]))
    # details: each type has its own small vocabulary
    details: list[str] = []
    offs, sizes = [], []
    for name in TOUCHPOINT_TYPES:
        offs.append(len(details))
        sizes.append(len(_TOUCHPOINT_DETAILS[name]))
        details.extend(_TOUCHPOINT_DETAILS[name])
    offs_a, sizes_a = np.array(offs), np.array(sizes)
    detail = offs_a[ttype] + (rng.random(n) * sizes_a[ttype]).astype(np.int64)
    detail = np.where(rng.random(n) < 0.3, -1, detail)
    acct_null = rng.random(n) < 0.05
    con_null = ~acct_null & (ttype == 4) & (rng.random(n) < 0.3)
    order = np.lexsort((cid, t))
    cid, acct, t, ttype, detail, acct_null, con_null = (
        x[order] for x in (cid, acct, t, ttype, detail, acct_null, con_null))
    # Unique vocabulary for the categorical (texts repeat across types).
    uniq, inv = np.unique(np.array(details, dtype=object), return_inverse=True)
    detail = np.where(detail >= 0, inv[np.maximum(detail, 0)], -1)
    return pd.DataFrame({
        "num": np.arange(1, n + 1, dtype=np.int64),
        "acct": np.where(acct_null, -1, acct + 1),
        "contact": np.where(con_null, -1, cid + 1),
        "touchpoint_type": pd.Categorical.from_codes(ttype, TOUCHPOINT_TYPES),
        "detail": pd.Categorical.from_codes(detail, list(uniq)),
        "occurred_at": b.ts(t),
        "loaded_at": b.loaded(rng, t),
    })
