"""The marts' guarantee coverage (customer_health.quality.guarantees) on hand-made manifests."""

from __future__ import annotations

from customer_health.quality import guarantees


def _model(name: str, columns: dict, constraints=(), materialized="table", enforced=True) -> dict:
    return {
        "resource_type": "model", "name": name, "path": f"marts/{name}.sql",
        "config": {"materialized": materialized}, "contract": {"enforced": enforced},
        "constraints": list(constraints), "columns": columns,
    }


def _test(model_id: str, **kwargs) -> dict:
    return {"resource_type": "test", "depends_on": {"nodes": [model_id]},
            "column_name": kwargs.pop("column_name", None), "test_metadata": {"kwargs": kwargs}}


def _report(nodes: dict) -> dict:
    return {m.name: m for m in guarantees.mart_coverage({"nodes": nodes})}


def test_each_kind_of_guarantee_counts_and_a_bare_column_does_not() -> None:
    columns = {
        "key": {"constraints": [{"type": "not_null"}]},
        "score": {}, "band": {}, "label": {}, "note": {},
        "loaded": {"meta": {"guarantee": "raw evidence"}},
    }
    nodes = {
        "model.p.m": _model("m", columns, [{"type": "check", "expression": "score > 0"}]),
        "test.p.rules": _test("model.p.m", rules=[{"column": "band", "expression": "band > ''"}]),
        "test.p.col": _test("model.p.m", column_name="label"),
        "model.p.stg": {**_model("stg", {"x": {}}), "path": "staging/stg.sql"},
        "model.p.int": {**_model("int", {"x": {}}), "path": "marts/backtest/intermediate/int.sql"},
    }
    report = _report(nodes)
    assert set(report) == {"m"}  # only models under marts/, not their intermediate/ folders
    assert report["m"].uncovered == ["note"]
    assert report["m"].exempt == {"loaded": "raw evidence"}
    assert "without a guarantee: note" in guarantees.format_report(list(report.values()))


def test_a_column_name_inside_another_word_is_not_a_mention() -> None:
    nodes = {"model.p.m": _model("m", {"score": {}, "score_7d": {}},
                                 [{"type": "check", "expression": "score_7d > 0"}])}
    assert _report(nodes)["m"].uncovered == ["score"]


def test_constraints_count_only_where_the_engine_holds_them() -> None:
    columns = {"key": {"constraints": [{"type": "not_null"}]}}
    nodes = {
        "model.p.v": _model("v", columns, materialized="view"),
        "model.p.loose": _model("loose", columns, enforced=False),
    }
    report = _report(nodes)
    assert report["v"].uncovered == ["key"]
    assert report["loose"].uncovered == ["key"]


def test_exit_code_and_missing_manifest(tmp_path, capsys) -> None:
    assert guarantees.main([str(tmp_path)]) == 2
    assert "run `dbt parse`" in capsys.readouterr().err
