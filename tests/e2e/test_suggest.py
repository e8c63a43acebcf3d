"""customer-health suggest: the fit, the rounding, the held-out AUC, the files and the errors.

The end-to-end run rebuilds the past scores on a copy of the shared small warehouse over the
shortest window (31 days: three fit dates); the rest reads the stored intermediate rows of
small_built or uses synthetic data.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import numpy as np
import pytest
from scipy.stats import mannwhitneyu

import customer_health.cli as cli
from customer_health.analysis import suggest

from conftest import PROJECT_ROOT, SMALL_AS_OF, Warehouse

CLI = str(Path(sys.executable).parent / "customer-health")


def _cli(warehouse_root: Path, db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, HEALTH_PROJECT_DIR=str(warehouse_root), HEALTH_DUCKDB_PATH=str(db))
    return subprocess.run([CLI, "suggest", *args], env=env, capture_output=True, text=True)


def _in_process(monkeypatch, capsys, warehouse_root: Path, db: Path,
                *args: str) -> subprocess.CompletedProcess[str]:
    """`customer-health suggest` through cli.main in this process (no interpreter start-up:
    the console script runs the same function)."""
    monkeypatch.setenv("HEALTH_PROJECT_DIR", str(warehouse_root))
    monkeypatch.setenv("HEALTH_DUCKDB_PATH", str(db))
    code = cli.main(["suggest", *args])
    captured = capsys.readouterr()
    return subprocess.CompletedProcess(args, code, captured.out, captured.err)


def _one_line_exit_2(done: subprocess.CompletedProcess[str], words: str) -> None:
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    assert done.stderr.strip().count("\n") == 0, done.stderr
    assert words in done.stderr


def _stored_observations(small_built: Warehouse, horizon_days: int):
    """Observations of the 31 stored score dates of small_built (no rebuild)."""
    config = suggest.read_config(small_built.root)
    con = duckdb.connect(str(small_built.db), read_only=True)
    try:
        dates = [r[0] for r in con.execute(
            "select distinct score_date from intermediate.int_criterion_points_allocated "
            "order by 1").fetchall()]
        rows = suggest.criterion_rows(con, dates)
    finally:
        con.close()
    accounts = suggest.outcomes(small_built.db)
    return suggest.build_observations(rows, accounts, horizon_days, config), config, dates


# -- rounding and the fit ------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(20))
def test_largest_remainder_sums_to_100_and_stays_close(seed: int) -> None:
    rng = np.random.default_rng(seed)
    shares = {f"c{i}": float(v) for i, v in enumerate(rng.exponential(size=rng.integers(1, 7)))}
    rounded = suggest.largest_remainder(shares)
    assert sum(rounded.values()) == 100
    exact = {k: 100 * v / sum(shares.values()) for k, v in shares.items()}
    assert all(isinstance(w, int) and w >= 0 for w in rounded.values())
    assert all(abs(rounded[k] - exact[k]) < 1 for k in shares)


def test_largest_remainder_gives_the_leftover_to_the_largest_remainders() -> None:
    # 33.33 / 33.33 / 33.33: one extra point, to the first name (ties by name)
    assert suggest.largest_remainder({"b": 1, "a": 1, "c": 1}) == {"a": 34, "b": 33, "c": 33}
    assert suggest.largest_remainder({"x": 0.614, "y": 0.386}) == {"x": 61, "y": 39}
    assert suggest.largest_remainder({"x": 0.625, "y": 0.375}) == {"x": 63, "y": 37}
    with pytest.raises(suggest.SuggestError):
        suggest.largest_remainder({"x": 0.0, "y": 0.0})


def test_fit_is_non_negative_and_finds_the_signal() -> None:
    """Churn driven by criterion a (strongly) and b (weakly); c pushes the wrong way and
    must get 0, not a negative weight."""
    rng = np.random.default_rng(3)
    x = rng.uniform(size=(4000, 3))
    logit = 1.0 - 6.0 * x[:, 0] - 2.0 * x[:, 1] + 3.0 * x[:, 2]
    y = rng.uniform(size=4000) < 1 / (1 + np.exp(-logit))
    beta = suggest.fit_nonnegative_logit(x, y)
    assert (beta >= 0).all()
    assert beta[0] > beta[1] > 0.5
    assert beta[2] == pytest.approx(0.0, abs=1e-6)
    weights = suggest.largest_remainder(dict(zip("abc", beta, strict=True)))
    assert weights["c"] == 0 and weights["a"] > weights["b"] and sum(weights.values()) == 100


# -- scoring as the models score, and the held-out AUC --------------------------------------


def test_scores_in_python_equal_the_models_scores(small_built: Warehouse) -> None:
    obs, config, dates = _stored_observations(small_built, horizon_days=30)
    mine = suggest.health_scores(obs.scores, suggest.weight_matrix(obs, config.weights),
                                 config.redistribute_to(), obs.criteria)
    theirs = dict(((a, d), s) for a, d, s in small_built.query(
        "select account_id, score_date, computed_score "
        "from intermediate.int_health_scores_computed"))
    keys = list(zip(obs.keys["account_id"], obs.keys["score_date"], strict=True))
    expected = np.array([theirs[(a, d.date() if hasattr(d, "date") else d)] for a, d in keys],
                        dtype=float)
    assert len(keys) > 3000
    np.testing.assert_array_equal(mine, expected)


def test_heldout_auc_is_the_mann_whitney_auc_of_the_models_scores(
    small_built: Warehouse,
) -> None:
    obs, config, dates = _stored_observations(small_built, horizon_days=30)
    result = suggest.analyse(obs, config, 30, dates)
    # direct computation: the stored health scores of the held-out accounts
    held = suggest.split_accounts(obs.keys)
    held_keys = obs.keys[held]
    scores = {(a, d): s for a, d, s in small_built.query(
        "select account_id, score_date, computed_score "
        "from intermediate.int_health_scores_computed")}
    churners, others = [], []
    for account, day, churned in held_keys[["account_id", "score_date", "churned"]].itertuples(
            index=False):
        score = scores[(account, day.date() if hasattr(day, "date") else day)]
        (churners if churned else others).append(score)
    assert churners and others
    # AUC = P(a non-churner scores above a churner), ties half = U(others, churners) / n1 n0
    u = mannwhitneyu(others, churners).statistic
    assert result.auc["current"] == pytest.approx(u / (len(others) * len(churners)), abs=1e-12)
    assert result.heldout_churned == len(churners)
    for card, weights in result.weights.items():
        assert sum(weights.values()) == 100 and min(weights.values()) > 0, card


def test_split_holds_out_whole_accounts_with_churners_on_both_sides(
    small_built: Warehouse,
) -> None:
    obs, _, _ = _stored_observations(small_built, horizon_days=30)
    held = suggest.split_accounts(obs.keys)
    held_accounts = set(obs.keys.loc[held, "account_id"])
    assert not held_accounts & set(obs.keys.loc[~held, "account_id"])
    share = len(held_accounts) / obs.keys["account_id"].nunique()
    assert 0.2 < share < 0.4
    churned = obs.keys["churned"].to_numpy()
    assert churned[held].any() and churned[~held].any()
    assert (suggest.split_accounts(obs.keys) == held).all()  # fixed seed


# -- the command end to end ------------------------------------------------------------------


def _csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with open(path, newline="") as fh:
        reader = csv.DictReader(fh)
        return list(reader.fieldnames or []), list(reader)


def test_suggest_writes_seeds_in_the_seed_format(small_built: Warehouse, tmp_path: Path) -> None:
    seeds = small_built.root / "seeds"
    before = {str(p.relative_to(seeds)): hashlib.sha256(p.read_bytes()).hexdigest()
              for p in seeds.rglob('*') if p.is_file()}
    out = tmp_path / "suggested"
    done = _cli(small_built.root, small_built.db, "--window-days", "31", "--every-days", "15",
                "--out", str(out))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Held-out AUC" in done.stdout and "seeds/ is unchanged" in done.stdout
    after = {str(p.relative_to(seeds)): hashlib.sha256(p.read_bytes()).hexdigest()
              for p in seeds.rglob('*') if p.is_file()}
    assert after == before

    fields, weights = _csv(out / "health_weights.csv")
    seed_fields, seed_weights = _csv(seeds / "health_weights.csv")
    assert fields == seed_fields
    cards: dict[str, int] = {}
    for row in weights:
        assert row["weight"].isdigit()  # a non-negative integer
        cards[row["scorecard"]] = cards.get(row["scorecard"], 0) + int(row["weight"])
    assert set(cards) == {r["scorecard"] for r in seed_weights}
    assert all(total == 100 for total in cards.values()), cards
    # the internal scorecard (internal teams do not churn) is kept as it is
    assert [r for r in weights if r["scorecard"] == "internal"] == [
        r for r in seed_weights if r["scorecard"] == "internal"]

    fields, criteria = _csv(out / "health_criteria.csv")
    seed_fields, seed_criteria = _csv(seeds / "health_criteria.csv")
    assert fields == seed_fields
    assert [r["criterion"] for r in criteria] == [r["criterion"] for r in seed_criteria]
    for mine, seed in zip(criteria, seed_criteria, strict=True):
        same = {k: v for k, v in mine.items() if k not in ("zero_at", "full_at")}
        assert same == {k: v for k, v in seed.items() if k not in ("zero_at", "full_at")}
        zero_at, full_at = float(mine["zero_at"]), float(mine["full_at"])
        assert zero_at != full_at
        # the direction (higher or lower is better) is the seed's
        assert (full_at > zero_at) == (float(seed["full_at"]) > float(seed["zero_at"]))

    summary = json.loads((out / "suggestion.json").read_text())
    assert len(summary["fit_dates"]) == 3
    assert summary["fit_dates"][-1] == (SMALL_AS_OF - dt.timedelta(days=90)).isoformat()
    assert all(0 <= v <= 1 for v in summary["auc"].values())


def test_history_too_short_is_one_line_and_exit_2(
    small_built: Warehouse, monkeypatch, capsys
) -> None:
    done = _in_process(monkeypatch, capsys, small_built.root, small_built.db,
                       "--horizon-days", "800")
    _one_line_exit_2(done, "the history is too short")


def test_no_churners_is_one_line_and_exit_2(
    small_built: Warehouse, tmp_path: Path, monkeypatch, capsys
) -> None:
    db = tmp_path / "no_churn.duckdb"
    shutil.copy2(small_built.db, db)
    con = duckdb.connect(str(db))
    con.execute("update staging.base_crm__accounts_checked set churned_at = null")
    con.close()
    _one_line_exit_2(_in_process(monkeypatch, capsys, small_built.root, db),
                     "no external account churned")


def test_bad_arguments_are_one_line_and_exit_2(
    small_built: Warehouse, tmp_path: Path, monkeypatch, capsys
) -> None:
    def run(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
        return _in_process(monkeypatch, capsys, small_built.root, db, *args)

    _one_line_exit_2(run(small_built.db, "--horizon-days", "0"),
                     "--horizon-days must be at least 1")
    _one_line_exit_2(run(small_built.db, "--out", "seeds"), "--out must not be seeds/")
    _one_line_exit_2(run(tmp_path / "none.duckdb"), "no warehouse at")


def test_the_project_seeds_are_what_read_config_reads() -> None:
    config = suggest.read_config(PROJECT_ROOT)
    assert all(sum(card.values()) == 100 for card in config.weights.values())
    assert config.churn_risk_max == 50
    assert set(config.thresholds()) <= set(config.criteria)
