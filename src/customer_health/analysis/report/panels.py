"""The panels of the HTML report, one function each (PANELS, in page order): a chart from the
marts, or "not available: <reason>" when its data is missing."""

from __future__ import annotations

from customer_health.analysis.report.marts import (
    AT_RISK_ROWS,
    SOURCE_REASONS,
    Marts,
    Panel,
    _figure,
)


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


def panel_score_waterfall(m: Marts) -> Panel:
    """Why the score moved over 30 days, criterion by criterion, for the most at-risk accounts
    (marts.health_score_changes)."""
    import plotly.graph_objects as go

    panel = Panel("score_waterfall", "Why the score moved (30 days)",
                  "Score 30 days ago, each criterion's change in points (after weight "
                  "redistribution; rounding and an overall override close the sum) and the score "
                  "today, for the five lowest-scored external accounts with a 30-day comparison "
                  "(marts.health_score_changes).")
    if reason := m.missing("marts.health_score_changes", "marts.health_score"):
        panel.unavailable = reason
        return panel
    data = m.df("""
        with accounts as (
            select s.account_id, s.account_name, s.health_score
            from marts.health_score as s
            inner join marts.health_score_changes as c
                on s.account_id = c.account_id and c.window_days = 30 and c.is_comparable
            where not s.is_internal
            group by 1, 2, 3
            order by s.health_score, s.account_id
            limit 5
        )
        select a.account_name, a.health_score, c.criterion, c.score_then, c.score_now,
            cast(c.points_change as double) as points_change
        from accounts as a
        inner join marts.health_score_changes as c
            on a.account_id = c.account_id and c.window_days = 30
        where c.points_change <> 0
        order by a.health_score, a.account_name, abs(c.points_change) desc, c.criterion
    """)
    if data.empty:
        panel.unavailable = "no external account has a score today and 30 days ago"
        return panel
    fig = _figure(yaxis_title="points", showlegend=False, height=480)
    for name, rows in data.groupby("account_name", sort=False):
        then, now = int(rows["score_then"].iloc[0]), int(rows["score_now"].iloc[0])
        labels = ["30 days ago", *rows["criterion"], "today"]
        fig.add_trace(go.Waterfall(
            x=[[name] * len(labels), labels], y=[then, *rows["points_change"], now],
            measure=["absolute", *(["relative"] * len(rows)), "total"],
            name=name,
        ))
    fig.update_xaxes(type="multicategory")
    panel.figure = fig
    return panel


def panel_rollup(m: Marts) -> Panel:
    """Parent accounts' rolled-up score (marts.health_score_rollup)."""
    import plotly.graph_objects as go

    panel = Panel("rollup", "Account groups",
                  "Parent accounts: the group's rolled-up score and band, the descendants "
                  "scored, in insufficient_data and in churn_risk, the worst descendant "
                  "(marts.health_score_rollup).")
    if reason := m.missing("marts.health_score_rollup"):
        panel.unavailable = reason
        return panel
    data = m.df("""
        select account_id, rollup_method, rolled_up_score, rolled_up_band, descendants_scored,
            descendants_insufficient_data, descendants_churn_risk, worst_descendant_id,
            worst_descendant_score
        from marts.health_score_rollup
        order by rolled_up_score nulls first, account_id
        limit 20
    """)
    headers = ["parent", "method", "score", "band", "scored", "insufficient", "churn risk",
               "worst descendant", "its score"]
    cells = [data[c].astype(object).where(data[c].notna(), "").tolist() for c in data.columns]
    fig = _figure(height=70 + 31 * len(data))
    fig.add_trace(go.Table(
        header=dict(values=headers, fill_color="#eeeeee", align="left"),
        cells=dict(values=cells, align="left", height=30),
    ))
    fig.update_layout(margin=dict(l=10, r=10, t=10, b=10))
    panel.figure = fig
    return panel


# in page order: the grid holds two panels a row, the band history, the at-risk list and the
# score waterfall take a whole row each
PANELS = (panel_bands_over_time, panel_score_distribution, panel_contributions, panel_at_risk,
          panel_score_waterfall, panel_rollup, panel_churn_by_band, panel_calibration,
          panel_lead_time, panel_seasonality, panel_data_quality, panel_missing_sources)


