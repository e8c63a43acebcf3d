"""Random streams and vectorised sampling helpers (categorical draws, time of day, Poisson
candidates for thinning)."""

from __future__ import annotations

import numpy as np

from customer_health.generator.config import GeneratorConfig


def _rng(cfg: GeneratorConfig, component: int, chunk: int = 0) -> np.random.Generator:
    return np.random.default_rng([cfg.seed, component, chunk])


def _choice_rows(rng: np.random.Generator, probs: np.ndarray) -> np.ndarray:
    """Sample one category per row of an (n, k) matrix of (unnormalised) probabilities."""
    cum = np.cumsum(probs, axis=1)
    u = rng.random(probs.shape[0]) * cum[:, -1]
    return (u[:, None] >= cum).sum(axis=1).clip(0, probs.shape[1] - 1).astype(np.int8)


def _choice(rng: np.random.Generator, weights: np.ndarray, size: int) -> np.ndarray:
    cum = np.cumsum(weights) / np.sum(weights)
    return np.searchsorted(cum, rng.random(size), side="right").clip(0, len(weights) - 1)


def _time_of_day(rng: np.random.Generator, peak: np.ndarray) -> np.ndarray:
    """Business-hours weighted time of day (fraction of a UTC day) around per-row peaks."""
    hours = peak + rng.normal(0.0, 2.6, peak.size)
    uniform = rng.random(peak.size) < 0.15
    hours = np.where(uniform, rng.random(peak.size) * 24.0, hours) % 24.0
    return hours / 24.0


def _poisson_candidates(
    rng: np.random.Generator, start: np.ndarray, end: np.ndarray, rate: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Homogeneous Poisson candidates on ``[start, end)`` per entity: (owner, day index)."""
    length = np.maximum(end - start, 0.0)
    k = rng.poisson(rate * length)
    owner = np.repeat(np.arange(start.size), k)
    t = start[owner] + rng.random(owner.size) * length[owner]
    return owner, np.floor(t)

