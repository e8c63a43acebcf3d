"""The benchmark tiers (portfolio sizes) and the raw tables they hold."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from customer_health.generator import GeneratorConfig

from customer_health.bench.common import END_DATE, SEED


@dataclasses.dataclass(frozen=True)
class Tier:
    """A benchmark portfolio: generator knobs (seed and end date are shared)."""

    name: str
    n_accounts: int
    history_days: int
    usage_intensity: float
    ticket_intensity: float = 0.8
    survey_intensity: float = 0.1
    touchpoint_intensity: float = 0.15
    purpose: str = ""


# Intensities calibrated with GENERATOR_VERSION 1.0.0 (seed 42, end 2026-06-30), usage events:
# S 200k, M 2.02M, L 11.83M (and 1.13M tickets, 370k survey responses, 539k touchpoints),
# L1y 6.18M.
TIERS: dict[str, Tier] = {
    tier.name: tier
    for tier in (
        Tier("S", 1_000, 730, 0.14, purpose="~200k usage events"),
        Tier("M", 20_000, 730, 0.068, purpose="~2M usage events"),
        Tier("L", 100_000, 730, 0.08, purpose=">=10M usage events, >=1M tickets"),
        Tier("L1y", 100_000, 365, 0.08, purpose="L with one year of history"),
    )
}


@dataclasses.dataclass(frozen=True)
class RawTable:
    """A raw contract table: its key and the timestamp the floor aggregates."""

    name: str
    id_column: str
    time_column: str
    is_event: bool  # an event table gets a new day appended for the incremental run


RAW_TABLES: tuple[RawTable, ...] = (
    RawTable("accounts", "account_id", "created_at", False),
    RawTable("contacts", "contact_id", "created_at", False),
    RawTable("usage_events", "event_id", "occurred_at", True),
    RawTable("tickets", "ticket_id", "created_at", True),
    RawTable("survey_responses", "response_id", "responded_at", True),
    RawTable("subscription_events", "subscription_event_id", "occurred_at", True),
    RawTable("touchpoints", "touchpoint_id", "occurred_at", True),
)


def tier_config(tier: Tier) -> GeneratorConfig:
    """Return the generator configuration of a tier."""
    from customer_health.generator import GeneratorConfig

    return GeneratorConfig(
        n_accounts=tier.n_accounts,
        history_days=tier.history_days,
        end_date=END_DATE,
        seed=SEED,
        usage_intensity=tier.usage_intensity,
        ticket_intensity=tier.ticket_intensity,
        survey_intensity=tier.survey_intensity,
        touchpoint_intensity=tier.touchpoint_intensity,
    )
