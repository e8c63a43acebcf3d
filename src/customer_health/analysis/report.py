"""`customer-health report` (`make report`): one self-contained HTML file from the marts.

Plotly figures with plotly.js embedded once in the page: no server, no network. Each
panel draws a chart from the warehouse, or says "not available: <reason>" when its data
is missing (a mart not built yet, such as the backtest marts, or an empty table), so the
report works on any built warehouse. tests/python/test_report.py renders it in headless
Chromium and checks that every chart drew without a script error.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from customer_health.pipeline import settings

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
        """True when schema.table exists."""
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


def panel_bands_over_time(m: Marts) -> Panel:
    """Accounts per band on each stored day (marts.health_score_daily)."""
    import plotly.graph_objects as go

    panel = Panel("bands_over_time", "Band distribution over time",
                  "External accounts per band on each day of marts.health_score_daily.")
    if reason := m.missing("marts.health_score_daily"):
        panel.unavailable = reason
        return panel
    internal = ("coalesce(s.is_internal, false)" if m.has("marts.health_score") else "false")
    join = ("left join marts.health_score as s on d.account_id = s.account_id"
            if m.has("marts.health_score") else "")
    data = m.df(f"""
        select d.score_date, d.band, count(*) as accounts
        from marts.health_score_daily as d {join}
        where not {internal}
        group by 1, 2 order by 1, 2
    """)
    fig = _figure(barmode="stack", yaxis_title="accounts", bargap=0)
    colors = m.band_colors()
    for band in [b for b in m.band_order() if b in set(data["band"])]:
        rows = data[data["band"] == band]
        fig.add_trace(go.Bar(x=rows["score_date"], y=rows["accounts"], name=band,
                             marker_color=colors.get(band)))
    panel.figure = fig
    return panel


def panel_score_distribution(m: Marts) -> Panel:
    """Histogram of today's scores by band."""
    import plotly.graph_objects as go

    panel = Panel("score_distribution", "Score distribution",
                  "Today's health score of the external accounts (marts.health_score).")
    if reason := m.missing("marts.health_score"):
        panel.unavailable = reason
        return panel
    data = m.df("select health_score, band from marts.health_score "
                "where not is_internal and health_score is not null")
    if data.empty:
        panel.unavailable = "no external account has a score today"
        return panel
    fig = _figure(barmode="stack", xaxis_title="health score", yaxis_title="accounts")
    colors = m.band_colors()
    for band in [b for b in m.band_order() if b in set(data["band"])]:
        fig.add_trace(go.Histogram(x=data.loc[data["band"] == band, "health_score"], name=band,
                                   xbins=dict(start=0, end=101, size=5),
                                   marker_color=colors.get(band)))
    fig.update_xaxes(range=[0, 101])
    panel.figure = fig
    return panel


def panel_at_risk(m: Marts) -> Panel:
    """The most at-risk accounts with their top driver and its evidence."""
    import plotly.graph_objects as go

    panel = Panel("at_risk", "At-risk accounts and their drivers",
                  f"The {AT_RISK_ROWS} lowest scores today, the criterion that costs each the "
                  "most points and its evidence (marts.health_score, health_score_criteria).")
    if reason := m.missing("marts.health_score", "marts.health_score_criteria"):
        panel.unavailable = reason
        return panel
    data = m.df(f"""
        select s.account_name, s.segment, s.health_score, s.band, s.score_change_30d,
            s.top_negative_driver, c.evidence
        from marts.health_score as s
        left join marts.health_score_criteria as c
            on s.account_id = c.account_id and s.top_negative_driver = c.criterion
        where s.health_score is not null and not s.is_internal
        order by s.health_score, s.arr_amount desc nulls last, s.account_id
        limit {AT_RISK_ROWS}
    """)
    if data.empty:
        panel.unavailable = "no external account has a score today"
        return panel
    headers = ["account", "segment", "score", "band", "30-day change", "top driver", "evidence"]
    cells = [data[c].astype(object).where(data[c].notna(), "").tolist() for c in data.columns]
    fig = _figure(height=70 + 31 * len(data))
    fig.add_trace(go.Table(
        columnwidth=[110, 70, 45, 70, 60, 120, 320],
        header=dict(values=headers, fill_color="#eeeeee", align="left"),
        cells=dict(values=cells, align="left", height=30),
    ))
    fig.update_layout(margin=dict(l=10, r=10, t=10, b=10))
    panel.figure = fig
    return panel


