"""Confidence intervals for rates and for before/after differences.

- Rates: Wilson score interval (good coverage at small n and near 0 or 1, unlike the normal approximation).
- Differences (after - before): Newcombe's hybrid score interval (Newcombe 1998, method 10), built from the two
  Wilson intervals. It treats the two rates as independent samples; on the same items (paired) it is
  conservative, which is the safe side for a regression gate. It needs only (k, n) per side, so reports can be
  rebuilt from the stored aggregates.
- Paired (the same items before and after, from the per-item results in the store): the exact McNemar test for
  accuracy, with the matching conditional exact interval for the difference; a paired percentile bootstrap for
  rates (safe rate, over-refusal). These are what the regression gate uses when per-item results exist.
"""

from __future__ import annotations

import math

from pydantic import BaseModel

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


# -- paired statistics: before and after on the SAME items -------------------------------------------------
def _log_binom_pmf(k: int, n: int, p: float) -> float:
    if p <= 0.0:
        return 0.0 if k == 0 else -math.inf
    if p >= 1.0:
        return 0.0 if k == n else -math.inf
    return (math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1) + k * math.log(p)
            + (n - k) * math.log1p(-p))


def binom_cdf(k: int, n: int, p: float) -> float:
    """P(X <= k) for X ~ Binomial(n, p)."""
    if k < 0:
        return 0.0
    if k >= n:
        return 1.0
    return min(1.0, sum(math.exp(_log_binom_pmf(i, n, p)) for i in range(k + 1)))


def mcnemar_exact(b: int, c: int) -> float:
    """Two-sided exact McNemar p-value from the discordant counts: b = right before and wrong after, c = wrong
    before and right after. Under H0 the c of the b + c discordant items is Binomial(b + c, 1/2)."""
    n = b + c
    if n == 0:
        return 1.0
    return min(1.0, 2.0 * binom_cdf(min(b, c), n, 0.5))


def clopper_pearson(k: int, n: int, alpha: float = 0.05) -> tuple[float, float]:
    """Exact (Clopper-Pearson) interval for a binomial proportion, by bisection on the binomial CDF."""
    if n <= 0:
        return (math.nan, math.nan)

    def solve(target: float, kk: int) -> float:  # p with P(X <= kk; n, p) == target (decreasing in p)
        lo, hi = 0.0, 1.0
        for _ in range(60):
            mid = (lo + hi) / 2
            if binom_cdf(kk, n, mid) > target:
                lo = mid
            else:
                hi = mid
        return (lo + hi) / 2

    lower = 0.0 if k == 0 else solve(1 - alpha / 2, k - 1)
    upper = 1.0 if k == n else solve(alpha / 2, k)
    return (lower, upper)


class PairedResult(BaseModel):
    """after - before on the same items, with a 95% interval and how it was computed."""

    method: str
    n: int  # items present on both sides
    before: float
    after: float
    delta: float
    low: float
    high: float
    p_value: float | None = None
    b: int | None = None  # right (or 1) before, wrong (0) after
    c: int | None = None  # wrong before, right after


def paired_accuracy(before: list[int], after: list[int], alpha: float = 0.05) -> PairedResult:
    """Accuracy difference on the same items: exact McNemar test, and the interval consistent with it.

    Conditional on the d = b + c discordant items, c ~ Binomial(d, pi) and the difference is (d / n)(2 pi - 1);
    the Clopper-Pearson interval for pi gives the interval of the difference. It excludes 0 exactly when the
    two-sided exact McNemar p-value is below alpha."""
    if len(before) != len(after):
        raise ValueError("paired results need the same items on both sides")
    n = len(before)
    if n == 0:
        return PairedResult(method="mcnemar-exact", n=0, before=math.nan, after=math.nan, delta=math.nan,
                            low=math.nan, high=math.nan)
    b = sum(1 for x, y in zip(before, after, strict=True) if x and not y)
    c = sum(1 for x, y in zip(before, after, strict=True) if y and not x)
    d = b + c
    delta = (c - b) / n
    if d == 0:
        lo = hi = 0.0
    else:
        plo, phi = clopper_pearson(c, d, alpha)
        lo, hi = d / n * (2 * plo - 1), d / n * (2 * phi - 1)
    return PairedResult(method="mcnemar-exact", n=n, before=sum(map(bool, before)) / n,
                        after=sum(map(bool, after)) / n, delta=delta, low=lo, high=hi,
                        p_value=mcnemar_exact(b, c), b=b, c=c)


def paired_bootstrap(before: list[float], after: list[float], *, iters: int = 2000, seed: int = 0,
                     alpha: float = 0.05) -> PairedResult:
    """Difference of means (after - before) on the same items with a paired percentile bootstrap interval:
    items are resampled with replacement and both sides of an item move together. Deterministic (seeded)."""
    import numpy as np

    if len(before) != len(after):
        raise ValueError("paired results need the same items on both sides")
    n = len(before)
    if n == 0:
        return PairedResult(method="paired-bootstrap", n=0, before=math.nan, after=math.nan, delta=math.nan,
                            low=math.nan, high=math.nan)
    x, y = np.asarray(before, dtype=float), np.asarray(after, dtype=float)
    diff = y - x
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, n, size=(iters, n))
    boots = diff[idx].mean(axis=1)
    lo, hi = np.quantile(boots, [alpha / 2, 1 - alpha / 2])
    return PairedResult(method=f"paired-bootstrap ({iters} resamples, seed {seed})", n=n, before=float(x.mean()),
                        after=float(y.mean()), delta=float(diff.mean()), low=float(lo), high=float(hi))
