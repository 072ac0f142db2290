"""Embedded images identified by what they show, not by their file bytes.

A DOCX keeps a pasted picture's original bytes in ``word/media``; a PDF
writer re-encodes it. Hashing bytes, the same logo has one value in a DOCX
and another in a PDF, so a public picture (the national emblem, a CMA or ISO
mark, a bank's logo) is never seen to be held by many bidders. Here an image
is decoded and identified by a difference hash (dHash) of its pixels: the
picture scaled to a 9x8 grey grid, one bit per pair of neighbouring cells
(is the left one brighter?). Identical pixels give identical hashes whatever
the container, and so do near-identical copies (re-compressed, re-scaled),
while unrelated pictures differ in about half of the 64 bits.

Decoding stays cheap: logos and seals are small, images too small to tell
apart are skipped before decoding, and large ones (a scanned page) are
identified by their bytes instead of being decoded.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

import numpy as np
import pymupdf

from collusion.models import SignatureValue

FIELD = "image"
GRID_W, GRID_H = 17, 16  # dHash grid: 16 comparisons per row, 16 rows = 256 bits
# Near-identical copies (re-compressed) differ in a few bits; unrelated
# pictures in about half of them. Only images of the same size are joined,
# and only when both hashes are informative (flat pictures, whose hashes are
# mostly one bit value, are never joined by their hash).
NEAR_BITS = 12
MIN_INFORMATIVE_BITS = 48  # of each bit value, out of 256
MIN_SIDE = 16  # pixels; smaller images (bullets, lines) identify nothing
MIN_PIXELS = 32 * 32
MAX_DECODE_PIXELS = 4_000_000  # larger images are identified by their bytes
MIN_GREY_STD = 2.0  # a blank or one-colour image identifies nothing
LUMA = np.array([0.299, 0.587, 0.114])


@dataclass(frozen=True)
class ImagePrint:
    """What identifies one image: its dHash, or its bytes when too large to decode."""

    value: str  # "pixels:<sha256 of the decoded pixels>" or "bytes:<sha256 of the file>"
    width: int
    height: int
    dhash: str | None = None  # perceptual hash, for near-identical copies


def worth_decoding(width: int, height: int) -> bool:
    return min(width, height) >= MIN_SIDE and width * height >= MIN_PIXELS


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
    return ImagePrint(f"pixels:{pixels[:32]}", pix.width, pix.height, dhash(grey))


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
    dHash, which ``near_identical`` reads to join near-identical copies.
    """
    shown = f"{image.value} {image.width}x{image.height}"
    if image.dhash:
        shown += f" dhash:{image.dhash}"
    return SignatureValue(source=source, field=FIELD, value=shown, normalized=image.value, file=rel)


def dhash_of(value: SignatureValue) -> int | None:
    match = re.search(r"dhash:([0-9a-f]+)", value.value)
    return int(match.group(1), 16) if match else None


def informative(h: int) -> bool:
    ones = h.bit_count()
    return min(ones, GRID_H * (GRID_W - 1) - ones) >= MIN_INFORMATIVE_BITS


def near_identical(values: list[SignatureValue]) -> dict[str, str]:
    """normalized -> the normalized of its group, joining images whose dHashes
    differ in at most NEAR_BITS bits (each group named by its smallest member)."""
    hashes: dict[str, int] = {}
    sizes: dict[str, str] = {}
    for value in values:
        if value.field == FIELD:
            h = dhash_of(value)
            if h is not None and informative(h):
                hashes.setdefault(value.normalized, h)
                sizes.setdefault(value.normalized, value.value.split(" ")[1])
    names = sorted(hashes)
    parent = {n: n for n in names}

    def find(n: str) -> str:
        while parent[n] != n:
            parent[n] = parent[parent[n]]
            n = parent[n]
        return n

    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            if sizes[a] == sizes[b] and (hashes[a] ^ hashes[b]).bit_count() <= NEAR_BITS:
                ra, rb = find(a), find(b)
                if ra != rb:
                    parent[max(ra, rb)] = min(ra, rb)
    return {n: find(n) for n in names if find(n) != n}