def panel_contributions(m: Marts) -> Panel:
    """Average points lost per criterion, by band."""
    import plotly.graph_objects as go

    panel = Panel("criterion_contributions", "Criterion contributions",
                  "Average points each criterion costs an account today (effective weight "
                  "minus points), by band (marts.health_score_criteria).")
    if reason := m.missing("marts.health_score", "marts.health_score_criteria"):
        panel.unavailable = reason
        return panel
    data = m.df("""
        select s.band, c.criterion, avg(c.points_lost) as points_lost
        from marts.health_score_criteria as c
        inner join marts.health_score as s on c.account_id = s.account_id
        where not s.is_internal and s.health_score is not null
        group by 1, 2 order by 2
    """)
    if data.empty:
        panel.unavailable = "no scored external account today"
        return panel
    fig = _figure(barmode="group", yaxis_title="average points lost")
    colors = m.band_colors()
    for band in [b for b in m.band_order() if b in set(data["band"])]:
        rows = data[data["band"] == band]
        fig.add_trace(go.Bar(x=rows["criterion"], y=rows["points_lost"], name=band,
                             marker_color=colors.get(band)))
    panel.figure = fig
    return panel


def _main_horizon(m: Marts, relation: str) -> int | None:
    """The horizon a backtest panel shows: 90 days when present, else the shortest."""
    horizons = [r[0] for r in m.con.execute(
        f"select distinct horizon_days from {relation} order by 1").fetchall()]
    if not horizons:
        return None
    return 90 if 90 in horizons else horizons[0]


