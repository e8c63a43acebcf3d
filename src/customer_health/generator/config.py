"""The parameters of one generated warehouse (GeneratorConfig) and the generator version."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from customer_health.pipeline.settings import default_as_of_date

GENERATOR_VERSION = "1.2.0"


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
