"""raw.tickets: support tickets sampled by thinning (compact frame)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from customer_health.generator.context import _Builder
from customer_health.generator.portfolio import (
    _Contacts,
    _health,
)
from customer_health.generator.sampling import (
    _choice,
    _choice_rows,
    _poisson_candidates,
    _rng,
    _time_of_day,
)
from customer_health.generator.vocabulary import (
    TICKET_CATEGORIES,
    TICKET_CHANNELS,
    TICKET_PRIORITIES,
    TICKET_STATUSES,
)


def tickets(b: _Builder, con: _Contacts) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """Compact frame of raw.tickets, and the ticket arrays the surveys need."""
    p, cfg = b.p, b.cfg
    rng = _rng(cfg, 30)
    big_d = b.big_d
    base = np.array([0.070, 0.040, 0.019, 0.008])[p.seg] * cfg.ticket_intensity
    k_h = 2.8
    lam_max = base * np.exp(k_h * 0.6)
    owner, day = _poisson_candidates(rng, p.a_start.astype(float), p.a_end.astype(float),
                                     lam_max)
    t = day + _time_of_day(rng, p.peak_hour[owner])
    h = _health(p, owner, t)
    accept = (rng.random(owner.size) < np.exp(k_h * (0.6 - h)) / np.exp(k_h * 0.6))
    accept &= b.dow_ok(rng, day)
    acct, t, h = owner[accept], t[accept], h[accept]
    order = np.lexsort((t, acct))
    acct, t, h = acct[order], t[order], h[order]
    n = acct.size
    uh = 1.0 - h
    cat = _choice_rows(rng, np.column_stack([
        0.10 + 0.40 * h, 0.10 + 0.30 * uh, 0.04 + 0.24 * h, 0.01 + 0.30 * uh**2,
        np.full(n, 0.08),
    ]))
    pri = _choice_rows(rng, np.column_stack([
        0.15 + 0.20 * h, np.full(n, 0.50), 0.08 + 0.30 * uh, 0.01 + 0.15 * uh**2,
    ]))
    pri = np.where((cat == 1) & (rng.random(n) < 0.15), np.minimum(pri + 1, 3), pri)
    channel = _choice(rng, np.array([0.40, 0.25, 0.10, 0.25]), n)
    channel = np.where(rng.random(n) < 0.03, -1, channel)
    fr_h = (np.array([12.0, 6.0, 2.0, 0.5])[pri] * np.exp(0.9 * uh)
            * rng.lognormal(0.0, 0.8, n))
    res_h = (np.array([72.0, 48.0, 24.0, 8.0])[pri] * np.exp(1.2 * uh)
             * rng.lognormal(0.0, 0.9, n))
    fr_t = t + fr_h / 24.0
    solve_t = fr_t + res_h / 24.0
    limit = p.a_end[acct].astype(float)
    limited = limit < big_d
    # Accounts that churn (or go silent) get their open tickets wrapped up before the end.
    cap = limit - 1.0 / 86400.0
    fr_t = np.where(limited, np.minimum(fr_t, cap), fr_t)
    solve_t = np.where(limited, np.minimum(solve_t, cap), solve_t)
    fr_t = np.where(fr_t >= big_d, np.nan, fr_t)
    solve_t = np.where(solve_t >= big_d, np.nan, solve_t)
    solved = np.isfinite(solve_t)
    status = np.where(
        solved,
        np.where((solve_t < big_d - 4) & (rng.random(n) < 0.95), 4, 3),
        np.where(np.isnan(fr_t), 0, np.where(rng.random(n) < 0.6, 1, 2)),
    ).astype(np.int8)
    handle = np.maximum(1, np.round(rng.lognormal(
        np.log(18.0) + 0.6 * uh + 0.3 * pri, 0.7, n))).astype(np.int64)
    handle = np.where((status == 0) | (rng.random(n) < 0.03), -1, handle)
    reopen = rng.poisson(0.04 + 0.6 * uh**2)
    reopen = np.where(status == 0, -1, reopen)
    requester = b.pick_contact(rng, acct, t, con)
    acct_null = rng.random(n) < 0.10
    req_null = ~acct_null & (rng.random(n) < 0.04)
    last_t = np.fmax(np.fmax(t, fr_t), solve_t)
    frame = pd.DataFrame({
        "num": np.arange(1, n + 1, dtype=np.int64),
        "acct": np.where(acct_null, -1, acct + 1),
        "requester": np.where(req_null, -1, requester + 1),
        "created_at": b.ts(t),
        "first_response_at": b.ts(fr_t),
        "solved_at": b.ts(solve_t),
        "status": pd.Categorical.from_codes(status, TICKET_STATUSES),
        "category": pd.Categorical.from_codes(cat, TICKET_CATEGORIES),
        "priority": pd.Categorical.from_codes(pri, TICKET_PRIORITIES),
        "channel": pd.Categorical.from_codes(channel, TICKET_CHANNELS),
        "handle_minutes": handle,
        "reopen_count": reopen,
        "loaded_at": b.loaded(rng, last_t),
    })
    info = {"acct": acct, "solve_t": solve_t, "h": h, "requester": requester,
            "requester_null": req_null, "acct_null": acct_null, "reopen": reopen,
            "res_h": res_h}
    return frame, info
