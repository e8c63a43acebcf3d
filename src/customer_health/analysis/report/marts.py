"""The data of the HTML report: the marts it reads (Marts), a panel (Panel), the shared
figure layout and colours."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from customer_health.pipeline import relations

if TYPE_CHECKING:  # plotly and pandas load when the command runs, not with the CLI
    import pandas as pd

DEFAULT_OUT = Path("reports") / "health_report.html"
EXIT_USAGE = 2
AT_RISK_ROWS = 15
BAND_COLORS = {"red": "#d62728", "yellow": "#e7ba00", "green": "#2ca02c", "grey": "#9e9e9e"}
# the reasons data_quality_summary gives an unconnected source (issue 13, sources not connected)
SOURCE_REASONS = ("source_missing", "source_sparse")
# the backtest marts: empty while the daily history is shorter than the horizon
BACKTEST_MARTS = {"health_score_fitness", "health_score_calibration", "health_score_lead_time",
                  "health_score_stability", "health_criteria_diagnostics"}


class ReportError(Exception):
    """The report cannot be written (no warehouse, no marts): one line, exit 2."""


@dataclass
class Panel:
    """One panel: a chart (figure) or the reason it is not available."""

    key: str
    title: str
    caption: str
    figure: Any = None  # plotly.graph_objects.Figure
    unavailable: str | None = None


class Marts:
    """Read-only access to the warehouse the report is drawn from."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        """Use an open (read-only) connection."""
        self.con = con
        self.tables = {
            f"{s}.{t}" for s, t in con.execute(
                "select table_schema, table_name from information_schema.tables"
            ).fetchall()
        }

    def has(self, relation: str) -> bool:
        """True when schema.table exists (a mart where the build put it:
        pipeline.relations)."""
        if isinstance(self.con, relations.Warehouse):
            return self.con.resolver.has(*relation.split(".", 1))
        return relation in self.tables

    def df(self, sql: str, params: list | None = None) -> pd.DataFrame:
        """Run a query and return a DataFrame."""
        return self.con.execute(sql, params or []).df()

    def missing(self, *relations: str) -> str | None:
        """The reason a panel cannot draw when one of the relations is absent or empty."""
        for relation in relations:
            if not self.has(relation):
                return f"{relation} is not in this warehouse"
        for relation in relations:
            if self.con.execute(f"select count(*) from {relation}").fetchone()[0] == 0:
                hint = (" (the daily history is shorter than the backtest horizon: set "
                        "HEALTH_SCORE_HISTORY_DAYS or run customer-health backfill)"
                        if relation.split(".")[-1] in BACKTEST_MARTS else "")
                return f"{relation} has no rows{hint}"
        return None

    def band_colors(self) -> dict[str, str]:
        """band -> colour, from config.health_bands (insufficient_data grey)."""
        colors = {"insufficient_data": BAND_COLORS["grey"]}
        if self.has("config.health_bands"):
            for band, color in self.con.execute(
                "select band, color from config.health_bands"
            ).fetchall():
                colors[band] = BAND_COLORS.get(color, color)
        return colors

    def band_order(self) -> list[str]:
        """Bands from the worst to the best, then insufficient_data."""
        bands = []
        if self.has("config.health_bands"):
            bands = [r[0] for r in self.con.execute(
                "select band from config.health_bands order by sort_order").fetchall()]
        return [*bands, "insufficient_data"]


def _figure(**layout: Any):
    """An empty figure with the report's layout."""
    import plotly.graph_objects as go

    settings: dict[str, Any] = dict(template="plotly_white", height=380,
                                    margin=dict(l=50, r=20, t=30, b=50),
                                    legend=dict(orientation="h", y=-0.2))
    settings.update(layout)
    fig = go.Figure()
    fig.update_layout(**settings)
    return fig
