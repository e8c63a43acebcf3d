"""The state every table module of the generator reads: the config, the portfolio, and the
shared helpers (timestamps, load times, day-of-week thinning, contact picking)."""

from __future__ import annotations

import numpy as np

from customer_health.generator.config import GeneratorConfig
from customer_health.generator.portfolio import (
    _Contacts,
    _portfolio,
)
from customer_health.generator.vocabulary import DOW_FACTORS


class _Builder:
    """Builds the compact frames of all tables for one config."""

    def __init__(self, cfg: GeneratorConfig) -> None:
        self.cfg = cfg
        self.p = _portfolio(cfg)
        self.big_d = self.p.days
        self.load_cap = self.big_d + 0.25  # end_date + 1 day 06:00

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
