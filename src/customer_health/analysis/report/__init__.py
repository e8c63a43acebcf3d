"""`customer-health report` (`make report`): one self-contained HTML file from the marts.

Plotly figures with plotly.js embedded once in the page: no server, no network. Each
panel draws a chart from the warehouse, or says "not available: <reason>" when its data
is missing (a mart not built yet, such as the backtest marts, or an empty table), so the
report works on any built warehouse. tests/e2e/test_report.py renders it in headless
Chromium and checks that every chart drew without a script error.

Modules: marts (the data read, Panel), panels (one function per panel), this module (the
page: build_panels, render_html, write_report).
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

import duckdb

from customer_health.analysis.report.marts import (
    DEFAULT_OUT,
    EXIT_USAGE,
    Marts,
    Panel,
    ReportError,
)
from customer_health.analysis.report.panels import PANELS
from customer_health.pipeline import relations, settings

__all__ = ["DEFAULT_OUT", "EXIT_USAGE", "PANELS", "Marts", "Panel", "ReportError",
           "build_panels", "render_html", "write_report"]


def build_panels(db_path: Path) -> tuple[list[Panel], dict[str, Any]]:
    """Every panel of the report and the header facts, read from the warehouse."""
    if not db_path.exists():
        raise ReportError(f"no warehouse at {db_path}: run `customer-health run` first")
    try:
        con = relations.connect(db_path)
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
        wide = " wide" if panel.key in {"at_risk", "bands_over_time", "score_waterfall"} else ""
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
