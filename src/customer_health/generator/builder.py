"""The order the tables of one config are built in (the table modules read the shared
state of generator.context)."""

from __future__ import annotations

import pandas as pd

from customer_health.generator import (
    accounts,
    csm,
    interactions,
    subscriptions,
    surveys,
    tickets,
    truth,
    usage,
)
from customer_health.generator.context import _Builder as _Context


class _Builder(_Context):
    """Builds the compact frames of all tables for one config."""

    def build(self) -> dict[str, pd.DataFrame]:
        """Compact frames keyed by qualified target table name."""
        con, contacts = accounts.contacts(self)
        subs, arr_now = subscriptions.subscriptions(self)
        ticket_frame, tk = tickets.tickets(self, con)
        truth_accounts, seasonal = truth.truth(self)
        return {
            "raw.accounts": accounts.accounts(self, arr_now),
            "raw.contacts": contacts,
            "raw.tickets": ticket_frame,
            "raw.usage_events": usage.usage(self),
            "raw.survey_responses": surveys.surveys(self, con, tk),
            "raw.subscription_events": subs,
            "raw.touchpoints": interactions.touchpoints(self, con),
            "raw.csm_sentiment": csm.csm_sentiment(self),
            "demo_truth.accounts": truth_accounts,
            "demo_truth.seasonal_factors": seasonal,
        }
