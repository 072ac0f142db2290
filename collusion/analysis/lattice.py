"""The lattice a tender's bid prices lie on, and the chance of a price pattern on it.

Bidders do not pick prices from a continuum. They round (to the fen, the
yuan, the hundred or thousand yuan), or offer a discount rate (下浮率) on the
control price (招标控制价) in whole steps of 1%, 0.1% or 0.01%, so that every
price lies on ``control price x (1 - k x rate step)``. On a coarse lattice,
equal prices and equal gaps are common by chance: five points to the
thousand yuan in a spread of 300,000 yuan give three in a row far more often
than five bids to the fen.

A lattice is a set of points ``origin + k x step`` (k an integer):

- ``additive``: multiples of a round step (0.01 to 1,000,000 yuan);
- ``discount``: the control price less whole multiples of a rate step,
  each point rounded to the fen (or the yuan);
- ``grid``: multiples of a step inferred from the bids themselves when every
  bid (or every bid but one) is one: a discount grid on a control price the
  project does not state (``infer_grid``).

The chance of a pattern is computed on every lattice that holds all of the
pattern's prices, counting only the tender's bids on that lattice, and the
largest is kept: the most generous honest explanation. With ``m`` bids on a
lattice of step ``s`` over an effective spread ``S`` (see
``Spread``), the expected number of

- groups of ``g`` equal bids is ``C(m, g) x (s / (S + s))^(g-1)``;
- chains of ``L`` bids with equal steps is
  ``C(m, L) x L! / (2 (L - 1)) x (w / S)^(L-2) x r``, where ``w`` is the
  window the next price must hit (the lattice step, or the detector's
  tolerance when that is wider) and ``r`` the chance that the step is as round
  as it is (a step of 50,000 yuan among prices to the thousand: 1 in 50).

A step is round only exactly, on the precision the prices are written to
(``step_round_unit``): between two prices to the fen, 286,899.54 is no
multiple of 100, whatever the detector's one-yuan tolerance for a chain's
later prices. Judged within that yuan, a step next to a round one counted as
round 2 times in 100 and weighed 50 times more, though a ring adds a round
step exactly and so never makes one. ``r`` is the chance of an exact
multiple: the finer precision of the step's two prices, or the lattice step
when coarser, over the unit (a fen in 50,000 yuan: 1 in 5 million).

Both are multiplied by the number of kinds of pattern the caller searches
for (equal prices, equal differences, equal ratios, round ratios): a chance
pattern of any kind would have been found, so the chance that matters is
that of finding one at all.

The constant ``L! / (2 (L - 1))`` counts the L-term progressions among
``M`` points (about ``M^2 / (2 (L - 1))``) against the L-sets (``M^L /
L!``): 1.5 for three terms, 4 for four. The chance is ``1 - exp(-expected)``
(a Poisson count of such patterns).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal

import numpy as np

CENT = Decimal("0.01")
ADDITIVE_STEPS = tuple(
    Decimal(x) for x in ("1000000", "100000", "10000", "1000", "100", "10", "1", "0.1", "0.01")
)
# Rate steps of a discount offer, coarsest first: 1%, 0.5%, ... 0.0001%.
RATE_STEPS = tuple(
    Decimal(x)
    for x in ("0.01", "0.005", "0.001", "0.0005", "0.0001", "0.00005", "0.00001", "0.000001")
)
# How far a price computed from a rate may sit from the exact point: half a
# fen, or half a yuan when the bidder rounded the result to the yuan.
FEN_SLACK = Decimal("0.005")
YUAN_SLACK = Decimal("0.5")
# A grid inferred from the bids: its step is the smallest gap between two
# bids divided by at most this, and at least GRID_MIN_STEP yuan; every bid
# must be a whole number of steps within GRID_SLACK (a fen, and a little).
GRID_MAX_DIVISOR = 200
GRID_MIN_STEP = Decimal(1)
GRID_SLACK = 0.011
GRID_MIN_BIDS = 5  # fewer bids fit some grid too easily
# An inferred grid and its rounder multiples (as rate steps of 0.01%, 0.02%,
# 0.05%, 0.1%, ... are multiples of 0.01%) are each tried.
GRID_MULTIPLES = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000)
# Round steps are 1, 2 or 5 times a power of ten, from a yuan up (a ring
# adds whole yuan or rounder; an even number of fen is nothing people choose).
ROUND_MANTISSAS = (5, 2, 1)
MIN_ROUND_UNIT = Decimal(1)
# A tight cluster still spreads over at least a thousandth of its value, and a yuan.
MIN_SPREAD_SHARE = 1e-3
# Bids bunched in a small part of their range make coincidences likelier than
# an even spread: the effective spread is 1 / integral(f^2) of a Gaussian
# kernel density of the bids (Silverman's bandwidth), at most the range.
# For the midpoint of two bids the density is lower by sqrt(3)/2 for
# Gaussian bids (1/(sigma sqrt(3 pi)) against 1/(2 sigma sqrt(pi))).
MIDPOINT_SPREAD_FACTOR = math.sqrt(3) / 2
SILVERMAN = 0.9
POISSON_CERTAIN = 50.0  # expected counts above this give chance 1


@dataclass(frozen=True)
class Lattice:
    """The points ``origin + k x step`` a price can take (see the module doc)."""

    kind: str  # additive | discount | grid
    step: Decimal  # yuan between neighbouring points
    origin: Decimal = Decimal(0)  # the control price of a discount lattice
    rate_step: Decimal | None = None  # discount: the rate step (0.001 = 0.1%)

    def holds(self, price: Decimal, slack: Decimal = Decimal(0)) -> bool:
        """Whether ``price`` sits on one of the lattice's points, within ``slack`` yuan
        (a chain's tolerance) beyond the lattice's own rounding; a lattice no
        wider than twice the slack is held exactly (within it, every price is)."""
        if self.step <= 2 * slack:
            slack = Decimal(0)
        if self.kind == "additive":
            off = price % self.step
            return min(off, self.step - off) <= slack
        if self.kind == "discount":
            return _discount_point(price, self.origin, self.rate_step, slack) is not None
        k = (price / self.step).to_integral_value(ROUND_HALF_EVEN)
        own = YUAN_SLACK if price % 1 == 0 else FEN_SLACK
        return abs(price - k * self.step) <= own + slack + Decimal(str(GRID_SLACK))

    def rate_of(self, price: Decimal) -> Decimal | None:
        """The discount rate (a whole multiple of the rate step) giving ``price``."""
        if self.kind != "discount":
            return None
        return _discount_point(price, self.origin, self.rate_step)

    def to_dict(self) -> dict:
        data: dict = {"kind": self.kind, "step": float(self.step)}
        if self.kind == "discount" and self.rate_step is not None:
            data["control_price"] = float(self.origin)
            data["rate_step"] = float(self.rate_step)
        return data

    def describe(self) -> str:
        """The lattice in words, for the report."""
        if self.kind == "additive":
            return "精确到分" if self.step == CENT else f"取整到{_plain(self.step)}元"
        if self.kind == "discount" and self.rate_step is not None:
            return (
                f"按招标控制价{_plain(self.origin)}元下浮{_percent(self.rate_step)}的整数倍报价"
                f"（相邻格点相差{_plain(self.step)}元）"
            )
        return f"报价均为{_plain(self.step)}元的整数倍（由报价推断的格点，多为按未载明的控制价下浮报价）"


def _plain(value: Decimal) -> str:
    text = f"{value:,.2f}"
    return text[:-3] if text.endswith(".00") else text


def _percent(rate: Decimal) -> str:
    return f"{(rate * 100).normalize():f}%"


def _discount_point(
    price: Decimal, control: Decimal, rate_step: Decimal | None, slack: Decimal = Decimal(0)
) -> Decimal | None:
    """The rate k x rate_step with control x (1 - rate) = price to the fen (or
    yuan), within ``slack`` more, or None."""
    if rate_step is None or control <= 0 or price > control + slack or price <= 0:
        return None
    k = ((1 - price / control) / rate_step).to_integral_value(ROUND_HALF_EVEN)
    rate = k * rate_step
    own = YUAN_SLACK if price % 1 == 0 else FEN_SLACK
    return rate if abs(control * (1 - rate) - price) <= own + slack else None


def informative(lattice: Lattice) -> bool:
    """A discount lattice finer than a yuan cannot be told from rounding."""
    return lattice.kind != "discount" or lattice.step > 2 * YUAN_SLACK


def candidate_lattices(
    values: Sequence[Decimal], control: Decimal | None, multiples: bool = True
) -> list[Lattice]:
    """Every lattice a pattern's chance is tried on: round steps, discount grids on
    the control price, and a grid the bids show (with its rounder multiples
    unless ``multiples`` is False)."""
    found = [Lattice("additive", step) for step in ADDITIVE_STEPS]
    if control is not None and control > 0:
        for rate_step in RATE_STEPS:
            lattice = Lattice("discount", (control * rate_step).quantize(CENT), control, rate_step)
            if informative(lattice):
                found.append(lattice)
    grid = infer_grid(values)
    if grid is not None:
        # Its rounder multiples too: on a grid of 0.01% of the control price,
        # bidders favour whole 0.1% and 1% as they do on a stated one.
        found += [Lattice("grid", grid.step * m) for m in (GRID_MULTIPLES if multiples else (1,))]
    return found


def tender_lattice(values: Sequence[Decimal], control: Decimal | None) -> tuple[Lattice, int]:
    """The coarsest lattice that the most bids lie on (all of them when they
    can), with how many do: what the report says about the tender's prices."""
    positive = [v for v in values if v > 0]
    best = (Lattice("additive", CENT), len(positive))
    if not positive:
        return best
    # The grid's multiples are for chance only: a coarser grid most bids miss
    # does not describe the tender.
    for lattice in candidate_lattices(positive, control, multiples=False):
        members = sum(lattice.holds(v) for v in positive)
        if members >= len(positive) - _spare(len(positive)) and lattice.step > best[0].step:
            best = (lattice, members)
    return best


def _spare(n: int) -> int:
    """Bids a tender lattice may leave out: one in a large enough tender."""
    return 1 if n >= 6 else 0


def infer_grid(values: Sequence[Decimal]) -> Lattice | None:
    """The widest step, at least GRID_MIN_STEP yuan, that every bid (or every bid
    but one) is a whole multiple of: a discount grid on a control price the
    project does not state (control x (1 - k x rate) = (1/rate - k) x
    control x rate, a multiple of control x rate when 1/rate is whole).

    The step is the smallest gap between two distinct bids (or the second
    smallest, when one bid may be off the grid) divided by 1, 2, ...
    GRID_MAX_DIVISOR, refined by least squares as the bids fit; a bid fits
    within GRID_SLACK (a fen and a little), or half a yuan when every bid is
    in whole yuan. Prices to the fen are multiples of a g-yuan step by
    accident with chance about 0.02 / g each.
    """
    bids = [float(v) for v in values if v > 0]
    points = sorted(set(bids))
    if len(bids) < GRID_MIN_BIDS or len(points) < 2:
        return None
    slack = GRID_SLACK if any(v % 1 for v in values) else float(YUAN_SLACK) + GRID_SLACK
    gaps = sorted(b - a for a, b in zip(points, points[1:], strict=False))
    for spare in range(_spare(len(bids)) + 1):  # a grid every bid is on comes first
        found = []
        for gap in gaps[: spare + 1]:  # a bid off the grid may make the smallest gap
            for divisor in range(1, GRID_MAX_DIVISOR + 1):
                step = gap / divisor
                if step < float(GRID_MIN_STEP):
                    break
                fitted = _fit_grid(bids, step, divisor, slack, spare)
                if fitted is not None:
                    found.append(fitted)
                    break
        if found:
            return Lattice("grid", Decimal(f"{max(found):.9f}"))
    return None


def _fit_grid(
    bids: list[float], step: float, divisor: int, slack: float, spare: int
) -> float | None:
    """The step (a gap / ``divisor``) refined by least squares if all ``bids``
    but ``spare`` are its multiples within ``slack``, else None.

    First the gaps from a reference bid (small multiples, so that a rough
    step reads them) refine the step; then each bid's multiple is read and
    the step fitted to all of them, and every bid must sit within ``slack``.
    A gap or a bid is taken only when it sits within what the step's own
    uncertainty allows (2 x slack over the largest multiple read so far),
    so that a bid off the grid does not bend it.
    """
    points = sorted(bids)
    for reference in points[: spare + 1]:
        numerator = denominator = 0.0
        rough, largest = step, float(divisor)  # a gap's error over divisor: the step's
        taken = []
        for bid in sorted(points, key=lambda b: abs(b - reference)):
            k = round((bid - reference) / rough)
            if abs(bid - reference - k * rough) > 2 * slack * (1 + abs(k) / largest):
                continue
            taken.append(bid)  # the reference itself, and bids equal to it, too
            if k:
                numerator, denominator = numerator + k * (bid - reference), denominator + k * k
                rough, largest = numerator / denominator, max(largest, abs(k))
        if len(taken) < len(points) - spare:
            continue
        multiples = [round(b / rough) for b in taken]
        if 0 in multiples:
            continue
        fitted = sum(k * b for k, b in zip(multiples, taken, strict=True)) / sum(
            k * k for k in multiples
        )
        misses = sum(abs(b - round(b / fitted) * fitted) > slack for b in points)
        if misses <= spare:
            return fitted
    return None


# --- chance --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Chance:
    """How likely a pattern is by chance, and the lattice that makes it likeliest."""

    chance: float
    expected: float
    lattice: Lattice
    members: int  # the tender's bids on that lattice
    bids: int
    spread: float  # effective spread of the bids, yuan
    window: float  # yuan: how close the next price of a chain must come to its target
    round_factor: float  # the chance that the step is as round as it is

    def to_dict(self) -> dict:
        return {
            "chance": float(f"{self.chance:.3g}"),
            "expected": float(f"{self.expected:.3g}"),
            "lattice": {**self.lattice.to_dict(), "description": self.lattice.describe()},
            "on_lattice": self.members,
            "bids": self.bids,
            "effective_spread": round(self.spread, 2),
            "window": round(self.window, 4),
            "round_factor": float(f"{self.round_factor:.3g}"),
        }


def poisson_any(expected: float) -> float:
    """The chance of at least one event when ``expected`` are expected."""
    return 1.0 - math.exp(-expected) if expected < POISSON_CERTAIN else 1.0


@dataclass(frozen=True)
class Spread:
    """How widely the tender's bids spread, for the chance of a coincidence among them.

    The effective spread is 1 / integral(f^2) of a Gaussian kernel density of
    the bids (Silverman's bandwidth), at most their range: even bids give
    their range, bunched bids less. Pairs of bids both in a pattern are left
    out (``of``): a ring's own equal prices must not make equal prices look
    common.
    """

    values: tuple[float, ...]
    span: float  # the range of the bids, at least the floor
    floor: float  # a thousandth of the mean, and at least a yuan
    sigma: float  # standard deviation of the difference of two kernels
    total: float  # sum over all pairs of the kernel of their difference

    @classmethod
    def of_bids(cls, bids: Sequence[Decimal]) -> Spread:
        xs = np.array(sorted(float(v) for v in bids), dtype=float)
        n = len(xs)
        mean = float(xs.mean()) if n else 0.0
        floor = max(mean * MIN_SPREAD_SHARE, 1.0)
        span = max(float(xs[-1] - xs[0]), floor) if n else floor
        if n < 3:
            return cls(tuple(xs), span, floor, 0.0, 0.0)
        sd = float(xs.std(ddof=1))
        q1, q3 = np.quantile(xs, [0.25, 0.75])
        scale = min(sd, float(q3 - q1) / 1.34) or sd
        bandwidth = max(SILVERMAN * scale * n ** (-0.2), floor / n)
        sigma = math.sqrt(2) * bandwidth
        total = float(_kernel(xs[:, None] - xs[None, :], sigma).sum() - n) / 2
        return cls(tuple(xs), span, floor, sigma, total)

    def effective(self, pattern: Sequence[Decimal] = ()) -> float:
        """The effective spread with the pairs inside ``pattern`` (its prices) left out."""
        n = len(self.values)
        if self.sigma == 0:
            return self.span
        inside = np.array([float(p) for p in pattern], dtype=float)
        within = (
            float(_kernel(inside[:, None] - inside[None, :], self.sigma).sum()) - len(inside)
        ) / 2
        pairs = n * (n - 1) / 2 - len(inside) * (len(inside) - 1) / 2
        total = self.total - within
        if pairs <= 0 or total <= 0:
            return self.span
        integral = total / pairs / (self.sigma * math.sqrt(2 * math.pi))
        return max(min(self.span, 1.0 / integral), self.floor)


def _kernel(differences: np.ndarray, sigma: float) -> np.ndarray:
    return np.exp(-0.5 * (differences / sigma) ** 2)


def round_unit(value: Decimal, tolerance: Decimal, smallest: Decimal) -> Decimal:
    """The largest 1, 2 or 5 x 10^k (at least ``smallest``, and wider than twice
    ``tolerance``, within which every value is a multiple) that ``value`` is a
    multiple of within ``tolerance``; ``smallest`` when none is."""
    exponent = max(int(math.floor(math.log10(float(abs(value))))), 0) if value else 0
    low = int(math.floor(math.log10(float(smallest))))
    for power in range(exponent, low - 1, -1):
        for mantissa in ROUND_MANTISSAS:
            unit = Decimal(mantissa) * Decimal(10) ** power
            if unit < smallest or unit <= 2 * tolerance or unit > abs(value) + tolerance:
                continue
            if is_multiple(value, unit, tolerance):
                return unit
    return smallest


def is_multiple(value: Decimal, unit: Decimal, tolerance: Decimal = Decimal(0)) -> bool:
    """Whether ``value`` is a whole multiple of ``unit`` within ``tolerance``."""
    off = abs(value) % unit
    return min(off, unit - off) <= tolerance


def written_unit(price: Decimal) -> Decimal:
    """The precision ``price`` is written to: the largest power of ten, from a fen
    to a million yuan, that it is a whole multiple of (9,876,000.00: a thousand)."""
    return next((s for s in ADDITIVE_STEPS if price % s == 0), CENT)


def step_round_unit(low: Decimal, high: Decimal) -> Decimal | None:
    """The largest round unit (1, 2 or 5 x 10^k yuan, at least MIN_ROUND_UNIT)
    the step ``high - low`` is an exact multiple of, or None.

    Exact on the precision the prices are written to (the fen): the chain
    finder's tolerance of a yuan is for a chain's later prices, never for
    the step. Two prices to the fen 286,899.54 apart are no multiple of 100;
    a ring adds its round step exactly. A member that rounds the sum to the
    yuan (1,234,567.89 + 50,000 written as 1,284,568) makes a step that is not
    round either: weighed as any step, the chain errs toward chance.
    """
    step = high - low
    unit = round_unit(step, Decimal(0), MIN_ROUND_UNIT)
    return unit if step and is_multiple(step, unit) else None


def step_precision(low: Decimal, high: Decimal) -> Decimal:
    """The finer precision of the two prices (``written_unit``): by chance, their
    step is an exact multiple of a round unit ``U`` about that often in ``U``
    (a price to the fen and one to the thousand: a fen in ``U``)."""
    return min(written_unit(low), written_unit(high))


def round_chance(unit: Decimal, cell: float) -> float:
    """The chance that a step on a lattice of ``cell`` is a multiple of a round
    ``unit`` or of a rounder one: cell / unit, 1.2 cell / unit for 2 x 10^k
    (its rounder multiples 5 x 10^k and 10^(k+1) are not all multiples of it)."""
    if float(unit) <= cell:
        return 1.0
    leading = int(unit.normalize().as_tuple().digits[0])
    return min(1.0, (1.2 if leading == 2 else 1.0) * cell / float(unit))


def identical_chance(
    group: int,
    price: Decimal,
    values: Sequence[Decimal],
    spreads: Spread,
    lattices: Sequence[Lattice],
    kinds: int = 1,
) -> Chance:
    """The chance that ``group`` of the bids ``values`` are equal, on the likeliest
    lattice holding ``price``; ``kinds`` as in ``progression_chance``."""
    spread = spreads.effective([price] * group)
    best: Chance | None = None
    for lattice in lattices:
        if not lattice.holds(price):
            continue
        members = sum(lattice.holds(v) for v in values)
        cell = float(max(lattice.step, CENT))
        expected = kinds * math.comb(members, group) * (cell / (spread + cell)) ** (group - 1)
        chance = Chance(
            poisson_any(expected), expected, lattice, members, len(values), spread, cell, 1.0
        )
        if best is None or chance.chance > best.chance:
            best = chance
    assert best is not None, "the fen lattice holds every price"
    return best


def chain_constant(length: int) -> float:
    """L! / (2 (L - 1)): L-term progressions among M points against L-sets, times M^(L-2)."""
    return math.factorial(length) / (2 * (length - 1))


def progression_chance(
    prices: Sequence[Decimal],
    step: Decimal,
    geometric: bool,
    values: Sequence[Decimal],
    spreads: Spread,
    lattices: Sequence[Lattice],
    window: Decimal,
    round_step: Decimal | None,
    kinds: int = 1,
    round_width: Decimal | None = None,
) -> Chance:
    """The chance of a chain as long as ``prices`` among the bids, on the likeliest
    lattice holding all of them.

    ``window`` is the width (yuan) of the range the detector accepts around
    a chain's next price (twice its tolerance); ``round_step`` the round unit of the step (arithmetic, yuan) or of
    the ratio expressed in yuan at the mean price (geometric), None when the
    step is not round at all; ``kinds`` how many kinds of pattern the caller
    searches for (a chance pattern of any of them would have been found, so
    the expected count is that many times one kind's); ``round_width`` the
    width (yuan) within which the step was judged round: the finer precision
    of its prices (``step_precision``, a fen for prices to the fen) for a
    difference judged exactly, the window for a ratio judged within a
    tolerance (the default). The chance that a step is round is that width,
    or the lattice's step when coarser, over the round unit.
    """
    length = len(prices)
    spread = spreads.effective(prices) * MIDPOINT_SPREAD_FACTOR
    # A price within the chain's tolerance of a lattice point counts as on it:
    # the chain finder would take it for that point.
    tolerance = window / 2
    best: Chance | None = None
    for lattice in lattices:
        if not all(lattice.holds(p, tolerance) for p in prices):
            continue
        members = sum(lattice.holds(v, tolerance) for v in values)
        cell = max(float(lattice.step), float(window))
        share = min(1.0, cell / spread)
        factor = 1.0
        if round_step is not None:
            width = window if round_width is None else round_width
            judged = max(float(lattice.step), float(width))
            unit, lattice_cell = _round_terms(step, geometric, lattice, round_step, judged)
            factor = round_chance(unit, lattice_cell)
        expected = (
            kinds
            * math.comb(members, length)
            * chain_constant(length)
            * share ** (length - 2)
            * factor
        )
        chance = Chance(
            poisson_any(expected), expected, lattice, members, len(values), spread, cell, factor
        )
        if best is None or chance.chance > best.chance:
            best = chance
    assert best is not None, "the fen lattice holds every price"
    return best


def _round_terms(
    step: Decimal, geometric: bool, lattice: Lattice, round_step: Decimal, cell: float
) -> tuple[Decimal, float]:
    """(round unit, cell) in one currency: yuan, or rate for a discount lattice."""
    if lattice.kind == "discount" and not geometric and lattice.rate_step is not None:
        rate = step / lattice.origin
        unit = round_unit(rate, lattice.rate_step / 2, lattice.rate_step)
        return unit, float(lattice.rate_step)
    return round_step, cell
