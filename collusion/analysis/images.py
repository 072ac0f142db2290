"""Near-identical images: one picture saved again or scaled, told apart from look-alikes.

Identical decoded pixels are one value already (``collusion.extract.images``:
``pixels:<sha256>``) and are reported as 相同. A copy saved again as JPEG or
pasted at another size has other pixels; two companies' logos drawn from one
template, or two electronic seals (a red ring, a star, the company's name
around it), differ only in a few characters and look alike. A coarse
perceptual hash cannot tell the two cases apart (generated look-alike seals
differ in 0 to 2 of the dHash's 256 bits, re-encoded copies in up to 15), so
here the dHash only proposes candidates and the decoded pixels decide:

1. candidates: images of the same aspect ratio (within
   ``ImageSettings.aspect_tolerance``) whose dHashes differ in at most
   ``candidate_bits`` bits;
2. both thumbnails are scaled by exact area averaging to a common size (the
   smaller one's) and smoothed with a Gaussian of ``blur_sigma`` pixels,
   which removes what a scaler's filter and sub-pixel placement change;
3. the mean absolute grey difference (0-255) is taken over each block of
   ``block`` x ``block`` pixels; the largest of them, ``worst_block``, is the
   measured difference. A changed character makes one block differ strongly
   however small it is in the whole picture; re-encoding changes every block
   a little.

A pair is near-identical (近似) when ``worst_block <= max_block_difference``.
Measured by ``benchmarks/image_lookalike_bench.py`` on generated logos and
seals; ``docs/evidence.md`` shows the figures.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np

from collusion.analysis.graph import component_roots
from collusion.extract.images import FIELD, resample, thumbnail_pixels
from collusion.models import SignatureValue, Thumbnail
from collusion.settings import ImageSettings

DHASH_PREFIX = "dhash:"


@dataclass(frozen=True)
class ImageRef:
    """One distinct picture (by its pixel identity) with what it is compared on."""

    pixels: str  # SignatureValue.normalized: pixels:<sha256>
    width: int
    height: int
    dhash: int
    thumbnail: Thumbnail


@dataclass(frozen=True)
class NearMatch:
    """Two different pixel identities of one picture, with the measured difference."""

    left: str
    right: str
    width: int  # the common size they were compared at
    height: int
    mean_difference: float  # mean absolute grey difference, 0-255
    worst_block: float  # the largest block's mean absolute grey difference, 0-255


def image_refs(values: Iterable[SignatureValue]) -> tuple[ImageRef, ...]:
    """The distinct decoded images among signature values, sorted by pixel identity."""
    found: dict[str, ImageRef] = {}
    for value in values:
        if value.field != FIELD or value.thumbnail is None or value.normalized in found:
            continue
        size, dhash = _size_and_dhash(value.value)
        if size is None or dhash is None:
            continue
        found[value.normalized] = ImageRef(value.normalized, *size, dhash, value.thumbnail)
    return tuple(found[key] for key in sorted(found))


def _size_and_dhash(shown: str) -> tuple[tuple[int, int] | None, int | None]:
    size, dhash = None, None
    for part in shown.split():
        if part.startswith(DHASH_PREFIX):
            dhash = int(part[len(DHASH_PREFIX) :], 16)
        elif "x" in part and part.replace("x", "").isdigit():
            width, height = part.split("x")
            size = (int(width), int(height))
    return size, dhash


def candidates(a: ImageRef, b: ImageRef, settings: ImageSettings) -> bool:
    """Whether two images may be one picture: aspect ratio and dHash close enough."""
    if min(a.width, a.height, b.width, b.height) <= 0:
        return False
    ratio = math.log((a.width / a.height) / (b.width / b.height))
    if abs(ratio) > settings.aspect_tolerance:
        return False
    return (a.dhash ^ b.dhash).bit_count() <= settings.candidate_bits


def blurred(grey: np.ndarray, sigma: float) -> np.ndarray:
    """A separable Gaussian blur with edges repeated."""
    if sigma <= 0:
        return grey
    radius = max(1, math.ceil(3 * sigma))
    offsets = np.arange(-radius, radius + 1)
    kernel = np.exp(-(offsets**2) / (2 * sigma * sigma))
    kernel /= kernel.sum()
    out = grey
    for axis in (0, 1):
        padded = np.pad(out, [(radius, radius) if a == axis else (0, 0) for a in (0, 1)], "edge")
        length = out.shape[axis]
        out = sum(
            weight * np.take(padded, np.arange(i, i + length), axis=axis)
            for i, weight in enumerate(kernel)
        )
    return out


Scaled = Callable[[ImageRef, int, int], np.ndarray]  # a picture at a size, blurred


def scaled(ref: ImageRef, width: int, height: int, settings: ImageSettings) -> np.ndarray:
    """A picture's thumbnail at width x height, blurred."""
    pixels = resample(thumbnail_pixels(ref.thumbnail), width, height)
    return blurred(pixels, settings.blur_sigma)


def difference(
    a: ImageRef, b: ImageRef, settings: ImageSettings, at: Scaled | None = None
) -> NearMatch:
    """The two pictures compared at a common size (see the module doc); ``at``
    gives a picture at a size (``scaled``, or the same remembered)."""
    at = at or functools.partial(scaled, settings=settings)
    height = min(a.thumbnail.height, b.thumbnail.height)
    width = min(a.thumbnail.width, b.thumbnail.width)
    first, second = at(a, width, height), at(b, width, height)
    diff = np.abs(first - second)
    rows = np.arange(0, height, settings.block)
    cols = np.arange(0, width, settings.block)
    sums = np.add.reduceat(np.add.reduceat(diff, rows, axis=0), cols, axis=1)
    counts = np.outer(np.diff(np.append(rows, height)), np.diff(np.append(cols, width)))
    left, right = sorted((a.pixels, b.pixels))
    return NearMatch(
        left=left,
        right=right,
        width=width,
        height=height,
        mean_difference=round(float(diff.mean()), 2),
        worst_block=round(float((sums / counts).max()), 2),
    )


@functools.lru_cache(maxsize=4)
def near_matches(refs: tuple[ImageRef, ...], settings: ImageSettings) -> tuple[NearMatch, ...]:
    """Every pair of different pixel identities that is one picture, sorted."""
    found = []
    made: dict[tuple[str, int, int], np.ndarray] = {}  # each picture at each size, once

    def at(ref: ImageRef, width: int, height: int) -> np.ndarray:
        key = (ref.pixels, width, height)
        if key not in made:
            made[key] = scaled(ref, width, height, settings)
        return made[key]

    for i, a in enumerate(refs):
        for b in refs[i + 1 :]:
            if candidates(a, b, settings):
                match = difference(a, b, settings, at)
                if match.worst_block <= settings.max_block_difference:
                    found.append(match)
    return tuple(sorted(found, key=lambda m: (m.left, m.right)))


def clusters(matches: Iterable[NearMatch]) -> dict[str, str]:
    """Pixel identity -> its cluster (the smallest identity linked to it by
    near matches), for identities in at least one match."""
    return component_roots((match.left, match.right) for match in matches)
