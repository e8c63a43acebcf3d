"""raw.survey_responses: NPS, CSAT (post-ticket) and like answers (compact frame)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from customer_health.generator.context import _Builder
from customer_health.generator.portfolio import (
    _Contacts,
    _health,
)
from customer_health.generator.sampling import (
    _poisson_candidates,
    _rng,
    _time_of_day,
)
from customer_health.generator.vocabulary import (
    _COMMENTS,
    _COMMENTS_NEG,
    _COMMENTS_NEU,
    _COMMENTS_POS,
    SURVEY_TYPES,
    TICKET_ONLY_CSAT_SHARE,
)


def surveys(b: _Builder, con: _Contacts, tk: dict[str, np.ndarray]) -> pd.DataFrame:
    """Compact frame of raw.survey_responses."""
    p, cfg = b.p, b.cfg
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
    cid_l = b.pick_contact(rng, acct_l, t_l, con)
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
        "responded_at": b.ts(t),
        "loaded_at": b.loaded(rng, t),
    })
