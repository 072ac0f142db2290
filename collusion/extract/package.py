"""Zip packages (DOCX, OFD, XLSX) read within hard limits.

The declared sizes are checked before anything is inflated, and every read
is bounded too (declared sizes can lie), so a decompression bomb stops
early. The limits are the ``max_docx_*`` settings, which apply to every zip
package a bidder hands in.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from collections.abc import Collection
from pathlib import Path

from collusion.errors import ExtractionError, FileRefused
from collusion.extract.sniff import ZIP_ERRORS
from collusion.settings import ExtractSettings


def bomb(message: str) -> FileRefused:
    return FileRefused(f"{message}（疑似压缩炸弹），出于安全未读取")


def read_package(
    source: Path | io.BytesIO | bytes,
    settings: ExtractSettings,
    notes: list[str],
    *,
    label: str,
    essential: Collection[str] = (),
) -> dict[str, bytes]:
    """Every part of the package, by its name in the zip.

    A part that will not inflate (bad CRC, broken deflate data) is left out
    with a note in ``notes``, unless it is one of ``essential``; ``label``
    (DOCX, OFD, XLSX) names the package in the reasons.
    """
    if isinstance(source, bytes):
        source = io.BytesIO(source)
    try:
        archive = zipfile.ZipFile(source)
    except ZIP_ERRORS as exc:
        raise ExtractionError(f"不是有效的 {label}（压缩包结构损坏，解析库报告“{exc}”）") from exc
    parts: dict[str, bytes] = {}
    total = 0
    with archive:
        infos = [info for info in archive.infolist() if not info.is_dir()]
        _check_declared(infos, settings, label)
        for info in infos:
            try:
                with archive.open(info) as handle:
                    data = handle.read(settings.max_docx_part_bytes + 1)
            except (*ZIP_ERRORS, zlib.error) as exc:
                reason = f"{label} 部件 {info.filename} 已损坏，无法解压（{zip_reason(exc)}）"
                if info.filename in essential:
                    raise ExtractionError(reason) from exc
                notes.append(f"{reason}，已跳过该部件")
                continue
            if len(data) > settings.max_docx_part_bytes:
                raise bomb(
                    f"{label} 部件 {info.filename} 解压后超过上限 "
                    f"{settings.max_docx_part_bytes} 字节"
                )
            total += len(data)
            if total > settings.max_docx_total_bytes:
                raise bomb(f"{label} 解压后总大小超过上限 {settings.max_docx_total_bytes} 字节")
            parts.setdefault(info.filename, data)
    return parts


def _check_declared(infos: list[zipfile.ZipInfo], settings: ExtractSettings, label: str) -> None:
    if len(infos) > settings.max_docx_parts:
        raise bomb(f"{label} 含 {len(infos)} 个部件，超过上限 {settings.max_docx_parts}")
    for info in infos:
        if info.file_size > settings.max_docx_part_bytes:
            raise bomb(
                f"{label} 部件 {info.filename} 声明解压后 {info.file_size} 字节，"
                f"超过上限 {settings.max_docx_part_bytes} 字节"
            )
    declared = sum(info.file_size for info in infos)
    if declared > settings.max_docx_total_bytes:
        raise bomb(
            f"{label} 各部件声明解压后总大小 {declared} 字节，"
            f"超过上限 {settings.max_docx_total_bytes} 字节"
        )


def zip_reason(exc: Exception) -> str:
    """A short Chinese reason for a part that will not inflate."""
    text = str(exc)
    if "CRC" in text:
        return "校验和不符"
    if "decompressing" in text or isinstance(exc, zlib.error):
        return "压缩数据损坏"
    if "differ" in text:
        return "目录与文件头不一致"
    if isinstance(exc, RuntimeError) and "encrypted" in text:
        return "部件已加密"
    if isinstance(exc, NotImplementedError):
        return "不支持的压缩方式"
    return f"解析库报告“{text[:120] or type(exc).__name__}”"
