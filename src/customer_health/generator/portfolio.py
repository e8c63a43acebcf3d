"""Per-account state of the simulated portfolio and its latent health over time."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from customer_health.generator.config import GeneratorConfig
from customer_health.generator.sampling import (
    _choice,
    _rng,
)
from customer_health.generator.vocabulary import (
    _INTERNAL_TEAMS,
    _NAME_NOUNS,
    _NAME_PREFIXES,
    SEG_ENT,
    SEG_INT,
    SEG_MID,
    SEG_SMB,
)


@dataclass
class _Portfolio:
    """Per-account parameters (arrays indexed by account position 0..n-1)."""

    n: int
    days: int  # D: number of history days; day D is the midnight after end_date
    epoch_s: int  # unix seconds of history start
    seg: np.ndarray
    seats: np.ndarray
    user_pool: np.ndarray
    usage_scale: np.ndarray
    arr0: np.ndarray
    parent: np.ndarray
    names: list[str]
    created_t: np.ndarray
    h0: np.ndarray
    slope: np.ndarray
    amp: np.ndarray
    freq: np.ndarray
    phase: np.ndarray
    churn_t: np.ndarray  # _NEVER when no churn within the horizon
    decline_len: np.ndarray
    decline_low: np.ndarray
    silent: np.ndarray
    silent_start: np.ndarray
    silent_low: np.ndarray
    no_survey: np.ndarray
    peak_hour: np.ndarray
    a_start: np.ndarray  # first activity day (int)
    a_end: np.ndarray  # activity strictly before this day (int)
    day_dow: np.ndarray
    day_month: np.ndarray


@dataclass
class _Contacts:
    owner: np.ndarray
    created_t: np.ndarray
    offset: np.ndarray  # per account: first contact position
    count: np.ndarray  # per account: number of contacts
    first: np.ndarray
    last: np.ndarray
    email_null: np.ndarray


_NEVER = 1.0e9


def _base_health(p: _Portfolio, idx: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Latent health without the pre-churn / silent decline."""
    h = p.h0[idx] + p.slope[idx] * (t / 365.0) + p.amp[idx] * np.sin(t * p.freq[idx] + p.phase[idx])
    return np.clip(h, 0.03, 0.97)


def _decline(p: _Portfolio, idx: np.ndarray, t: np.ndarray, h: np.ndarray) -> np.ndarray:
    """Apply the pre-churn and silent-account declines to base health ``h``."""
    length = p.decline_len[idx]
    w = np.clip((t - (p.churn_t[idx] - length)) / length, 0.0, 1.0)
    h = h + (np.minimum(p.decline_low[idx], h) - h) * w
    w2 = np.clip((t - p.silent_start[idx]) / 90.0, 0.0, 1.0)
    return h + (np.minimum(p.silent_low[idx], h) - h) * w2


