"""Identifiers named in bid documents: people with their roles, certificates,
ID numbers, phones, e-mail addresses, bank accounts and credit codes.

Everything here is a pure function over text or Blocks, so that each
pattern can be tested on a string. Detectors (shared_identifier,
mixed_documents) decide what a shared value means.

Formats recognised, and why each is trusted:

- 身份证号 (GB 11643-1999): 18 characters, a six-digit area code, a birth
  date, a sequence number and an ISO 7064 MOD 11-2 check character. Only
  numbers whose date is real and whose check character is right are kept.
- 统一社会信用代码 (GB 32100-2015): 18 characters from a 31-letter alphabet
  (no I, O, Z, S, V), a six-digit area code in positions 3-8 and a MOD 31
  check character. Only codes with the right check character are kept.
- 注册建造师注册编号: province abbreviation, level (1 = 一级, 2 = 二级) and
  11 to 15 more digits (浙133111112345, 京1112017201745983).
- 安全生产考核合格证书编号 (三类人员 A/B/C 证): province + 建安 + A|B|C +
  (year) + serial, e.g. 浙建安B（2019）0012345; 水利 水安 likewise.
- Mobile numbers 1[3-9] + 9 digits; landlines with an area code, written with a
  separator or labelled as a phone; e-mail addresses; bank accounts of 10-30
  digits labelled as an account with a bank named in the same block.

The kinds, role words, patterns and check characters are in
:mod:`collusion.analysis.identifier_patterns`; reading them from text is here.
"""

from __future__ import annotations

import bisect
import functools
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import overload

import numpy as np

from collusion.analysis.folding import code_points, foldable_table, visible_with_offsets
from collusion.analysis.identifier_patterns import (
    ACCOUNT_DIGITS,
    ACCOUNT_GROUPS,
    ACCOUNT_LABEL_RE,
    ACCOUNT_RE,
    AFTER_NAME,
    BANK_ACCOUNT,
    BANK_LABELLED_RE,
    BANK_PREFIX_RE,
    BANK_RE,
    BUILDER_CERT,
    BUILDER_CERT_RE,
    CJK,
    COMPOUND_SURNAMES,
    CONTACT_KINDS,
    CONTEXT_BLOCKS,
    CREDIT_CODE,
    CREDIT_CODE_RE,
    DEPOSIT_WORDS,
    DIGIT_OR_AT_RE,
    EMAIL,
    EMAIL_RE,
    KIND_PRIORITY,
    LABEL_WINDOW,
    LABELS,
    LANDLINE,
    LANDLINE_RE,
    LONG_NUMBER_RE,
    MOBILE,
    MOBILE_RE,
    NAME_LABEL_RE,
    NAME_MARKED_RE,
    NOT_IN_NAMES,
    PERSON,
    PERSONAL_NUMBER_KINDS,
    PHONE_LABEL_RE,
    RESIDENT_ID,
    RESIDENT_ID_RE,
    ROLE_ALIASES,
    ROLE_RE,
    ROLE_THEN_NAME_RE,
    ROLE_WINDOW,
    SAFETY_CERT,
    SAFETY_CERT_RE,
    SURNAMES,
    TEMPLATE_WORDS,
    contact_owner,
    is_valid_credit_code,
    is_valid_resident_id,
)
from collusion.analysis.joined import char_table, join, run_starts
from collusion.keys import company_name_key, width_folded
from collusion.models import Block, ExtractedFile, Section


@dataclass(frozen=True)
class Found:
    """One identifier found in one block of one file."""

    kind: str
    value: str  # normalized: what is compared across bidders
    raw: str  # as written, for the regulator
    role: str | None  # the role written near it (people, and numbers linked to people)
    page: int | None
    index: int  # the block's index in its file
    excerpt: str
    bank: str | None = None  # bank accounts: the bank named in the block or just before
    deposit: bool = False  # bank accounts: the block speaks of a bid deposit
    linked: tuple[tuple[str, str], ...] = ()  # people: (kind, value) numbers named with them
    story: str = "body"  # where in the file: body, textbox, header, footnote, ... (Block.story)
    owner: str | None = None  # contacts: the third party it is introduced as (招标代理机构)


