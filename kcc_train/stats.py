"""Confidence intervals for rates and for before/after differences.

- Rates: Wilson score interval (good coverage at small n and near 0 or 1, unlike the normal approximation).
- Differences (after - before): Newcombe's hybrid score interval (Newcombe 1998, method 10), built from the two
  Wilson intervals. It treats the two rates as independent samples; on the same items (paired) it is
  conservative, which is the safe side for a regression gate. It needs only (k, n) per side, so reports can be
  rebuilt from the stored aggregates.
"""

from __future__ import annotations

import math

Z95 = 1.959963984540054


def wilson(k: float, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval for k successes out of n; (nan, nan) when n == 0."""
    if n <= 0:
        return (math.nan, math.nan)
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    # the bounds at k = 0 and k = n are exactly 0 and 1 (the subtraction leaves a rounding residue)
    return (0.0 if k <= 0 else max(0.0, centre - half), 1.0 if k >= n else min(1.0, centre + half))


def newcombe_diff(k1: float, n1: int, k2: float, n2: int, z: float = Z95) -> tuple[float, float, float]:
    """Difference p2 - p1 (after minus before) with Newcombe's hybrid score 95% interval."""
    if n1 <= 0 or n2 <= 0:
        return (math.nan, math.nan, math.nan)
    p1, p2 = k1 / n1, k2 / n2
    l1, u1 = wilson(k1, n1, z)
    l2, u2 = wilson(k2, n2, z)
    d = p2 - p1
    lo = d - math.sqrt((p2 - l2) ** 2 + (u1 - p1) ** 2)
    hi = d + math.sqrt((u2 - p2) ** 2 + (p1 - l1) ** 2)
    return (d, max(-1.0, lo), min(1.0, hi))
