"""How late a supplier's deliveries come (DOMAIN.md rule 21): the pure rule.

A receipt's *slip* is the number of days between the date the supplier last confirmed (the
purchase order's expected date in force when the receipt was applied) and the day the goods
came: positive late, negative early, 0 on the day.

The window of a PO-pegged line ends ``allowance`` days after the confirmed date, where the
allowance is the slip that covers a configured share ``q`` of deliveries (default 0.95):

- The supplier's empirical quantile ``Q_s`` is the *nearest-rank* quantile of its ``n`` slips:
  the ``ceil(q * n)``-th smallest (Hyndman & Fan 1996, "Sample quantiles in statistical
  packages", definition 1, the inverse of the empirical distribution function). It is the
  smallest slip such that at least a share ``q`` of the sample is no later, which is exactly
  "latest covers q of this supplier's deliveries": no interpolation between two deliveries
  that happened, and whole days.
- A short history says little, so it is shrunk toward the store-wide prior ``Q_p`` (the same
  quantile over every supplier's slips) by credibility weighting, the empirical-Bayes blend of
  actuarial credibility theory (Bühlmann & Gisler 2005, "A Course in Credibility Theory",
  ch. 2: Z = n / (n + k))::

      allowance = ceil( n/(n+k) * Q_s  +  k/(n+k) * Q_p )

  with ``k`` the configured prior strength (``Policy.slip_prior_strength``, default 5: the
  prior counts as five deliveries). With no history the supplier gets the prior; the prior's
  weight falls as deliveries accumulate. We blend the two *quantiles* rather than pooling
  pseudo-observations into one sample because the blend moves smoothly and monotonically with
  ``n`` (pooling a handful of prior points makes the 95% rank jump between the two samples'
  tails), and the weight is a single number staff can read and tune.
- Rounded up, because a window that ends a day too early breaks the promise; never below 0,
  because ``latest`` never ends before the confirmed date (``earliest`` is the date itself).
- With no slip anywhere in the store the allowance is 0: the window is today's, unchanged.

For a delivery already ``d`` days late (rule 20, ``late_delivery``), the same blend runs over
the *conditional* samples, the slips greater than ``d`` ("how late this supplier's deliveries
have been once already this late"). With no such slip in the store, None: the caller keeps
its simple margin rule.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

DEFAULT_QUANTILE = 0.95
DEFAULT_PRIOR_STRENGTH = 5


@dataclass(frozen=True)
class SlipHistory:
    """The slips (in days) of one supplier's receipts and of every supplier's."""

    supplier: tuple[int, ...] = ()
    store: tuple[int, ...] = ()


def nearest_rank(sample: Sequence[int], q: float) -> int | None:
    """The ``ceil(q * n)``-th smallest value (at least the first); None for no sample."""
    if not sample:
        return None
    if not 0.0 < q <= 1.0:
        raise ValueError("the quantile must be in (0, 1]")
    ordered = sorted(sample)
    rank = max(1, math.ceil(q * len(ordered) - 1e-9))
    return ordered[rank - 1]


def prior_weight(n: int, strength: int) -> float:
    """The share ``k/(n+k)`` the store-wide prior keeps when the supplier has ``n`` slips."""
    if n + strength == 0:
        return 0.0
    return strength / (n + strength)


def blended_quantile(
    supplier: Sequence[int], store: Sequence[int], q: float, strength: int
) -> float | None:
    """``n/(n+k) * Q_s + k/(n+k) * Q_p``; the supplier's alone when the store has nothing else."""
    own = nearest_rank(supplier, q)
    prior = nearest_rank(store, q)
    if prior is None:
        return None if own is None else float(own)
    if own is None:
        return float(prior)
    w = prior_weight(len(supplier), strength)
    return (1.0 - w) * own + w * prior


def slip_allowance(history: SlipHistory | None, q: float, strength: int) -> int:
    """Days past the confirmed date that ``latest`` must reach to cover a share ``q``."""
    if history is None:
        return 0
    value = blended_quantile(history.supplier, history.store, q, strength)
    if value is None:
        return 0
    return max(0, math.ceil(value - 1e-9))


def late_allowance(
    history: SlipHistory | None, days_late: int, q: float, strength: int
) -> int | None:
    """Rule 20 with rule 21: the slip covering ``q`` of the deliveries that were later than
    ``days_late`` (conditional samples, same blend). None when no delivery was ever this late.
    """
    if history is None:
        return None
    supplier = [s for s in history.supplier if s > days_late]
    store = [s for s in history.store if s > days_late]
    value = blended_quantile(supplier, store, q, strength)
    if value is None:
        return None
    return max(days_late + 1, math.ceil(value - 1e-9))
