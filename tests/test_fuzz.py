"""Mutated PDF and DOCX files: no exception escapes ``extract_file`` and the
status is always one of the five the report knows.

Bounded (60 examples per test, no deadline) so the suite stays fast; the
seed files are small real documents with every signature the extractor reads.
"""

from __future__ import annotations

import functools
import io
import tempfile
import warnings
import zipfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from collusion.extract import extract_file
from tools import synth

STATUSES = {"ok", "no_text", "error", "refused", "partial"}
FUZZ = settings(
    max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)


@functools.cache
def seeds() -> dict[str, bytes]:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        pdf = synth.write_pdf(
            root / "seed.pdf",
            [
                [
                    ("第一章 总则", 1),
                    "本工程位于某市。",
                    ("table", [["单价", "合价"], ["12.5", "25"]]),
                ]
            ],
            metadata={"author": "张工", "creator": "WPS"},
            pdf_id=("AB" * 16, "CD" * 16),
            xmp={"DocumentID": "uuid:11111111-2222-4333-8444-555555555555"},
            images=[_png()],
        )
        docx = synth.write_docx(
            root / "seed.docx",
            [("第一章 总则", 1), "本工程位于某市。"],
            core={"author": "张工"},
            rsid_root="00A1B2C3",
            rsids=["00D4E5F6"],
            custom={"ICV": "ABCDEF"},
            comment_author="李四",
            revision_author="王五",
            tables=[[["单价", "合价"], ["12.5", "25"]]],
            images=[_png()],
        )
        return {"pdf": pdf.read_bytes(), "docx": docx.read_bytes()}


def _png() -> bytes:
    import pymupdf

    pixmap = pymupdf.Pixmap(pymupdf.csRGB, pymupdf.IRect(0, 0, 40, 40), False)
    pixmap.set_rect(pixmap.irect, (200, 30, 30))
    return pixmap.tobytes("png")


def _extract(data: bytes, name: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / name).write_bytes(data)
        result = extract_file(folder, name)  # must not raise
    assert result.status in STATUSES
    if result.status != "ok":
        assert result.error, result
    assert result.chars >= 0


def _flip(data: bytes, flips: list[tuple[float, int]], cut: float | None) -> bytes:
    mutable = bytearray(data)
    for where, value in flips:
        mutable[min(int(where * len(mutable)), len(mutable) - 1)] = value
    if cut is not None:
        mutable = mutable[: int(cut * len(mutable))]
    return bytes(mutable)


FLIPS = st.lists(st.tuples(st.floats(0, 1), st.integers(0, 255)), max_size=12)
CUT = st.none() | st.floats(0, 1)


@FUZZ
@given(kind=st.sampled_from(["pdf", "docx"]), flips=FLIPS, cut=CUT)
def test_byte_flips_and_truncations(kind: str, flips: list, cut: float | None) -> None:
    _extract(_flip(seeds()[kind], flips, cut), f"x.{kind}")


@FUZZ
@given(flips=st.lists(st.tuples(st.floats(0, 0.1), st.integers(0, 255)), min_size=1, max_size=6))
def test_pdf_header_and_structure(flips: list) -> None:
    """Flips near the start (header, first objects) and near the end (xref,
    trailer), where a PDF is most fragile."""
    data = seeds()["pdf"]
    head = _flip(data, flips, None)
    tail = bytes(reversed(_flip(bytes(reversed(data)), flips, None)))
    _extract(head, "x.pdf")
    _extract(tail, "x.pdf")


MEMBER_OPS = st.sampled_from(["flip", "truncate", "delete", "empty", "garbage", "duplicate"])


@FUZZ
@given(index=st.integers(0, 100), op=MEMBER_OPS, flips=FLIPS, cut=st.floats(0, 1))
def test_docx_member_mutations(index: int, op: str, flips: list, cut: float) -> None:
    with zipfile.ZipFile(io.BytesIO(seeds()["docx"])) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    names = sorted(parts)
    target = names[index % len(names)]
    if op == "flip" and parts[target]:
        parts[target] = _flip(parts[target], flips, None)
    elif op == "truncate":
        parts[target] = parts[target][: int(cut * len(parts[target]))]
    elif op == "delete":
        del parts[target]
    elif op == "empty":
        parts[target] = b""
    elif op == "garbage":
        parts[target] = bytes(v for _, v in flips) or b"\x00"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
        if op == "duplicate":  # two members of one name, as a hostile zip may carry
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)
                archive.writestr(
                    target, _flip(parts[target], flips, None) if parts[target] else b""
                )
    _extract(buffer.getvalue(), "x.docx")


def test_central_directory_asking_for_an_unknown_zip_version() -> None:
    """Found by fuzzing: zipfile raised NotImplementedError while the format
    was sniffed, outside the per-file boundary."""
    data = bytearray(seeds()["docx"])
    at = data.index(b"PK\x01\x02")
    data[at + 6 : at + 8] = (133).to_bytes(2, "little")  # "version needed": 13.3
    _extract(bytes(data), "x.docx")
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "x.docx").write_bytes(bytes(data))
        result = extract_file(folder, "x.docx")
    assert result.status == "error" and "zip" in result.error
