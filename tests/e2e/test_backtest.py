"""The backtest marts (models/marts/backtest) against a Python computation, and leakage.

Cheap by design (the suite's budget): no new full build. The shared small portfolio
(conftest small_built, 31 stored score days at 2026-06-30) is cloned and only the
backtest models are run, with a short horizon (14 days, and 7 as an extra horizon) and
a daily evaluation grid, so that its 31 days hold evaluation dates with complete
horizons; the default 90-day horizon needs a longer history (make run: 400 days).
The leakage test then loads rows dated after the evaluation dates into a copy and runs
the pipeline incrementally the next day: one incremental run in all.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from collections import defaultdict
from pathlib import Path

import duckdb
import numpy
import pytest
from scipy import stats

from customer_health.analysis import summary
from customer_health.analysis.evaluate import auc as python_auc

from conftest import SMALL_AS_OF, Warehouse

HORIZONS = (14, 7)
EVERY_DAYS = 1
BACKTEST_VARS = json.dumps({
    "backtest_horizon_days": HORIZONS[0],
    "backtest_extra_horizon_days": list(HORIZONS[1:]),
    "backtest_evaluation_every_days": EVERY_DAYS,
})
BACKTEST_MODELS = [
    "int_backtest_evaluation_dates_listed", "int_backtest_outcomes_joined",
    "int_backtest_criterion_scores_stored", "int_backtest_churn_lead_times",
    "health_score_fitness", "health_score_calibration", "health_score_lead_time",
    "health_score_stability", "health_criteria_diagnostics",
]
UPSTREAM = "+health_score_fitness +health_score_lead_time +health_criteria_diagnostics " \
    "+health_score_stability +health_score_calibration"
NEXT_DAY = SMALL_AS_OF + dt.timedelta(days=1)


@pytest.fixture(scope="module")
def backtest_before(small_built: Warehouse, tmp_path_factory: pytest.TempPathFactory) -> Warehouse:
    """small_built with the backtest models run on its 31 stored days (short horizons)."""
    warehouse = small_built.clone(tmp_path_factory.mktemp("backtest") / "before")
    warehouse.dbt("run", "--select", *BACKTEST_MODELS, "--vars", BACKTEST_VARS, as_of=SMALL_AS_OF)
    return warehouse


def _observations(warehouse: Warehouse) -> dict[tuple, list[tuple[int, bool]]]:
    """(evaluation_date, horizon, segment) -> [(score, churned)], recomputed from the history.

    Read straight from health_score_daily and raw.accounts (not the backtest's models).
    """
    groups: dict[tuple, list[tuple[int, bool]]] = defaultdict(list)
    for horizon in HORIZONS:
        rows = warehouse.query(
            """
            select d.score_date, d.health_score, a.segment,
                a.churned_at is not null
                    and cast(a.churned_at as date) > d.score_date
                    and cast(a.churned_at as date) <= d.score_date + ? as churned
            from marts.health_score_daily as d
            inner join raw.accounts as a on d.account_id = cast(a.account_id as varchar)
            where not a.is_internal and d.health_score is not null
                and (d.score_date - date '1970-01-05') % ? = 0
                and d.score_date + ? <= ?
            """,
            [horizon, EVERY_DAYS, horizon, SMALL_AS_OF],
        )
        for day, score, segment, churned in rows:
            groups[(day, horizon, "all")].append((score, churned))
            groups[(day, horizon, segment)].append((score, churned))
    return groups


def test_fitness_auc_and_ks_match_python(backtest_before: Warehouse) -> None:
    expected = _observations(backtest_before)
    mart = {
        (r[0], r[1], r[2]): r[3:]
        for r in backtest_before.query(
            "select evaluation_date, horizon_days, segment, accounts_scored, accounts_churned,"
            " auc, ks, churn_risk_recall from marts.health_score_fitness"
        )
    }
    # 31 stored days: the days with a complete 14-day (7-day) horizon are evaluation dates
    assert len({key[0] for key in mart if key[1] == 14}) == 31 - 14, sorted(mart)
    assert set(mart) == set(expected)
    with_churners = 0
    for key, pairs in expected.items():
        scored, churned, auc, ks, _ = mart[key]
        churner_scores = [s for s, c in pairs if c]
        other_scores = [s for s, c in pairs if not c]
        assert (scored, churned) == (len(pairs), len(churner_scores)), key
        if not churner_scores or not other_scores:
            assert auc is None and ks is None, key
            continue
        with_churners += 1
        assert auc == pytest.approx(python_auc(churner_scores, other_scores), abs=1e-12), key
        # the same AUC from scipy's Mann-Whitney U (ties: mid-ranks): P(other > churner)
        u = stats.mannwhitneyu(other_scores, churner_scores).statistic
        assert auc == pytest.approx(u / (len(other_scores) * len(churner_scores)), abs=1e-12)
        assert ks == pytest.approx(
            stats.ks_2samp(churner_scores, other_scores).statistic, abs=1e-12
        ), key
    assert with_churners >= 3


def test_band_rates_precision_recall(backtest_before: Warehouse) -> None:
    rows = backtest_before.query(
        """
        select d.score_date, d.band, count(*),
            sum(case when cast(a.churned_at as date) between d.score_date + 1
                and d.score_date + 14 then 1 else 0 end)
        from marts.health_score_daily as d
        inner join raw.accounts as a on d.account_id = a.account_id
        where not a.is_internal and d.health_score is not null and d.score_date + 14 <= ?
        group by 1, 2
        """,
        [SMALL_AS_OF],
    )
    per_date: dict[dt.date, dict[str, tuple[int, int]]] = defaultdict(dict)
    for day, band, n, churned in rows:
        per_date[day][band] = (n, churned)
    mart = backtest_before.query(
        "select evaluation_date, churn_risk_precision, churn_risk_recall, churn_rate_healthy,"
        " accounts_churned from marts.health_score_fitness"
        " where segment = 'all' and horizon_days = 14"
    )
    assert len(mart) == len(per_date) == 31 - 14
    for day, precision, recall, healthy_rate, churned in mart:
        risk_n, risk_churned = per_date[day].get("churn_risk", (0, 0))
        healthy_n, healthy_churned = per_date[day].get("healthy", (0, 0))
        assert precision == (pytest.approx(risk_churned / risk_n) if risk_n else None)
        assert recall == (pytest.approx(risk_churned / churned) if churned else None)
        assert healthy_rate == (pytest.approx(healthy_churned / healthy_n) if healthy_n else None)


def _lead_times(warehouse: Warehouse, as_of: dt.date, horizon: int) -> tuple[int, list[int]]:
    """(churners whose window the history covers, lead days of the flagged), from the history."""
    first_day = warehouse.scalar("select min(score_date) from marts.health_score_daily")
    churners = warehouse.query(
        """
        select account_id, cast(churned_at as date)
        from raw.accounts
        where not is_internal and churned_at is not null
            and cast(churned_at as date) <= ? and cast(churned_at as date) - ? >= ?
        """,
        [as_of, horizon, first_day],
    )
    leads: list[int] = []
    counted = 0
    for account_id, churn_day in churners:
        days = warehouse.query(
            "select score_date, band from marts.health_score_daily where account_id = ?"
            " and score_date >= ? and score_date < ? order by score_date",
            [account_id, churn_day - dt.timedelta(days=horizon), churn_day],
        )
        if days:
            counted += 1
            flagged = [d for d, band in days if band == "churn_risk"]
            if flagged:
                leads.append((churn_day - flagged[0]).days)
    return counted, leads


def _check_lead_time(warehouse: Warehouse, as_of: dt.date) -> int:
    """Compare health_score_lead_time (segment all) with _lead_times; return the churners."""
    total = 0
    for horizon in HORIZONS:
        counted, leads = _lead_times(warehouse, as_of, horizon)
        row = warehouse.query(
            "select churners, churners_flagged, lead_days_median, lead_days_p25, lead_days_p75"
            " from marts.health_score_lead_time where segment = 'all' and horizon_days = ?",
            [horizon],
        )
        if not counted:
            assert row == []
            continue
        assert row[0][:2] == (counted, len(leads)), horizon
        # linear interpolation between the nearest values, as quantile_cont / percentile
        expected = tuple(numpy.percentile(leads, [50, 25, 75])) if leads else (None,) * 3
        assert row[0][2:] == pytest.approx(expected), horizon
        total += counted
    return total


def test_lead_time_matches_daily_history(backtest_before: Warehouse) -> None:
    assert _check_lead_time(backtest_before, SMALL_AS_OF) >= 1


def test_criteria_diagnostics_auc_matches_python(backtest_before: Warehouse) -> None:
    # the criterion scores of every stored day (the clone's last build scored all 31)
    rows = backtest_before.query(
        """
        select c.criterion, c.criterion_score, o.is_churned
        from intermediate.int_backtest_outcomes_joined as o
        inner join intermediate.int_criterion_points_allocated as c
            on o.account_id = c.account_id and o.evaluation_date = c.score_date
        where o.horizon_days = 14
        """
    )
    by_criterion: dict[str, list[tuple[float | None, bool]]] = defaultdict(list)
    for criterion, score, churned in rows:
        by_criterion[criterion].append((score, churned))
    mart = {
        r[0]: r[1:]
        for r in backtest_before.query(
            "select criterion_id, observations, coverage, auc"
            " from marts.health_criteria_diagnostics where horizon_days = 14"
        )
    }
    assert set(mart) == set(by_criterion) and len(mart) == 6
    for criterion, pairs in by_criterion.items():
        scored = [(s, c) for s, c in pairs if s is not None]
        observations, coverage, auc = mart[criterion]
        assert observations == len(pairs)
        assert coverage == pytest.approx(len(scored) / len(pairs))
        # python_auc: P(a churner's criterion score is below a non-churner's), ties half
        expected = python_auc([s for s, c in scored if c], [s for s, c in scored if not c])
        assert auc == pytest.approx(expected, abs=1e-12), criterion


def test_stability_matches_daily_history(backtest_before: Warehouse) -> None:
    rows = backtest_before.query(
        """
        select cur.score_date, count(*), sum(case when cur.band <> prev.band then 1 else 0 end)
        from marts.health_score_daily as cur
        inner join marts.health_score_daily as prev
            on cur.account_id = prev.account_id and prev.score_date = cur.score_date - 1
        inner join raw.accounts as a on cur.account_id = a.account_id
        where not a.is_internal and cur.health_score is not null
            and prev.health_score is not null
        group by 1 order by 1
        """
    )
    mart = backtest_before.query(
        "select evaluation_date, accounts_compared, accounts_changed_band"
        " from marts.health_score_stability order by 1"
    )
    assert mart == rows and len(mart) == 30


def test_backtest_does_not_move_with_later_rows(backtest_before: Warehouse, tmp_path) -> None:
    """Rows dated after the evaluation dates, loaded later, leave past scores and fitness alone.

    The copy gets usage events and a ticket dated after the last evaluation date, and a
    churn on the next day (after every complete horizon); the next day is then run
    incrementally. The stored scores before the recomputed days, the fitness rows of the
    evaluation dates already complete and the observations they pool (calibration,
    criteria diagnostics) do not move; the new churner joins the lead times.
    """
    warehouse = backtest_before.clone(tmp_path / "later")
    # the parse cache of the same --vars (clone leaves target/ out): no full re-parse
    cache = Path("target") / "partial_parse.msgpack"
    (warehouse.root / cache).parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(backtest_before.root / cache, warehouse.root / cache)
    fitness_sql = "select * from marts.health_score_fitness order by 1, 2, 3"
    daily_sql = "select * from marts.health_score_daily where score_date < ? order by 1, 2"
    recompute_start = NEXT_DAY - dt.timedelta(days=7)  # daily_recompute_days 7 + the new day
    before_fitness = warehouse.query(fitness_sql)
    before_daily = warehouse.query(daily_sql, [recompute_start])
    last_evaluation = max(r[0] for r in before_fitness)
    # a healthy non-churner of the last evaluation date: its later rows must not matter
    account = warehouse.scalar(
        """
        select account_id from intermediate.int_backtest_outcomes_joined
        where evaluation_date = ? and band = 'healthy' and churned_date is null
        order by health_score desc, account_id limit 1
        """,
        [last_evaluation],
    )
    after_evaluation = f"timestamp '{last_evaluation + dt.timedelta(days=1)} 10:00:00'"
    warehouse.execute(
        # usage after the last evaluation date and on the new day, loaded now
        f"""insert into raw.usage_events (event_id, account_id, user_id, event_name, occurred_at,
            _loaded_at)
            select 'leak-' || i, '{account}', null, 'login',
                {after_evaluation} + i * interval 1 hour, now()
            from range(40) as t(i)""",
        f"""insert into raw.usage_events (event_id, account_id, user_id, event_name, occurred_at,
            _loaded_at)
            select 'leak-new-' || i, '{account}', null, 'login',
                timestamp '{NEXT_DAY} 09:00:00' + i * interval 1 minute, now()
            from range(5) as t(i)""",
        # an urgent complaint after the last evaluation date
        f"""insert into raw.tickets (ticket_id, account_id, requester_id, created_at,
            first_response_at, solved_at, status, category, priority, channel, handle_minutes,
            reopen_count, _loaded_at)
            values ('leak-ticket', '{account}', null, {after_evaluation}, null, null, 'open',
                'complaint', 'urgent', 'email', null, 0, now())""",
        # ... and the account churns on the new day, after every complete horizon
        f"""update raw.accounts set churned_at = timestamp '{NEXT_DAY} 12:00:00',
            _loaded_at = now() where account_id = '{account}'""",
    )
    warehouse.dbt("run", "--select", UPSTREAM, "--vars", BACKTEST_VARS, as_of=NEXT_DAY)
    # the new rows were read: the churn, and the new day scored
    assert warehouse.scalar(
        "select churned_date from intermediate.int_accounts_scoped where account_id = ?",
        [account],
    ) == NEXT_DAY
    assert warehouse.scalar("select max(score_date) from marts.health_score_daily") == NEXT_DAY
    assert warehouse.query(daily_sql, [recompute_start]) == before_daily
    complete = {(r[0], r[1]) for r in before_fitness}  # (evaluation date, horizon)
    after_fitness = warehouse.query(fitness_sql)
    assert [r for r in after_fitness if (r[0], r[1]) in complete] == before_fitness
    assert len(after_fitness) > len(before_fitness)  # the next evaluation dates completed
    # calibration and diagnostics pool every evaluation date: compare on the old ones only
    pooled_sql = (
        "select horizon_days, count(*), sum(case when is_churned then 1 else 0 end)"
        " from intermediate.int_backtest_outcomes_joined"
        " where evaluation_date + horizon_days <= ? group by 1 order by 1"
    )
    assert warehouse.query(pooled_sql, [SMALL_AS_OF]) == backtest_before.query(
        pooled_sql, [SMALL_AS_OF]
    )
    # the new churner's window lies in the history: one more churner in the lead times
    assert _check_lead_time(warehouse, NEXT_DAY) == _check_lead_time(
        backtest_before, SMALL_AS_OF
    ) + len(HORIZONS)


def test_summary_prints_the_fitness_marts(
    backtest_before: Warehouse, small_built: Warehouse
) -> None:
    """make run's backtest lines come from the marts, or say why there are none."""
    con = duckdb.connect(str(backtest_before.db), read_only=True)
    try:
        text = summary.fitness_block(con)
        mean_auc, latest_auc, precision = con.execute(
            "select avg(auc), arg_max(auc, evaluation_date), avg(churn_risk_precision)"
            " from marts.health_score_fitness where segment = 'all' and horizon_days = 7"
        ).fetchone()
        band = con.execute(
            "select observations, churned from marts.health_score_calibration"
            " where horizon_days = 7 and bucket = 'churn_risk'"
        ).fetchone()
    finally:
        con.close()
    assert "churn within 7 days" in text  # the shortest horizon
    assert f"mean {mean_auc:.3f}" in text and f"{latest_auc:.3f}" in text
    assert f"precision {100 * precision:.1f}%" in text
    assert re.search(rf"churn_risk\s+{band[0]}\s+{band[1]}\s", text), text
    assert "lead time" in text
    con = duckdb.connect(str(small_built.db), read_only=True)
    try:  # 31 stored days, the default 90-day horizon: no evaluation date
        assert summary.fitness_block(con).startswith("Backtest: no evaluation date yet. The "
                                                     "stored score history holds 31 days")
    finally:
        con.close()
