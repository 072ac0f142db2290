"""Decide a file's format by its content, never by its name.

A bidder's `.pdf` may really be a DOCX and the reverse; reading by the name
would hand the wrong parser a file and lose it. A file of no format the scan
reads is described by its content too (a JPEG photo, a RAR archive, plain
text), so the reason in the report says what the file is.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import olefile

PDF_MAGIC = b"%PDF-"
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# What zipfile raises on a damaged or unsupported archive (a mutated central
# directory can ask for a zip version it does not implement).
ZIP_ERRORS = (
    zipfile.BadZipFile,
    OSError,
    ValueError,
    EOFError,
    NotImplementedError,
    RuntimeError,
    UnicodeDecodeError,
)
# The PDF header may sit after some junk; readers accept it within 1 KiB.
PDF_HEADER_WINDOW = 1024
# The formats the scan reads; every other file is listed in errors.
READ_FORMATS = ("pdf", "docx", "ofd", "doc", "xlsx", "xls")

# Zip packages told apart by the part that holds their body.
_ZIP_BODIES = (
    ("word/document.xml", "docx"),
    ("xl/workbook.xml", "xlsx"),
    ("ofd.xml", "ofd"),  # compared case-folded: producers write OFD.xml or ofd.xml
)
# Office binary (OLE compound) files told apart by their main stream.
_OLE_BODIES = (("worddocument", "doc"), ("workbook", "xls"), ("book", "xls"))

# Formats that are not read, by their leading bytes, for the reason given.
_MAGIC_KINDS = (
    (b"\xff\xd8\xff", "JPEG 图片"),
    (b"\x89PNG\r\n\x1a\n", "PNG 图片"),
    (b"GIF87a", "GIF 图片"),
    (b"GIF89a", "GIF 图片"),
    (b"II*\x00", "TIFF 图片"),
    (b"MM\x00*", "TIFF 图片"),
    (b"BM", "BMP 图片"),
    (b"Rar!\x1a\x07", "RAR 压缩包"),
    (b"7z\xbc\xaf\x27\x1c", "7z 压缩包"),
    (b"\x1f\x8b", "gzip 压缩包"),
    (b"{\\rtf", "RTF 文档"),
    (b"MZ", "Windows 可执行程序"),
    (b"\x7fELF", "可执行程序"),
)
_ZIP_KINDS = (
    ("ppt/presentation.xml", "PowerPoint 演示文稿（PPTX）"),
    ("mimetype", "OpenDocument 文档（ODT/ODS）"),
)


def sniff_bytes(data: bytes) -> str:
    """Return one of READ_FORMATS, "zip" (a zip package of no read format, or
    a broken zip), "ole" (an OLE compound file of no read format) or
    "unknown"."""
    head = data[:PDF_HEADER_WINDOW]
    if PDF_MAGIC in head:
        return "pdf"
    if head.startswith(ZIP_MAGIC):
        names = zip_names(data)
        if names is None:
            return "zip"  # a zip signature on a broken archive: said so when read
        for body, fmt in _ZIP_BODIES:
            if body in names:
                return fmt
        return "zip"
    if head.startswith(OLE_MAGIC):
        streams = ole_streams(data)
        for stream, fmt in _OLE_BODIES:
            if stream in streams:
                return fmt
        return "ole"
    return "unknown"


def zip_names(data: bytes) -> set[str] | None:
    """The case-folded member names of a zip, or None when it will not open."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return {name.casefold() for name in archive.namelist()}
    except ZIP_ERRORS:
        return None


def ole_streams(data: bytes) -> set[str]:
    """The case-folded top-level stream names of an OLE file (empty if broken)."""
    try:
        with olefile.OleFileIO(io.BytesIO(data)) as ole:  # bytes under 1.5 KiB would be a path
            return {entry[0].casefold() for entry in ole.listdir(streams=True, storages=True)}
    except Exception:  # olefile raises many kinds on damaged compound files
        return set()


def describe_unread(data: bytes, fmt: str) -> str:
    """Why a file of no read format was not read, saying what it is."""
    if fmt in READ_FORMATS:
        return f"{fmt.upper()} 文件（按文件内容判断）：本版本尚不能读取此格式，未读取"
    if fmt == "zip":
        names = zip_names(data)
        if names is None:
            return "以 zip 文件头开头，但压缩包结构损坏（文件可能不完整），无法读取"
        kind = next((label for part, label in _ZIP_KINDS if part in names), None)
        if kind:
            return f"不支持的文件格式：{kind}（按文件内容判断），未读取"
        return (
            "是 zip 压缩包但不是 Word、OFD 或 Excel 文档，未读取（压缩包请解压后放入投标人文件夹）"
        )
    if fmt == "ole":
        streams = ole_streams(data)
        if "encryptedpackage" in streams:
            return "Office 文档已加密（需要打开密码），无法读取"
        if not streams:
            return "以 Office 复合文档（OLE）文件头开头，但结构损坏，无法读取"
        if "powerpoint document" in streams:
            return "不支持的文件格式：PowerPoint 演示文稿（PPT，按文件内容判断），未读取"
        return "是 Office 复合文档（OLE）但不是 Word 或 Excel 文档，未读取"
    head = data[:16]
    kind = next((label for magic, label in _MAGIC_KINDS if head.startswith(magic)), None)
    if kind is None and _looks_like_text(data):
        kind = "纯文本文件"
    if kind is None:
        kind = "无法识别的格式"
    return (
        f"不支持的文件格式：{kind}（按文件内容判断），未读取；"
        "可读取的格式为 PDF、DOCX、OFD、DOC/WPS、XLSX/XLS"
    )


def _looks_like_text(data: bytes) -> bool:
    sample = data[:4096]
    if b"\x00" in sample:
        return False
    for encoding in ("utf-8", "gb18030"):
        try:
            sample.decode(encoding)
            return True
        except UnicodeDecodeError as exc:
            if exc.start > len(sample) - 4:  # a character cut by the sample's end
                return True
    return False


def sniff_format(path: Path) -> str:
    """The format of the file at path (read whole: call only on bounded files)."""
    return sniff_bytes(Path(path).read_bytes())
