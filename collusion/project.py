"""Read a project folder (contract §1) without analysing any bid file yet."""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import re
import stat
from pathlib import Path
from typing import Any

from collusion.errors import ProjectError
from collusion.keys import code_key
from collusion.models import InputFile, ProjectInput, SignatureValue
from collusion.runtime.csvinput import (
    LineErrors,
    csv_reader,
    data_rows,
    header_columns,
    row_problem,
)
from collusion.runtime.lang import tr
from collusion.settings import ExtractSettings

# project.json and signatures.csv are small; a larger one is not read.
# Statuses of errors entries about a bidder, not a file.
EMPTY_BIDDER = "empty"
MISSING_BIDDER = "missing"
BIDDER_STATUSES = frozenset({EMPTY_BIDDER, MISSING_BIDDER})
MAX_INPUT_FILE_BYTES = 16 * 1024 * 1024
COMPANIES_FILE = "companies.csv"  # the bidders' registry facts (docs/companies.md)
RELATIONS_FILE = "company_relations.csv"  # their shareholders and officers
SIGNATURES_COLUMNS = ("bidder", "code", "value")


def load_project(
    root: str | os.PathLike[str],
    limits: ExtractSettings | None = None,
    *,
    companies: str | os.PathLike[str] | None = None,
    relations: str | os.PathLike[str] | None = None,
) -> ProjectInput:
    """Read project.json, list tender and bid files, and read signatures.csv,
    companies.csv and company_relations.csv.

    ``companies`` and ``relations`` name registry files to read instead of
    the project folder's companies.csv and company_relations.csv.

    Raises ProjectError only when nothing can be scanned (no folder, no
    bidders); every other problem becomes an entry of ``errors``.
    """
    root_path = Path(root)
    if not root_path.is_dir():
        raise ProjectError(
            tr(f"项目文件夹不存在：{root_path}", f"no such project folder: {root_path}")
        )
    if (root_path / "bids").is_symlink():
        # Everything below would lie outside the project folder.
        raise ProjectError(
            tr(
                f"{root_path / 'bids'} 是符号链接，出于安全不读取；请把投标文件放进项目文件夹本身",
                f"{root_path / 'bids'} is a symbolic link, not read for safety; "
                "put the bids in the project folder itself",
            )
        )
    errors: list[dict[str, Any]] = []
    meta = _read_project_json(root_path, errors)
    bidder_files, refused = _list_bid_files(root_path)
    errors.extend(refused)
    if not bidder_files:
        raise ProjectError(
            tr(
                f"{root_path} 下没有投标人（bids/<投标人>/ 文件夹）",
                f"no bidders under {root_path} (bids/<bidder>/ folders)",
            )
        )
    errors.extend(_missing_bidders(meta, bidder_files))
    tender = root_path / "tender"
    if tender.is_symlink():
        errors.append(
            _refused(tender, root_path, "符号链接目录（招标文件夹），出于安全未读取", None)
        )
        tender_files: tuple[str, ...] = ()
    else:
        tender_files, tender_refused = _list_files(root_path, tender)
        errors.extend(tender_refused)
    limits = limits or ExtractSettings()
    csv_signatures = _read_signatures_csv(
        root_path, set(bidder_files), errors, limits.max_signature_rows
    )
    companies_csv, relations_csv = (
        _read_named_input(root_path, given, default, errors)
        for given, default in ((companies, COMPANIES_FILE), (relations, RELATIONS_FILE))
    )
    bidder_meta = _named_bidders(meta)
    winner, date = _winner(meta, bidder_files, errors), _opening_date(meta, errors)
    control_price = _limit_price(meta, "control_price", errors)
    floor_price = _limit_price(meta, "floor_price", errors)
    return ProjectInput(
        root=str(root_path),
        id=str(meta.get("id") or root_path.resolve().name),
        name=_str_or_none(meta.get("name")),
        industry=_str_or_none(meta.get("industry")),
        bidder_meta={str(k): v if isinstance(v, dict) else {} for k, v in bidder_meta.items()},
        bidder_files=bidder_files,
        tender_files=tender_files,
        csv_signatures=csv_signatures,
        errors=tuple(errors),
        winner=winner,
        date=date,
        companies_csv=companies_csv,
        relations_csv=relations_csv,
        control_price=control_price,
        floor_price=floor_price,
    )


