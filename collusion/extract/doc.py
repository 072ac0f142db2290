"""DOC and WPS (Word 97-2003 binary, in an OLE compound file): OLE document
properties as signature codes, and the text through LibreOffice.

WPS 文字 saves ``.wps`` (and ``.doc``) in the same binary format. The
properties (author, last saved by, created, revision number, application,
company, WPS's ICV and KSOProductBuildVer) are read with olefile whatever is
installed. The text is read by converting the file with LibreOffice headless
(``soffice --convert-to docx``) inside a fresh profile folder, with a time
limit, and reading the result with the DOCX reader: paragraphs, headings and
tables as Word shows them. Only the text comes from the conversion; its
codes would be LibreOffice's, so they are dropped. Without LibreOffice the
file is ``no_text`` with the reason and how to install it.
"""

from __future__ import annotations

import io
import os
import shutil
import tempfile
import time
from pathlib import Path

import olefile

from collusion.errors import ExtractionError
from collusion.extract.content import FormatContent, unique_signatures
from collusion.extract.docx import read_docx
from collusion.extract.external import ToolTimeout, run_tool
from collusion.extract.office_props import ole_signatures
from collusion.settings import ExtractSettings

SOFFICE_NAMES = ("soffice", "libreoffice")
# The conversion may take this share of the file's time budget; the rest is
# left for reading the result, so the worker is not killed mid-way.
CONVERT_SHARE_OF_BUDGET = 0.75
OFFICE_RESTART = 81  # soffice.bin's exit status asking its launcher to start it again
WORD_MAGIC = 0xA5EC  # wIdent of the Word binary File Information Block
ENCRYPTED_FLAG = 0x0100  # fEncrypted in the FIB flags word
FIB_FLAGS_OFFSET = 0x0A
NO_SOFFICE = (
    "读取 DOC/WPS 文字需要 LibreOffice（Debian: apt-get install "
    "libreoffice-writer-nogui），本机未安装，未做文本比对；文档属性特征码已读取"
)


def office_binary(soffice: str) -> str:
    """``soffice.bin`` itself when it lies next to the launcher, else the launcher.

    The launcher (a script, then oosplash) starts soffice.bin as its child;
    killed with its worker, it would leave soffice.bin running. Run directly,
    soffice.bin is one process that dies with the worker (PR_SET_PDEATHSIG).
    """
    binary = Path(os.path.realpath(soffice)).with_name("soffice.bin")
    return str(binary) if os.access(binary, os.X_OK) else soffice


def find_soffice() -> str | None:
    """The LibreOffice program on PATH, or None."""
    return next((path for name in SOFFICE_NAMES if (path := shutil.which(name))), None)


def read_doc(rel: str, data: bytes, settings: ExtractSettings) -> FormatContent:
    """Read one DOC/WPS file; raise ExtractionError with a reason."""
    _refuse_encrypted(data)
    signatures = unique_signatures(ole_signatures(data, "doc", rel))
    soffice = find_soffice()
    if soffice is None:
        return FormatContent(blocks=(), signatures=signatures, pages=None, empty_reason=NO_SOFFICE)
    converted = convert_to_docx(soffice, data, settings.seconds_per_file * CONVERT_SHARE_OF_BUDGET)
    content = read_docx(Path(rel), rel, settings, data=converted)
    return FormatContent(
        blocks=content.blocks,
        signatures=signatures,
        pages=content.pages,
        notes=tuple(content.notes),
        empty_reason="DOC/WPS 正文没有文字",
    )


def _refuse_encrypted(data: bytes) -> None:
    try:
        with olefile.OleFileIO(io.BytesIO(data)) as ole:
            with ole.openstream("WordDocument") as stream:
                fib = stream.read(FIB_FLAGS_OFFSET + 2)
    except Exception as exc:  # olefile raises many kinds on damaged compound files
        raise ExtractionError(f"DOC/WPS 文件结构损坏，无法读取: {exc}") from exc
    if len(fib) < FIB_FLAGS_OFFSET + 2 or int.from_bytes(fib[:2], "little") != WORD_MAGIC:
        raise ExtractionError("DOC/WPS 文件的正文流损坏（不是 Word 二进制格式），无法读取")
    flags = int.from_bytes(fib[FIB_FLAGS_OFFSET : FIB_FLAGS_OFFSET + 2], "little")
    if flags & ENCRYPTED_FLAG:
        raise ExtractionError("DOC/WPS 文档已加密（需要打开密码），无法读取")


def convert_to_docx(soffice: str, data: bytes, seconds: float) -> bytes:
    """The DOCX LibreOffice makes of a Word binary file, within ``seconds``."""
    with tempfile.TemporaryDirectory(prefix="collusion-doc-") as folder:
        work = Path(folder)
        source = work / "input.doc"
        source.write_bytes(data)
        command = [
            office_binary(soffice),
            f"-env:UserInstallation={(work / 'profile').as_uri()}",
            "--headless",
            "--norestore",
            "--convert-to",
            "docx",
            "--outdir",
            str(work / "out"),
            str(source),
        ]
        deadline = time.monotonic() + seconds
        for _attempt in range(2):  # soffice.bin asks once for a restart on a new profile
            try:
                status, output = run_tool(
                    command,
                    data=None,
                    seconds=deadline - time.monotonic(),
                    env={"HOME": str(work)},
                )
            except ToolTimeout as exc:
                raise ExtractionError(
                    f"LibreOffice 转换 DOC/WPS 超过 {seconds:g} 秒，已放弃"
                ) from exc
            if status != OFFICE_RESTART:
                break
        result = work / "out" / "input.docx"
        if status != 0 or not result.is_file():
            detail = output.decode("utf-8", "replace").strip()[-200:]
            raise ExtractionError(f"LibreOffice 无法转换此 DOC/WPS 文件（文件可能损坏）: {detail}")
        return result.read_bytes()