def panel_churn_by_band(m: Marts) -> Panel:
    """Churn rate by band from the backtest (mean over evaluation dates) and AUC."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    panel = Panel("churn_by_band", "Churn rate by band (backtest)",
                  "Share of accounts of each band that churned within the horizon, mean over "
                  "the evaluation dates, and the AUC on each date (marts.health_score_fitness, "
                  "segment all).")
    if reason := m.missing("marts.health_score_fitness"):
        panel.unavailable = reason
        return panel
    horizon = _main_horizon(m, "marts.health_score_fitness")
    data = m.df("""
        select evaluation_date, auc, churn_rate, churn_rate_churn_risk, churn_rate_neutral,
            churn_rate_healthy
        from marts.health_score_fitness
        where segment = 'all' and horizon_days = ? order by evaluation_date
    """, [horizon])
    if data.empty:
        panel.unavailable = "marts.health_score_fitness has no overall (segment all) rows"
        return panel
    panel.caption += f" Horizon {horizon} days, {len(data)} evaluation dates."
    fig = make_subplots(rows=1, cols=2, subplot_titles=("churn rate by band", "AUC by date"))
    colors = m.band_colors()
    bands = ["churn_risk", "neutral", "healthy"]
    fig.add_trace(go.Bar(
        x=bands, y=[100 * data[f"churn_rate_{b}"].mean() for b in bands], name="churn rate %",
        marker_color=[colors.get(b) for b in bands], showlegend=False), row=1, col=1)
    fig.add_trace(go.Scatter(x=data["evaluation_date"], y=data["auc"], mode="lines+markers",
                             name="AUC", showlegend=False), row=1, col=2)
    fig.update_yaxes(title_text="% churned", row=1, col=1)
    fig.update_yaxes(range=[0, 1], row=1, col=2)
    fig.update_layout(template="plotly_white", height=380, margin=dict(l=50, r=20, t=40, b=50))
    panel.figure = fig
    return panel


def panel_calibration(m: Marts) -> Panel:
    """Churn rate per score decile (marts.health_score_calibration)."""
    import plotly.graph_objects as go

    panel = Panel("calibration", "Calibration (backtest)",
                  "Churn rate per score decile: a good score has churn falling from the "
                  "lowest decile to the highest (marts.health_score_calibration).")
    if reason := m.missing("marts.health_score_calibration"):
        panel.unavailable = reason
        return panel
    horizon = _main_horizon(m, "marts.health_score_calibration")
    data = m.df("""
        select bucket, bucket_order, score_min, score_max, observations, churn_rate
        from marts.health_score_calibration
        where bucket_type = 'decile' and horizon_days = ? order by bucket_order
    """, [horizon])
    if data.empty:
        panel.unavailable = "marts.health_score_calibration has no decile rows"
        return panel
    labels = [f"{b} ({lo:g}-{hi:g})" for b, lo, hi in
              zip(data["bucket"], data["score_min"], data["score_max"], strict=True)]
    fig = _figure(xaxis_title="score decile (score range)", yaxis_title="% churned")
    fig.add_trace(go.Bar(x=labels, y=100 * data["churn_rate"], name="churn rate",
                         customdata=data["observations"],
                         hovertemplate="%{x}: %{y:.1f} % of %{customdata} churned"))
    panel.caption += f" Horizon {horizon} days."
    panel.figure = fig
    return panel


def panel_lead_time(m: Marts) -> Panel:
    """Days between first entering churn_risk and churning (p25, median, p75)."""
    import plotly.graph_objects as go

    panel = Panel("lead_time", "Lead time",
                  "Days between an account first entering churn_risk and churning: median "
                  "with p25-p75, and the share of churners never flagged "
                  "(marts.health_score_lead_time).")
    if reason := m.missing("marts.health_score_lead_time"):
        panel.unavailable = reason
        return panel
    horizon = _main_horizon(m, "marts.health_score_lead_time")
    data = m.df("""
        select segment, churners, churners_flagged, share_never_flagged, lead_days_p25,
            lead_days_median, lead_days_p75
        from marts.health_score_lead_time where horizon_days = ?
        order by case when segment = 'all' then 0 else 1 end, segment
    """, [horizon])
    fig = _figure(yaxis_title="days of warning")
    median = data["lead_days_median"].astype(float)
    fig.add_trace(go.Bar(
        x=data["segment"], y=median, name="median lead days",
        error_y=dict(type="data", symmetric=False,
                     array=(data["lead_days_p75"].astype(float) - median).tolist(),
                     arrayminus=(median - data["lead_days_p25"].astype(float)).tolist()),
        text=[f"{100 * s:.0f} % never flagged ({int(c)} churners)"
              for s, c in zip(data["share_never_flagged"].fillna(0), data["churners"],
                              strict=True)],
        textposition="outside"))
    panel.caption += f" Horizon {horizon} days."
    panel.figure = fig
    return panel


def panel_seasonality(m: Marts) -> Panel:
    """The pooled seasonal indices of the latest score date."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    panel = Panel("seasonal_indices", "Seasonal indices",
                  "The portfolio's pooled usage indices on the latest score date (1 = an "
                  "average day); usage is compared with them, so a dip every customer has "
                  "does not lower scores (intermediate.int_seasonal_indices_computed).")
    if reason := m.missing("intermediate.int_seasonal_indices_computed"):
        panel.unavailable = reason
        return panel
    data = m.df("""
        select period_type, period_number, seasonal_index
        from intermediate.int_seasonal_indices_computed
        where score_date = (select max(score_date)
                            from intermediate.int_seasonal_indices_computed)
        order by 1, 2
    """)
    fig = make_subplots(rows=1, cols=2, subplot_titles=("day of week", "month of year"))
    for col, period in enumerate(("day_of_week", "month_of_year"), start=1):
        rows = data[data["period_type"] == period]
        fig.add_trace(go.Bar(x=rows["period_number"], y=rows["seasonal_index"], name=period,
                             showlegend=False), row=1, col=col)
    fig.add_hline(y=1.0, line_dash="dot", line_color="#777777")
    fig.update_layout(template="plotly_white", height=380, margin=dict(l=50, r=20, t=40, b=50))
    panel.figure = fig
    return panel


