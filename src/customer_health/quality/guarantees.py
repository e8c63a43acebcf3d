"""Test coverage of the marts, counting every kind of guarantee the project uses.

dbt-coverage counts a column as tested only when a column-level data test names
it. Issue 9 (the lean build) replaced most of those tests with enforced
contract constraints, which the engine checks at insert and which cost no dbt
node, plus one `row_rules` test per mart for the rules that read other models.
This module reads target/manifest.json and counts a mart column as guaranteed
when at least one of these names it:

- a column constraint (not_null, unique, primary_key, check) of an enforced contract;
- a model constraint whose `columns` list holds it or whose `expression` mentions it;
- a data test on the model: its `column_name`, or an argument (a `row_rules` rule's
  column or expression, `key_columns`, `combination_of_columns`) that mentions it;
- or, declared on purpose, column meta `guarantee: <why no rule applies>` (listed
  with its reason in the report, so the exemption is visible).

A view's constraints are not held by the engine, so only its tests count.

`python -m customer_health.quality.guarantees [target_dir]` prints the report (exit 1 below
100 %); tests/e2e/test_metadata.py asserts 100 %.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

MARTS_PATH_PREFIX = "marts/"


@dataclass
class ModelCoverage:
    """One mart: its columns, those without any guarantee, those exempt on purpose."""

    name: str
    columns: list[str]
    uncovered: list[str] = field(default_factory=list)
    # columns declared without a rule on purpose (column meta `guarantee`), with the reason
    exempt: dict[str, str] = field(default_factory=dict)

    @property
    def covered(self) -> int:
        """Columns with a guarantee or a declared exemption."""
        return len(self.columns) - len(self.uncovered)


def _mentions(text: str, column: str) -> bool:
    return re.search(rf"(?<![A-Za-z0-9_]){re.escape(column)}(?![A-Za-z0-9_])", text) is not None


def _test_texts(node: dict) -> list[str]:
    """Everything a data test says about columns: its column and its arguments."""
    texts = [node.get("column_name") or ""]
    kwargs = (node.get("test_metadata") or {}).get("kwargs") or {}
    texts.append(json.dumps(kwargs))
    return texts


def mart_coverage(manifest: dict) -> list[ModelCoverage]:
    """One entry per model under models/marts, with its columns lacking any guarantee."""
    nodes = manifest["nodes"]
    tests_by_model: dict[str, list[dict]] = {}
    for node in nodes.values():
        if node["resource_type"] != "test":
            continue
        for parent in node["depends_on"]["nodes"]:
            tests_by_model.setdefault(parent, []).append(node)
    report = []
    for unique_id, node in sorted(nodes.items()):
        if node["resource_type"] != "model" or not node["path"].startswith(MARTS_PATH_PREFIX):
            continue
        # the backtest's observations (marts/backtest/intermediate/) are not marts
        if "/intermediate/" in node["path"]:
            continue
        columns = list(node["columns"])
        # the engine holds a view's constraints nowhere: only its tests count
        contract = (node.get("contract") or {}).get("enforced", False) and (
            node["config"].get("materialized") != "view"
        )
        texts: list[str] = []
        for constraint in node.get("constraints") or []:
            if contract:
                texts.extend(constraint.get("columns") or [])
                texts.append(constraint.get("expression") or "")
        for test in tests_by_model.get(unique_id, []):
            texts.extend(_test_texts(test))
        entry = ModelCoverage(node["name"], columns)
        for column in columns:
            own = node["columns"][column].get("constraints") or []
            if contract and own:
                continue
            if any(_mentions(text, column) for text in texts):
                continue
            reason = (node["columns"][column].get("meta") or {}).get("guarantee")
            if reason:
                entry.exempt[column] = str(reason)
                continue
            entry.uncovered.append(column)
        report.append(entry)
    return report


def format_report(report: list[ModelCoverage]) -> str:
    """A table of covered/total per mart, naming the columns without a guarantee."""
    lines = []
    total = sum(len(m.columns) for m in report)
    covered = sum(m.covered for m in report)
    for model in report:
        share = model.covered / len(model.columns) if model.columns else 1.0
        lines.append(f"{model.name:<32} {model.covered:>3}/{len(model.columns):<3} {share:6.1%}")
        if model.uncovered:
            lines.append(f"    without a guarantee: {', '.join(model.uncovered)}")
        for column, reason in model.exempt.items():
            lines.append(f"    {column}: no rule declared ({reason})")
    share = covered / total if total else 1.0
    lines.append(f"{'marts total':<32} {covered:>3}/{total:<3} {share:6.1%}")
    return "\n".join(lines)


def load_manifest(target: Path) -> dict:
    """target/manifest.json, or a FileNotFoundError saying how to make it."""
    path = target / "manifest.json"
    if not path.exists():
        raise FileNotFoundError(f"{path} not found: run `dbt parse` (or a build) first")
    return json.loads(path.read_text())


def main(argv: list[str] | None = None) -> int:
    """Print the report; exit 0 at 100 %, 1 below, 2 without a manifest."""
    import sys

    args = sys.argv[1:] if argv is None else argv
    target = Path(args[0]) if args else Path("target")
    try:
        report = mart_coverage(load_manifest(target))
    except FileNotFoundError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(format_report(report))
    return 0 if all(not model.uncovered for model in report) else 1


if __name__ == "__main__":
    raise SystemExit(main())
