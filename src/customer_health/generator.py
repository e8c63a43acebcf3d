"""Deterministic, vectorised generator of the customer_health demo warehouse.

The generator simulates a B2B SaaS portfolio driven by one latent health per account and writes
it to DuckDB as the ``raw`` schema (the raw contract read by the dbt staging models) plus the
``demo_truth`` schema (the simulated ground truth used to evaluate the score).

Design notes
------------
* Every random stream is derived from ``(seed, component)`` so components are independent and the
  output is identical for identical configs.
* All per-event work is vectorised with numpy: usage is sampled as a Poisson count per
  account-day (dense matrix per chunk of accounts) and expanded with ``np.repeat``; tickets,
  surveys and touchpoints are non-homogeneous Poisson processes sampled by thinning.
* Internally times are float "days since history start" (day 0 = ``end_date - history_days + 1``,
  day ``D`` = the midnight after ``end_date``). Timestamps are floored to whole seconds.
* Frames are built compactly (integer keys, categoricals); string ids and the exact column types
  are produced by DuckDB SQL, both for :func:`write_warehouse` and for :func:`generate`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import resource
import sys
import time
from dataclasses import asdict, dataclass, field

import duckdb
import numpy as np
import pandas as pd

from customer_health.project import default_as_of_date

GENERATOR_VERSION = "1.1.0"

SEGMENTS = ("enterprise", "mid_market", "smb", "internal")
SEG_ENT, SEG_MID, SEG_SMB, SEG_INT = 0, 1, 2, 3

# Portfolio-wide seasonality (identical multiplicative factors for every account).
# Day of week uses Python's convention: 0 = Monday ... 6 = Sunday.
DOW_FACTORS = np.array([1.00, 1.06, 1.05, 1.02, 0.90, 0.36, 0.30])
# Month 1..12 (index 0 = January): December dip ~0.7, summer (August) dip ~0.85.
MOY_FACTORS = np.array([0.95, 1.00, 1.04, 1.02, 1.00, 0.97, 0.92, 0.85, 1.02, 1.05, 1.03, 0.70])

TICKET_STATUSES = ("new", "open", "pending", "solved", "closed")
TICKET_CATEGORIES = ("question", "bug", "feature_request", "complaint", "other")
TICKET_PRIORITIES = ("low", "normal", "high", "urgent")
TICKET_CHANNELS = ("email", "chat", "phone", "web")
SURVEY_TYPES = ("nps", "csat", "like")
# Share of post-ticket CSAT answers that carry only ticket_id (no account, no contact).
TICKET_ONLY_CSAT_SHARE = 0.20
SUBSCRIPTION_EVENT_TYPES = ("new", "renewal", "expansion", "contraction", "cancellation")
TOUCHPOINT_TYPES = (
    "email_open",
    "email_click",
    "content_view",
    "event_attended",
    "meeting",
    "social_like",
    "social_comment",
    "testimonial",
    "feedback",
)
EVENT_NAMES = (
    "login",
    "view_dashboard",
    "create_report",
    "edit_report",
    "export",
    "api_call",
    "search",
    "share_report",
    "invite_user",
    "update_settings",
    "run_automation",
)
# Event mix of a thriving account vs. a struggling one; an event draws from the healthy profile
# with probability equal to the account's latent health on that day.
_EVENT_P_HEALTHY = np.array([0.12, 0.22, 0.10, 0.09, 0.05, 0.20, 0.07, 0.06, 0.02, 0.02, 0.05])
_EVENT_P_UNHEALTHY = np.array([0.30, 0.32, 0.05, 0.04, 0.08, 0.06, 0.09, 0.02, 0.003, 0.02, 0.007])

_NAME_PREFIXES = (
    "Northwind", "Blue Harbor", "Summit", "Redwood", "Silverline", "Ironclad", "Bright Path",
    "Cedar", "Granite", "Lakeside", "Orion", "Pinnacle", "Quantum", "Riverstone", "Sterling",
    "Tidewater", "Evergreen", "Falcon", "Horizon", "Keystone", "Maple", "Nova", "Oakridge",
    "Polaris", "Sunrise", "Vertex", "Westbrook", "Atlas", "Beacon", "Cobalt", "Driftwood",
    "Emerald", "Frontier", "Golden Gate", "Harbor Point", "Juniper", "Lighthouse", "Meridian",
)
_NAME_NOUNS = (
    "Logistics", "Analytics", "Health", "Foods", "Manufacturing", "Capital", "Software",
    "Energy", "Retail", "Media", "Biotech", "Consulting", "Freight", "Insurance", "Labs",
    "Systems", "Partners", "Robotics", "Telecom", "Hospitality", "Education", "Motors",
    "Properties", "Pharma", "Networks", "Apparel", "Holdings", "Studios", "Security", "Travel",
)
_INTERNAL_TEAMS = (
    "Finance", "Sales", "Customer Success", "Marketing", "Engineering", "Support", "Product",
    "Operations", "People", "Legal", "Data", "Partnerships",
)
_FIRST_NAMES = (
    "Anna", "Ben", "Carla", "David", "Elena", "Felix", "Grace", "Hugo", "Irene", "Jonas",
    "Karin", "Liam", "Maria", "Noah", "Olivia", "Paul", "Quinn", "Rosa", "Samuel", "Tina",
    "Umar", "Vera", "William", "Xenia", "Yusuf", "Zoe", "Amir", "Bianca", "Chen", "Daria",
    "Emil", "Fatima", "George", "Hana", "Ivan", "Julia", "Kenji", "Lena", "Marco", "Nadia",
)
_LAST_NAMES = (
    "Smith", "Mueller", "Garcia", "Rossi", "Kowalski", "Nguyen", "Johnson", "Schmidt",
    "Martin", "Silva", "Andersson", "Dubois", "Novak", "Tanaka", "Brown", "Fischer", "Lopez",
    "Bianchi", "Jensen", "Kim", "Wilson", "Weber", "Moreau", "Costa", "Nielsen", "Horvat",
    "Sato", "Taylor", "Wagner", "Fernandez", "Ricci", "Berg", "Laurent", "Patel", "Evans",
)
_COMMENTS_NEG = (
    "Too many bugs lately, our team is frustrated.",
    "Support took far too long to respond.",
    "The product keeps crashing during exports.",
    "We are not getting the value we pay for.",
    "Reports are slow and often wrong.",
    "Onboarding was confusing and nobody followed up.",
    "Considering other vendors at renewal.",
    "The issue was closed without being fixed.",
    "Price increase is hard to justify.",
    "Integration with our CRM is unreliable.",
)
_COMMENTS_NEU = (
    "It does the job, nothing special.",
    "Ok overall, some features are missing.",
    "Decent support, average response time.",
    "Works fine but the UI could be simpler.",
    "Would like better documentation.",
    "Fair value for the price.",
)
_COMMENTS_POS = (
    "Great product, our team loves it!",
    "Support was fast and very helpful.",
    "Dashboards save us hours every week.",
    "Easy to use and reliable.",
    "The new automation features are fantastic.",
    "Our account manager is excellent.",
    "Best tool we have adopted this year.",
    "Quick fix, thank you!",
    "Rollout to the whole company went smoothly.",
)
_COMMENTS = _COMMENTS_NEG + _COMMENTS_NEU + _COMMENTS_POS
_TOUCHPOINT_DETAILS: dict[str, tuple[str, ...]] = {
    "email_open": ("Monthly newsletter", "Product update", "Webinar invitation", "Renewal notice"),
    "email_click": ("Monthly newsletter", "Product update", "Webinar invitation", "Case study"),
    "content_view": ("Blog: reporting best practices", "Help center: API guide",
                     "Video: dashboard tour", "Whitepaper: data-driven CS"),
    "event_attended": ("User conference", "Customer webinar", "Regional meetup"),
    "meeting": ("Quarterly business review", "Onboarding call", "Roadmap session",
                "Executive sponsor check-in"),
    "social_like": ("LinkedIn post", "Product launch post"),
    "social_comment": ("LinkedIn post", "Community forum thread"),
    "testimonial": ("Case study participation", "G2 review", "Reference call"),
    "feedback": ("Feature idea", "Beta program feedback", "Usability interview"),
}


@dataclass(frozen=True)
class GeneratorConfig:
    """Parameters of one generated demo warehouse.

    ``n_accounts`` includes the internal (employee team) accounts. The intensities multiply the
    event rates of the corresponding raw tables (values below 1 are allowed, e.g. to keep a
    100k-account benchmark at a chosen size).
    """

    n_accounts: int = 500
    history_days: int = 1095
    end_date: dt.date = field(default_factory=default_as_of_date)
    seed: int = 42
    usage_intensity: float = 1.0
    ticket_intensity: float = 1.0
    survey_intensity: float = 1.0
    touchpoint_intensity: float = 1.0
    n_internal: int | None = None

    def __post_init__(self) -> None:
        """Validate the parameters."""
        if self.n_accounts < 1:
            raise ValueError("n_accounts must be >= 1")
        if self.history_days < 180:
            raise ValueError("history_days must be >= 180")
        for name in ("usage", "ticket", "survey", "touchpoint"):
            if getattr(self, f"{name}_intensity") < 0:
                raise ValueError(f"{name}_intensity must be >= 0")
        if self.n_internal is not None and not 0 <= self.n_internal < self.n_accounts:
            raise ValueError("n_internal must be in [0, n_accounts)")

    @property
    def internal_count(self) -> int:
        """Number of internal accounts (default ~1%, at least 2 when n_accounts >= 50)."""
        if self.n_internal is not None:
            return self.n_internal
        n = int(round(0.01 * self.n_accounts))
        if self.n_accounts >= 50:
            n = max(n, 2)
        return min(n, self.n_accounts - 1)

    @property
    def start_date(self) -> dt.date:
        """First day of the history window."""
        return self.end_date - dt.timedelta(days=self.history_days - 1)


# --------------------------------------------------------------------------------------------
# Portfolio state
# --------------------------------------------------------------------------------------------


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


def _rng(cfg: GeneratorConfig, component: int, chunk: int = 0) -> np.random.Generator:
    return np.random.default_rng([cfg.seed, component, chunk])


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


def _choice_rows(rng: np.random.Generator, probs: np.ndarray) -> np.ndarray:
    """Sample one category per row of an (n, k) matrix of (unnormalised) probabilities."""
    cum = np.cumsum(probs, axis=1)
    u = rng.random(probs.shape[0]) * cum[:, -1]
    return (u[:, None] >= cum).sum(axis=1).clip(0, probs.shape[1] - 1).astype(np.int8)


def _choice(rng: np.random.Generator, weights: np.ndarray, size: int) -> np.ndarray:
    cum = np.cumsum(weights) / np.sum(weights)
    return np.searchsorted(cum, rng.random(size), side="right").clip(0, len(weights) - 1)


def _time_of_day(rng: np.random.Generator, peak: np.ndarray) -> np.ndarray:
    """Business-hours weighted time of day (fraction of a UTC day) around per-row peaks."""
    hours = peak + rng.normal(0.0, 2.6, peak.size)
    uniform = rng.random(peak.size) < 0.15
    hours = np.where(uniform, rng.random(peak.size) * 24.0, hours) % 24.0
    return hours / 24.0


def _poisson_candidates(
    rng: np.random.Generator, start: np.ndarray, end: np.ndarray, rate: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Homogeneous Poisson candidates on ``[start, end)`` per entity: (owner, day index)."""
    length = np.maximum(end - start, 0.0)
    k = rng.poisson(rate * length)
    owner = np.repeat(np.arange(start.size), k)
    t = start[owner] + rng.random(owner.size) * length[owner]
    return owner, np.floor(t)


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


