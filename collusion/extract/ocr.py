"""OCR of PDF pages that have no text layer (scanned or photographed pages).

Optional: it runs when Tesseract 5 and its Simplified Chinese model are
installed (Debian ``tesseract-ocr`` and ``tesseract-ocr-chi-sim``; nothing is
downloaded at run time), and only on pages without a text layer. Each page
is rendered with PyMuPDF at OCR_DPI in grey and read by the ``tesseract``
command (TSV output: words with positions and confidence), within what is
left of the file's OCR time budget. Lines are put in paragraphs by
Tesseract's own layout; a paragraph whose line height is well above the
page's usual one is a heading. The mean word confidence of each page is
kept, so evidence can say a page was read by OCR and how sure it was.
"""

from __future__ import annotations

import csv
import functools
import io
import shutil
import subprocess
import time
from collections import Counter
from dataclasses import dataclass

import pymupdf

from collusion.extract.external import ToolTimeout, run_tool
from collusion.models import Block

TESSERACT_LANGUAGE = "chi_sim"
OCR_DPI = 200
# Tesseract's page segmentation: fully automatic layout, as for a page.
PAGE_SEGMENTATION = "3"
HEADING_HEIGHT_RATIO = 1.3
HEADING_MAX_CHARS = 40
# Words Tesseract is less sure of than this (0-100) are dropped as noise.
MIN_WORD_CONFIDENCE = 10.0
ENABLE_OCR = (
    "安装 OCR 后可识别扫描页：apt-get install tesseract-ocr tesseract-ocr-chi-sim"
    "（识别简体中文，无需联网）"
)
_CJK_START = 0x2E80


@dataclass(frozen=True)
class OcrLine:
    text: str
    paragraph: tuple[int, int]  # Tesseract's (block, paragraph)
    height: float


@dataclass(frozen=True)
class OcrPage:
    lines: tuple[OcrLine, ...]
    confidence: float  # mean word confidence, 0-100


@dataclass(frozen=True)
class OcrResult:
    blocks: tuple[Block, ...]  # numbered from 0; the caller renumbers
    confidence: dict[int, float]  # page -> mean word confidence
    pages_left: tuple[int, ...]  # pages not read within the time budget
    empty: tuple[int, ...] = ()  # pages OCR read and found no text on


class OcrError(Exception):
    """Tesseract failed on one page (the page is reported, the file goes on)."""


def find_tesseract() -> str | None:
    """The tesseract program, when it and the chi_sim model are installed."""
    program = shutil.which("tesseract")
    return program if program is not None and _has_language(program) else None


@functools.lru_cache(maxsize=8)
def _has_language(program: str) -> bool:
    try:
        done = subprocess.run(
            [program, "--list-langs"],
            capture_output=True,
            text=True,
            timeout=30,
            stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return TESSERACT_LANGUAGE in done.stdout.split()


def ocr_pdf_pages(data: bytes, pages: list[int], seconds: float) -> OcrResult:
    """OCR the given 1-based pages of a PDF within ``seconds`` in all."""
    deadline = time.monotonic() + seconds
    blocks: list[Block] = []
    confidence: dict[int, float] = {}
    empty: list[int] = []
    document = pymupdf.open(stream=data, filetype="pdf")
    try:
        for position, number in enumerate(pages):
            left = deadline - time.monotonic()
            if left <= 1:
                return OcrResult(tuple(blocks), confidence, tuple(pages[position:]), tuple(empty))
            pixmap = document.load_page(number - 1).get_pixmap(
                dpi=OCR_DPI, colorspace=pymupdf.csGRAY
            )
            try:
                page = ocr_image(pixmap.tobytes("png"), timeout=left)
            except OcrError:
                return OcrResult(tuple(blocks), confidence, tuple(pages[position:]), tuple(empty))
            if page.lines:
                confidence[number] = page.confidence
                blocks += page_blocks(page, number)
            else:
                empty.append(number)
    finally:
        document.close()
    return OcrResult(tuple(blocks), confidence, (), tuple(empty))


def ocr_image(png: bytes, timeout: float) -> OcrPage:
    """Read one page image with Tesseract; raise OcrError when it fails or is too slow."""
    program = find_tesseract()
    if program is None:
        raise OcrError("tesseract with chi_sim is not installed")
    command = [
        program,
        "stdin",
        "stdout",
        "-l",
        TESSERACT_LANGUAGE,
        "--psm",
        PAGE_SEGMENTATION,
        "tsv",
    ]
    try:
        status, output = run_tool(command, data=png, seconds=timeout, env={"OMP_THREAD_LIMIT": "1"})
    except ToolTimeout as exc:
        raise OcrError("tesseract timed out") from exc
    if status != 0:
        raise OcrError(f"tesseract exited with {status}")
    return parse_tsv(output.decode("utf-8", "replace"))


def parse_tsv(tsv: str) -> OcrPage:
    """Lines of the words Tesseract is reasonably sure of, in its reading order."""
    lines: dict[tuple[int, int, int], list[tuple[str, float, float]]] = {}
    confidences: list[float] = []
    for row in csv.DictReader(io.StringIO(tsv), delimiter="\t", quoting=csv.QUOTE_NONE):
        try:
            level, conf = int(row["level"]), float(row["conf"])
        except (KeyError, TypeError, ValueError):
            continue
        text = (row.get("text") or "").strip()
        if level != 5 or not text or conf < MIN_WORD_CONFIDENCE:
            continue
        key = (int(row["block_num"]), int(row["par_num"]), int(row["line_num"]))
        lines.setdefault(key, []).append((text, conf, float(row["height"])))
        confidences.append(conf)
    found = []
    for (block, paragraph, _), words in lines.items():
        heights = sorted(h for _, _, h in words)
        found.append(
            OcrLine(
                _join_words([w for w, _, _ in words]),
                (block, paragraph),
                heights[len(heights) // 2],
            )
        )
    mean = sum(confidences) / len(confidences) if confidences else 0.0
    return OcrPage(tuple(found), round(mean, 1))


def _join_words(words: list[str]) -> str:
    """Chinese characters run together; a space only between two Latin words."""
    text = ""
    for word in words:
        if text and ord(text[-1]) < _CJK_START and ord(word[0]) < _CJK_START:
            text += " "
        text += word
    return text


def page_blocks(page: OcrPage, number: int) -> list[Block]:
    """Paragraphs of one OCR'd page, headings by line height."""
    heights = Counter(round(line.height) for line in page.lines)
    body = heights.most_common(1)[0][0] if heights else 0
    paragraphs: dict[tuple[int, int], list[OcrLine]] = {}
    for line in page.lines:
        paragraphs.setdefault(line.paragraph, []).append(line)
    blocks: list[Block] = []
    for lines in paragraphs.values():
        text = "".join(line.text for line in lines)
        tall = body and min(line.height for line in lines) >= body * HEADING_HEIGHT_RATIO
        heading = bool(tall) and len(text) <= HEADING_MAX_CHARS and len(lines) == 1
        blocks.append(
            Block(
                text=text,
                page=number,
                index=len(blocks),
                heading_level=1 if heading else None,
                kind="heading" if heading else "para",
            )
        )
    return blocks
