#!/usr/bin/env python3
"""Statistics for bench/compare's regression gate, standard library only.

The gate asks one question per benchmark: are the new build's samples
(ns/op of repeated runs) larger than the baseline's, beyond what the noise of
a shared machine explains? A fixed threshold on one sample cannot answer that:
one slow sample crosses any threshold. Like benchstat and Google Benchmark's
compare.py, we use the Mann-Whitney U test, which compares the two samples'
ranks and assumes nothing about the shape of the noise (timings are skewed:
a run can be much slower than typical, never much faster).

mann_whitney_u returns U for the first sample and the two-sided p-value of
the normal approximation with tie and continuity corrections (scipy's
mannwhitneyu(..., method="asymptotic"), which compare.py uses). verdict()
calls a difference a regression only when it is significant (p < alpha) and
large enough to matter (the median moved by more than min_effect), as
benchstat reports only significant deltas.

    python3 bench/stats.py --selftest
"""
import math
import statistics
import sys


def ranks(values):
    """Ranks 1..n of values, ties sharing the mean of their ranks."""
    order = sorted(range(len(values)), key=lambda i: values[i])
    r = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        mean_rank = (i + j) / 2 + 1
        for k in range(i, j + 1):
            r[order[k]] = mean_rank
        i = j + 1
    return r


def mann_whitney_u(x, y):
    """(U of x, two-sided p) for samples x and y (normal approximation)."""
    n1, n2 = len(x), len(y)
    if n1 == 0 or n2 == 0:
        raise ValueError("mann_whitney_u needs two non-empty samples")
    pooled = list(x) + list(y)
    r = ranks(pooled)
    u1 = sum(r[:n1]) - n1 * (n1 + 1) / 2
    n = n1 + n2
    # Tie correction: sum of t^3 - t over groups of equal values.
    counts = {}
    for v in pooled:
        counts[v] = counts.get(v, 0) + 1
    ties = sum(t ** 3 - t for t in counts.values())
    var = n1 * n2 / 12 * ((n + 1) - ties / (n * (n - 1)))
    if var <= 0:  # every value equal: no evidence of any difference
        return u1, 1.0
    mu = n1 * n2 / 2
    z = max(abs(u1 - mu) - 0.5, 0.0) / math.sqrt(var)
    return u1, min(1.0, math.erfc(z / math.sqrt(2)))


def verdict(base, new, alpha=0.05, min_effect=0.05):
    """('regression' | 'improvement' | 'same', p, median ratio new/base)."""
    _, p = mann_whitney_u(new, base)
    ratio = statistics.median(new) / statistics.median(base)
    if p < alpha and ratio > 1 + min_effect:
        return "regression", p, ratio
    if p < alpha and ratio < 1 - min_effect:
        return "improvement", p, ratio
    return "same", p, ratio


def selftest():
    failures = []
    checks = 0

    def check(what, got, want, tol=1e-4):
        nonlocal checks
        checks += 1
        if abs(got - want) > tol:
            failures.append(f"{what}: got {got}, want {want}")

    # Disjoint samples of 5: U = 0; mu 12.5, sigma sqrt(25*11/12);
    # z = (12.5 - 0.5) / 4.78714 = 2.50672, p = erfc(z / sqrt 2) = 0.012186.
    u, p = mann_whitney_u([1, 2, 3, 4, 5], [6, 7, 8, 9, 10])
    check("disjoint U", u, 0)
    check("disjoint p", p, 0.012186)
    u, p2 = mann_whitney_u([6, 7, 8, 9, 10], [1, 2, 3, 4, 5])
    check("swapped U", u, 25)
    check("swapped p", p2, p)
    # Ties: x = [1,1,2], y = [1,2,2]. Ranks: 1s -> 2, 2s -> 5; U1 = 9 - 6 = 3,
    # mu = 4.5; var = 9/12 * (7 - 48/30) = 4.05; z = (1.5 - 0.5) / 2.01246.
    u, p = mann_whitney_u([1, 1, 2], [1, 2, 2])
    check("ties U", u, 3)
    check("ties p", p, math.erfc(0.496904 / math.sqrt(2)))
    # Ties off-centre: x = [1,1,1,2], y = [2,2,3,3]. Ranks 1s: 2, 2s: 5, 3s:
    # 7.5; U1 = 11 - 10 = 1; ties: 3 groups (3,3,2) -> 24+24+6 = 54;
    # var = 16/12 * (9 - 54/56) = 10.7143; z = (8 - 1 - 0.5)/3.27327 = 1.98578.
    u, p = mann_whitney_u([1, 1, 1, 2], [2, 2, 3, 3])
    check("off-centre U", u, 1)
    check("off-centre p", p, math.erfc(1.98578 / math.sqrt(2)), tol=1e-4)
    # All equal: no difference.
    check("equal p", mann_whitney_u([3, 3, 3], [3, 3, 3])[1], 1.0)
    # The gate: a clear 20% slowdown in noisy samples is a regression; the
    # same samples against themselves, or a 2% shift, are not.
    checks += 5
    base = [100, 103, 98, 101, 99, 102, 97, 100, 104, 96]
    slow = [v * 1.2 for v in base]
    if verdict(base, slow)[0] != "regression":
        failures.append(f"20% slowdown not flagged: {verdict(base, slow)}")
    if verdict(slow, base)[0] != "improvement":
        failures.append(f"20% speed-up not seen: {verdict(slow, base)}")
    if verdict(base, list(base))[0] != "same":
        failures.append("A/A flagged")
    if verdict(base, [v * 1.02 for v in base])[0] != "same":
        failures.append("2% shift flagged though under min_effect")
    # One wild outlier in the new sample does not make a regression.
    outlier = list(base)
    outlier[3] = 1000
    if verdict(base, outlier)[0] != "same":
        failures.append(f"one outlier flagged: {verdict(base, outlier)}")
    for f in failures:
        print("FAIL:", f)
    print(f"stats selftest: {checks - len(failures)} passed, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    if sys.argv[1:] == ["--selftest"]:
        sys.exit(selftest())
    print(__doc__)
