"""Predictive customer lifetime value: BG/NBD and Gamma-Gamma, fitted by maximum likelihood.

- BG/NBD (Fader, Hardie & Lee 2005, "Counting your customers the easy way"): while alive, a
  customer buys at rate lambda ~ Gamma(r, alpha); after each purchase they drop out with
  probability p ~ Beta(a, b). Inputs per customer: frequency x (repeat purchases), recency t_x
  and age T, as lifetimes' summary_data_from_transaction_data defines them.
- Gamma-Gamma (Fader, Hardie & Lee 2005, "RFM and CLV"): spend per purchase ~ Gamma(p, nu) with
  nu ~ Gamma(q, v), independent of the purchase process; fitted on customers with repeats.

Everything is vectorised over customers with numpy; the likelihoods come with analytic
gradients so L-BFGS-B fits a million customers in seconds. Parameters are optimised on the log
scale (so they stay positive) and time is rescaled so the largest T is 10, as lifetimes does,
which keeps the optimiser well conditioned; alpha is scaled back afterwards.
The `lifetimes` library is used only as a test oracle.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

import numpy as np
from scipy.optimize import minimize
from scipy.special import expit, gammaln, hyp2f1, psi

# A fitted parameter beyond these bounds (on the log scale) means the data carry no information
# about it: the optimiser ran off to a boundary. Such a fit is degenerate, not a result.
LOG_PARAM_LIMIT = math.log(1e6)
# At an optimum the gradient of the mean log-likelihood with respect to the log parameters is
# this small. L-BFGS-B may report a failed line search when it cannot improve further at the
# optimum; a gradient this small means it is there all the same.
GRADIENT_TOLERANCE = 1e-5
OPTIMISER = {"maxiter": 2000, "ftol": 1e-13, "gtol": 1e-9}
# A parameter within this factor of a bound (below 1e-5 or above 1e5 here) ran off towards it.
BOUND_MARGIN = 10.0
# BG/NBD's a and b both above this: the homogeneous-dropout limit (_on_ridge), a valid model.
RIDGE_MINIMUM = 1e3


class FitError(RuntimeError):
    """The model could not be fitted to these data; the message says why."""


@dataclass
class BgNbdParams:
    r: float
    alpha: float
    a: float
    b: float


@dataclass
class GammaGammaParams:
    p: float
    q: float
    v: float


@dataclass
class FitResult:
    bg_nbd: BgNbdParams | None = None
    gamma_gamma: GammaGammaParams | None = None
    bg_nbd_log_likelihood: float | None = None
    gamma_gamma_log_likelihood: float | None = None
    customer_count: int = 0
    repeat_customer_count: int = 0
    converged: bool = False
    failure_reason: str | None = None
    iterations: dict = field(default_factory=dict)

    def as_row(self) -> dict:
        row = {"r": None, "alpha": None, "a": None, "b": None, "p": None, "q": None, "v": None}
        if self.bg_nbd:
            row.update(asdict(self.bg_nbd))
        if self.gamma_gamma:
            row.update(asdict(self.gamma_gamma))
        row.update(
            bg_nbd_log_likelihood=self.bg_nbd_log_likelihood,
            gamma_gamma_log_likelihood=self.gamma_gamma_log_likelihood,
            customer_count=self.customer_count,
            repeat_customer_count=self.repeat_customer_count,
            converged=self.converged,
            failure_reason=self.failure_reason,
        )
        return row


# ----------------------------------------------------------------------------------------------
# BG/NBD


def bg_nbd_log_likelihood(params, x, t_x, T, with_gradient=False):
    """Per-customer log-likelihood (and its gradient with respect to r, alpha, a, b)."""
    r, alpha, a, b = params
    repeat = x > 0
    a1 = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
    a2 = gammaln(a + b) + gammaln(b + x) - gammaln(b) - gammaln(a + b + x)
    a3 = -(r + x) * np.log(alpha + T)
    b_x = b + np.where(repeat, x, 1) - 1  # b + x - 1, kept positive where x = 0 (masked below)
    a4 = np.log(a) - np.log(b_x) - (r + x) * np.log(alpha + t_x)
    a4 = np.where(repeat, a4, -np.inf)
    top = np.maximum(a3, a4)
    ll = a1 + a2 + top + np.log(np.exp(a3 - top) + np.exp(a4 - top))
    if not with_gradient:
        return ll
    w4 = np.exp(a4 - np.logaddexp(a3, a4))  # weight of the "dropped out" term, 0 where x = 0
    w3 = 1.0 - w4
    d_r = psi(r + x) - psi(r) + np.log(alpha) - w3 * np.log(alpha + T) - w4 * np.log(alpha + t_x)
    d_alpha = r / alpha - w3 * (r + x) / (alpha + T) - w4 * (r + x) / (alpha + t_x)
    d_a = psi(a + b) - psi(a + b + x) + w4 / a
    d_b = psi(a + b) + psi(b + x) - psi(b) - psi(a + b + x) - w4 / b_x
    return ll, np.stack([d_r, d_alpha, d_a, d_b])


def _weights(weights, size: int) -> np.ndarray | None:
    """Observation weights (how many customers share a row), validated; None = one each."""
    if weights is None:
        return None
    w = np.asarray(weights, dtype=float)
    if w.shape != (size,) or not np.isfinite(w).all() or (w <= 0).any():
        raise ValueError("weights must be one positive finite number per row")
    return w


def fit_bg_nbd(x, t_x, T, initial=(1.0, 1.0, 1.0, 1.0), weights=None) -> tuple[BgNbdParams, float, bool, int]:
    """Maximum likelihood; `weights` counts how many customers each (x, t_x, T) row stands for
    (a condensed summary), so the fit equals the fit on the rows repeated."""
    x, t_x, T = (np.asarray(v, dtype=float) for v in (x, t_x, T))
    w = _weights(weights, x.size)
    scale = 10.0 / T.max()
    ts_x, ts_T = t_x * scale, T * scale
    n = x.size if w is None else w.sum()

    def objective(log_params):
        params = np.exp(log_params)
        ll, grad = bg_nbd_log_likelihood(params, x, ts_x, ts_T, with_gradient=True)
        if w is not None:
            ll, grad = ll * w, grad * w
        return -ll.sum() / n, -(grad.sum(axis=1) * params) / n

    result = minimize(
        objective,
        np.log(initial),
        jac=True,
        method="L-BFGS-B",
        bounds=[(-LOG_PARAM_LIMIT, LOG_PARAM_LIMIT)] * 4,
        options=OPTIMISER,
    )
    r, alpha, a, b = np.exp(result.x)
    params = BgNbdParams(r=float(r), alpha=float(alpha / scale), a=float(a), b=float(b))
    per_row = bg_nbd_log_likelihood(astuple(params), x, t_x, T)
    log_likelihood = float((per_row if w is None else per_row * w).sum())
    return params, log_likelihood, _at_interior_optimum(result, objective, ridge=(2, 3)), int(result.nit)


def expected_purchases(params: BgNbdParams, t, x, t_x, T):
    """Expected purchases in (T, T + t] given the history (FHL 2005, eq. 10)."""
    r, alpha, a, b = astuple(params)
    x, t_x, T = (np.asarray(v, dtype=float) for v in (x, t_x, T))
    big_a, big_b, big_c = r + x, b + x, a + b + x - 1
    z = t / (alpha + T + t)
    ln_ratio = (r + x) * np.log((alpha + T) / (alpha + t + T))
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        # 2F1 itself where it is finite (it is negative when a + b + x - 1 < 0, so no logarithm);
        # where it overflows (many repeat purchases), Euler's transformation in logarithms
        direct = hyp2f1(big_a, big_b, big_c, z) * np.exp(ln_ratio)
        ln_alt = (
            np.log(hyp2f1(big_c - big_a, big_c - big_b, big_c, z)) + (big_c - big_a - big_b) * np.log(1 - z) + ln_ratio
        )
        product = np.where(np.isfinite(direct), direct, np.exp(ln_alt))
    first = (a + b + x - 1) / (a - 1)
    second = 1 - product
    denominator = 1 + (x > 0) * (a / (b + x - 1)) * ((alpha + T) / (alpha + t_x)) ** (r + x)
    return first * second / denominator


def expected_purchases_since_first(params: BgNbdParams, t):
    """Expected repeat purchases in (0, t] after a customer's first purchase, for a customer
    drawn from the population (FHL 2005, eq. 9): what a cohort is expected to buy, unconditional
    on any history."""
    r, alpha, a, b = astuple(params)
    t = np.asarray(t, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = t / (alpha + t)
        value = (a + b - 1) / (a - 1) * (1 - (alpha / (alpha + t)) ** r * hyp2f1(r, b, a + b - 1, z))
    return np.where(t > 0, value, 0.0)


def probability_alive(params: BgNbdParams, x, t_x, T):
    """P(alive at T | x, t_x, T); 1 for customers without repeat purchases."""
    r, alpha, a, b = astuple(params)
    x, t_x, T = (np.asarray(v, dtype=float) for v in (x, t_x, T))
    log_ratio = (r + x) * np.log((alpha + T) / (alpha + t_x)) + np.log(a / (b + np.maximum(x, 1) - 1))
    return np.where(x == 0, 1.0, expit(-log_ratio))


# ----------------------------------------------------------------------------------------------
# Gamma-Gamma


def gamma_gamma_log_likelihood(params, x, m, with_gradient=False):
    p, q, v = params
    px = p * x
    ll = (
        gammaln(px + q)
        - gammaln(px)
        - gammaln(q)
        + q * np.log(v)
        + (px - 1) * np.log(m)
        + px * np.log(x)
        - (px + q) * np.log(x * m + v)
    )
    if not with_gradient:
        return ll
    log_xm_v = np.log(x * m + v)
    d_p = x * (psi(px + q) - psi(px) + np.log(m) + np.log(x) - log_xm_v)
    d_q = psi(px + q) - psi(q) + np.log(v) - log_xm_v
    d_v = q / v - (px + q) / (x * m + v)
    return ll, np.stack([d_p, d_q, d_v])


def fit_gamma_gamma(x, m, initial=(1.0, 1.0, 1.0), weights=None) -> tuple[GammaGammaParams, float, bool, int]:
    """Fit on customers with repeat purchases and positive mean spend; `weights` as in fit_bg_nbd."""
    x, m = np.asarray(x, dtype=float), np.asarray(m, dtype=float)
    w = _weights(weights, x.size)
    n = x.size if w is None else w.sum()

    def objective(log_params):
        params = np.exp(log_params)
        ll, grad = gamma_gamma_log_likelihood(params, x, m, with_gradient=True)
        if w is not None:
            ll, grad = ll * w, grad * w
        return -ll.sum() / n, -(grad.sum(axis=1) * params) / n

    result = minimize(
        objective,
        np.log(initial),
        jac=True,
        method="L-BFGS-B",
        bounds=[(-LOG_PARAM_LIMIT, LOG_PARAM_LIMIT)] * 3,
        options=OPTIMISER,
    )
    p, q, v = (float(value) for value in np.exp(result.x))
    params = GammaGammaParams(p=p, q=q, v=v)
    per_row = gamma_gamma_log_likelihood((p, q, v), x, m)
    log_likelihood = float((per_row if w is None else per_row * w).sum())
    return params, log_likelihood, _at_interior_optimum(result, objective), int(result.nit)


def _at_interior_optimum(result, objective, ridge: tuple[int, int] | None = None) -> bool:
    """Inside the bounds, with a vanishing gradient (whatever the optimiser's own verdict).

    A parameter within a factor BOUND_MARGIN of a bound ran off towards it: where the optimiser
    stops on that flat slope depends on the machine's floating-point rounding, so it counts as
    the bound. `ridge`: two parameters (BG/NBD's a and b) that may run off to large values
    together, a limit of the model (_on_ridge); the other parameters must then be interior with
    a vanishing gradient."""
    if not np.all(np.isfinite(result.x)):
        return False
    near = np.abs(result.x) >= LOG_PARAM_LIMIT - math.log(BOUND_MARGIN)
    if ridge is not None and near.any() and _on_ridge(result.x, ridge):
        rest = [i for i in range(result.x.size) if i not in ridge]
        gradient = objective(result.x)[1]
        return bool(not near[rest].any() and np.max(np.abs(gradient[rest])) < GRADIENT_TOLERANCE)
    if near.any():
        return False
    gradient = objective(result.x)[1]
    return bool(result.success) or bool(np.max(np.abs(gradient)) < GRADIENT_TOLERANCE)


def _on_ridge(log_params, ridge: tuple[int, int]) -> bool:
    """Both parameters large: BG/NBD with a and b large is the model whose dropout probability
    is the same for every customer, a / (a + b) (the Beta distribution collapses to its mean)."""
    return bool(all(log_params[i] > math.log(RIDGE_MINIMUM) for i in ridge))


def expected_order_value(params: GammaGammaParams, x, m):
    """Expected spend per purchase given x repeats with mean m; the population mean when x = 0."""
    p, q, v = astuple(params)
    x, m = np.asarray(x, dtype=float), np.asarray(m, dtype=float)
    weight = p * x / (p * x + q - 1)
    population_mean = v * p / (q - 1)
    return (1 - weight) * population_mean + weight * np.where(x > 0, m, 0.0)


# ----------------------------------------------------------------------------------------------
# the whole fit, with the checks that turn a bad fit into a reason instead of nonsense


def fit(x, t_x, T, m, min_repeat_customers: int = 50, weights=None) -> FitResult:
    """BG/NBD and Gamma-Gamma on one row per customer, or on condensed rows with `weights` (how
    many customers each row stands for: the same fit and counts as on the rows repeated)."""
    x, t_x, T, m = (np.asarray(v, dtype=float) for v in (x, t_x, T, m))
    w = _weights(weights, x.size)
    w = np.ones(x.size) if w is None else w
    repeat = (x > 0) & (m > 0)
    return fit_condensed((x, t_x, T, w), (x[repeat], m[repeat], w[repeat]), min_repeat_customers)


def fit_condensed(bg_rows, gg_rows, min_repeat_customers: int = 50) -> FitResult:
    """The whole fit on condensed inputs, what an engine collects to its driver:
    bg_rows = (x, t_x, T, customers) over the distinct (x, t_x, T) of every buyer, and
    gg_rows = (x, m, customers) over the distinct (x, m) of the buyers with repeat purchases and
    positive mean spend. Customer counts are the sums of `customers`."""
    x, t_x, T, w = (np.asarray(v, dtype=float) for v in bg_rows)
    gg_x, gg_m, gg_w = (np.asarray(v, dtype=float) for v in gg_rows)
    w, gg_w = _weights(w, x.size), _weights(gg_w, gg_x.size)
    w = np.ones(0) if w is None else w
    result = FitResult(customer_count=int(round(w.sum())), repeat_customer_count=int(round(w[x > 0].sum())))
    inputs_ok = np.isfinite(x).all() and np.isfinite(t_x).all() and np.isfinite(T).all()
    if x.size == 0:
        result.failure_reason = "no customers with a purchase to fit on"
        return result
    if not inputs_ok or (x < 0).any() or (t_x < 0).any() or (t_x > T).any():
        result.failure_reason = "invalid BTYD inputs (need 0 <= recency <= T, frequency >= 0)"
        return result
    if result.repeat_customer_count < min_repeat_customers:
        result.failure_reason = (
            f"only {result.repeat_customer_count} customers with repeat purchases; "
            f"at least {min_repeat_customers} are needed (var clv_min_repeat_customers)"
        )
        return result
    if T.max() <= 0:
        result.failure_reason = "every customer's first purchase is on the as-of date (T = 0)"
        return result
    bg, bg_ll, bg_ok, bg_it = fit_bg_nbd(x, t_x, T, weights=w)
    result.bg_nbd, result.bg_nbd_log_likelihood = bg, bg_ll
    result.iterations["bg_nbd"] = bg_it
    gg, gg_ll, gg_ok, gg_it = fit_gamma_gamma(gg_x, gg_m, weights=gg_w)
    result.gamma_gamma, result.gamma_gamma_log_likelihood = gg, gg_ll
    result.iterations["gamma_gamma"] = gg_it
    values = list(asdict(bg).values()) + list(asdict(gg).values())
    if not bg_ok:
        result.failure_reason = (
            "BG/NBD did not converge to an interior maximum (a parameter ran to its bound): "
            "the data do not look like a buy-till-you-die process"
        )
    elif not gg_ok:
        result.failure_reason = (
            "Gamma-Gamma did not converge to an interior maximum: spend per purchase does not look gamma-distributed"
        )
    elif not all(np.isfinite(values)) or min(values) <= 0:
        result.failure_reason = "a fitted parameter is not a positive finite number"
    elif gg.q <= 1:
        result.failure_reason = f"Gamma-Gamma q = {gg.q:.4g} <= 1: the population mean spend is undefined"
    elif abs(bg.a - 1) < 1e-6:
        result.failure_reason = "BG/NBD a = 1: expected purchases are undefined"
    else:
        result.converged = True
    return result


def predicted_clv(
    bg: BgNbdParams,
    gg: GammaGammaParams,
    x,
    t_x,
    T,
    m,
    months: int,
    monthly_discount_rate: float,
    days_per_month: float,
    time_unit_days: float,
):
    """Σ over months of expected purchases in that month × expected spend ÷ (1 + d)^month,
    lifetimes' customer_lifetime_value with months of `days_per_month` days."""
    spend = expected_order_value(gg, x, m)
    step = days_per_month / time_unit_days
    total = np.zeros(np.shape(x), dtype=float)
    previous = np.zeros(np.shape(x), dtype=float)
    for month in range(1, months + 1):
        cumulative = expected_purchases(bg, month * step, x, t_x, T)
        total += spend * (cumulative - previous) / (1 + monthly_discount_rate) ** month
        previous = cumulative
    return total


def astuple(params) -> tuple:
    return tuple(asdict(params).values())