# --------------------------------------------------------------------------------------------
# Tables (compact form: integer keys, float day times, categoricals)
# --------------------------------------------------------------------------------------------


class _Builder:
    """Builds the compact frames of all tables for one config."""

    def __init__(self, cfg: GeneratorConfig) -> None:
        self.cfg = cfg
        self.p = _portfolio(cfg)
        self.big_d = self.p.days
        self.load_cap = self.big_d + 0.25  # end_date + 1 day 06:00

    # -- helpers ---------------------------------------------------------------------------
    def ts(self, t: np.ndarray) -> np.ndarray:
        """Float days (NaN = null) -> datetime64[us] floored to seconds."""
        out = np.full(t.shape, np.iinfo(np.int64).min, dtype=np.int64)
        ok = np.isfinite(t)
        out[ok] = (self.p.epoch_s + np.floor(t[ok] * 86400.0).astype(np.int64)) * 1_000_000
        return out.view("datetime64[us]")

    def loaded(self, rng: np.random.Generator, t: np.ndarray) -> np.ndarray:
        """Loader landing time: event time plus minutes to a few hours, capped."""
        delay_min = np.clip(rng.lognormal(np.log(20.0), 1.1, t.size), 1.0, 360.0)
        return self.ts(np.minimum(t + delay_min / 1440.0, self.load_cap))

    def dow_ok(self, rng: np.random.Generator, day: np.ndarray) -> np.ndarray:
        """Thinning mask applying the portfolio day-of-week shape (weekends quieter)."""
        f = DOW_FACTORS[self.p.day_dow[day.astype(np.int64)]] / DOW_FACTORS.max()
        return rng.random(day.size) < f

    def pick_contact(self, rng: np.random.Generator, acct: np.ndarray, t: np.ndarray,
                     con: _Contacts) -> np.ndarray:
        """Random contact of the account that already existed at ``t`` (else the first)."""
        k = (rng.random(acct.size) * con.count[acct]).astype(np.int64)
        cid = con.offset[acct] + k
        bad = con.created_t[cid] > t
        cid[bad] = con.offset[acct[bad]]
        return cid

    # -- accounts & contacts ---------------------------------------------------------------
    def accounts(self, arr_now: np.ndarray) -> pd.DataFrame:
        p = self.p
        rng = _rng(self.cfg, 10)
        churned = p.churn_t < self.big_d
        churn = np.where(churned, p.churn_t, np.nan)
        return pd.DataFrame({
            "num": np.arange(1, p.n + 1, dtype=np.int64),
            "name": p.names,
            "segment": pd.Categorical.from_codes(p.seg, SEGMENTS),
            "parent_num": np.where(p.parent >= 0, p.parent + 1, -1),
            "created_at": self.ts(p.created_t),
            "churned_at": self.ts(churn),
            "is_internal": p.seg == SEG_INT,
            "arr": arr_now,
            "loaded_at": self.loaded(rng, np.fmax(p.created_t, churn)),
        })

    def contacts(self) -> tuple[_Contacts, pd.DataFrame]:
        p = self.p
        rng = _rng(self.cfg, 11)
        lo = np.array([4, 2, 1, 3])[p.seg]
        hi = np.array([8, 5, 3, 8])[p.seg]
        nc = rng.integers(lo, hi + 1)
        owner = np.repeat(np.arange(p.n), nc)
        first_pos = np.repeat(np.cumsum(nc) - nc, nc)
        rank = np.arange(owner.size) - first_pos
        ct = p.created_t[owner] + np.where(rank == 0, 0.0, rng.exponential(200.0, owner.size))
        limit = np.minimum(self.big_d, np.floor(np.minimum(p.churn_t, self.big_d)))
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
            "created_at": self.ts(ct),
            "loaded_at": self.loaded(rng, ct),
        })
        return con, frame

    # -- usage -----------------------------------------------------------------------------
    def usage(self) -> pd.DataFrame:
        p, cfg = self.p, self.cfg
        big_d = self.big_d
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
            "occurred_at": self.ts(t),
            "loaded_at": self.loaded(rng, t),
        })

    # -- tickets ---------------------------------------------------------------------------
    def tickets(self, con: _Contacts) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
        p, cfg = self.p, self.cfg
        rng = _rng(cfg, 30)
        big_d = self.big_d
        base = np.array([0.070, 0.040, 0.019, 0.008])[p.seg] * cfg.ticket_intensity
        k_h = 2.8
        lam_max = base * np.exp(k_h * 0.6)
        owner, day = _poisson_candidates(rng, p.a_start.astype(float), p.a_end.astype(float),
                                         lam_max)
        t = day + _time_of_day(rng, p.peak_hour[owner])
        h = _health(p, owner, t)
        accept = (rng.random(owner.size) < np.exp(k_h * (0.6 - h)) / np.exp(k_h * 0.6))
        accept &= self.dow_ok(rng, day)
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
        requester = self.pick_contact(rng, acct, t, con)
        acct_null = rng.random(n) < 0.10
        req_null = ~acct_null & (rng.random(n) < 0.04)
        last_t = np.fmax(np.fmax(t, fr_t), solve_t)
        frame = pd.DataFrame({
            "num": np.arange(1, n + 1, dtype=np.int64),
            "acct": np.where(acct_null, -1, acct + 1),
            "requester": np.where(req_null, -1, requester + 1),
            "created_at": self.ts(t),
            "first_response_at": self.ts(fr_t),
            "solved_at": self.ts(solve_t),
            "status": pd.Categorical.from_codes(status, TICKET_STATUSES),
            "category": pd.Categorical.from_codes(cat, TICKET_CATEGORIES),
            "priority": pd.Categorical.from_codes(pri, TICKET_PRIORITIES),
            "channel": pd.Categorical.from_codes(channel, TICKET_CHANNELS),
            "handle_minutes": handle,
            "reopen_count": reopen,
            "loaded_at": self.loaded(rng, last_t),
        })
        info = {"acct": acct, "solve_t": solve_t, "h": h, "requester": requester,
                "requester_null": req_null, "acct_null": acct_null, "reopen": reopen,
                "res_h": res_h}
        return frame, info

    # -- surveys ---------------------------------------------------------------------------
    def surveys(self, con: _Contacts, tk: dict[str, np.ndarray]) -> pd.DataFrame:
        p, cfg = self.p, self.cfg
        rng = _rng(cfg, 40)
        si = cfg.survey_intensity
        comment_pools = (
            np.arange(len(_COMMENTS_NEG)),
            len(_COMMENTS_NEG) + np.arange(len(_COMMENTS_NEU)),
            len(_COMMENTS_NEG) + len(_COMMENTS_NEU) + np.arange(len(_COMMENTS_POS)),
        )

        # NPS: per contact, roughly quarterly invitations answered with a contact propensity.
        co = con.owner
        c_start = np.maximum(p.a_start[co], np.floor(con.created_t) + 1.0)
        c_end = p.a_end[co].astype(float)
        propensity = np.where(p.no_survey[co], 0.0, rng.beta(2.0, 3.0, co.size))
        cid_n, day_n = _poisson_candidates(rng, c_start, c_end, propensity / 91.0 * si)
        acct_n = co[cid_n]
        t_n = day_n + _time_of_day(rng, p.peak_hour[acct_n])
        h_n = _health(p, acct_n, t_n)
        score_n = np.clip(np.round(rng.normal(1.2 + 9.3 * h_n, 1.6)), 0, 10).astype(np.int64)
        anon = rng.random(acct_n.size) < 0.03
        cid_n = np.where(anon, -1, cid_n)
        sent_n = np.where(score_n <= 6, 0, np.where(score_n <= 8, 1, 2))

        # CSAT: ~30% of solved tickets, answered a few hours after the solve.
        solved = np.isfinite(tk["solve_t"]) & ~p.no_survey[tk["acct"]]
        pick = np.flatnonzero(solved & (rng.random(solved.size) < min(1.0, 0.30 * si)))
        t_c = tk["solve_t"][pick] + rng.lognormal(np.log(3.0), 1.2, pick.size) / 24.0
        acct_c = tk["acct"][pick]
        ok = t_c < p.a_end[acct_c]
        pick, t_c, acct_c = pick[ok], t_c[ok], acct_c[ok]
        h_c = tk["h"][pick]
        mean_c = 1.3 + 3.8 * h_c - 0.5 * (tk["reopen"][pick] > 0) - 0.3 * (tk["res_h"][pick] > 96)
        score_c = np.clip(np.round(rng.normal(mean_c, 0.8)), 1, 5).astype(np.int64)
        cid_c = np.where(tk["requester_null"][pick], -1, tk["requester"][pick])
        sent_c = np.where(score_c <= 2, 0, np.where(score_c == 3, 1, 2))

        # Likes: in-app thumbs up/down micro evaluations per account.
        rate_l = np.where(p.no_survey, 0.0, 0.012 * np.sqrt(p.seats) * si)
        acct_l, day_l = _poisson_candidates(rng, p.a_start.astype(float), p.a_end.astype(float),
                                            rate_l)
        t_l = day_l + _time_of_day(rng, p.peak_hour[acct_l])
        h_l = _health(p, acct_l, t_l)
        score_l = (rng.random(acct_l.size) < 0.2 + 0.75 * h_l).astype(np.int64)
        cid_l = self.pick_contact(rng, acct_l, t_l, con)
        cid_l = np.where(rng.random(acct_l.size) < 0.4, -1, cid_l)

        acct = np.concatenate([acct_n, acct_c, acct_l])
        cid = np.concatenate([cid_n, cid_c, cid_l])
        t = np.concatenate([t_n, t_c, t_l])
        kind = np.concatenate([np.zeros(acct_n.size), np.ones(acct_c.size),
                               np.full(acct_l.size, 2)]).astype(np.int8)
        score = np.concatenate([score_n, score_c, score_l])
        ticket = np.concatenate([np.full(acct_n.size, -1), pick + 1, np.full(acct_l.size, -1)])
        sent = np.concatenate([sent_n, sent_c, np.zeros(acct_l.size, dtype=np.int64)])
        # Account id missing for a few responses that do carry a contact (or a ticket whose
        # account is missing).
        acct_null = (cid >= 0) & (rng.random(acct.size) < 0.05)
        csat_rows = kind == 1
        acct_null[csat_rows] = tk["acct_null"][pick] & (cid_c >= 0)
        comment = np.full(acct.size, -1, dtype=np.int64)
        has_c = (kind < 2) & (rng.random(acct.size) < 0.25)
        for s, pool in enumerate(comment_pools):
            m = has_c & (sent == s)
            comment[m] = pool[rng.integers(0, pool.size, int(m.sum()))]
        # Post-ticket CSAT sent by the helpdesk carries only the ticket: ~20% of CSAT answers
        # (about 2% of all answers) have neither account nor contact. Drawn from a stream of
        # its own so every other column stays as it was before this was added.
        ticket_only = csat_rows & (_rng(cfg, 41).random(acct.size) < TICKET_ONLY_CSAT_SHARE)
        acct_null = acct_null | ticket_only
        cid = np.where(ticket_only, -1, cid)
        order = np.lexsort((kind, t))
        acct, cid, t, kind, score, ticket, acct_null, comment = (
            x[order] for x in (acct, cid, t, kind, score, ticket, acct_null, comment))
        return pd.DataFrame({
            "num": np.arange(1, acct.size + 1, dtype=np.int64),
            "acct": np.where(acct_null, -1, acct + 1),
            "contact": np.where(cid >= 0, cid + 1, -1),
            "ticket": ticket,
            "survey_type": pd.Categorical.from_codes(kind, SURVEY_TYPES),
            "score": score,
            "comment": pd.Categorical.from_codes(comment, _COMMENTS),
            "responded_at": self.ts(t),
            "loaded_at": self.loaded(rng, t),
        })

    # -- subscriptions ---------------------------------------------------------------------
    def subscriptions(self) -> tuple[pd.DataFrame, np.ndarray]:
        p, cfg = self.p, self.cfg
        rng = _rng(cfg, 50)
        big_d = self.big_d
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
            "occurred_at": self.ts(t),
            "loaded_at": self.loaded(rng, t),
        })
        return frame, arr_now

    # -- touchpoints -----------------------------------------------------------------------
    def touchpoints(self, con: _Contacts) -> pd.DataFrame:
        p, cfg = self.p, self.cfg
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
        accept &= self.dow_ok(rng, day)
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
            "occurred_at": self.ts(t),
            "loaded_at": self.loaded(rng, t),
        })

    # -- truth -----------------------------------------------------------------------------
    def truth(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        p = self.p
        big_d = self.big_d
        idx = np.arange(p.n)
        t_start = np.maximum(p.created_t, 0.0)
        t_end = np.minimum(big_d - 0.5, p.churn_t)
        churn_day = np.where(p.churn_t < _NEVER, np.floor(p.churn_t), np.nan)
        accounts = pd.DataFrame({
            "num": idx + 1,
            "segment": pd.Categorical.from_codes(p.seg, SEGMENTS),
            "latent_health_start": _health(p, idx, t_start),
            "latent_health_at_end": _health(p, idx, t_end),
            "churn_date": self.ts(churn_day),
            "is_future_churner": (churn_day >= big_d) & (churn_day <= big_d - 1 + 180),
            "is_silent": p.silent,
        })
        seasonal = pd.DataFrame({
            "factor_type": ["day_of_week"] * 7 + ["month"] * 12,
            "key": list(range(7)) + list(range(1, 13)),
            "factor": np.r_[DOW_FACTORS, MOY_FACTORS],
        })
        return accounts, seasonal

    def build(self) -> dict[str, pd.DataFrame]:
        """Compact frames keyed by qualified target table name."""
        con, contacts = self.contacts()
        subs, arr_now = self.subscriptions()
        tickets, tk = self.tickets(con)
        truth_accounts, seasonal = self.truth()
        return {
            "raw.accounts": self.accounts(arr_now),
            "raw.contacts": contacts,
            "raw.tickets": tickets,
            "raw.usage_events": self.usage(),
            "raw.survey_responses": self.surveys(con, tk),
            "raw.subscription_events": subs,
            "raw.touchpoints": self.touchpoints(con),
            "demo_truth.accounts": truth_accounts,
            "demo_truth.seasonal_factors": seasonal,
        }


# --------------------------------------------------------------------------------------------
# SQL materialisation (exact raw contract types and string ids)
# --------------------------------------------------------------------------------------------


def _nid(prefix: str, col: str, width: int) -> str:
    return f"case when {col} >= 0 then format('{prefix}_{{:0{width}d}}', {col}) end::varchar"


def _render(sql: str, src: str, accounts: str) -> str:
    """Expand the ``@nid(prefix, column, width)``, ``@src`` and ``@accounts`` placeholders."""
    sql = re.sub(r"@nid\((\w+), (\w+), (\d+)\)",
                 lambda m: _nid(m.group(1), m.group(2), int(m.group(3))), sql)
    return sql.replace("@src", src).replace("@accounts", accounts)


_SELECTS: dict[str, str] = {
    "raw.accounts": """
        select format('acc_{:06d}', num)::varchar as account_id,
               name::varchar as account_name,
               segment::varchar as segment,
               @nid(acc, parent_num, 6) as parent_account_id,
               created_at::timestamp as created_at,
               churned_at::timestamp as churned_at,
               is_internal::boolean as is_internal,
               cast(round(arr, 2) as decimal(18, 2)) as arr,
               loaded_at::timestamp as _loaded_at
        from @src order by num""",
    "raw.contacts": """
        with c as (
            select c.*, a.is_internal,
                   case when a.is_internal then 'ourcompany'
                        else trim(regexp_replace(lower(a.name), '[^a-z0-9]+', '-', 'g'), '-')
                   end as domain
            from @src c join @accounts a on a.num = c.acct
        ), d as (
            select *, row_number() over (
                partition by domain, first_name, last_name order by num) as dup
            from c
        )
        select format('con_{:07d}', num)::varchar as contact_id,
               format('acc_{:06d}', acct)::varchar as account_id,
               case when not email_null then
                   lower(first_name::varchar) || '.' || lower(last_name::varchar)
                   || case when dup > 1 then dup::varchar else '' end
                   || '@' || domain || '.example' end::varchar as email,
               created_at::timestamp as created_at,
               loaded_at::timestamp as _loaded_at
        from d order by num""",
    "raw.tickets": """
        select format('tkt_{:08d}', num)::varchar as ticket_id,
               @nid(acc, acct, 6) as account_id,
               @nid(con, requester, 7) as requester_id,
               created_at::timestamp as created_at,
               first_response_at::timestamp as first_response_at,
               solved_at::timestamp as solved_at,
               status::varchar as status,
               category::varchar as category,
               priority::varchar as priority,
               channel::varchar as channel,
               case when handle_minutes >= 0 then handle_minutes end::integer as handle_minutes,
               case when reopen_count >= 0 then reopen_count end::integer as reopen_count,
               loaded_at::timestamp as _loaded_at
        from @src order by num""",
    "raw.usage_events": """
        select format('evt_{:010d}', num)::varchar as event_id,
               format('acc_{:06d}', acct)::varchar as account_id,
               case when user_num >= 0 then format('usr_{:06d}_{:02d}', acct, user_num)
               end::varchar as user_id,
               event_name::varchar as event_name,
               occurred_at::timestamp as occurred_at,
               loaded_at::timestamp as _loaded_at
        from @src""",
    "raw.survey_responses": """
        select format('srv_{:08d}', num)::varchar as response_id,
               @nid(acc, acct, 6) as account_id,
               @nid(con, contact, 7) as contact_id,
               @nid(tkt, ticket, 8) as ticket_id,
               survey_type::varchar as survey_type,
               score::integer as score,
               comment::varchar as comment,
               responded_at::timestamp as responded_at,
               loaded_at::timestamp as _loaded_at
        from @src order by num""",
    "raw.subscription_events": """
        select format('sub_{:07d}', num)::varchar as subscription_event_id,
               format('acc_{:06d}', acct)::varchar as account_id,
               event_type::varchar as event_type,
               cast(mrr_delta as decimal(18, 2)) as mrr_delta,
               occurred_at::timestamp as occurred_at,
               loaded_at::timestamp as _loaded_at
        from @src order by num""",
    "raw.touchpoints": """
        select format('tp_{:08d}', num)::varchar as touchpoint_id,
               @nid(acc, acct, 6) as account_id,
               @nid(con, contact, 7) as contact_id,
               touchpoint_type::varchar as touchpoint_type,
               detail::varchar as detail,
               occurred_at::timestamp as occurred_at,
               loaded_at::timestamp as _loaded_at
        from @src order by num""",
    "demo_truth.accounts": """
        select format('acc_{:06d}', num)::varchar as account_id,
               segment::varchar as segment,
               latent_health_start::double as latent_health_start,
               latent_health_at_end::double as latent_health_at_end,
               churn_date::date as churn_date,
               is_future_churner::boolean as is_future_churner,
               is_silent::boolean as is_silent
        from @src order by num""",
    "demo_truth.seasonal_factors": """
        select factor_type::varchar as factor_type, key::integer as key,
               factor::double as factor
        from @src""",
}

_ORDER_KEYS = {
    "raw.accounts": "account_id",
    "raw.contacts": "contact_id",
    "raw.tickets": "ticket_id",
    "raw.usage_events": "event_id",
    "raw.survey_responses": "response_id",
    "raw.subscription_events": "subscription_event_id",
    "raw.touchpoints": "touchpoint_id",
    "demo_truth.accounts": "account_id",
    "demo_truth.seasonal_factors": "factor_type, key",
}


def _sql(con: duckdb.DuckDBPyConnection, query: str, params: list[object] | None = None) -> list:
    """Execute ``query`` and fetch the complete result (leaves no pending result behind)."""
    return con.execute(query, params).fetchall() if params else con.execute(query).fetchall()


def _src_name(table: str) -> str:
    return "_gen_" + table.replace(".", "_")


def _materialise(
    con: duckdb.DuckDBPyConnection, compact: dict[str, pd.DataFrame], consume: bool = False
) -> dict[str, int]:
    """Create the target tables in ``con`` from the compact frames; return row counts.

    With ``consume`` the frames are removed from ``compact`` once written (frees memory).
    """
    _sql(con, "create schema if not exists raw")
    _sql(con, "create schema if not exists demo_truth")
    accounts_src = _src_name("raw.accounts")
    con.register(accounts_src, compact["raw.accounts"])
    counts: dict[str, int] = {}
    try:
        for table in list(compact):
            src = _src_name(table)
            if table != "raw.accounts":
                con.register(src, compact[table])
            sql = _render(_SELECTS[table], src, accounts_src)
            _sql(con, f"drop table if exists {table}")
            _sql(con, f"create table {table} as {sql}")
            counts[table] = int(_sql(con, f"select count(*) from {table}")[0][0])
            if table != "raw.accounts":
                con.unregister(src)
                if consume:
                    del compact[table]
    finally:
        con.unregister(accounts_src)
    return counts


# --------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------


def generate(config: GeneratorConfig) -> dict[str, pd.DataFrame]:
    """Generate the demo warehouse in memory.

    Returns a mapping ``"<schema>.<table>" -> DataFrame`` with the raw contract tables
    (``raw.accounts``, ``raw.contacts``, ``raw.tickets``, ``raw.usage_events``,
    ``raw.survey_responses``, ``raw.subscription_events``, ``raw.touchpoints``) and the truth
    tables (``demo_truth.accounts``, ``demo_truth.seasonal_factors``), each sorted by its id.
    The output is a pure function of ``config`` (the ``demo_truth.generation`` marker, which
    carries a wall-clock timestamp, is only written by :func:`write_warehouse`).
    """
    compact = _Builder(config).build()
    con = duckdb.connect()
    try:
        _materialise(con, compact)
        return {
            table: con.execute(f"select * from {table} order by {_ORDER_KEYS[table]}").df()
            for table in compact
        }
    finally:
        con.close()


def write_warehouse(db_path: str | os.PathLike[str], config: GeneratorConfig) -> dict[str, int]:
    """Generate the demo warehouse and write it into the DuckDB database at ``db_path``.

    Creates the ``raw`` and ``demo_truth`` schemas if missing, replaces their generated tables,
    writes the ``demo_truth.generation`` marker row, and returns the row count per table.
    """
    compact = _Builder(config).build()
    path = os.fspath(db_path)
    parent = os.path.dirname(path)
    if parent:
        os.makedirs(parent, exist_ok=True)
    con = duckdb.connect(path)
    try:
        counts = _materialise(con, compact, consume=True)
        _sql(con, "drop table if exists demo_truth.generation")
        _sql(
            con,
            """
            create table demo_truth.generation as
            select ?::bigint as seed, ?::integer as n_accounts, ?::integer as history_days,
                   ?::date as end_date, ?::timestamp as generated_at,
                   ?::varchar as generator_version, ?::integer as n_internal,
                   ?::double as usage_intensity, ?::double as ticket_intensity,
                   ?::double as survey_intensity, ?::double as touchpoint_intensity
            """,
            [
                config.seed, config.n_accounts, config.history_days, config.end_date,
                dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0),
                GENERATOR_VERSION, config.internal_count, config.usage_intensity,
                config.ticket_intensity, config.survey_intensity, config.touchpoint_intensity,
            ],
        )
        counts["demo_truth.generation"] = 1
        _sql(con, "checkpoint")
    finally:
        con.close()
    return counts


