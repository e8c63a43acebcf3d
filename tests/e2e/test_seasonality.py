"""Seasonal indices: equal to statsmodels with mean aggregation; portfolio-wide dips do
not move usage scores, an account's own drop does. The synthetic warehouse here holds
only the raw contract's columns, so it also proves a build needs no generator."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from statsmodels.tsa.seasonal import seasonal_decompose

from conftest import SMALL_AS_OF, Warehouse, copy_project

CONTRACT_DDL = [
    "create schema if not exists raw",
    """create or replace table raw.accounts (account_id varchar, account_name varchar,
        segment varchar, parent_account_id varchar, created_at timestamp,
        churned_at timestamp, is_internal boolean, arr decimal(18, 2))""",
    """create or replace table raw.contacts (contact_id varchar, account_id varchar,
        email varchar, created_at timestamp)""",
    """create or replace table raw.tickets (ticket_id varchar, account_id varchar,
        requester_id varchar, created_at timestamp, first_response_at timestamp,
        solved_at timestamp, status varchar, category varchar, priority varchar,
        channel varchar, handle_minutes integer, reopen_count integer)""",
    """create or replace table raw.usage_events (event_id varchar, account_id varchar,
        user_id varchar, event_name varchar, occurred_at timestamp)""",
    """create or replace table raw.survey_responses (response_id varchar, account_id varchar,
        contact_id varchar, ticket_id varchar, survey_type varchar, score integer,
        comment varchar, responded_at timestamp)""",
    """create or replace table raw.subscription_events (subscription_event_id varchar,
        account_id varchar, event_type varchar, mrr_delta decimal(18, 2),
        occurred_at timestamp)""",
    """create or replace table raw.touchpoints (touchpoint_id varchar, account_id varchar,
        contact_id varchar, touchpoint_type varchar, detail varchar, occurred_at timestamp)""",
]

DOW = [1.15, 1.2, 1.2, 1.15, 1.0, 0.35, 0.3]  # Monday..Sunday
MONTH = [1.0, 1.05, 1.05, 1.0, 1.0, 0.95, 0.9, 0.8, 1.0, 1.05, 1.1, 0.7]
START, END = dt.date(2023, 1, 1), dt.date(2025, 12, 31)


def write_seasonal_warehouse(db: Path, n_accounts: int = 30) -> None:
    """Accounts whose usage follows the same weekly and yearly pattern; acc_drop halves
    its December 2025 usage on its own."""
    rng = np.random.default_rng(3)
    days = pd.date_range(START, END, freq="D")
    factor = np.array([DOW[d.weekday()] * MONTH[d.month - 1] for d in days])
    frames = []
    for i in range(n_accounts):
        account = "acc_drop" if i == 0 else f"acc_{i:03d}"
        level = 20 + 2 * i
        expected = level * factor
        if account == "acc_drop":
            expected = np.where((days >= "2025-12-01"), expected * 0.5, expected)
        counts = rng.poisson(expected)
        frames.append(
            pd.DataFrame(
                {
                    "account_id": account,
                    "occurred_at": np.repeat(days + pd.Timedelta(hours=10), counts),
                }
            )
        )
    events = pd.concat(frames, ignore_index=True)
    events["event_id"] = [f"evt_{n}" for n in range(len(events))]
    events["user_id"] = None
    events["event_name"] = "login"
    con = duckdb.connect(str(db))
    try:
        for statement in CONTRACT_DDL:
            con.execute(statement)
        con.execute(
            """
            insert into raw.accounts
            select case when i = 0 then 'acc_drop' else 'acc_' || lpad(cast(i as varchar), 3, '0')
                end, 'Account ' || i, 'smb', null, timestamp '2022-12-01', null, false, 10000
            from range(?) as t(i)
            """,
            [n_accounts],
        )
        con.register("events_df", events)
        con.execute(
            "insert into raw.usage_events select event_id, account_id, user_id, event_name, "
            "occurred_at from events_df"
        )
    finally:
        con.close()


@pytest.fixture(scope="module")
def seasonal(tmp_path_factory: pytest.TempPathFactory) -> Warehouse:
    warehouse = copy_project(tmp_path_factory.mktemp("seasonal"))
    write_seasonal_warehouse(warehouse.db)
    # the whole project builds on contract-only raw tables (no generator, no extras)
    warehouse.build(END, extra_vars={"score_history_days": 40})
    return warehouse


def usage_scores(warehouse: Warehouse, score_date: dt.date) -> dict[str, float]:
    return dict(
        warehouse.query(
            "select account_id, criterion_score from intermediate.int_criterion_scores_normalised "
            "where criterion = 'product_usage' and score_date = ?",
            [score_date],
        )
    )


def test_december_dip_shared_by_all_does_not_move_scores(seasonal: Warehouse) -> None:
    november, december = usage_scores(seasonal, dt.date(2025, 11, 30)), usage_scores(
        seasonal, END
    )
    stable = [a for a in november if a != "acc_drop"]
    assert len(stable) == 29
    for account in stable:
        assert abs(december[account] - november[account]) <= 5, account
    # the account that dropped on its own is marked down
    assert december["acc_drop"] <= november["acc_drop"] - 15
    assert seasonal.scalar(
        "select count(*) from marts.health_score where account_id = 'acc_drop'"
    ) == 1


def test_without_month_index_the_december_dip_would_move_scores(
    seasonal: Warehouse, tmp_path: Path
) -> None:
    """The previous test can fail: with the month index off, December looks like a drop."""
    without = seasonal.clone(tmp_path / "without_month_index")
    without.run_models(
        END,
        "+int_criterion_scores_normalised",
        extra_vars={"score_history_days": 40, "seasonal_min_complete_months": 1000},
    )
    november = usage_scores(without, dt.date(2025, 11, 30))
    december = usage_scores(without, END)
    moved = [a for a in november if abs(december[a] - november[a]) > 5]
    assert len(moved) >= 20


def _statsmodels_indices(warehouse: Warehouse, as_of: dt.date) -> tuple[dict, dict]:
    series = pd.DataFrame(
        warehouse.query(
            "select activity_date, pooled_value from intermediate.int_usage_pooled_daily "
            "where activity_date <= ? order by 1",
            [as_of],
        ),
        columns=["day", "value"],
    )
    series["day"] = pd.to_datetime(series["day"])
    daily = seasonal_decompose(series["value"].to_numpy(), model="multiplicative", period=7)
    dow = {}
    for position in range(7):
        dow[int(series["day"].iloc[position].isoweekday())] = daily.seasonal[position]
    adjusted = series["value"] / series["day"].map(lambda d: dow[d.isoweekday()])
    months = series.assign(adjusted=adjusted, month=series["day"].dt.to_period("M"))
    grouped = months.groupby("month").agg(mean=("adjusted", "mean"), days=("adjusted", "size"))
    complete = grouped[grouped["days"] == grouped.index.days_in_month]
    monthly = seasonal_decompose(complete["mean"].to_numpy(), model="multiplicative", period=12)
    moy = {}
    for position in range(12):
        moy[int(complete.index[position].month)] = monthly.seasonal[position]
    return dow, moy


def _dbt_indices(warehouse: Warehouse, as_of: dt.date) -> tuple[dict, dict]:
    rows = warehouse.query(
        "select period_type, period_number, seasonal_index, aggregation "
        "from intermediate.int_seasonal_indices_computed where score_date = ?",
        [as_of],
    )
    assert {r[3] for r in rows} == {"mean"}
    dow = {n: v for t, n, v, _ in rows if t == "day_of_week"}
    moy = {n: v for t, n, v, _ in rows if t == "month_of_year"}
    return dow, moy


@pytest.mark.parametrize("portfolio", ["generated", "synthetic"])
def test_mean_indices_equal_statsmodels(
    portfolio: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    if portfolio == "generated":
        warehouse, as_of = request.getfixturevalue("small_copy"), SMALL_AS_OF
    else:  # a copy of the synthetic warehouse (write_seasonal_warehouse)
        warehouse, as_of = request.getfixturevalue("seasonal").clone(tmp_path / "synthetic"), END
    warehouse.run_models(
        as_of,
        "+int_seasonal_indices_computed",
        extra_vars={"seasonal_aggregation": "mean", "score_history_days": 40},
    )
    expected_dow, expected_moy = _statsmodels_indices(warehouse, as_of)
    actual_dow, actual_moy = _dbt_indices(warehouse, as_of)
    assert sorted(actual_dow) == list(range(1, 8)) and sorted(actual_moy) == list(range(1, 13))
    for day in range(1, 8):
        assert actual_dow[day] == pytest.approx(expected_dow[day], abs=1e-9), day
    for month in range(1, 13):
        assert actual_moy[month] == pytest.approx(expected_moy[month], abs=1e-9), month
    # the indices find the pattern that was put in
    if portfolio == "synthetic":
        assert actual_moy[12] < 0.8 and actual_dow[7] < 0.4
