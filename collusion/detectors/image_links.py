"""The pictures side of shared_signature: near-identical copies linked, public pictures counted.

Identical decoded pixels are one signature value (field ``image``, 相同) and
go through shared_signature like any value. Near-identical copies (a picture
saved again as JPEG or scaled; ``collusion.analysis.images``) are another
fact, weaker (field ``image_near``, 近似): one value per pair of pixel
identities, carried by the bidders that hold one of the two and not the
other, with the measured difference and both pixel hashes.

Copies count together where it matters for what a picture is: a picture whose
copies (identical or near) are in enough bidders' files is public (the
national emblem, a certification mark), and a picture near-identical to one
of the tender's was inherited from it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from collusion.analysis.images import NearMatch, clusters, image_refs, near_matches
from collusion.extract.images import FIELD
from collusion.models import ScanContext, SignatureValue

NEAR_FIELD = "image_near"


@dataclass(frozen=True)
class ImageLinks:
    """The near-identical pairs of a project's pictures and what they join."""

    matches: tuple[NearMatch, ...]
    cluster: dict[str, str]  # pixel identity -> its cluster, for linked identities
    tender: frozenset[str]  # pixel identities the tender's files hold, or copies of them

    def group(self, pixels: str) -> str:
        return self.cluster.get(pixels, pixels)


def image_links(ctx: ScanContext) -> ImageLinks:
    """Near-identical pairs among the tender's and the bidders' pictures."""
    tender_values = [s for f in ctx.tender_files for s in f.signatures]
    every = tender_values + [s for b in ctx.bidders for f in b.files for s in f.signatures]
    matches = near_matches(image_refs(every), ctx.settings.images)
    cluster = clusters(matches)
    tender_groups = {cluster.get(s.normalized, s.normalized) for s in tender_values}
    pixels = {s.normalized for s in every if s.field == FIELD}
    return ImageLinks(
        matches=matches,
        cluster=cluster,
        tender=frozenset(p for p in pixels if cluster.get(p, p) in tender_groups),
    )


def group_holders(
    links: ImageLinks, per_bidder: dict[str, list[SignatureValue]]
) -> dict[str, set[str]]:
    """Cluster -> the bidders holding any copy of that picture."""
    holders: dict[str, set[str]] = defaultdict(set)
    for bidder, values in per_bidder.items():
        for value in values:
            if value.field == FIELD:
                holders[links.group(value.normalized)].add(bidder)
    return holders


@dataclass(frozen=True)
class NearValue:
    """One near-identical pair as a shared value: who holds which side, and how close."""

    normalized: str  # "<left>~<right>"
    group: str  # the cluster both sides are in
    holders: dict[str, tuple[SignatureValue, ...]]
    details: tuple[tuple[str, Any], ...]


def near_values(links: ImageLinks, per_bidder: dict[str, list[SignatureValue]]) -> list[NearValue]:
    """Each near pair that links bidders who do not hold the same pixels."""
    by_pixels: dict[str, dict[str, list[SignatureValue]]] = defaultdict(lambda: defaultdict(list))
    for bidder, values in per_bidder.items():
        for value in values:
            if value.field == FIELD:
                by_pixels[value.normalized][bidder].append(value)
    found = []
    for match in links.matches:
        left, right = by_pixels.get(match.left, {}), by_pixels.get(match.right, {})
        only_left = set(left) - set(right)
        only_right = set(right) - set(left)
        if not only_left or not only_right:
            continue  # no pair of bidders this copy links that its pixels do not
        holders = {b: tuple(sorted(left[b], key=_where)) for b in only_left}
        holders |= {b: tuple(sorted(right[b], key=_where)) for b in only_right}
        found.append(
            NearValue(
                normalized=f"{match.left}~{match.right}",
                group=links.group(match.left),
                holders=dict(sorted(holders.items())),
                details=(
                    ("match", "near_identical"),
                    ("pixel_hashes", _hashes(holders)),
                    ("compared_at", [match.width, match.height]),
                    ("mean_difference", match.mean_difference),
                    ("worst_block", match.worst_block),
                ),
            )
        )
    return found


def _hashes(holders: dict[str, tuple[SignatureValue, ...]]) -> dict[str, list[str]]:
    return {b: sorted({v.normalized for v in vs}) for b, vs in sorted(holders.items())}


def _where(value: SignatureValue) -> tuple[str, str]:
    return (value.file or "", value.value)


def near_summary(bidders: tuple[str, ...], value: NearValue, threshold: float, places: str) -> str:
    """The regulator's sentence for a near-identical picture."""
    details = dict(value.details)
    width, height = details["compared_at"]
    sides = "；".join(
        f"{bidder} 的图片 {'、'.join(hashes)}" for bidder, hashes in details["pixel_hashes"].items()
    )
    return (
        f"投标人 {'、'.join(bidders)} 的投标文件含像素近似的内嵌图片"
        f"（同一图片经重新压缩或缩放：按解码后的像素在 {width}×{height} 像素下比对，"
        f"最大局部灰度差 {details['worst_block']:g}，平均灰度差 {details['mean_difference']:g}，"
        f"近似阈值 {threshold:g}，满分 255）：{sides}（{places}）"
    )
