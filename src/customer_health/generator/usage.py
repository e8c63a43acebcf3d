"""raw.usage_events: Poisson counts per account-day, expanded to events (compact frame)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from customer_health.generator.context import _Builder
from customer_health.generator.portfolio import _health_grid
from customer_health.generator.sampling import (
    _rng,
    _time_of_day,
)
from customer_health.generator.vocabulary import (
    _EVENT_P_HEALTHY,
    _EVENT_P_UNHEALTHY,
    DOW_FACTORS,
    EVENT_NAMES,
    MOY_FACTORS,
)


def usage(b: _Builder) -> pd.DataFrame:
    """Compact frame of raw.usage_events."""
    p, cfg = b.p, b.cfg
    big_d = b.big_d
    season = DOW_FACTORS[p.day_dow] * MOY_FACTORS[p.day_month]
    base_rate = 0.34 * cfg.usage_intensity
    chunk = max(1, 4_000_000 // big_d)
    days = np.arange(big_d)
    cum_h = np.cumsum(_EVENT_P_HEALTHY) / _EVENT_P_HEALTHY.sum()
    cum_u = np.cumsum(_EVENT_P_UNHEALTHY) / _EVENT_P_UNHEALTHY.sum()
    parts: list[tuple[np.ndarray, ...]] = []
    for c, lo in enumerate(range(0, p.n, chunk)):
        rng = _rng(cfg, 20, c)
        idx = np.arange(lo, min(p.n, lo + chunk))
        h = _health_grid(p, idx, days + 0.5)
        lam = h * np.sqrt(h)
        lam *= 1.6
        lam += 0.12
        lam *= p.usage_scale[idx, None] * base_rate
        lam *= season[None, :]
        alive = (days[None, :] >= p.a_start[idx, None]) & (days[None, :] < p.a_end[idx, None])
        lam = np.where(alive, lam, 0.0)
        counts = rng.poisson(lam)
        rows, cols = np.nonzero(counts)
        k = counts[rows, cols]
        acct = np.repeat(idx[rows], k)
        day = np.repeat(cols, k)
        h_ev = np.repeat(h[rows, cols], k)
        t = day + _time_of_day(rng, p.peak_hour[acct])
        pool = p.user_pool[acct]
        user = 1 + np.minimum(pool - 1, (pool * rng.random(acct.size) ** 1.7).astype(np.int64))
        user = np.where(rng.random(acct.size) < 0.02, -1, user)
        healthy = rng.random(acct.size) < h_ev
        u = rng.random(acct.size)
        ev = np.where(healthy, np.searchsorted(cum_h, u, side="right"),
                      np.searchsorted(cum_u, u, side="right")).clip(0, len(EVENT_NAMES) - 1)
        # Rows come out ordered by account and day (np.nonzero is row-major).
        parts.append((acct.astype(np.int32), user.astype(np.int32), ev.astype(np.int8), t))
        del h, lam, counts, alive
    acct = np.concatenate([x[0] for x in parts])
    user = np.concatenate([x[1] for x in parts])
    ev = np.concatenate([x[2] for x in parts])
    t = np.concatenate([x[3] for x in parts])
    del parts
    rng = _rng(cfg, 21)
    return pd.DataFrame({
        "num": np.arange(1, acct.size + 1, dtype=np.int64),
        "acct": (acct + 1).astype(np.int32),
        "user_num": user.astype(np.int32),
        "event_name": pd.Categorical.from_codes(ev, EVENT_NAMES),
        "occurred_at": b.ts(t),
        "loaded_at": b.loaded(rng, t),
    })
