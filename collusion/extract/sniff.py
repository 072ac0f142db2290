"""Decide a file's format by its content, never by its name.

A bidder's `.pdf` may really be a DOCX and the reverse; reading by the name
would hand the wrong parser a file and lose it.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

PDF_MAGIC = b"%PDF-"
ZIP_MAGIC = b"PK\x03\x04"
# What zipfile raises on a damaged or unsupported archive (a mutated central
# directory can ask for a zip version it does not implement).
ZIP_ERRORS = (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError,
              RuntimeError, UnicodeDecodeError)
# The PDF header may sit after some junk; readers accept it within 1 KiB.
PDF_HEADER_WINDOW = 1024


def sniff_bytes(data: bytes) -> str:
    """Return "pdf", "docx", "zip" (a zip without a Word body, or a broken
    zip) or "unknown"."""
    head = data[:PDF_HEADER_WINDOW]
    if PDF_MAGIC in head:
        return "pdf"
    if head.startswith(ZIP_MAGIC):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = set(archive.namelist())
        except ZIP_ERRORS:
            return "zip"  # a zip signature on a broken archive: said so when read
        return "docx" if "word/document.xml" in names else "zip"
    return "unknown"


def sniff_format(path: Path) -> str:
    """The format of the file at path (read whole: call only on bounded files)."""
    return sniff_bytes(Path(path).read_bytes())
