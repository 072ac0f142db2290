"""Extraction stage: one file in, one ExtractedFile out, never an exception.

``extract_file`` is the per-file boundary where any failure becomes a status
and a message. ``collusion.extract.pool`` runs it in worker processes with a
time budget and a memory cap per file, so a file that hangs or crashes its
parser is abandoned and reported while the scan goes on.

Statuses: ``ok``; ``no_text`` (read, but nothing to compare: a scan);
``partial`` (read in part: past ``max_pages``, or up to a broken page);
``error`` (could not be read: damaged, encrypted, empty, over the time
budget, out of memory, the worker died); ``refused`` (not read on purpose:
a link, outside the project, not a regular file, over a size limit, a
decompression bomb, a DTD). ``error`` carries the reason in Chinese, and
also notes on files that were read (a repaired PDF, a skipped DOCX part).
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
from dataclasses import replace
from pathlib import Path, PurePosixPath

from collusion.errors import ExtractionError, FileRefused

# Imported here, not per file: worker processes are forked from this parent
# and inherit PyMuPDF, lxml and the readers already loaded.
from collusion.extract.content import FormatContent, Reader
from collusion.extract.doc import read_doc
from collusion.extract.docx import read_docx
from collusion.extract.ocr import ENABLE_OCR, find_tesseract, ocr_pdf_pages
from collusion.extract.ofd import read_ofd
from collusion.extract.pdf import read_pdf
from collusion.extract.sheets import read_xls, read_xlsx
from collusion.extract.sniff import READ_FORMATS, describe_unread, sniff_bytes
from collusion.models import Block, ExtractedFile
from collusion.settings import ExtractSettings

# The readers of the formats beyond PDF and DOCX. A format sniffed but not
# here is reported as not read, with its reason.
READERS: dict[str, Reader] = {
    "ofd": read_ofd,
    "xlsx": read_xlsx,
    "xls": read_xls,
    "doc": read_doc,
}
# OCR may take this share of a file's time budget, at most ocr_seconds_per_file.
OCR_SHARE_OF_BUDGET = 0.75
# Extensions that name a format under another name: WPS writes the Word
# binary format as .wps, Excel's macro workbooks are .xlsm, and so on.
SAME_FORMAT_SUFFIXES = {
    "docx": {"docx", "docm", "dotx", "wpsx"},
    "doc": {"doc", "dot", "wps", "wpt"},
    "xlsx": {"xlsx", "xlsm", "xltx"},
    "xls": {"xls", "et", "xlt"},
}
NOT_RETRIED = "（内容与上次解析失败时相同，未重新解析）"
OUT_OF_MEMORY = "解析时内存超限（超过解析进程的内存上限），文件可能被恶意构造，已放弃"
# MuPDF reports a failed allocation as a RuntimeError naming the C call.
_MUPDF_NO_MEMORY = re.compile(
    r"\b(?:malloc|calloc|realloc)\b.*\bfailed\b|out of memory", re.IGNORECASE
)


def extract_file(
    root: str | os.PathLike[str], rel: str, settings: ExtractSettings | None = None
) -> ExtractedFile:
    """Read one project file by its content; failures become status/error."""
    settings = settings or ExtractSettings()
    try:
        data = read_bounded(Path(root), rel, settings)
    except FileRefused as exc:
        return _failed(rel, "", "unknown", str(exc), status="refused")
    except ExtractionError as exc:
        return _failed(rel, "", "unknown", str(exc))
    sha = hashlib.sha256(data).hexdigest()
    fmt = "unknown"
    try:
        fmt = sniff_bytes(data)
        return _extract_by_format(data, rel, sha, fmt, settings)
    except FileRefused as exc:
        return _failed(rel, sha, fmt, str(exc), status="refused")
    except ExtractionError as exc:
        return _failed(rel, sha, fmt, str(exc))
    except MemoryError:
        return _failed(rel, sha, fmt, OUT_OF_MEMORY)
    except RecursionError:
        return _failed(rel, sha, fmt, "文件结构嵌套过深，无法解析")
    except Exception as exc:  # the one broad catch: a bidder's file never crashes the scan
        if _MUPDF_NO_MEMORY.search(str(exc)):
            return _failed(rel, sha, fmt, OUT_OF_MEMORY)
        return _failed(rel, sha, fmt, f"解析失败（解析库报告“{type(exc).__name__}: {exc}”）")


def read_bounded(root: Path, rel: str, settings: ExtractSettings) -> bytes:
    """The bytes of one regular file inside the project, opened once.

    Refused (FileRefused) when it is a link, lies outside the project by way
    of a linked folder, is not a regular file (a FIFO would block the read) or
    is larger than ``max_file_bytes`` (checked before reading, so a
    multi-gigabyte sparse file costs nothing). The file is opened with
    O_NOFOLLOW and read once; the parsers get these bytes, so nothing swapped
    in after the checks is ever read.
    """
    path = root / rel
    try:
        info = path.lstat()
    except OSError as exc:
        raise ExtractionError(f"无法读取文件: {exc.strerror or exc}") from exc
    if stat.S_ISLNK(info.st_mode):
        raise FileRefused("符号链接文件，出于安全未读取")
    if not _inside(root, path):
        raise FileRefused("文件经符号链接目录位于项目文件夹之外，出于安全未读取")
    if not stat.S_ISREG(info.st_mode):
        raise FileRefused("不是普通文件（设备、管道或套接字），未读取")
    _check_size(info.st_size, settings)
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    flags |= getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise ExtractionError(f"无法读取文件: {exc.strerror or exc}") from exc
    with os.fdopen(fd, "rb") as handle:
        opened = os.fstat(handle.fileno())
        if not stat.S_ISREG(opened.st_mode):
            raise FileRefused("不是普通文件（设备、管道或套接字），未读取")
        _check_size(opened.st_size, settings)
        try:
            data = handle.read(settings.max_file_bytes + 1)
        except OSError as exc:
            raise ExtractionError(f"无法读取文件: {exc.strerror or exc}") from exc
    _check_size(len(data), settings)  # a file still growing while read
    return data


def _check_size(size: int, settings: ExtractSettings) -> None:
    if size > settings.max_file_bytes:
        raise FileRefused(
            f"文件大小 {_human(size)}，超过上限 {_human(settings.max_file_bytes)}，未读取"
        )
    if size == 0:
        raise ExtractionError("空文件（0 字节）")


def _human(size: int) -> str:
    for unit, scale in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if size >= scale:
            return f"{size / scale:.1f} {unit}（{size} 字节）"
    return f"{size} 字节"


def _inside(root: Path, path: Path) -> bool:
    try:
        real_root = os.path.realpath(root)
        real = os.path.realpath(path)
        return os.path.commonpath([real_root, real]) == real_root
    except (OSError, ValueError):
        return False


def _extract_by_format(
    data: bytes, rel: str, sha: str, fmt: str, settings: ExtractSettings
) -> ExtractedFile:
    named = PurePosixPath(rel).suffix.lower().lstrip(".")
    note = None
    if fmt in READ_FORMATS and named not in SAME_FORMAT_SUFFIXES.get(fmt, {fmt}):
        note = f"扩展名为 .{named}，实际内容为 {fmt.upper()}，已按实际格式读取"
    if fmt == "pdf":
        content = read_pdf(Path(rel), rel, settings, data=data)
        scanned = scanned_pages(content.blocks, content.pages_read)
        blocks, ocr_pages, ocr_note, ocr_short, ocr_empty = read_scanned(
            data, content.blocks, scanned, settings
        )
        chars = sum(len(b.text) for b in blocks if b.kind != "table")
        status = "ok" if chars else "no_text"
        error = None if chars else pdf_without_text(content.pages, scanned, ocr_empty)
        if ocr_short and chars:
            status = "partial"
        if content.broken is not None:
            status = "partial"
            error = (
                f"PDF 声明共 {content.pages} 页，第 {content.pages_read + 1} 页起无法读取"
                f"（页面树损坏: {content.broken}），只分析了前 {content.pages_read} 页"
            )
        elif content.pages_read < content.pages:
            status = "partial"
            error = (
                f"共 {content.pages} 页，超过 {settings.max_pages} 页上限，"
                f"只分析了前 {content.pages_read} 页"
            )
        repaired = (
            "PDF 结构损坏（可能不完整或被截断），已自动修复后读取，内容可能有缺失"
            if content.repaired
            else None
        )
        return ExtractedFile(
            rel,
            sha,
            "pdf",
            content.pages,
            chars,
            status,
            _join(note, repaired, ocr_note, error),
            blocks,
            content.signatures,
            content.fonts,
            ocr_pages=ocr_pages,
        )
    if fmt == "docx":
        doc = read_docx(Path(rel), rel, settings, data=data)
        chars = sum(len(b.text) for b in doc.blocks)
        status = "ok" if chars else "no_text"
        error = None if chars else docx_without_text(doc.pictures)
        return ExtractedFile(
            rel,
            sha,
            "docx",
            doc.pages,
            chars,
            status,
            _join(note, *doc.notes, error),
            doc.blocks,
            doc.signatures,
        )
    if fmt in READERS:
        return _from_content(rel, sha, fmt, READERS[fmt](rel, data, settings), note)
    raise ExtractionError(describe_unread(data, fmt))


def scanned_pages(blocks: tuple[Block, ...], pages_read: int) -> list[int]:
    """The 1-based pages read that carry no text layer."""
    with_text = {b.page for b in blocks if b.text.strip()}
    return [n for n in range(1, pages_read + 1) if n not in with_text]


def docx_without_text(pictures: int) -> str:
    """Why a DOCX gave no text: only pictures, or nothing at all."""
    if pictures:
        return (
            f"DOCX 没有文字，只有 {pictures} 张图片（可能是扫描件或截图贴入），"
            "未做文本比对，请人工查看图片内容"
        )
    return "DOCX 没有文字，也没有图片（空文档），未做文本比对"


def pdf_without_text(pages: int | None, scanned: list[int], ocr_empty: tuple[int, ...]) -> str:
    """Why a PDF gave no text, exactly: no pages; OCR read its pages and
    found no text; OCR is not installed; or no page could be read."""
    if not pages:
        return "PDF 没有页面（空文档），未做文本比对"
    if ocr_empty:
        return (
            f"PDF 没有文字层，已用 OCR 识别{page_list(ocr_empty)}，"
            "未识别出文字（可能是空白页、图形或图片质量太差），未做文本比对"
        )
    if scanned and find_tesseract() is None:
        return f"PDF 没有文字层（可能是扫描件），本机未安装 OCR，未做文本比对；{ENABLE_OCR}"
    return "PDF 没有可提取的文字，未做文本比对"


def page_list(pages: tuple[int, ...] | list[int]) -> str:
    """Pages as a reader says them: 第 3 页, 第 1、2、5 页, 第 1–40 页 (a run)."""
    ordered = sorted(pages)
    if len(ordered) > 2 and ordered == list(range(ordered[0], ordered[-1] + 1)):
        return f"第 {ordered[0]}–{ordered[-1]} 页"
    return f"第 {'、'.join(str(p) for p in ordered)} 页"


def read_scanned(
    data: bytes, blocks: tuple[Block, ...], scanned: list[int], settings: ExtractSettings
) -> tuple[tuple[Block, ...], tuple[tuple[int, float], ...], str | None, bool, tuple[int, ...]]:
    """The PDF's blocks with its scanned pages read by OCR, when OCR is installed.

    Returns the blocks in page order (renumbered), (page, confidence) of the
    pages OCR read, a note for the report, whether the OCR time budget ran
    out before every scanned page was read, and the pages OCR read and
    found no text on.
    """
    if not scanned or find_tesseract() is None:
        return blocks, (), None, False, ()
    budget = min(settings.ocr_seconds_per_file, settings.seconds_per_file * OCR_SHARE_OF_BUDGET)
    result = ocr_pdf_pages(data, scanned, budget)
    merged = sorted([*blocks, *result.blocks], key=lambda b: b.page or 0)
    renumbered = tuple(replace(b, index=i) for i, b in enumerate(merged))
    read = tuple(sorted(result.confidence.items()))
    notes = []
    if read:
        pages = "、".join(str(p) for p, _ in read)
        mean = sum(c for _, c in read) / len(read)
        notes.append(
            f"第 {pages} 页没有文字层（扫描件），已用 OCR 识别（平均置信度 {mean:.0f}/100），"
            "识别文字可能有误，请以原件为准"
        )
    if result.empty and read:
        notes.append(f"{page_list(result.empty)}没有文字层，OCR 也未识别出文字")
    if result.pages_left:
        notes.append(
            f"OCR 时间上限 {budget:g} 秒内未能识别第 {result.pages_left[0]} 页起的 "
            f"{len(result.pages_left)} 个扫描页"
        )
    return renumbered, read, _join(*notes), bool(result.pages_left), result.empty


def _from_content(
    rel: str, sha: str, fmt: str, content: FormatContent, note: str | None
) -> ExtractedFile:
    """The entry of a file read by one of the readers of collusion.extract.content."""
    # Table rows count: unlike a PDF's, they repeat no other block's text.
    chars = sum(len(b.text) for b in content.blocks)
    status = "ok" if chars else "no_text"
    if content.partial and chars:
        status = "partial"
    empty = None if chars else (content.empty_reason or f"{fmt.upper()} 没有可提取的文字")
    return ExtractedFile(
        rel,
        sha,
        fmt,
        content.pages,
        chars,
        status,
        _join(note, *content.notes, empty),
        content.blocks,
        content.signatures,
    )


def _join(*messages: str | None) -> str | None:
    kept = [m for m in messages if m]
    return "；".join(kept) if kept else None


def _failed(rel: str, sha: str, fmt: str, message: str, status: str = "error") -> ExtractedFile:
    return ExtractedFile(
        path=rel, sha256=sha, format=fmt, pages=None, chars=0, status=status, error=message
    )
