"""The weight of a value that several bidders share: rarity, as every detector weighs it.

The record-linkage rule with frequency-based agreement weights (Fellegi and
Sunter): ``log10_lr = log10(1 / u)``, where ``u``, the chance that two honest
bidders both carry the value, is the largest of what the field is
(``u_field``), the share of the project's other bidders that carry it beyond
a ring, and a history share when one is given. ``collusion.scoring`` adds the
weights of distinct facts into a pair's weight; its module doc has the whole
model.
"""

from __future__ import annotations

import math
from typing import Any

from collusion.models import Weight

# The chance that two honest bidders share a value can never be taken as
# lower than this: no fact alone is worth more than 10^5 to 1.
MIN_U = 1e-5
# A ring of up to this many bidders can carry a value with no honest carrier
# at all (rings of 2 to 4 are the usual case); only carriers beyond it show
# that the value is public.
RING_SIZE = 4


def frequency_u(holders: int, bidders: int) -> float:
    """Share of the project's other bidders carrying a value beyond a ring:
    max(0, k - RING_SIZE) / (n - 2)."""
    if holders <= RING_SIZE or bidders <= 2:
        return 0.0
    return min(1.0, (holders - RING_SIZE) / (bidders - 2))


def rarity_weight(
    u_field: float,
    holders: int,
    bidders: int,
    *,
    history_share: float | None = None,
    weak: bool = False,
) -> Weight:
    """The weight of a value k of n bidders share: log10(1 / u), u as in the module doc."""
    u_project = frequency_u(holders, bidders)
    u = max(u_field, u_project, history_share or 0.0, MIN_U)
    inputs: dict[str, Any] = {
        "u_field": u_field,
        "holders": holders,
        "bidders": bidders,
        "u_project": round(u_project, 6),
        "u": round(u, 6),
    }
    if history_share is not None:
        inputs["u_history"] = round(history_share, 6)
    return Weight(log10_lr=max(0.0, -math.log10(u)), method="rarity", inputs=inputs, weak=weak)
