"""The benchmark harness (`make bench`): tier S end to end through the CLI, and its parts."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

import customer_health.cli as cli
from customer_health import bench
from customer_health.generator import GeneratorConfig, write_warehouse

from conftest import copy_project


@pytest.fixture(scope="module")
def tier_s(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, Path, Path]:
    """Tier S measured once (one repetition) on a copy of the project, DuckDB only (the
    PostgreSQL column's parts are tested below; a full PostgreSQL run is `make bench`'s)."""
    root = copy_project(tmp_path_factory.mktemp("bench_project")).root
    out = tmp_path_factory.mktemp("bench_out")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("HEALTH_PROJECT_DIR", str(root))
        code = cli.main([
            "bench", "--tiers", "S", "--repeat", "1", "--postgres-tiers", "none",
            "--workdir", str(out / "work"), "--results", str(out / "results.json"),
        ])
    assert code == 0
    return json.loads((out / "results.json").read_text()), root, out


def test_tier_s_medians_and_samples(tier_s: tuple[dict, Path, Path]) -> None:
    results, _, _ = tier_s
    assert list(results["tiers"]) == ["S"]
    tier = results["tiers"]["S"]
    for key in ("full_s", "full_peak_gb", "incremental_s", "incremental_peak_gb", "floor_s"):
        assert tier["medians"][key] > 0, key
    assert tier["raw_rows"]["usage_events"] > 150_000
    assert tier["raw_rows_total"] == sum(tier["raw_rows"].values())
    assert tier["ratio_to_floor"] > 0 and tier["rows_per_s"] > 0
    samples = tier["samples"]
    assert len(samples["full"]) == len(samples["incremental"]) == len(samples["floor"]) == 1
    assert set(samples["floor"][0]["per_table"]) == {t.name for t in bench.RAW_TABLES}
    for phase in ("full", "incremental"):
        statuses = samples[phase][0]["statuses"]
        assert not set(statuses) - {"success", "pass"}, statuses
        sample, medians = samples[phase][0], tier["medians"]
        counts = sample["node_counts"]
        assert counts["total"] == sample["nodes"] == medians[f"{phase}_nodes"] > 0
        for kind in ("models", "tests"):
            assert counts[kind] > 0 and medians[f"{phase}_{kind}"] == counts[kind], kind
        assert counts["seeds"] + counts["models"] + counts["tests"] + counts["other"] == (
            counts["total"])
        assert 0 < sample["sql_s"] <= sample["execute_sum_s"]
        assert sample["overhead_s"] > 0
        assert sample["overhead_s"] + sample["sql_s"] == pytest.approx(sample["wall_s"], abs=0.01)
    assert samples["full"][0]["node_counts"]["seeds"] > 0
    assert tier["generator"]["n_accounts"] == 1_000
    assert results["fingerprint"] == bench.machine_fingerprint()
    assert tier["fingerprint"] == results["fingerprint"]


def test_incremental_run_has_a_new_day(tier_s: tuple[dict, Path, Path]) -> None:
    tier = tier_s[0]["tiers"]["S"]
    assert tier["appended_rows"]["usage_events"] > 0
    assert tier["appended_rows_total"] == sum(tier["appended_rows"].values())
    sample = tier["samples"]["incremental"][0]
    assert sample["wall_s"] > 0 and sample["nodes"] > 0 and sample["peak_rss_gb"] > 0
    assert len(sample["slowest"]) == bench.SLOWEST_COUNT
    assert sample["scored_through"] == (bench.END_DATE + dt.timedelta(days=1)).isoformat()


def test_slowest_are_real_models(tier_s: tuple[dict, Path, Path]) -> None:
    results, root, _ = tier_s
    model_names = {p.stem for p in (root / "models").rglob("*.sql")}
    for phase in ("full", "incremental"):
        slowest = results["tiers"]["S"]["slowest"][phase]
        assert len(slowest) == bench.SLOWEST_COUNT
        times = [n["execution_time"] for n in slowest]
        assert times == sorted(times, reverse=True)
        models = [n["unique_id"] for n in slowest if n["unique_id"].startswith("model.")]
        assert models, slowest
        for unique_id in models:
            assert unique_id.startswith("model.customer_health.")
            assert unique_id.rsplit(".", 1)[1] in model_names


def test_slowest_models_profiled(tier_s: tuple[dict, Path, Path]) -> None:
    """issue 23: the slowest models of the full build, run alone under DuckDB's profiler."""
    results, _, out = tier_s
    profiled = results["tiers"]["S"]["profile"]
    assert len(profiled) == bench.SLOWEST_COUNT
    usage = [p for p in profiled if p["unique_id"].endswith("base_product__usage_events_checked")]
    for p in profiled:
        assert p["unique_id"].startswith("model.customer_health.")
        assert p["alone_s"] > 0 and p["rows_out"] >= 0 and p["busiest_operator"]
        assert p["rows_scanned"] == sum(p["rows_scanned_by_table"].values())
    if usage:  # the raw events read once (the first build checks every row)
        raw = results["tiers"]["S"]["raw_rows"]["usage_events"]
        assert usage[0]["rows_scanned_by_table"]["raw.usage_events"] == raw
    assert "Rows scanned by the slowest models, S full build" in (out / "RESULTS.md").read_text()


