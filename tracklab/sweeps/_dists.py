"""The probability functions wandb's distributions need, in plain Python (no SciPy).

Distributions without a native optuna prior (normal, log-normal, beta) are searched through a
quantile `u` in (0, 1): the value is `ppf(u)`. A uniform `u` then gives exactly the distribution,
and TPE models the quantile space.
"""

from __future__ import annotations

import math
from statistics import NormalDist
from typing import Any

_EPS = 1e-12


def clamp_unit(u: float) -> float:
    """Keep a quantile away from 0 and 1, where ppf is infinite."""
    return min(max(u, _EPS), 1.0 - _EPS)


def normal_ppf(u: float, mu: float, sigma: float) -> float:
    if sigma == 0:
        return float(mu)
    return NormalDist(mu, sigma).inv_cdf(clamp_unit(u))


def normal_cdf(x: float, mu: float, sigma: float) -> float:
    if sigma == 0:
        return 0.5
    return NormalDist(mu, sigma).cdf(x)


def _betacf(a: float, b: float, x: float) -> float:
    """Continued fraction of the incomplete beta function (modified Lentz)."""
    tiny = 1e-300
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c, d = 1.0, 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 300):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c
        c = c if abs(c) > tiny else tiny
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c
        c = c if abs(c) > tiny else tiny
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < 3e-16:
            break
    return h


def beta_cdf(x: float, a: float, b: float) -> float:
    """The regularized incomplete beta function I_x(a, b)."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    log_front = math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    front = math.exp(log_front)
    if x < (a + 1.0) / (a + b + 2.0):
        return front * _betacf(a, b, x) / a
    return 1.0 - front * _betacf(b, a, 1.0 - x) / b


def beta_ppf(u: float, a: float, b: float) -> float:
    """The inverse of `beta_cdf`: Newton steps kept inside a shrinking bracket (bisection fallback)."""
    u = clamp_unit(u)
    log_beta = math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b)
    low, high = 0.0, 1.0
    x = a / (a + b)
    for _ in range(200):
        error = beta_cdf(x, a, b) - u
        if error == 0.0:
            return x
        if error < 0:
            low = x
        else:
            high = x
        density = math.exp((a - 1) * math.log(x) + (b - 1) * math.log1p(-x) - log_beta) if 0 < x < 1 else 0.0
        step = x - error / density if density > 0 else -1.0
        nxt = step if low < step < high else 0.5 * (low + high)
        if abs(nxt - x) <= 1e-15 * max(1.0, abs(x)) or high - low < 1e-15:
            return nxt
        x = nxt
    return x


def quantize(value: float, q: Any) -> Any:
    """wandb's `round(value / q) * q`, an int when `q` is an int (numpy rounds half to even, as here)."""
    out = round(value / q) * q
    return int(out) if isinstance(q, int) and not isinstance(q, bool) else float(out)
