"""Seeded draws of correlated survey answers from a latent trait.

Each answer is a cut of a latent normal `y = shift + sqrt(r) * trait + sqrt(1 - r) * noise`,
so items answered by one person move together (which gives drivers and Cronbach's alpha
something to find) while each item's distribution is set by its shift alone.
"""

from __future__ import annotations

import math
import random
from statistics import NormalDist

LIKERT_CUTS = (-1.5, -0.5, 0.5, 1.5)
_NORMAL = NormalDist()


def weighted_choice(rng: random.Random, weights: dict[str, float]) -> str:
    """Return one key of `weights`, drawn with probability proportional to its weight."""
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def latent(rng: random.Random, trait: float, shift: float, loading: float = 0.5) -> float:
    """Return a latent answer tendency: the trait's share plus item noise, moved by `shift`."""
    return shift + math.sqrt(loading) * trait + math.sqrt(1 - loading) * rng.gauss(0.0, 1.0)


def likert(value: float) -> int:
    """Return the 1-5 answer a latent value falls on."""
    return 1 + sum(value > cut for cut in LIKERT_CUTS)


def scale11(value: float, centre: float = 7.0, spread: float = 2.2) -> int:
    """Return the 0-10 answer a latent value falls on."""
    return max(0, min(10, round(centre + spread * value)))


def ordered_choice(rng: random.Random, trait: float, shares: dict[str, float],
                   loading: float = 0.4) -> str:
    """Return an option drawn with exactly `shares` on average, higher traits later in order."""
    u = _NORMAL.cdf(latent(rng, trait, 0.0, loading))
    total = 0.0
    for option, share in shares.items():
        total += share
        if u < total:
            return option
    return list(shares)[-1]