def test_outputs_and_cache(tier_s: tuple[dict, Path, Path]) -> None:
    _, _, out = tier_s
    report = (out / "RESULTS.md").read_text()
    assert "| tier | accounts | usage events |" in report and "| S | 1,000 |" in report
    tier_dir = out / "work" / "S"
    assert not list(tier_dir.glob("scratch*")) and not (tier_dir / "runs").exists()
    pristine = tier_dir / "pristine.duckdb"
    mtime = pristine.stat().st_mtime_ns
    path, meta = bench.ensure_raw(bench.TIERS["S"], out / "work")  # cached: not regenerated
    assert path == pristine and pristine.stat().st_mtime_ns == mtime
    assert meta["hash"] == bench.identity_hash(
        bench.generator_identity(bench.tier_config(bench.TIERS["S"])))


# -- parts -------------------------------------------------------------------------------------


def _fake_tier(name: str, full_s: float, incremental_s: float, rows: int, appended: int,
               floor_s: float = 1.0, peak_gb: float = 1.0) -> dict:
    return {
        "tier": name, "generator": {"n_accounts": rows // 100}, "repeat": 1,
        "raw_rows": {"usage_events": rows // 2}, "raw_rows_total": rows,
        "appended_rows_total": appended,
        "medians": {"full_s": full_s, "full_peak_gb": peak_gb, "incremental_s": incremental_s,
                    "incremental_peak_gb": peak_gb, "floor_s": floor_s},
        "ratio_to_floor": round(full_s / floor_s, 1), "rows_per_s": round(rows / full_s),
        "slowest": {"full": [], "incremental": []},
    }


FINGERPRINT = {**bench.machine_fingerprint(), "cpu_model": "Test CPU"}


def test_merge_refuses_another_machine() -> None:
    existing = bench.merge_results(None, {"S": _fake_tier("S", 30, 20, 200_000, 400)},
                                   FINGERPRINT)
    other = {**FINGERPRINT, "cpu_model": "Another CPU"}
    m_tier = {"M": _fake_tier("M", 60, 25, 2_000_000, 4_000)}
    with pytest.raises(bench.FingerprintMismatch, match="cpu_model"):
        bench.merge_results(existing, m_tier, other)
    fresh = bench.merge_results(existing, m_tier, other, replace=True)
    assert list(fresh["tiers"]) == ["M"] and fresh["fingerprint"] == other
    same = bench.merge_results(existing, m_tier, dict(FINGERPRINT))
    assert list(same["tiers"]) == ["S", "M"]


def test_cli_refuses_another_machine_before_measuring(tmp_path: Path) -> None:
    results = tmp_path / "results.json"
    foreign = bench.merge_results(None, {"S": _fake_tier("S", 30, 20, 200_000, 400)},
                                  FINGERPRINT)
    results.write_text(json.dumps(foreign))
    code = cli.main(["bench", "--tiers", "S", "--repeat", "1", "--workdir",
                     str(tmp_path / "work"), "--results", str(results)])
    assert code == 1
    assert json.loads(results.read_text()) == foreign
    assert not (tmp_path / "work").exists()


def test_checks() -> None:
    tiers = {
        "M": _fake_tier("M", 10, 5, 2_000_000, 4_000),
        "L": _fake_tier("L", 25, 8, 10_000_000, 20_000, floor_s=12, peak_gb=7),
        "L1y": _fake_tier("L1y", 30, 11, 5_000_000, 20_000),
    }
    results = bench.merge_results(None, tiers, FINGERPRINT)
    status = {c["name"]: c["status"] for c in results["checks"]}
    assert status == {
        "L full build <= 30 s": "PASS",
        "L full build peak memory <= 3 GB": "MISS",
        "L incremental refresh <= 10 s": "PASS",
        "S one-day refresh <= 5 s": "SKIP",
        "incremental does not grow with history (L 730 days vs L1y 365 days)": "PASS",
        "incremental grows at most with the new day's rows (M -> L)": "PASS",
        "full build grows at most linearly with rows (M -> L)": "PASS",
        "L full build / DuckDB floor <= 5": "PASS",
    }
    peak = next(c for c in results["checks"] if c["name"].startswith("L full build peak"))
    assert "4 GB over" in peak["detail"]
    # a tier measured elsewhere never takes part in a comparison
    results["tiers"]["M"]["fingerprint"] = {**FINGERPRINT, "cpu_model": "Another CPU"}
    checks = {c["name"]: c for c in bench.compute_checks(results)}
    assert checks["full build grows at most linearly with rows (M -> L)"]["status"] == "SKIP"
    text = bench.render_report(results)
    assert "| L | 100,000 |" in text and "**MISS** L full build peak memory" in text


def _split_medians(phase: str, wall_s: float, sql_s: float) -> dict:
    """The node-count and SQL/overhead medians of one phase (as measure_tier writes them)."""
    return {f"{phase}_nodes": 250, f"{phase}_seeds": 5, f"{phase}_models": 60,
            f"{phase}_tests": 185, f"{phase}_sql_s": sql_s, f"{phase}_execute_sum_s": sql_s * 3,
            f"{phase}_overhead_s": round(wall_s - sql_s, 3),
            f"{phase}_dbt_elapsed_s": wall_s - 12}


def test_missed_time_targets_say_where_the_time_goes() -> None:
    s_tier = _fake_tier("S", 30, 26, 200_000, 400)
    s_tier["medians"].update(_split_medians("full", 30, 8.5))
    s_tier["medians"].update(_split_medians("incremental", 26, 3.5))
    l_tier = _fake_tier("L", 25, 20, 10_000_000, 20_000, floor_s=12)  # old file: no split
    results = bench.merge_results(None, {"S": s_tier, "L": l_tier}, FINGERPRINT)
    checks = {c["name"]: c for c in results["checks"]}
    refresh = checks["S one-day refresh <= 5 s"]
    assert refresh["status"] == "MISS" and "21 s over the 5 s target" in refresh["detail"]
    assert refresh["where"] == (
        "S incremental (medians): SQL 3.5 s, dbt overhead 22.5 s of 26 s wall (87% overhead); "
        "12 s of the overhead is outside dbt's own elapsed time (process start-up, project "
        "parsing); summed node SQL time 10.5 s; 250 (5/60/185) nodes (seeds/models/tests)")
    assert "not measured" in checks["L incremental refresh <= 10 s"]["where"]
    assert "where" not in checks["L full build <= 30 s"]  # PASS: nothing to explain
    text = bench.render_report(results)
    assert "  - where the time goes: S incremental (medians): SQL 3.5 s" in text
    assert "| S | 250 (5/60/185) | 8.5 | 25.5 | 21.5 | 250 (5/60/185) | 3.5 | 10.5 | 22.5 |" in text
    assert "| L | - | - | - | - | - | - | - | - |" in text


def test_results_without_the_split_still_render() -> None:
    """A results file written before node counts and the SQL split (and its stored checks)."""
    old = bench.merge_results(None, {"S": _fake_tier("S", 30, 20, 200_000, 400)}, FINGERPRINT)
    old["checks"] = [{k: v for k, v in c.items() if k != "where"} for c in old["checks"]
                     if not c["name"].startswith("S one-day")]
    text = bench.render_report(old)
    assert "| S | - | - | - | - | - | - | - | - |" in text
    assert "where the time goes:" not in text
    assert bench.phase_medians("full", [{"wall_s": 3.0}]) == {
        "full_nodes": None, "full_seeds": None, "full_models": None, "full_tests": None,
        "full_sql_s": None, "full_execute_sum_s": None, "full_overhead_s": None}


def _result(unique_id: str, *execute: tuple[str, str]) -> dict:
    """A run_results.json result: a compile timing, then the given execute intervals."""
    timing = [{"name": "compile", "started_at": "2026-06-30T10:00:00Z",
               "completed_at": "2026-06-30T10:00:00.5Z"}]
    timing += [{"name": "execute", "started_at": f"2026-06-30T10:00:{a}Z",
                "completed_at": f"2026-06-30T10:00:{b}Z"} for a, b in execute]
    return {"unique_id": unique_id, "status": "success", "timing": timing}


def test_interval_union() -> None:
    assert bench.interval_union_s([]) == 0.0
    assert bench.interval_union_s([(0.0, 2.0), (1.0, 3.0)]) == 3.0  # overlapping
    assert bench.interval_union_s([(0.0, 10.0), (2.0, 3.0), (4.0, 9.0)]) == 10.0  # nested
    assert bench.interval_union_s([(5.0, 6.0), (0.0, 1.0), (2.0, 4.0)]) == 4.0  # disjoint
    assert bench.interval_union_s([(0.0, 1.0), (1.0, 2.0)]) == 2.0  # touching
    assert bench.interval_union_s([(3.0, 3.0)]) == 0.0


def test_sql_time_split() -> None:
    run_results = {"results": [
        _result("seed.customer_health.plans", ("01", "03")),
        _result("model.customer_health.a", ("02", "05")),  # overlaps the seed
        _result("model.customer_health.b", ("03", "04")),  # nested in a
        _result("test.customer_health.t", ("10", "11")),  # disjoint
        {"unique_id": "test.customer_health.skipped", "status": "skipped", "timing": []},
        {"unique_id": "test.customer_health.old", "status": "pass"},  # no timing at all
    ]}
    split = bench.sql_time_split(run_results, wall_s=20.0)
    assert split == {"sql_s": 5.0, "execute_sum_s": 7.0, "overhead_s": 15.0,
                     "untimed_nodes": 2}
    assert split["sql_s"] + split["overhead_s"] == 20.0
    # no execute timing anywhere (dbt parse, an older run_results.json): unknown, not zero
    for untimed in ({}, {"results": [{"unique_id": "model.x.y", "timing": []}]}):
        assert bench.sql_time_split(untimed, 3.0)["sql_s"] is None
        assert bench.sql_time_split(untimed, 3.0)["overhead_s"] is None
    broken = {"results": [{"unique_id": "model.x.y", "timing": [
        {"name": "execute", "started_at": "garbage", "completed_at": None}]}]}
    assert bench.sql_time_split(broken, 3.0)["sql_s"] is None


def test_count_nodes() -> None:
    run_results = {"results": [
        {"unique_id": "seed.customer_health.plans"},
        {"unique_id": "model.customer_health.a"},
        {"unique_id": "model.customer_health.b"},
        {"unique_id": "test.customer_health.not_null_a_id.123"},
        {"unique_id": "unit_test.customer_health.a.test_a"},
        {"unique_id": "snapshot.customer_health.s"},
    ]}
    assert bench.count_nodes(run_results) == {
        "total": 6, "seeds": 1, "models": 2, "tests": 2, "unit_tests": 1, "other": 1}
    assert bench.count_nodes({})["total"] == 0


def test_median() -> None:
    assert bench.median([3.0, 1.0, 2.0]) == 2.0
    assert bench.median([4, 1, 3, 2]) == 2.5
    assert bench.median([7]) == 7.0
    with pytest.raises(ValueError):
        bench.median([])


def test_append_one_day(tmp_path: Path) -> None:
    end = dt.date(2026, 3, 31)
    db = tmp_path / "warehouse.duckdb"
    write_warehouse(db, GeneratorConfig(n_accounts=80, history_days=200, end_date=end, seed=5))
    day_count = (
        "select count(*) from raw.usage_events where cast(occurred_at as date) = ?"
    )
    con = duckdb.connect(str(db), read_only=True)
    last_day = con.execute(day_count, [end]).fetchone()[0]
    totals = {t.name: con.execute(f"select count(*) from raw.{t.name}").fetchone()[0]
              for t in bench.RAW_TABLES}
    con.close()
    assert last_day > 0

    appended = bench.append_one_day(db, end)

    next_day = end + dt.timedelta(days=1)
    con = duckdb.connect(str(db), read_only=True)
    try:
        assert appended["usage_events"] == last_day
        assert con.execute(day_count, [next_day]).fetchone()[0] == last_day
        for table in bench.RAW_TABLES:
            rows, keys = con.execute(
                f"select count(*), count(distinct {table.id_column}) from raw.{table.name}"
            ).fetchone()
            assert rows == keys, table.name
            assert rows == totals[table.name] + appended.get(table.name, 0)
        first_loaded, suffixes = con.execute(
            "select min(_loaded_at), count(*) filter (where event_id not like '%\\_d1' escape '\\')"
            " from raw.usage_events where cast(occurred_at as date) = ?", [next_day]
        ).fetchone()
        assert first_loaded >= dt.datetime.combine(next_day, dt.time())
        assert suffixes == 0
    finally:
        con.close()


def test_peak_memory_counts_descendants() -> None:
    # bash stays the parent (the trailing command prevents exec): the 200 MB live in a child
    script = (f"{sys.executable} -c 'import time; x = bytearray(200_000_000); "
              "time.sleep(0.6)'; true")
    proc = subprocess.Popen(["bash", "-c", script])
    with bench.PeakTreeRss(proc.pid) as memory:
        proc.wait()
    assert memory.samples > 3
    assert memory.peak_bytes >= 200_000_000


def test_readme_markers() -> None:
    text = f"intro\n{bench.README_START}\nold\n{bench.README_END}\nafter\n"
    assert bench.replace_between_markers(text, "new table") == (
        f"intro\n{bench.README_START}\nnew table\n{bench.README_END}\nafter\n")
    with pytest.raises(bench.BenchError):
        bench.replace_between_markers("no markers", "x")


def test_postgres_column_beside_duckdb() -> None:
    """Tiers measured on both engines get one row per engine; a skipped tier says why."""
    tier = _fake_tier("S", 16.0, 17.0, 200_000, 300)
    tier["medians"].update(full_sql_s=9.0, full_overhead_s=7.0)
    tier["postgres"] = {
        "server_version": "15.14", "repeat": 1,
        "medians": {"load_s": 3.5, "reload_s": 3.6, "full_s": 40.0, "full_peak_gb": 0.3,
                    "full_server_peak_gb": 0.5, "incremental_s": 30.0,
                    "incremental_peak_gb": 0.3, "full_sql_s": 30.0, "full_overhead_s": 10.0},
        "slowest": {"full": [{"unique_id": "model.customer_health.x", "execution_time": 5.0}],
                    "incremental": []},
    }
    skipped = {**_fake_tier("M", 30.0, 20.0, 2_000_000, 3000),
               "postgres_skipped": "PostgreSQL is not installed"}
    results = {"tiers": {"S": tier, "M": skipped}}
    text = bench.render_engines(results)
    assert "| S | DuckDB | - | 16.0 | 9.0 / 7.0 | 1.00 | - | 17.0 |" in text
    assert ("| S | PostgreSQL 15.14 | 3.5 | 40.0 | 30.0 / 10.0 | 0.30 + server 0.50 | 3.6 "
            "| 30.0 |") in text
    assert "M: PostgreSQL skipped (PostgreSQL is not installed)" in text
    assert "on PostgreSQL" in bench.render_slowest(results, ["S"])
    # no tier measured on PostgreSQL: no table
    duckdb_only = {"tiers": {"M": _fake_tier("M", 30.0, 20.0, 2_000_000, 3000)}}
    assert bench.render_engines(duckdb_only) == ""


def test_postgres_column_skipped_with_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("psycopg2", reason="the postgres extra is not installed")
    monkeypatch.setenv("HEALTH_POSTGRES_BIN", "/nonexistent")
    server = bench.BenchServer()
    assert server.server is None
    assert server.reason == "HEALTH_POSTGRES_BIN=/nonexistent holds no initdb"
    server.stop()


def test_postgres_tiers_option() -> None:
    assert bench.parse_postgres_tiers("none") == []
    assert bench.parse_postgres_tiers("S,M") == ["S", "M"]
    with pytest.raises(Exception, match="unknown tier"):
        bench.parse_postgres_tiers("XL")
