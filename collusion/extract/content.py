"""What the readers of the formats beyond PDF and DOCX hand back, and which
reader reads which format.

PDF and DOCX have their own content types (their readers carry more: repairs,
page trees, fonts). OFD, DOC/WPS and XLSX/XLS readers are Readers returning a
FormatContent, which ``collusion.extract`` turns into the file's entry.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from collusion.keys import signature_key
from collusion.models import Block, SignatureValue
from collusion.settings import ExtractSettings


@dataclass(frozen=True)
class FormatContent:
    blocks: tuple[Block, ...]
    signatures: tuple[SignatureValue, ...]
    pages: int | None
    notes: tuple[str, ...] = ()  # read with something left out, for the report
    partial: bool = False  # part of the file could not be read
    empty_reason: str | None = None  # why nothing was read, when nothing was


Reader = Callable[[str, bytes, ExtractSettings], FormatContent]


def signature(
    source: str, field: str, value: object, rel: str, normalized: str | None = None
) -> SignatureValue | None:
    """One signature value, or None when the value is empty."""
    if value is None:
        return None
    text = str(value).strip()
    if not text:
        return None
    norm = normalized if normalized is not None else signature_key(text)
    return SignatureValue(source=source, field=field, value=text, normalized=norm, file=rel)


# Parts of a package that are pictures; smaller than MIN_MEDIA_BYTES they are
# spacer pixels, as in a DOCX.
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".bmp", ".tif", ".tiff")
MIN_MEDIA_BYTES = 200


def image_signatures(parts: dict[str, bytes], source: str, rel: str) -> list[SignatureValue]:
    """Every picture of a zip package (OFD resources, XLSX media) by what it shows."""
    from collusion.extract import images  # PyMuPDF-backed; imported where pictures are read

    found = []
    for name in sorted(parts):
        if name.lower().endswith(IMAGE_SUFFIXES) and len(parts[name]) >= MIN_MEDIA_BYTES:
            image = images.from_bytes(parts[name])
            if image is not None:
                found.append(images.signature(image, rel, source))
    return found


def unique_signatures(found: Iterable[SignatureValue | None]) -> tuple[SignatureValue, ...]:
    """Sorted, one per (field, value)."""
    unique = {(s.field, s.normalized): s for s in found if s is not None}
    return tuple(unique[key] for key in sorted(unique))