def panel_data_quality(m: Marts) -> Panel:
    """Raw rows accepted, repaired and set aside per table (marts.data_quality_summary)."""
    import plotly.graph_objects as go

    panel = Panel("data_quality", "Data quality: rejections",
                  "Raw rows per table by what staging did with them (marts.data_quality_"
                  "summary); the rejected and repaired rows are in marts.rejected_rows.")
    if reason := m.missing("marts.data_quality_summary"):
        panel.unavailable = reason
        return panel
    excluded = " and ".join(f"reason not like '{r}%'" for r in SOURCE_REASONS)
    data = m.df(f"""
        select source_table, severity || case when severity = 'accepted' then ''
            else ': ' || reason end as what, sum(row_count) as row_count
        from marts.data_quality_summary where {excluded}
        group by 1, 2 order by 1, 2
    """)
    set_aside = data[~data["what"].str.startswith("accepted")]
    fig = _figure(barmode="stack", xaxis_title="raw rows (log scale)", xaxis_type="log",
                  height=max(320, 60 + 45 * data["source_table"].nunique()))
    for what in sorted(set(data["what"])):
        rows = data[data["what"] == what]
        fig.add_trace(go.Bar(y=rows["source_table"], x=rows["row_count"], name=what,
                             orientation="h"))
    panel.caption += (f" {int(set_aside['row_count'].sum())} rows set aside or repaired."
                      if not set_aside.empty else " Every raw row was accepted as it came.")
    panel.figure = fig
    return panel


def panel_missing_sources(m: Marts) -> Panel:
    """Sources that are not connected (source_missing / source_sparse)."""
    import plotly.graph_objects as go

    panel = Panel("missing_sources", "Missing sources",
                  "Criteria whose raw sources deliver no rows (source_missing) or rows for too "
                  "few accounts (source_sparse): excluded, their weight redistributed.")
    if reason := m.missing("marts.data_quality_summary"):
        panel.unavailable = reason
        return panel
    like = " or ".join(f"reason like '{r}%'" for r in SOURCE_REASONS)
    data = m.df(f"""
        select source_table, reason, max(load_date) as load_date
        from marts.data_quality_summary where {like}
        group by 1, 2 order by 1, 2
    """)
    statuses = m.df(f"""
        select criterion, status, count(*) as accounts from marts.health_score_criteria
        where status in ({', '.join(repr(r) for r in SOURCE_REASONS)})
        group by 1, 2 order by 1, 2
    """) if m.has("marts.health_score_criteria") else None
    if data.empty and (statuses is None or statuses.empty):
        panel.unavailable = ("no source_missing or source_sparse rows in "
                             "marts.data_quality_summary: every source is connected")
        return panel
    fig = _figure(height=120 + 32 * max(len(data), 1))
    fig.add_trace(go.Table(
        columnwidth=[120, 420, 80],
        header=dict(values=["source", "reason", "last load date"], fill_color="#eeeeee",
                    align="left"),
        cells=dict(values=[data["source_table"].tolist(), data["reason"].tolist(),
                           data["load_date"].astype(str).tolist()], align="left")))
    fig.update_layout(margin=dict(l=10, r=10, t=10, b=10))
    if statuses is not None and not statuses.empty:
        panel.caption += " Accounts per criterion today: " + ", ".join(
            f"{c} {s} {n}" for c, s, n in statuses.itertuples(index=False)) + "."
    panel.figure = fig
    return panel


# in page order: the grid holds two panels a row, the band history and the at-risk list
# take a whole row each
PANELS = (panel_bands_over_time, panel_score_distribution, panel_contributions, panel_at_risk,
          panel_churn_by_band, panel_calibration, panel_lead_time, panel_seasonality,
          panel_data_quality, panel_missing_sources)


