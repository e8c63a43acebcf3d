"""bench.profile: a DuckDB JSON profile summarised (rows scanned per table, busiest operator)."""

from __future__ import annotations

from customer_health.bench.profile import render_profile, slowest_models, summarise_profile

PROFILE = {"operator": [{"type": "RESULT_COLLECTOR", "timing": 0.001, "children": [
    {"type": "HASH_JOIN", "timing": 0.6, "extra_info": {}, "children": [
        {"type": "TABLE_SCAN", "timing": 0.2, "rows_scanned": 1000,
         "extra_info": {"Table": '"scratch".raw.usage_events'}, "children": []},
        {"type": "TABLE_SCAN", "timing": 0.199, "rows_scanned": 20,
         "extra_info": {"Table": '"scratch".staging.stg_crm__accounts'}, "children": []},
    ]},
    {"type": "TABLE_SCAN", "timing": 0.0, "rows_scanned": 500,
     "extra_info": {"Table": '"scratch".raw.usage_events'}, "children": []},
]}]}


def test_summarise_profile() -> None:
    summary = summarise_profile(PROFILE)
    assert summary["rows_scanned_by_table"] == {"raw.usage_events": 1500,
                                                "staging.stg_crm__accounts": 20}
    assert summary["rows_scanned"] == 1520
    assert summary["busiest_operator"] == "HASH_JOIN"
    assert summary["busiest_share"] == 0.6


def test_slowest_models_and_render() -> None:
    run_results = {"results": [
        {"unique_id": "model.p.a", "execution_time": 1.0, "compiled_code": "select 1"},
        {"unique_id": "model.p.b", "execution_time": 3.0, "compiled_code": "select 2"},
        {"unique_id": "test.p.t", "execution_time": 9.0, "compiled_code": "select 3"},
        {"unique_id": "model.p.c", "execution_time": 2.0},
    ]}
    assert [r["unique_id"] for r in slowest_models(run_results, 5)] == ["model.p.b", "model.p.a"]
    text = render_profile("L", [{"unique_id": "model.p.b", "build_s": 3.0, "alone_s": 1.0,
                                 "rows_out": 7, **summarise_profile(PROFILE)}])
    assert "| b | 3.00 | 1.00 | 1,520 | 7 | raw.usage_events (1,500) | HASH_JOIN (60%) |" in text
    assert render_profile("L", []) == ""
