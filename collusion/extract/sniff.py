"""Decide a file's format by its content, never by its name.

A bidder's `.pdf` may really be a DOCX and the reverse; reading by the name
would hand the wrong parser a file and lose it.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

PDF_MAGIC = b"%PDF-"
ZIP_MAGIC = b"PK\x03\x04"
# The PDF header may sit after some junk; readers accept it within 1 KiB.
PDF_HEADER_WINDOW = 1024


def sniff_format(path: Path) -> str:
    """Return "pdf", "docx", "zip" (a zip without a Word body) or "unknown"."""
    with path.open("rb") as handle:
        head = handle.read(PDF_HEADER_WINDOW)
    if PDF_MAGIC in head:
        return "pdf"
    if head.startswith(ZIP_MAGIC):
        try:
            with zipfile.ZipFile(path) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, OSError, ValueError):
            return "unknown"
        return "docx" if "word/document.xml" in names else "zip"
    return "unknown"