def build_panels(db_path: Path) -> tuple[list[Panel], dict[str, Any]]:
    """Every panel of the report and the header facts, read from the warehouse."""
    if not db_path.exists():
        raise ReportError(f"no warehouse at {db_path}: run `customer-health run` first")
    try:
        con = duckdb.connect(str(db_path), read_only=True)
    except duckdb.Error as exc:
        raise ReportError(f"cannot open {db_path}: {str(exc).splitlines()[0]}") from exc
    try:
        m = Marts(con)
        if not m.has("marts.health_score"):
            raise ReportError(f"{db_path} holds no built marts (marts.health_score): run "
                              "`customer-health run` first")
        facts = dict(zip(("score_date", "accounts", "external", "config_version"), con.execute(
            "select max(score_date), count(*), count(*) filter (where not is_internal), "
            "max(config_version) from marts.health_score").fetchone(), strict=True))
        panels = []
        for make in PANELS:
            try:
                panels.append(make(m))
            except duckdb.Error as exc:  # a mart of another shape (an older or newer build)
                name = make.__name__.removeprefix("panel_")
                panels.append(Panel(name, name.replace("_", " "), "",
                                    unavailable=f"query failed: {str(exc).splitlines()[0]}"))
        return panels, facts
    finally:
        con.close()


CSS = """
body { font-family: system-ui, sans-serif; margin: 24px; color: #222; background: #fafafa; }
header p { margin: 2px 0; color: #555; }
.grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(560px, 1fr)); gap: 16px; }
.panel { background: #fff; border: 1px solid #ddd; border-radius: 6px; padding: 12px 16px; }
.panel h2 { font-size: 1.05rem; margin: 0 0 4px; }
.panel p.caption { font-size: 0.85rem; color: #555; margin: 0 0 8px; }
.panel p.not-available { color: #8a6d00; background: #fff8e1; padding: 12px; }
.wide { grid-column: 1 / -1; }
"""


def render_html(panels: list[Panel], facts: dict[str, Any], db_path: Path) -> str:
    """The whole page: plotly.js inline in <head>, one <section> per panel."""
    import plotly.io as pio
    import plotly.offline

    body = []
    for panel in panels:
        wide = " wide" if panel.key in {"at_risk", "bands_over_time"} else ""
        head = (f'<h2>{html.escape(panel.title)}</h2>'
                f'<p class="caption">{html.escape(panel.caption)}</p>')
        if panel.figure is None:
            body.append(f'<section class="panel{wide}" id="panel-{panel.key}" data-chart="0">'
                        f'{head}<p class="not-available">not available: '
                        f'{html.escape(panel.unavailable or "no data")}</p></section>')
            continue
        div = pio.to_html(panel.figure, full_html=False, include_plotlyjs=False,
                          div_id=f"chart-{panel.key}",
                          config={"displaylogo": False, "responsive": True})
        body.append(f'<section class="panel{wide}" id="panel-{panel.key}" data-chart="1">'
                    f'{head}{div}</section>')
    drawn = sum(p.figure is not None for p in panels)
    generated = settings.utc_now().strftime("%Y-%m-%d %H:%M UTC")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Customer health report {facts['score_date']}</title>
<style>{CSS}</style>
<script type="text/javascript">{plotly.offline.get_plotlyjs()}</script>
</head><body>
<header><h1>Customer health report</h1>
<p>Scoring date {facts['score_date']}: {facts['accounts']} accounts scored
({facts['external']} external), configuration {html.escape(str(facts['config_version']))}.</p>
<p>Warehouse {html.escape(str(db_path))}; generated {generated}; {drawn} of {len(panels)}
panels drawn.</p></header>
<main class="grid">
{chr(10).join(body)}
</main></body></html>
"""


def write_report(db_path: Path, out: Path) -> tuple[Path, list[Panel]]:
    """Read the warehouse, write the HTML file (atomically), return it and its panels."""
    panels, facts = build_panels(db_path)
    page = render_html(panels, facts, db_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    partial.write_text(page, encoding="utf-8")
    partial.replace(out)
    return out, panels