@dataclass(frozen=True)
class _Match:
    kind: str
    value: str
    raw: str
    start: int
    end: int


# --- text helpers ------------------------------------------------------------------------


_WIDTH_TABLE = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: " "}
_WIDE_RE = re.compile("[\uff01-\uff5e\u3000]")


def excerpt(text: str, start: int, end: int, limit: int) -> str:
    """The match with as much context on both sides as `limit` characters allow.

    Runs of whitespace (table cells read from a PDF, one per line) become one space.
    """
    return re.sub(r"\s+", " ", _window(text, start, end, limit))


def _window(text: str, start: int, end: int, limit: int) -> str:
    text_len = len(text)
    if text_len <= limit:
        return text.strip()
    if end - start > limit - 2:
        return text[start : start + limit]  # the match alone fills the excerpt
    inner = limit - 2  # room for the two ellipses
    room = inner - (end - start)
    left = max(start - room // 2, 0)
    right = min(left + inner, text_len)
    left = max(right - inner, 0)
    prefix = "…" if left > 0 else ""
    suffix = "…" if right < text_len else ""
    return f"{prefix}{text[left:right].strip()}{suffix}"


def block_text(block: Block) -> str:
    """The text of a block; table rows joined by a separator that no pattern crosses."""
    if block.cells:
        return " | ".join(cell.strip() for cell in block.cells)
    return block.text


def _label_kind(text: str, start: int) -> str | None:
    before = text[max(start - LABEL_WINDOW, 0) : start]
    for pattern, kind in LABELS:
        if pattern.search(before):
            return kind
    return None


def _digits(raw: str) -> str:
    return re.sub(r"\D", "", raw)


def landline_value(digits: str, extension: str | None = None) -> str:
    """0760-88886666 however it was written: the area code is 010 or 02x, else 4 digits."""
    area_length = 3 if digits.startswith(("010", "02")) else 4
    value = f"{digits[:area_length]}-{digits[area_length:]}"
    return f"{value}-{extension}" if extension else value


def _number_candidates(text: str) -> Iterator[_Match]:
    """Every pattern's matches, valid ones only, before overlaps are resolved."""
    for m in SAFETY_CERT_RE.finditer(text) if ("建安" in text or "水安" in text) else ():
        province, kind_word, grade, year, serial = m.groups()
        value = f"{province or ''}{kind_word}{grade.upper()}({year}){serial}"
        yield _Match(SAFETY_CERT, value, m.group(0), m.start(), m.end())
    if "@" in text:
        for m in EMAIL_RE.finditer(text):
            yield _Match(EMAIL, m.group(0).lower(), m.group(0), m.start(), m.end())
    if not LONG_NUMBER_RE.search(text):
        return  # every other pattern holds six digits in a row, or a phone's split groups
    for m in BUILDER_CERT_RE.finditer(text):
        yield _Match(BUILDER_CERT, m.group(0), m.group(0), m.start(), m.end())
    for m in RESIDENT_ID_RE.finditer(text):
        if is_valid_resident_id(m.group(0)):
            value = m.group(0).upper()
            yield _Match(RESIDENT_ID, value, m.group(0), m.start(), m.end())
    for m in CREDIT_CODE_RE.finditer(text):
        if is_valid_credit_code(m.group(0)):
            yield _Match(CREDIT_CODE, m.group(0).upper(), m.group(0), m.start(), m.end())
    for m in MOBILE_RE.finditer(text):
        yield _Match(MOBILE, "".join(m.groups()), m.group(0), m.start(), m.end())
    for m in LANDLINE_RE.finditer(text):
        bracketed, dashed, bare, number, extension = m.groups()
        if bare and not PHONE_LABEL_RE.search(text[max(m.start() - LABEL_WINDOW, 0) : m.start()]):
            continue  # a bare 0xxx digit run is too often a date or an amount
        value = landline_value(_digits((bracketed or dashed or bare) + number), extension)
        yield _Match(LANDLINE, value, m.group(0).strip(), m.start(), m.end())
    for m in ACCOUNT_RE.finditer(text):
        if not _is_account_shape(m.group(0)):
            continue
        labelled = ACCOUNT_LABEL_RE.search(text[max(m.start() - LABEL_WINDOW, 0) : m.start()])
        if labelled:
            yield _Match(BANK_ACCOUNT, _digits(m.group(0)), m.group(0), m.start(), m.end())


def _is_account_shape(run: str) -> bool:
    """10-30 digits, written whole or in groups of 2-7 split by one space or hyphen."""
    groups = re.split(r"[ -]", run)
    shortest, longest, most = ACCOUNT_GROUPS
    if len(groups) > most or not ACCOUNT_DIGITS[0] <= sum(map(len, groups)) <= ACCOUNT_DIGITS[1]:
        return False
    return len(groups) == 1 or all(shortest <= len(g) <= longest for g in groups)


def find_numbers(text: str) -> list[_Match]:
    """Certificates, ID numbers, phones, e-mails, accounts and credit codes in `text`.

    Where two patterns claim overlapping characters, a label just before the
    number (账号, 身份证号, 信用代码) decides, then the fixed priority.
    """
    text = width_folded(text)
    if not DIGIT_OR_AT_RE.search(text):
        return []  # every pattern needs a digit, or an @ for e-mail
    candidates = list(_number_candidates(text))

    def rank(match: _Match) -> tuple[int, int, int]:
        labelled = _label_kind(text, match.start) == match.kind
        return (0 if labelled else 1, KIND_PRIORITY.index(match.kind), match.start)

    chosen: list[_Match] = []
    for match in sorted(candidates, key=rank):
        if all(match.end <= c.start or match.start >= c.end for c in chosen):
            chosen.append(match)
    return sorted(chosen, key=lambda m: (m.start, m.kind))


# --- people ------------------------------------------------------------------------------------


def canonical_role(text: str) -> str | None:
    """The first role `text` names (项目负责人 -> 项目经理), or None."""
    m = ROLE_RE.search(re.sub(r"\s+", "", width_folded(text)))
    return ROLE_ALIASES[m.group(0)] if m else None


def is_plausible_name(name: str) -> bool:
    """2-4 Chinese characters (or a 复姓 and up to 3 more) starting with a common surname."""
    name = name.replace("·", "")
    if name in TEMPLATE_WORDS or not 2 <= len(name) <= 5:
        return False
    if not re.fullmatch(f"[{CJK}]+", name):
        return False
    if any(c in NOT_IN_NAMES for c in name):
        return False
    if name.startswith(COMPOUND_SURNAMES):
        return len(name) <= 5
    return name[0] in SURNAMES and len(name) <= 4


def _name_at_start(run: str, rest: str) -> str | None:
    """The name at the start of `run`, ended where the following text allows."""
    for length in range(2, len(run) + 1):
        candidate = run[:length]
        after = run[length:] + rest
        ends_here = not after or not re.match(f"[{CJK}]", after) or after.startswith(AFTER_NAME)
        if ends_here and is_plausible_name(candidate):
            return candidate
    return None


def _name_at_end(run: str) -> str | None:
    """The name ending `run` (本人王五 -> 王五), a 复姓 first, then 3, then 2 characters."""
    for length in (5, 4, 3, 2):
        candidate = run[-length:]
        if (
            len(candidate) == length
            and candidate.startswith(COMPOUND_SURNAMES)
            and is_plausible_name(candidate)
        ):
            return candidate
    for length in (3, 2):
        candidate = run[-length:]
        if len(candidate) == length and is_plausible_name(candidate):
            return candidate
    return None


def find_people(text: str) -> list[tuple[str, str, int, int]]:
    """(name, role, start, end) of people named with a role in running text."""
    text = width_folded(text)
    people: list[tuple[str, str, int, int]] = []
    if "姓名" not in text and not ROLE_RE.search(text):
        return people  # every pattern below needs a role word or a 姓名 label
    for m in ROLE_THEN_NAME_RE.finditer(text):
        name = _name_at_start(m.group(2), text[m.end() :])
        if name:
            start = m.start(2)
            people.append((name, ROLE_ALIASES[m.group(1)], start, start + len(name)))
    for m in NAME_MARKED_RE.finditer(text) if "姓名" in text else ():
        name = _name_at_end(m.group(1))
        role = canonical_role(text[m.end() : m.end() + ROLE_WINDOW])
        if name and role:
            start = m.end(1) - len(name)
            people.append((name, role, start, start + len(name)))
    for m in NAME_LABEL_RE.finditer(text):
        name = _name_at_start(m.group(1), text[m.end() :])
        role = canonical_role(text)
        if name and role:
            people.append((name, role, m.start(1), m.start(1) + len(name)))
    seen: set[tuple[str, int]] = set()
    unique = []
    for person in sorted(people, key=lambda p: (p[2], p[0])):
        if (person[0], person[2]) not in seen:
            seen.add((person[0], person[2]))
            unique.append(person)
    return unique


# --- tables -------------------------------------------------------------------------------------

_NAME_HEADER_RE = re.compile(r"^姓\s*名$")
_ROLE_HEADER_RE = re.compile(r"职务|岗位|职位|拟任|拟担任|角色|担任|人员类别")


@dataclass(frozen=True)
class StaffHeader:
    """Column positions of a staff table (拟投入本项目主要人员表)."""

    name: int
    role: int


def staff_header(cells: tuple[str, ...]) -> StaffHeader | None:
    """The columns of a header row with a 姓名 column and a role column, or None."""
    clean = [re.sub(r"\s+", "", width_folded(c)) for c in cells]
    name_col = next((i for i, c in enumerate(clean) if _NAME_HEADER_RE.match(c)), None)
    role_col = next(
        (i for i, c in enumerate(clean) if _ROLE_HEADER_RE.search(c) and i != name_col), None
    )
    if name_col is None or role_col is None:
        return None
    return StaffHeader(name=name_col, role=role_col)


def _clean_cell(cell: str) -> str:
    return re.sub(r"\s+", "", width_folded(cell)).rstrip(":")


def people_in_row(cells: tuple[str, ...], header: StaffHeader | None) -> list[tuple[str, str]]:
    """(name, role) of people in one table row.

    Under a staff-table header the columns say which cell is which. Without
    one, a cell that is exactly a role word (项目经理, 项目经理姓名) followed
    by a cell holding a plausible name is read as a label and its value.
    """
    clean = [_clean_cell(c) for c in cells]
    if header is not None and max(header.name, header.role) < len(clean):
        name, role_text = clean[header.name], clean[header.role]
        role = canonical_role(role_text) or (role_text if 0 < len(role_text) <= 10 else None)
        return [(name, role)] if role and is_plausible_name(name) else []
    people = []
    for i, cell in enumerate(clean):
        label = re.sub(r"(姓名|名称)$", "", cell)
        if label not in ROLE_ALIASES:
            continue
        for value in clean[i + 1 :]:
            if value in ROLE_ALIASES:
                break
            if is_plausible_name(value):
                people.append((value, ROLE_ALIASES[label]))
                break
    return people


# --- blocks ---------------------------------------------------------------------------------------


def _linked_numbers(numbers: list[_Match], start: int, end: int) -> tuple[tuple[str, str], ...]:
    return tuple(
        sorted(
            {
                (m.kind, m.value)
                for m in numbers
                if m.kind in PERSONAL_NUMBER_KINDS and start <= m.start < end
            }
        )
    )


def bank_name(text: str) -> str | None:
    """The bank named in `text` (中国工商银行杭州西湖支行), or None."""
    labelled = BANK_LABELLED_RE.search(text)
    if labelled:
        return labelled.group(1)
    m = BANK_RE.search(text)
    if m is None:
        return None
    name = BANK_PREFIX_RE.sub("", m.group(0))
    return name if len(name) >= 2 and BANK_RE.search(name) else None


def find_in_block(
    block: Block, excerpt_chars: int, header: StaffHeader | None = None, context: str = ""
) -> list[Found]:
    """Every identifier in one block; people carry the numbers named with them.

    `context` is the text around the block (its heading, the blocks before it),
    searched for the bank of an account written on the line after it, and for
    保证金 to tell a deposit account from any other account.
    """
    original = block_text(block)
    # Searched as a reader sees it (invisible characters removed, confusable
    # letters and traditional characters folded); excerpts quote the original.
    text, where = visible_with_offsets(width_folded(original))
    numbers = find_numbers(text)

    def quote(start: int, end: int) -> str:
        if where is not None and end > start:
            start, end = where[start], where[end - 1] + 1
        return excerpt(original, start, end, excerpt_chars)

    found: list[Found] = []
    if block.cells:
        people = [(name, role, 0, len(text)) for name, role in people_in_row(block.cells, header)]
    else:
        spans = find_people(text)
        # A person's numbers are those between their name and the next person's.
        people = [
            (name, role, start, spans[i + 1][2] if i + 1 < len(spans) else len(text))
            for i, (name, role, start, _end) in enumerate(spans)
        ]
    for name, role, start, end in people:
        pos = text.find(name, start)
        found.append(
            Found(
                PERSON,
                name,
                name,
                role,
                block.page,
                block.index,
                quote(pos, pos + len(name)),
                linked=_linked_numbers(numbers, start, end),
                story=block.story,
            )
        )
    has_account = any(m.kind == BANK_ACCOUNT for m in numbers)
    # Forms often put 开户银行 and 账号 on consecutive lines.
    bank = (bank_name(text) or bank_name(width_folded(context))) if has_account else None
    deposit = has_account and any(word in text or word in context for word in DEPOSIT_WORDS)
    for m in numbers:
        if m.kind == BANK_ACCOUNT and bank is None:
            continue  # an account without a bank named nearby is too often something else
        # The person it was written with, else a role in its label
        # (委托代理人身份证号码：…).
        written_with = next((p[1] for p in people if p[2] <= m.start < p[3]), None)
        label_role = written_with or canonical_role(text[max(m.start - LABEL_WINDOW, 0) : m.start])
        found.append(
            Found(
                m.kind,
                m.value,
                m.raw,
                label_role,
                block.page,
                block.index,
                quote(m.start, m.end),
                bank=bank if m.kind == BANK_ACCOUNT else None,
                deposit=deposit if m.kind == BANK_ACCOUNT else False,
                story=block.story,
                owner=contact_owner(text, m.start) if m.kind in CONTACT_KINDS else None,
            )
        )
    return found


def find_in_blocks(blocks: Iterable[Block], excerpt_chars: int) -> list[Found]:
    """Every identifier in a file's blocks, reading staff-table headers as it goes.

    A person named alone on a line takes the certificate and ID numbers of the
    line right after it when that line names no one (委托代理人：李四 /
    身份证号码：…), unless the numbers' label names another role.
    """
    blocks = list(blocks)
    texts = [block.text for block in blocks]
    may_hold = may_hold_identifiers(texts)
    headings = [
        i for i, b in enumerate(blocks) if b.heading_level is not None or b.kind == "heading"
    ]
    found: list[Found] = []
    header: StaffHeader | None = None
    waiting: int | None = None  # position in `found` of a person still without numbers
    previous = -2
    # Only the blocks that may hold something are searched: a block between
    # two of them finds nothing, so it ends a staff table (it has no cells)
    # and leaves a person before it without numbers.
    for position in (i for i, b in enumerate(blocks) if b.cells or may_hold[i]):
        if position != previous + 1:
            header = waiting = None
        previous = position
        block = blocks[position]
        heading_at = bisect.bisect_left(headings, position) - 1
        heading = texts[headings[heading_at]] if heading_at >= 0 else ""
        context = heading + "".join(texts[max(position - CONTEXT_BLOCKS, 0) : position])
        if not block.cells:
            header = None  # a table's header governs only its own rows
            here = find_in_block(block, excerpt_chars, context=context)
        elif (row_header := staff_header(block.cells)) is not None:
            header = row_header
            here = [
                f for f in find_in_block(block, excerpt_chars, context=context) if f.kind != PERSON
            ]
        else:
            here = find_in_block(block, excerpt_chars, header, context)
        people = [f for f in here if f.kind == PERSON]
        if waiting is not None and not people:
            here = _link_to_previous(found, waiting, here)
        found.extend(here)
        waiting = None
        if len(people) == 1 and not people[0].linked and not block.cells:
            waiting = len(found) - len(here) + here.index(people[0])
    return found


# What a block's text must hold, as written, for ``find_in_block`` to find
# anything in it once folded, besides the digit runs (``may_hold_identifiers``).
# (Two expressions: each is searched fast for its first characters, the two
# joined into one are not.)
_MAY_HOLD_WORDS_RES = (re.compile(r"建安|水安|姓\s*名"), ROLE_THEN_NAME_RE)
_AT_SIGNS = (ord("@"), 0xFF20)
_NUMBER_SEPARATORS = (ord("-"), ord(" "), 0xFF0D, 0x3000)  # [- ] once width folded


def may_hold_identifiers(texts: Sequence[str]) -> np.ndarray:
    """For each text (a block's, not a table row's), whether ``find_in_block``
    may find anything in it: False only where it finds nothing for sure.

    ``find_in_block`` finds a number only where the folded text holds an @,
    建安 or 水安, six digits in a row or three and four split by a hyphen or a
    space (``LONG_NUMBER_RE``); a person only where it holds 姓名 (or 姓 名)
    or a role word followed by a name (``ROLE_THEN_NAME_RE``). Width folding
    keeps digits digits, the words as they are and the separators these
    patterns accept, and a text with any character that ``visible_with_offsets``
    may change is kept for the full search; so these tests on the text as
    written, over all the texts joined (one pass of numpy and one regular
    expression instead of the full search of every block: most blocks of a
    bid name no one), pass every text in which the search can find something.
    """
    if not texts:
        return np.zeros(0, dtype=bool)
    joined = join(texts)
    codes = code_points(joined.text)
    digits = char_table(r"\d")[codes]

    def ahead(marks: np.ndarray, by: int) -> np.ndarray:  # at i: marks[i + by]
        return np.concatenate((marks[by:], np.zeros(min(by, len(marks)), dtype=bool)))

    def digit_run(width: int) -> np.ndarray:  # at i: codes[i:i + width] all digits
        return run_starts(digits, width)

    def any_of(chars: tuple[int, ...]) -> np.ndarray:
        return functools.reduce(np.logical_or, (codes == c for c in chars))

    marked = foldable_table()[codes] | any_of(_AT_SIGNS) | digit_run(6)
    marked |= digit_run(3) & ahead(any_of(_NUMBER_SEPARATORS), 3) & ahead(digit_run(4), 4)
    may_hold = joined.holders(np.flatnonzero(marked))
    for pattern in _MAY_HOLD_WORDS_RES:
        may_hold |= joined.searched(pattern)
    return may_hold


def _link_to_previous(found: list[Found], waiting: int, here: list[Found]) -> list[Found]:
    """Give the person at `found[waiting]` the personal numbers of this line."""
    person = found[waiting]
    numbers = [f for f in here if f.kind in PERSONAL_NUMBER_KINDS and f.role in (None, person.role)]
    if not numbers:
        return here
    found[waiting] = replace(person, linked=tuple(sorted({(f.kind, f.value) for f in numbers})))
    return [replace(f, role=person.role) if f in numbers else f for f in here]


def find_in_file(file: ExtractedFile, excerpt_chars: int) -> list[Found]:
    return find_in_blocks(file.blocks, excerpt_chars)


# --- companies -------------------------------------------------------------------------------------

_COMPANY_SUFFIX = (
    r"(?:有限责任公司|股份有限公司|有限公司|集团公司|公司|设计院|研究院|事务所|工程局)"
)
_DECLARED_LABEL_RE = re.compile("投标人|投标单位|供应商")
_DECLARED_BIDDER_RE = re.compile(
    rf"(?:投标人|投标单位|供应商|投标人名称)\s*(?:名称)?\s*[:：]\s*"
    rf"([{CJK}()（）]{{2,40}}?{_COMPANY_SUFFIX})"
)


def declared_bidder_names(blocks: Iterable[Block]) -> Counter[str]:
    """How often each company is written after 投标人：/投标单位： in these blocks."""
    counts: Counter[str] = Counter()
    texts = [block_text(block) for block in blocks]
    labelled = join(texts).searched(_DECLARED_LABEL_RE)  # most blocks: no label, no folding
    for position in np.flatnonzero(labelled).tolist():
        for m in _DECLARED_BIDDER_RE.finditer(width_folded(texts[position])):
            counts[company_name_key(m.group(1))] += 1
    return counts


def may_hold_credit_code(text: str) -> bool:
    """A cheap test on raw text before the full search: 18 letters or digits in a row."""
    return _CODE_SHAPE_RE.search(text) is not None


def may_hold_credit_codes(texts: Sequence[str]) -> np.ndarray:
    """``may_hold_credit_code`` of each text, the texts joined and tested at once."""
    joined = join(texts)
    shaped = _code_shape_table()[code_points(joined.text)]
    return joined.holders(np.flatnonzero(run_starts(shaped, CREDIT_CODE_CHARS)))


CREDIT_CODE_CHARS = 18
_CODE_CHARS = "0-9A-Za-z\uff10-\uff19\uff21-\uff3a\uff41-\uff5a"  # ASCII and full width
_CODE_SHAPE_RE = re.compile(f"[{_CODE_CHARS}]{{{CREDIT_CODE_CHARS}}}")


def _code_shape_table() -> np.ndarray:
    return char_table(f"[{_CODE_CHARS}]")


def credit_codes(blocks: Iterable[Block]) -> Counter[str]:
    """How often each valid 统一社会信用代码 occurs in these blocks."""
    counts: Counter[str] = Counter()
    for block in blocks:
        counts.update(m.value for m in find_numbers(block_text(block)) if m.kind == CREDIT_CODE)
    return counts


# --- walking a scan ------------------------------------------------------------------------------


class SectionTitles:
    """(bidder, file, block index) -> the title of the section holding that
    block: each bidder's table made when it is first asked about (detectors
    ask only for the blocks of their alerts; most scans have few)."""

    def __init__(self, sections: dict[str, tuple[Section, ...]]) -> None:
        self._sections = sections
        self._tables: dict[str, dict[tuple[str, int], str]] = {}

    @overload
    def get(self, key: tuple[str, str, int], default: str) -> str: ...
    @overload
    def get(self, key: tuple[str, str, int], default: None = None) -> str | None: ...
    def get(self, key: tuple[str, str, int], default: str | None = None) -> str | None:
        bidder, file, index = key
        table = self._tables.get(bidder)
        if table is None:
            table = {}
            for section in self._sections.get(bidder, ()):
                for block in section.blocks:
                    table.setdefault((section.file, block.index), section.title)
            self._tables[bidder] = table
        return table.get((file, index), default)


def section_titles(sections: dict[str, tuple[Section, ...]]) -> SectionTitles:
    """(bidder, file, block index) -> the title of the section holding that block."""
    return SectionTitles(sections)
