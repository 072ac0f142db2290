"""The small CSV files of a project folder (signatures.csv, companies.csv,
company_relations.csv): a header naming the columns in any order, rows with
their line numbers, and a problem per line listed up to a cap.

Reading is strict about what it keeps and lenient about what it skips: a row
that is not UTF-8, holds a NUL byte or is short is an error naming its line,
and only whole rows are ever kept.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator, Sequence
from typing import Any

MAX_CSV_LINE_ERRORS = 100  # line errors of one file listed one by one

_UNDECODED = re.compile("[\udc80-\udcff]")


def csv_reader(data: bytes) -> Any:
    """A csv reader over the bytes; undecodable bytes become lone surrogates,
    found per row by :func:`row_problem`."""
    return csv.reader(io.StringIO(data.decode("utf-8-sig", "surrogateescape"), newline=""))


def header_columns(header: Sequence[str]) -> list[str]:
    """The header's column names as compared: trimmed, lower case."""
    return [h.strip().lower() for h in header]


def data_rows(reader: Any) -> Iterator[tuple[int, list[str]]]:
    """(line number, cells) of every row that is not blank; the line is the
    one the row ends on (csv.reader's line_num)."""
    for row in reader:
        if any(cell.strip() for cell in row):
            yield reader.line_num, row


def row_problem(row: list[str], columns: int) -> str | None:
    """Why a row cannot be read as it is, or None."""
    joined = "".join(row)
    if _UNDECODED.search(joined):
        return "不是 UTF-8 编码，已跳过"
    if "\0" in joined:
        return "含 NUL 字节（文件可能已损坏），已跳过"
    if len(row) < columns:
        return f"列数不足: {row!r}"
    return None


class LineErrors:
    """Line errors of one CSV file: the first MAX_CSV_LINE_ERRORS listed, the rest counted."""

    def __init__(self, file: str, errors: list[dict[str, Any]]) -> None:
        self.file = file
        self.errors = errors
        self.listed = 0
        self.more = 0

    def add(self, line_no: int, problem: str) -> None:
        if self.listed >= MAX_CSV_LINE_ERRORS:
            self.more += 1
            return
        self.listed += 1
        self.errors.append(
            {"file": self.file, "line": line_no, "error": f"{self.file} 第 {line_no} 行{problem}"}
        )

    def close(self) -> None:
        if self.more:
            self.errors.append(
                {"file": self.file, "error": f"{self.file} 另有 {self.more} 行有问题，未逐行列出"}
            )
