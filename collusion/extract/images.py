"""Embedded images identified by what they show, not by their file bytes.

A DOCX keeps a pasted picture's original bytes in ``word/media``; a PDF
writer re-encodes it. Hashing bytes, the same logo has one value in a DOCX
and another in a PDF, so a public picture (the national emblem, a CMA or ISO
mark, a bank's logo) is never seen to be held by many bidders. Here an image
is decoded and identified by the SHA-256 of its decoded pixels as 8-bit grey
(``pixels:...``): identical pixels give one value whatever the container.

Each decoded image also keeps what near-identical copies (saved again as
JPEG, scaled) are compared on in ``collusion.analysis.images``: its grey
pixels scaled down by exact area averaging to at most THUMB_MAX_PIXELS (a
``Thumbnail``; logos and seals keep their own size), and a 256-bit difference
hash (dHash: the picture averaged onto a 17x16 grey grid, one bit per pair of
neighbouring cells, is the left one brighter?). The dHash only finds
candidates: pictures drawn from one template (two companies' logos, two
seals) differ in a few of its bits, so no two images are ever joined by it.

Decoding stays cheap: logos and seals are small, images too small to tell
apart are skipped before decoding, and large ones (a scanned page) are
identified by their bytes instead of being decoded.
"""

from __future__ import annotations

import hashlib
import zlib
from dataclasses import dataclass

import numpy as np
import pymupdf

from collusion.models import SignatureValue, Thumbnail

FIELD = "image"
GRID_W, GRID_H = 17, 16  # dHash grid: 16 comparisons per row, 16 rows = 256 bits
DHASH_BITS = GRID_H * (GRID_W - 1)
# Thumbnails keep a logo or a seal at its own size (a 400x96 logo, a 214x214
# seal): scaled down further, the few characters by which two companies'
# look-alike logos differ blur into the same grey.
THUMB_MAX_PIXELS = 256 * 256
# A picture this large is a photo or a scanned page, not a logo: a smaller
# thumbnail tells its copies apart and keeps a bid of a hundred scans small.
LARGE_IMAGE_PIXELS = 1_000_000
LARGE_THUMB_PIXELS = 128 * 128
MIN_SIDE = 16  # pixels; smaller images (bullets, lines) identify nothing
MIN_PIXELS = 32 * 32
MAX_DECODE_PIXELS = 4_000_000  # larger images are identified by their bytes
MIN_GREY_STD = 2.0  # a blank or one-colour image identifies nothing
LUMA = np.array([0.299, 0.587, 0.114])


@dataclass(frozen=True)
class ImagePrint:
    """What identifies one image: its decoded pixels, or its bytes when too large to decode."""

    value: str  # "pixels:<sha256 of the decoded pixels>" or "bytes:<sha256 of the file>"
    width: int
    height: int
    dhash: str | None = None  # perceptual hash: finds candidates for near-identical copies
    thumbnail: Thumbnail | None = None  # the grey pixels near-identical copies are compared on


def worth_decoding(width: int, height: int) -> bool:
    return min(width, height) >= MIN_SIDE and width * height >= MIN_PIXELS


def _area_axis(grey: np.ndarray, target: int, axis: int) -> np.ndarray:
    """Exact area averaging along one axis, from the running sum: target
    pixel i averages the source over [i * n / target, (i + 1) * n / target),
    a source pixel straddling a boundary counting in both by its share."""
    moved = np.moveaxis(grey, axis, 0)
    n = moved.shape[0]
    running = np.concatenate([np.zeros((1, *moved.shape[1:])), np.cumsum(moved, axis=0)])
    edges = np.arange(target + 1) * (n / target)
    whole = np.minimum(np.floor(edges).astype(np.int64), n - 1)
    part = (edges - whole).reshape(-1, *([1] * (moved.ndim - 1)))
    at_edges = running[whole] + part * moved[whole]
    return np.moveaxis((at_edges[1:] - at_edges[:-1]) * (target / n), 0, axis)


def resample(grey: np.ndarray, width: int, height: int) -> np.ndarray:
    """A grey array scaled to width x height by exact area averaging."""
    return _area_axis(_area_axis(grey, height, 0), width, 1)


def thumbnail(grey: np.ndarray) -> Thumbnail:
    """The grey pixels, scaled down to at most THUMB_MAX_PIXELS (a photo or a
    scan, LARGE_THUMB_PIXELS), compressed."""
    rows, cols = grey.shape
    cap = THUMB_MAX_PIXELS if rows * cols <= LARGE_IMAGE_PIXELS else LARGE_THUMB_PIXELS
    scale = min(1.0, (cap / (rows * cols)) ** 0.5)
    width, height = max(1, round(cols * scale)), max(1, round(rows * scale))
    small = grey if scale == 1.0 else resample(grey, width, height)
    samples = np.clip(np.rint(small), 0, 255).astype(np.uint8).tobytes()
    return Thumbnail(width, height, zlib.compress(samples, 6))