def _read_named_input(
    root: Path,
    given: str | os.PathLike[str] | None,
    default: str,
    errors: list[dict[str, Any]],
) -> InputFile | None:
    """An input file of the project folder (``default``), or the one given
    instead, as read; parsed by the stage that needs it (companies.csv and
    company_relations.csv by ``collusion.analysis.companies``)."""
    path = Path(given) if given is not None else None
    shown = str(given) if given is not None else default
    if path is not None and not path.exists():
        errors.append({"file": shown, "error": f"找不到文件 {shown}"})
        return None
    data = _read_input_bytes(root, shown, errors, path)
    return InputFile(shown, data) if data is not None else None


def _named_bidders(meta: dict[str, Any]) -> dict[Any, Any]:
    """project.json's ``bidders`` object (empty when absent or not an object)."""
    named = meta.get("bidders")
    return named if isinstance(named, dict) else {}


def _limit_price(meta: dict[str, Any], key: str, errors: list[dict[str, Any]]) -> float | None:
    """project.json's ``control_price`` or ``floor_price``: a positive number of yuan
    (a number, or a string such as "12,800,000.00"); anything else is an error entry."""
    value = meta.get(key)
    if value is None:
        return None
    number: float | None = None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.replace(",", "").strip())
        except ValueError:
            number = None
    if number is None or not math.isfinite(number) or number <= 0:
        errors.append(
            {
                "file": "project.json",
                "error": f"project.json 中 {key} 应为正数（元），实际为 {value!r}",
            }
        )
        return None
    return number


def _str_or_none(value: Any) -> str | None:
    return None if value is None else str(value)


def _winner(
    meta: dict[str, Any], bidder_files: dict[str, Any], errors: list[dict[str, Any]]
) -> str | None:
    """project.json's ``winner``: the id of one of the bidders, else an error and None."""
    winner = meta.get("winner")
    if winner is None:
        return None
    if not isinstance(winner, str) or winner not in bidder_files:
        errors.append(
            {
                "file": "project.json",
                "error": f"project.json 中 winner 应为某个投标人的文件夹名（bids/ 下），"
                f"实际为 {json.dumps(winner, ensure_ascii=False)}，未采用",
            }
        )
        return None
    return winner


def _opening_date(meta: dict[str, Any], errors: list[dict[str, Any]]) -> str | None:
    """project.json's ``date`` (YYYY-MM-DD, the day the bids were opened), else None."""
    value = meta.get("date")
    if value is None:
        return None
    try:
        if isinstance(value, str) and len(value) == 10:
            return dt.date.fromisoformat(value).isoformat()
    except ValueError:
        pass
    errors.append(
        {
            "file": "project.json",
            "error": f"project.json 中 date 应为 YYYY-MM-DD 格式的日期，"
            f"实际为 {json.dumps(value, ensure_ascii=False)}，未采用",
        }
    )
    return None


def _read_input_text(root: Path, name: str, errors: list[dict[str, Any]]) -> str | None:
    """The text of project.json (strict UTF-8); None when absent, refused or undecodable."""
    data = _read_input_bytes(root, name, errors)
    if data is None:
        return None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        errors.append(
            {
                "file": name,
                "error": f"无法读取 {name}（应为 UTF-8 编码）: 第 {exc.start} 字节起不是 UTF-8",
            }
        )
    return None