def _parse_date(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def main(argv: list[str] | None = None) -> int:
    """Command line entry point: generate and write a demo warehouse, print row counts."""
    defaults = GeneratorConfig()
    parser = argparse.ArgumentParser(
        prog="python -m customer_health.generator",
        description="Generate the deterministic customer_health demo warehouse into DuckDB.",
    )
    parser.add_argument("--accounts", type=int, default=defaults.n_accounts)
    parser.add_argument("--days", type=int, default=defaults.history_days,
                        help="days of history ending at --end-date (inclusive)")
    parser.add_argument("--end-date", type=_parse_date, default=defaults.end_date,
                        help="last day of history, YYYY-MM-DD (default: yesterday UTC)")
    parser.add_argument("--seed", type=int, default=defaults.seed)
    parser.add_argument("--internal", type=int, default=None, help="number of internal accounts")
    for name in ("usage", "ticket", "survey", "touchpoint"):
        parser.add_argument(f"--{name}-intensity", type=float, default=1.0)
    parser.add_argument("--db", default="data/customer_health.duckdb", help="DuckDB file")
    args = parser.parse_args(argv)
    config = GeneratorConfig(
        n_accounts=args.accounts, history_days=args.days, end_date=args.end_date,
        seed=args.seed, n_internal=args.internal, usage_intensity=args.usage_intensity,
        ticket_intensity=args.ticket_intensity, survey_intensity=args.survey_intensity,
        touchpoint_intensity=args.touchpoint_intensity,
    )
    started = time.perf_counter()
    counts = write_warehouse(args.db, config)
    elapsed = time.perf_counter() - started
    print(f"customer_health demo warehouse -> {args.db}")
    print("config: " + ", ".join(f"{k}={v}" for k, v in asdict(config).items()))
    for table, rows in counts.items():
        print(f"  {table:<30} {rows:>12,}")
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print(f"elapsed {elapsed:.1f} s, peak RSS {peak_mb:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