def thumbnail_pixels(thumb: Thumbnail) -> np.ndarray:
    """A thumbnail's grey samples as a (height x width) float array."""
    samples = np.frombuffer(zlib.decompress(thumb.grey), dtype=np.uint8)
    return samples.reshape(thumb.height, thumb.width).astype(np.float64)


def dhash(grey: np.ndarray) -> str:
    """Difference hash of a 2-D grey array (256 bits), as hex digits."""
    h, w = grey.shape
    rows = (np.arange(GRID_H) * h) // GRID_H
    cols = (np.arange(GRID_W) * w) // GRID_W
    sums = np.add.reduceat(np.add.reduceat(grey, rows, axis=0), cols, axis=1)
    counts = np.outer(np.diff(np.append(rows, h)), np.diff(np.append(cols, w)))
    cells = sums / counts
    bits = (cells[:, :-1] > cells[:, 1:]).flatten()
    return f"{int(''.join('1' if b else '0' for b in bits), 2):0{len(bits) // 4}x}"


def grey_of(pix: pymupdf.Pixmap) -> np.ndarray:
    """The pixmap's colour samples (alpha dropped, any colour space to RGB) as grey."""
    if pix.alpha:
        pix = pymupdf.Pixmap(pix, 0)
    if pix.colorspace is not None and pix.colorspace.n not in (1, 3):
        pix = pymupdf.Pixmap(pymupdf.csRGB, pix)
    samples = np.frombuffer(pix.samples, dtype=np.uint8)
    samples = samples.reshape(pix.height, pix.stride)[:, : pix.width * pix.n]
    samples = samples.reshape(pix.height, pix.width, pix.n).astype(np.float64)
    return samples[:, :, 0] if pix.n == 1 else samples[:, :, :3] @ LUMA


def from_pixmap(pix: pymupdf.Pixmap) -> ImagePrint | None:
    """Identified by the SHA-256 of its decoded pixels (as 8-bit grey, so that
    the colour space a writer chose does not matter), with its dHash."""
    if not worth_decoding(pix.width, pix.height):
        return None
    grey = grey_of(pix)
    if float(grey.std()) < MIN_GREY_STD:
        return None
    pixels = hashlib.sha256(np.rint(grey).astype(np.uint8).tobytes()).hexdigest()
    return ImagePrint(f"pixels:{pixels[:32]}", pix.width, pix.height, dhash(grey), thumbnail(grey))


def _by_bytes(data: bytes, width: int, height: int) -> ImagePrint:
    return ImagePrint(f"bytes:{hashlib.sha256(data).hexdigest()}", width, height)


def from_bytes(data: bytes) -> ImagePrint | None:
    """An image file's print (PNG, JPEG, GIF, BMP, TIFF...); None if it identifies nothing.

    Formats PyMuPDF cannot decode (EMF, WMF) are identified by their bytes.
    """
    try:
        pix = pymupdf.Pixmap(data)
    except Exception:  # not a raster image PyMuPDF knows
        return _by_bytes(data, 0, 0)
    if pix.width * pix.height > MAX_DECODE_PIXELS:
        return _by_bytes(data, pix.width, pix.height)
    return from_pixmap(pix)


def from_pdf(document: pymupdf.Document, xref: int, width: int, height: int) -> ImagePrint | None:
    """The print of a PDF image object; None if it identifies nothing or cannot be read."""
    if not worth_decoding(width, height):
        return None
    try:
        if width * height > MAX_DECODE_PIXELS:
            return _by_bytes(document.xref_stream_raw(xref) or b"", width, height)
        return from_pixmap(pymupdf.Pixmap(document, xref))
    except Exception:  # a broken image stream: the rest of the file is still read
        return None


def signature(image: ImagePrint, rel: str, source: str) -> SignatureValue:
    """The image as a signature value of the file ``rel`` (source pdf or docx).

    ``normalized`` is the pixel identity; ``value`` adds the size and the
    dHash; the thumbnail rides along for ``collusion.analysis.images``.
    """
    shown = f"{image.value} {image.width}x{image.height}"
    if image.dhash:
        shown += f" dhash:{image.dhash}"
    return SignatureValue(
        source=source,
        field=FIELD,
        value=shown,
        normalized=image.value,
        file=rel,
        thumbnail=image.thumbnail,
    )