def _read_input_bytes(
    root: Path, name: str, errors: list[dict[str, Any]], path: Path | None = None
) -> bytes | None:
    """The bytes of project.json, signatures.csv, companies.csv...; None when
    absent or refused. ``path`` reads a file given outside the project folder
    (``--companies``), shown as ``name``.

    Like the bid files, these are never read through a symbolic link (that
    could be any file of the machine) and never past MAX_INPUT_FILE_BYTES.
    """
    path = path if path is not None else root / name
    try:
        info = path.lstat()
    except FileNotFoundError:
        return None
    except OSError as exc:
        errors.append({"file": name, "error": f"无法读取 {name}: {exc.strerror or exc}"})
        return None
    if stat.S_ISLNK(info.st_mode):
        errors.append(
            {"file": name, "error": f"{name} 是符号链接，出于安全未读取", "status": "refused"}
        )
        return None
    if not stat.S_ISREG(info.st_mode):
        return None
    if info.st_size > MAX_INPUT_FILE_BYTES:
        errors.append(
            {
                "file": name,
                "status": "refused",
                "error": f"{name} 大小 {info.st_size} 字节，超过上限 "
                f"{MAX_INPUT_FILE_BYTES} 字节，未读取",
            }
        )
        return None
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        with os.fdopen(fd, "rb") as handle:
            return handle.read(MAX_INPUT_FILE_BYTES + 1)
    except OSError as exc:
        errors.append({"file": name, "error": f"无法读取 {name}: {exc.strerror or exc}"})
    return None


def _read_project_json(root: Path, errors: list[dict[str, Any]]) -> dict[str, Any]:
    text = _read_input_text(root, "project.json", errors)
    if text is None:
        return {}
    try:
        data = json.loads(text)
    except RecursionError:
        errors.append({"file": "project.json", "error": "project.json 嵌套过深，未读取"})
        return {}
    except json.JSONDecodeError as exc:
        errors.append(
            {
                "file": "project.json",
                "error": f"project.json 格式错误，第 {exc.lineno} 行第 {exc.colno} 列: {exc.msg}",
            }
        )
        return {}
    if not isinstance(data, dict):
        errors.append({"file": "project.json", "error": "project.json 顶层应为 JSON 对象"})
        return {}
    bidders = data.get("bidders")
    if bidders is not None and not isinstance(bidders, dict):
        errors.append({"file": "project.json", "error": "project.json 中 bidders 应为对象"})
        data = {k: v for k, v in data.items() if k != "bidders"}
    return data


def _is_inside(path: Path, root: Path) -> bool:
    try:
        path.resolve().relative_to(root.resolve())
    except (ValueError, OSError, RuntimeError):
        return False
    return True


def _list_files(
    root: Path, folder: Path, bidder: str | None = None
) -> tuple[tuple[str, ...], list[dict[str, Any]]]:
    """Every file under folder, project-relative and sorted, whatever its name:
    the extractor reads it by its content or lists it in ``errors`` with the
    reason, so no file a bidder handed in goes unmentioned.

    Symbolic links are never followed: a link under bids/ could point at any
    file of the machine, so it is refused and reported (with the bidder it
    belongs to) instead.
    """
    found: list[str] = []
    refused: list[dict[str, Any]] = []
    if not folder.is_dir():
        return (), refused
    for dirpath, dirnames, filenames in os.walk(folder, followlinks=False):
        current = Path(dirpath)
        for name in sorted(dirnames):
            sub = current / name
            if sub.is_symlink():
                refused.append(_refused(sub, root, "符号链接目录，出于安全未读取", bidder))
        for name in filenames:
            path = current / name
            rel = _relative(path, root)
            if path.is_symlink() or not _is_inside(path, root):
                refused.append(_refused(path, root, "符号链接文件，出于安全未读取", bidder))
                continue
            found.append(rel)
    return tuple(sorted(found)), refused


def _refused(path: Path, root: Path, error: str, bidder: str | None) -> dict[str, Any]:
    entry: dict[str, Any] = {"file": _relative(path, root), "error": error, "status": "refused"}
    if bidder is not None:
        entry["bidder"] = bidder
    return entry


