"""The run summary's lines on renewals, score changes and account groups (issue 25)."""

from __future__ import annotations

import duckdb

from customer_health.analysis.summary import issue25_lines


def test_issue25_lines_read_the_new_marts(tmp_path) -> None:
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    con.execute("create schema marts")
    con.execute(
        "create table marts.health_alerts as select * from (values "
        "('a1', 'renewal_at_risk', 1000.0), ('a2', 'renewal_at_risk', 500.0), "
        "('a3', 'sharp_drop', 0.0)) as t(account_id, alert_type, arr_at_risk)"
    )
    con.execute(
        "create table marts.health_score_changes as select * from (values "
        "('a1', 30, 'product_usage', true, -17, 'fell 17 points in 30 days: product_usage -17'), "
        "('a1', 30, 'rounding', true, -17, 'fell 17 points in 30 days: product_usage -17'), "
        "('a2', 30, 'product_usage', true, 3, 'rose 3 points in 30 days: product_usage +3'), "
        "('a1', 7, 'product_usage', true, -2, 'fell 2 points in 7 days: product_usage -2')"
        ") as t(account_id, window_days, criterion, is_comparable, score_change, change_explained)"
    )
    con.execute(
        "create table marts.health_score_rollup as select * from (values "
        "('p1', 'churn_risk'), ('p2', 'healthy')) as t(account_id, rolled_up_band)"
    )
    lines = issue25_lines(con)
    con.close()
    text = "\n".join(lines)
    assert "2 churn-risk accounts renew" in text and "ARR at risk 1,500" in text
    # one line per account (not per criterion row), falls only, the 30-day window
    assert text.count("fell 17 points in 30 days: product_usage -17") == 1
    assert "rose 3" not in text and "in 7 days" not in text
    assert "2 parent accounts rolled up, 1 of them in churn_risk" in text


def test_issue25_lines_skip_marts_not_built(tmp_path) -> None:
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    assert issue25_lines(con) == []
    con.close()


def _sentiment_tables(con: duckdb.DuckDBPyConnection, weighed: bool) -> None:
    con.execute("create schema intermediate")
    con.execute(
        "create table intermediate.int_criteria__csm_sentiment as select * from (values "
        "('a1', date '2026-06-30', 'ok', 'sentiment 1/5 by ann'), "
        "('a2', date '2026-06-30', 'no_data', 'stale: sentiment 4/5 by bob'), "
        "('a3', date '2026-06-30', 'no_data', 'no CSM sentiment reading'), "
        "('a1', date '2026-06-29', 'no_data', null)"
        ") as t(account_id, score_date, status, evidence)"
    )
    con.execute("create schema marts")
    rows = (
        "('a1', 'csm_sentiment', 'enterprise', 'ok', 7.1, 'sentiment 1/5 by ann'), "
        "('a2', 'csm_sentiment', 'enterprise', 'no_data', null, 'stale: sentiment 4/5 by bob'), "
        "('a3', 'csm_sentiment', 'enterprise', 'no_data', null, 'no CSM sentiment reading')"
        if weighed else "('a1', 'engagement', 'default', 'ok', 3.0, 'x')"
    )
    con.execute(
        f"create table marts.health_score_criteria as select * from (values {rows}) "
        "as t(account_id, criterion, scorecard, status, raw_value, evidence)"
    )


def test_sentiment_line_when_weighed(tmp_path) -> None:
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    _sentiment_tables(con, weighed=True)
    text = "\n".join(issue25_lines(con))
    con.close()
    assert ("CSM sentiment (criterion csm_sentiment, scorecards enterprise): 1 of 3 accounts "
            "count a current reading, 1 stale") in text
    assert "lowest: a1 sentiment 1/5 by ann" in text


def test_sentiment_line_when_read_but_not_weighed(tmp_path) -> None:
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    _sentiment_tables(con, weighed=False)
    text = "\n".join(issue25_lines(con))
    con.close()
    assert "CSM sentiment: 1 accounts have a current reading" in text
    assert "no scorecard weighs criterion csm_sentiment" in text
    assert "health_weights_csm_sentiment.csv" in text