def _health(p: _Portfolio, idx: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Latent health of account ``idx`` at time ``t`` (days), broadcasting."""
    return _decline(p, idx, t, _base_health(p, idx, t))


def _health_grid(p: _Portfolio, idx: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Latent health on the (accounts ``idx``) x (times ``t``) grid; same as :func:`_health`."""
    h = _base_health(p, idx[:, None], t[None, :])
    rows = np.flatnonzero((p.churn_t[idx] < _NEVER) | (p.silent_start[idx] < _NEVER))
    if rows.size:
        h[rows] = _decline(p, idx[rows, None], t[None, :], h[rows])
    return h


def _deepen_groups(
    rng: np.random.Generator, seg: np.ndarray, parent: np.ndarray, n_cus: int
) -> None:
    """A few account groups deeper than one level (roll-ups of roll-ups), in place.

    About one group per 250 customers (at least one when there are 40): a top-level
    enterprise account, a middle account (enterprise or mid-market) under it and one or two
    leaf accounts under the middle one (three levels); the first group gets one more level
    under its first leaf (four). Only accounts with no parent and no children are moved, so
    no cycle can appear. Its own random stream: the other tables are unchanged.
    """
    if n_cus < 40:
        return
    customer = np.arange(parent.size) < n_cus
    has_children = np.zeros(parent.size, dtype=bool)
    has_children[parent[parent >= 0]] = True

    def free() -> np.ndarray:
        return np.flatnonzero((parent < 0) & ~has_children & customer)

    for g in range(max(1, int(round(n_cus / 250.0)))):
        tops = np.flatnonzero((parent < 0) & (seg == SEG_ENT) & customer)
        if not tops.size:
            return
        top = int(tops[rng.integers(0, tops.size)])
        middles = free()
        covered = (seg[middles] == SEG_ENT) | (seg[middles] == SEG_MID)
        middles = middles[covered & (middles != top)]
        if not middles.size:
            return
        middle = int(middles[rng.integers(0, middles.size)])
        parent[middle] = top
        has_children[[top, middle]] = True
        leaves = free()
        leaves = leaves[leaves != top]
        if leaves.size < 3:
            return
        picked = rng.choice(leaves, size=int(rng.integers(1, 3)), replace=False)
        parent[picked] = middle
        if g == 0:
            has_children[picked[0]] = True
            deeper = free()
            deeper = deeper[deeper != top]
            parent[int(deeper[rng.integers(0, deeper.size)])] = picked[0]


def _portfolio(cfg: GeneratorConfig) -> _Portfolio:
    rng = _rng(cfg, 1)
    n = cfg.n_accounts
    n_int = cfg.internal_count
    n_cus = n - n_int
    big_d = cfg.history_days
    seg = np.concatenate([_choice(rng, np.array([0.10, 0.30, 0.60]), n_cus),
                          np.full(n_int, SEG_INT)]).astype(np.int8)
    is_int = seg == SEG_INT

    # Seats and ARR (ARR correlated with seats, within the segment's band).
    u_seat = rng.random(n)
    seats = np.select(
        [seg == SEG_ENT, seg == SEG_MID, seg == SEG_SMB],
        [np.round(40 * 10 ** u_seat), np.floor(10 + 51 * u_seat), np.floor(2 + 11 * u_seat)],
        np.floor(5 + 36 * u_seat),
    ).astype(np.int64)
    arr_lo = np.array([100_000.0, 20_000.0, 2_000.0, 0.0])[seg]
    arr_hi = np.array([1_000_000.0, 150_000.0, 25_000.0, 1.0])[seg]
    u_arr = np.clip(0.65 * u_seat + 0.35 * rng.random(n), 0.0, 1.0)
    arr0 = np.where(is_int, np.nan, arr_lo * (arr_hi / np.maximum(arr_lo, 1.0)) ** u_arr)
    arr0 = np.round(arr0 / 100.0) * 100.0
    adoption = rng.beta(6.0, 3.0, n)
    user_pool = np.maximum(1, np.round(seats * (0.5 + 0.5 * adoption))).astype(np.int64)
    usage_scale = (seats**0.8) * adoption * rng.lognormal(0.0, 0.35, n)

    # Names.
    pre = rng.integers(0, len(_NAME_PREFIXES), n)
    noun = rng.integers(0, len(_NAME_NOUNS), n)
    names = [f"{_NAME_PREFIXES[a]} {_NAME_NOUNS[b]} {i + 1}" for i, (a, b) in
             enumerate(zip(pre.tolist(), noun.tolist(), strict=True))]
    for j in range(n_int):
        team = _INTERNAL_TEAMS[j % len(_INTERNAL_TEAMS)]
        rnd = j // len(_INTERNAL_TEAMS)
        names[n_cus + j] = f"Internal - {team} team" + (f" {rnd + 1}" if rnd else "")

    # Parents: ~5% of enterprise / mid-market accounts belong to another enterprise account.
    parent = np.full(n, -1, dtype=np.int64)
    eligible = np.flatnonzero((seg == SEG_ENT) | (seg == SEG_MID))
    children = eligible[rng.random(eligible.size) < 0.05]
    parents_pool = np.setdiff1d(np.flatnonzero(seg == SEG_ENT), children)
    if parents_pool.size and children.size:
        pick = parents_pool[rng.integers(0, parents_pool.size, children.size)]
        ok = pick != children
        parent[children[ok]] = pick[ok]
    _deepen_groups(_rng(cfg, 70), seg, parent, n_cus)

    # Creation: most accounts predate the history window, some are created during it.
    before = rng.random(n) < 0.65
    created_t = np.where(
        before,
        -730.0 + rng.random(n) * 730.0,
        rng.random(n) * (big_d - 120.0),
    )
    created_t = np.where(is_int, -730.0 + rng.random(n) * 30.0, created_t)

    # Latent health trajectory.
    beta_a = np.array([6.0, 5.0, 4.2, 9.0])[seg]
    beta_b = np.array([2.6, 2.9, 3.1, 1.5])[seg]
    h0 = rng.beta(beta_a, beta_b)
    slope = rng.normal(0.0, 0.05, n)
    amp = rng.random(n) * 0.06
    freq = 2 * np.pi / (120.0 + rng.random(n) * 300.0)
    phase = rng.random(n) * 2 * np.pi

    p = _Portfolio(
        n=n, days=big_d,
        epoch_s=int((cfg.start_date - dt.date(1970, 1, 1)).days) * 86400,
        seg=seg, seats=seats, user_pool=user_pool, usage_scale=usage_scale, arr0=arr0,
        parent=parent, names=names, created_t=created_t, h0=h0, slope=slope, amp=amp,
        freq=freq, phase=phase, churn_t=np.full(n, _NEVER),
        decline_len=90.0 + rng.random(n) * 60.0, decline_low=0.05 + rng.random(n) * 0.15,
        silent=np.zeros(n, dtype=bool), silent_start=np.full(n, _NEVER),
        silent_low=0.08 + rng.random(n) * 0.12,
        no_survey=(rng.random(n) < 0.10) | is_int,
        peak_hour=np.array([9.5, 15.0, 18.0, 3.0])[_choice(rng, np.array([.4, .35, .17, .08]), n)],
        a_start=np.zeros(n, dtype=np.int64), a_end=np.zeros(n, dtype=np.int64),
        day_dow=np.zeros(big_d, dtype=np.int64), day_month=np.zeros(big_d, dtype=np.int64),
    )
    days = np.datetime64(cfg.start_date, "D") + np.arange(big_d)
    p.day_dow = ((days.astype(np.int64) + 3) % 7).astype(np.int64)  # 1970-01-01 was a Thursday
    p.day_month = (days.astype("datetime64[M]").astype(np.int64) % 12).astype(np.int64)

    # Churn: monthly hazard rising sharply as (base) health falls, over [start, end + 180d].
    n_months = int(np.ceil((big_d + 180) / 30.0))
    m_start = np.arange(n_months) * 30.0
    hb = _base_health(p, np.arange(n)[:, None], (m_start + 15.0)[None, :])
    # Churn pressure rises over the horizon (a tightening market), calibrated so that ~20% of
    # customers churn during the history and ~10% of the still-active ones within 180 days.
    x = (m_start + 15.0) / (big_d + 180.0)
    ramp = 0.4 + 0.8 * x + 2.2 * x**3
    hazard = np.minimum(0.5, 0.0072 * np.exp(-7.0 * (hb - 0.5)) * ramp[None, :])
    eligible_m = (m_start[None, :] >= created_t[:, None] + 30.0) & ~is_int[:, None]
    draw = (rng.random((n, n_months)) < hazard) & eligible_m
    has = draw.any(axis=1)
    churn_t = np.where(has, m_start[draw.argmax(axis=1)] + rng.random(n) * 30.0, _NEVER)
    churn_t[churn_t >= big_d + 180] = _NEVER
    p.churn_t = churn_t

    # Silent accounts (~3% of customers): alive at the end, no activity in the last 120 days.
    alive_end = (churn_t >= big_d) & ~is_int & (created_t <= big_d - 240)
    cand = np.flatnonzero(alive_end)
    n_silent = int(round(0.03 * n_cus))
    if cand.size and n_silent:
        w = (1.0 - h0[cand]) ** 2
        chosen = rng.choice(cand, size=min(n_silent, cand.size), replace=False, p=w / w.sum())
        p.silent[chosen] = True
        p.silent_start[chosen] = big_d - 200.0
        # Half of the silent accounts that were not already doomed churn within 180 days.
        doom = chosen[(churn_t[chosen] >= _NEVER) & (rng.random(chosen.size) < 0.5)]
        p.churn_t[doom] = big_d + rng.random(doom.size) * 179.0

    p.a_start = np.maximum(0, np.floor(created_t).astype(np.int64) + 1)
    a_end = np.minimum(big_d, np.floor(np.minimum(p.churn_t, big_d)).astype(np.int64))
    a_end = np.where(p.silent, np.minimum(a_end, big_d - 120), a_end)
    p.a_end = np.maximum(a_end, p.a_start)
    return p