def _relative(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix()


def _list_bid_files(root: Path) -> tuple[dict[str, tuple[str, ...]], list[dict[str, Any]]]:
    bids = root / "bids"
    result: dict[str, tuple[str, ...]] = {}
    refused: list[dict[str, Any]] = []
    if not bids.is_dir():
        return result, refused
    for entry in sorted(bids.iterdir(), key=lambda p: p.name):
        if entry.is_symlink():
            refused.append(
                _refused(entry, root, "符号链接目录（投标人文件夹），出于安全未读取", None)
            )
            continue
        if not entry.is_dir():
            continue
        files, bad = _list_files(root, entry, entry.name)
        refused.extend(bad)
        result[entry.name] = files
        if not files and not bad:
            refused.append(
                {
                    "file": _relative(entry, root),
                    "bidder": entry.name,
                    "status": EMPTY_BIDDER,
                    "error": f"投标人 {entry.name} 的文件夹中没有任何文件，该投标人未参与比对",
                }
            )
    return result, refused


def _missing_bidders(
    meta: dict[str, Any], bidder_files: dict[str, tuple[str, ...]]
) -> list[dict[str, Any]]:
    """Bidders project.json names that have no folder under bids/."""
    named = _named_bidders(meta)
    missing = sorted(str(b) for b in named if str(b) not in bidder_files)
    return [
        {
            "file": f"bids/{bidder}",
            "bidder": bidder,
            "status": MISSING_BIDDER,
            "error": f"project.json 列出的投标人 {bidder} 没有投标文件夹 bids/{bidder}/，"
            "该投标人未参与比对",
        }
        for bidder in missing
    ]


_CODE_RE = re.compile(r"[^0-9a-z]+")


def _read_signatures_csv(
    root: Path, bidders: set[str], errors: list[dict[str, Any]], max_rows: int
) -> tuple[SignatureValue, ...]:
    """The codes of signatures.csv, at most ``max_rows`` rows of them.

    A line that is not UTF-8 or holds a NUL byte, a short or incomplete row
    and an unknown bidder are each an error naming the line (the first
    MAX_CSV_LINE_ERRORS of them, then a count); the other rows are read.
    """
    data = _read_input_bytes(root, "signatures.csv", errors)
    if data is None:
        return ()
    reader = csv_reader(data)
    header = next(reader, None)
    if header is None:
        return ()
    columns = header_columns(header)
    if not set(SIGNATURES_COLUMNS) <= set(columns):
        errors.append(
            {
                "file": "signatures.csv",
                "line": 1,
                "error": "signatures.csv 第 1 行表头应包含 bidder,code,value",
            }
        )
        return ()
    index = {name: columns.index(name) for name in SIGNATURES_COLUMNS}
    values: list[SignatureValue] = []
    problems = LineErrors("signatures.csv", errors)
    rows = 0
    for line_no, row in data_rows(reader):
        rows += 1
        if rows > max_rows:
            errors.append(
                {
                    "file": "signatures.csv",
                    "line": line_no,
                    "error": f"signatures.csv 超过 {max_rows} 行的上限"
                    f"（max_signature_rows），第 {line_no} 行起未读取",
                }
            )
            break
        problem = row_problem(row, len(columns))
        if problem is None:
            bidder, code, value = (row[index[k]].strip() for k in SIGNATURES_COLUMNS)
            if not bidder or not code or not value:
                problem = "有空值"
            elif bidder not in bidders:
                problem = f"的投标人 {bidder} 不在 bids/ 中"
        if problem is not None:
            problems.add(line_no, problem)
            continue
        code = code.lower()
        values.append(
            SignatureValue(
                source="csv",
                field=code,
                value=value,
                normalized=code_key(code, value),
                file="signatures.csv",
                bidder=bidder,
            )
        )
    problems.close()
    return tuple(sorted(values, key=lambda s: (s.bidder or "", s.field, s.normalized)))
