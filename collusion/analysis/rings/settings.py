"""Every threshold of the ring search (``RingSettings``), with its reason."""

from __future__ import annotations

import math
from dataclasses import dataclass

from collusion.errors import SettingsError


@dataclass(frozen=True)
class RingSettings:
    """Every threshold of the search for groups that bid together more often than chance."""

    # A pair or a group is tested only when it bid together at least this
    # often: rotation and screens mean nothing over one or two tenders.
    min_cobids: int = 3
    # Chance of listing any group at all in a market without rings: a group
    # of k companies is listed when its chance under the null model is at
    # most alpha / (S * C(N, k)), C(N, k) the number of groups of k among the
    # N companies that bid min_cobids times or more, and S the number of
    # group sizes tested (Bonferroni over every group that could have been
    # listed, however the candidates were found). Not fitted: the usual 1%.
    alpha: float = 0.01
    # Groups of 2 to this many members are tested (a "ring" of dozens is a
    # market, not a group); S above is max_group_size - 1.
    max_group_size: int = 12
    # Candidate groups grow from pairs whose own co-bidding has at most this
    # chance (log10). Only where the search starts: the test that lists a
    # group is the one above, so a looser value costs time, not precision.
    seed_log10_chance: float = -2.0
    # ... lowered in a large market so that about this many pairs at most
    # pass it by chance (a province has millions of pairs that meet thrice):
    # the search stays a few thousand candidates.
    seed_budget: int = 2000
    # A tender whose row names no region gets the market its bidders belong
    # to (collusion.analysis.rings.inferred): the region most of them bid in,
    # or, when the archive names no region at all, their community of the
    # co-bidding graph. False: such tenders share one unnamed region.
    infer_markets: bool = True
    # Louvain's resolution for those communities: the usual 1 (modularity);
    # larger splits the graph into more, smaller markets. Chosen on seeds
    # other than the reported ones (benchmarks/rings_bench.py --choice).
    market_resolution: float = 1.0
    # Each tender's market refined by a mixture of markets (a firm bidding
    # everywhere says little about where a tender is); False: the market most
    # of its bidders belong to. Chosen as above.
    market_refine: bool = True
    # ... and the communities found again without the firms bidding
    # everywhere (they glue districts together in a province). Chosen as above.
    market_without_broad: bool = True
    # An inferred market has more firms than this: a market no larger than a
    # group the search tests (max_group_size) could be that group, a ring
    # whose members meet each other far above chance. 0: any size. Chosen as
    # above.
    market_min_firms: int = 12
    # A community is a market when more than this share of its members'
    # co-bidding weight is with each other (a community in the weak sense,
    # Radicchi et al. 2004: more inside than outside). Not fitted.
    market_weak_share: float = 0.5
    # A firm whose bids' markets diverge from all tenders' markets by less
    # than this (Kullback-Leibler, nats) follows the tenders wherever they
    # are: it bids everywhere and is no market's member. ln 2: its markets
    # are on the whole less than twice as likely as the tenders'. Not fitted.
    market_broad_divergence: float = math.log(2.0)
    # Screens need this many bids (the screening literature's four, as
    # collusion.settings.PriceSettings.min_bids_for_screens).
    min_bids: int = 4
    # The group's tender screens are compared with this many of the market's
    # tenders (evenly spread over the archive); more add time, not precision.
    market_screen_tenders: int = 20_000
    # Group screens are scored only over at least this many priced tenders.
    min_screened_tenders: int = 3
    # Weights of the score's parts (each in [0, 1]); a part that cannot be
    # measured (no prices, no winners) is left out and the rest reweighted.
    # Equal: no labelled rings to fit them on.
    weight_cobidding: float = 0.25
    weight_exclusivity: float = 0.25
    weight_rotation: float = 0.25
    weight_prices: float = 0.25

    def __post_init__(self) -> None:
        if self.min_cobids < 2:
            raise SettingsError("rings.min_cobids must be at least 2")
        if not 0 < self.alpha < 1:
            raise SettingsError("rings.alpha must be in (0, 1)")
        if self.max_group_size < 2:
            raise SettingsError("rings.max_group_size must be at least 2")
        if self.seed_budget < 1:
            raise SettingsError("rings.seed_budget must be at least 1")
        if self.seed_log10_chance >= 0:
            raise SettingsError("rings.seed_log10_chance must be negative (a log10 chance)")
        if not 0 < self.market_weak_share < 1 or self.market_broad_divergence < 0:
            raise SettingsError(
                "rings.market_weak_share must be in (0, 1), market_broad_divergence >= 0"
            )
        if self.market_min_firms < 0:
            raise SettingsError("rings.market_min_firms must be at least 0")
        if self.market_resolution <= 0:
            raise SettingsError("rings.market_resolution must be positive")
        if self.min_bids < 4:
            raise SettingsError("rings.min_bids must be at least 4 (kurtosis needs four bids)")
        if self.market_screen_tenders < 1 or self.min_screened_tenders < 1:
            raise SettingsError("rings.market_screen_tenders and min_screened_tenders must be >= 1")
        weights = (
            self.weight_cobidding,
            self.weight_exclusivity,
            self.weight_rotation,
            self.weight_prices,
        )
        if any(w < 0 for w in weights) or self.weight_cobidding <= 0:
            raise SettingsError("rings weights must be >= 0, and weight_cobidding > 0")
