"""The output of `suggest`: the suggested seeds (for review) and the printed comparison."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from customer_health.analysis.suggest.data import (
    CHURN_RISK_SHARE_FACTOR,
    GOOD_END_QUANTILE,
    Config,
)
from customer_health.analysis.suggest.fit import Suggestion


def format_number(value: float) -> str:
    """A threshold as the seed writes it (0.6, -1, 20)."""
    return f"{value:g}"


def write_seeds(result: Suggestion, config: Config, out: Path) -> list[Path]:
    """Write out/health_weights.csv and out/health_criteria.csv in the seeds' format."""
    out.mkdir(parents=True, exist_ok=True)
    weights_path = out / "health_weights.csv"
    with open(weights_path, "w", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["scorecard", "criterion", "weight"])
        for scorecard, card in result.weights.items():
            for criterion, weight in card.items():
                writer.writerow([scorecard, criterion, weight])
    criteria_path = out / "health_criteria.csv"
    with open(criteria_path, "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=config.criteria_fields, lineterminator="\n")
        writer.writeheader()
        for row in config.criteria_rows:
            row = dict(row)
            if row["criterion"] in result.thresholds:
                zero_at, full_at = result.thresholds[row["criterion"]]
                row["zero_at"], row["full_at"] = format_number(zero_at), format_number(full_at)
            writer.writerow(row)
    summary_path = out / "suggestion.json"
    summary = {k: v for k, v in result.__dict__.items() if k != "fit_dates"}
    summary["fit_dates"] = [d.isoformat() for d in result.fit_dates]
    summary_path.write_text(json.dumps(summary, indent=2, default=list) + "\n")
    return [weights_path, criteria_path, summary_path]


def render(result: Suggestion, config: Config) -> str:
    """The readable comparison printed by `customer-health suggest`."""
    first, last = result.fit_dates[0], result.fit_dates[-1]
    lines = [
        f"Fit: churn within {result.horizon_days} days after {len(result.fit_dates)} dates "
        f"({first} to {last}): {result.observations} account-dates of {result.accounts} "
        f"external accounts, {result.churned_observations} followed by a churn "
        f"({result.churned_accounts} accounts)",
        f"Held out (never fitted): {result.heldout_accounts} accounts, "
        f"{result.heldout_observations} account-dates, {result.heldout_churned} churn",
        "",
        "Weights (suggested / current):",
    ]
    for scorecard, card in result.weights.items():
        current = config.weights[scorecard]
        cells = [f"{c} {card.get(c, 0)}/{int(round(w))}" for c, w in current.items()]
        kept = "  (kept: internal teams do not churn)" if scorecard == "internal" else ""
        lines.append(f"  {scorecard:<11} " + ", ".join(cells) + kept)
    lines.append("  coefficients (per 100 points of criterion score, log-odds): " + ", ".join(
        f"{c} {b:.2f}" for c, b in result.coefficients.items()))
    lines += ["", f"Normalisation (zero_at -> full_at; bad end at quantile "
              f"{result.bad_end_quantile:.3f}, good end at {GOOD_END_QUANTILE:.0%}):"]
    current_thresholds = config.thresholds()
    for criterion, (zero_at, full_at) in result.thresholds.items():
        z0, f0 = current_thresholds[criterion]
        lines.append(f"  {criterion:<20} {format_number(zero_at)} -> {format_number(full_at)}"
                     f"   (current {format_number(z0)} -> {format_number(f0)})")
    lines += [
        "",
        f"Held-out AUC (a churner scores below a non-churner) and churn_risk share "
        f"(target {result.target_churn_risk_share:.1%}: {CHURN_RISK_SHARE_FACTOR:g} x the churn "
        "rate, clamped 5-30 %):",
    ]
    labels = {"current": "current weights and thresholds",
              "suggested_weights": "suggested weights, current thresholds",
              "suggested": "suggested weights and thresholds"}
    for name, label in labels.items():
        lines.append(f"  {label:<40} AUC {result.auc[name]:.3f}   churn_risk "
                     f"{result.churn_risk_share[name]:.1%}")
    return "\n".join(lines)


