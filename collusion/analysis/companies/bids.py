"""Company facts read from a bid: the 营业执照 and 法定代表人身份证明 pages,
the 授权委托书, the bidder's profile (投标人基本情况表), and shareholder and
officer tables.

What is read, each with the file, page and text it was read from:

- the legal representative's name: ``法定代表人：张三`` (or the name in the
  cell after a 法定代表人 cell), ``本人张三系……的法定代表人``, and under a
  法定代表人身份证明 heading ``姓名：张三``; the 身份证号 under that heading
  (unless labelled as the agent's) or labelled ``法定代表人身份证号``;
- the agent (委托代理人) and the agent's 身份证号, from the 授权委托书;
- the registered address (住所, 注册地址; 地址 under a licence, profile or
  法定代表人身份证明 heading) and the registered capital (注册资本);
- shareholders: a table whose header names a shareholder column (股东,
  出资人) and a share column (比例, 占比), one row per holder, with the
  holder's id when a column holds one;
- officers: a table with 姓名 and 职务 columns whose 职务 is a corporate
  post (董事长, 执行董事, 董事, 总经理, 经理, 监事); project posts
  (项目经理) are not officers.

The bidder's own credit code is found by ``mixed_documents.own_credit_codes``;
everything here is pure over blocks.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from collusion.analysis.companies.model import (
    ADDRESS,
    AGENT,
    BID,
    CAPITAL,
    CHAIRMAN,
    DIRECTOR,
    LEGAL_REP,
    MANAGER,
    PERSON,
    SHAREHOLDER,
    SUPERVISOR,
    Fact,
    Relation,
    Source,
    clean_name,
    holder_kind,
    normalize_contact,
    organisation_key,
    person_key,
)
from collusion.analysis.identifier_patterns import (
    CJK,
    RESIDENT_ID,
    is_valid_credit_code,
    is_valid_resident_id,
)
from collusion.analysis.identifiers import (
    block_text,
    excerpt,
    find_numbers,
    is_plausible_name,
)
from collusion.keys import width_folded
from collusion.models import Block, ExtractedFile

# Headings that say which form a block belongs to.
FORM_REP_RE = re.compile(r"法定代表人(?:身份)?证明")
FORM_AGENT_RE = re.compile(r"授权委托书|授权书")
FORM_LICENCE_RE = re.compile(r"营业执照")
FORM_PROFILE_RE = re.compile(r"基本情况|基本信息|企业概况|单位概况|公司概况|公司简介")
REP, AGENT_FORM, LICENCE, PROFILE = "rep", "agent", "licence", "profile"
FORMS = (
    (FORM_REP_RE, REP),
    (FORM_AGENT_RE, AGENT_FORM),
    (FORM_LICENCE_RE, LICENCE),
    (FORM_PROFILE_RE, PROFILE),
)

# Every pattern below needs one of these words; a block without any is skipped.
TRIGGER_RE = re.compile(
    r"法定代表人|法人代表|本人|姓\s*名|委托|代理人|被授权人|身份|证件|住\s*所|地\s*址|注册|营业场所"
)
HEADER_RE = re.compile(
    r"股东|出资人|投资人|发起人|姓\s*名"
)  # a shareholder or officer table's header
NAME_RUN = rf"[{CJK}·]{{2,5}}"
REP_LABEL_RE = re.compile(rf"(?<![或及])(?:法定代表人|法人代表)(?:姓名)?\s*[:：]?\s*({NAME_RUN})")
REP_SELF_RE = re.compile(
    rf"本人\s*({NAME_RUN}?)\s*(?:[(（]\s*姓名\s*[)）])?\s*系.{{0,60}}?(?:法定代表人|法人代表)"
)
NAME_FIELD_RE = re.compile(rf"姓\s*名\s*[:：]\s*({NAME_RUN})")
AGENT_RE = re.compile(rf"委托\s*({NAME_RUN}?)\s*(?:[(（]\s*姓名\s*[)）])?\s*为")
AGENT_LABEL_RE = re.compile(rf"(?:委托代理人|授权委托人|被授权人)(?:姓名)?\s*[:：]\s*({NAME_RUN})")
ID_LABEL_CHARS = 24  # characters before a 身份证号 searched for whose it is
ID_LABEL_RE = re.compile(r"(法定代表人|委托代理人|代理人|被授权人)[^0-9\n]{0,12}$")
ADDRESS_RE = re.compile(
    r"(住\s*所|注册地址|注册住所|营业场所|公司地址|单位地址|地\s*址)\s*[:：]?\s*(.+)"
)
ADDRESS_ANYWHERE = ("住所", "注册地址", "注册住所", "营业场所")
ADDRESS_SHAPE_RE = re.compile(r"[省市区县镇乡村路街道巷号楼室]")
CAPITAL_RE = re.compile(r"注册资本\s*[:：]?\s*(.+)")
# A field value ends at a wide space, a run of spaces or the next label.
VALUE_END_RE = re.compile(
    r"\u3000|\s{2,}|\s(?=\S{1,6}[:：])|(?=(?:电话|传真|邮编|邮政编码|联系人)[:：])"
)
MIN_ADDRESS_CHARS = 6

SHAREHOLDER_HEADER_RE = re.compile(r"股东|出资人|投资人|发起人")
SHARE_HEADER_RE = re.compile(r"比例|占比|持股")
ID_HEADER_RE = re.compile(r"证件|身份证|信用代码|证照|证号")
SHARE_VALUE_RE = re.compile(r"^(\d+(?:\.\d+)?)\s*%?$")
OFFICER_NAME_RE = re.compile(r"^姓\s*名$")
OFFICER_ROLE_RE = re.compile(r"职务|职位|任职")
# Corporate posts as written -> the role (a 职务 cell may join several with 兼).
POSTS = {
    "董事长": CHAIRMAN,
    "副董事长": DIRECTOR,
    "执行董事": DIRECTOR,
    "董事": DIRECTOR,
    "总经理": MANAGER,
    "经理": MANAGER,
    "监事": SUPERVISOR,
    "监事会主席": SUPERVISOR,
    "法定代表人": LEGAL_REP,
}
POST_SPLIT_RE = re.compile(r"兼|、|/|，|,")


@dataclass(frozen=True)
class Observation:
    """A person or company the bid ties to its own company, with where it was read."""

    role: str
    name: str
    identifier: str | None  # 身份证号 or credit code
    share: float | None
    source: Source


def read_bid(bidder: str, files: Iterable[ExtractedFile], excerpt_chars: int) -> list[Observation]:
    """Everything one bidder's files say about its own company, in file order."""
    found: list[Observation] = []
    for file in sorted(files, key=lambda f: f.path):
        found.extend(_read_file(bidder, file, excerpt_chars))
    return found


def _form_of(heading: str) -> str | None:
    clean = clean_name(heading)
    return next((form for pattern, form in FORMS if pattern.search(clean)), None)


def _cells(block: Block) -> list[str]:
    """A table row's cells; a PDF row read as one block keeps them one per line."""
    if block.cells:
        return [width_folded(c).strip() for c in block.cells]
    if "\n" in block.text:
        return [width_folded(line).strip() for line in block.text.split("\n")]
    return []


def _read_file(bidder: str, file: ExtractedFile, excerpt_chars: int) -> list[Observation]:
    found: list[Observation] = []
    form: str | None = None
    heading: str | None = None
    table: _Table | None = None
    for block in file.blocks:
        if block.kind == "heading" or block.heading_level is not None:
            form = _form_of(block.text)
            heading = block.text.strip() or None
            table = None
            continue
        if table is None and not _may_hold_facts(block):
            continue
        original = block_text(block)
        text = width_folded(original)  # offsets kept: excerpts quote the original

        def source(
            start: int = 0,
            end: int = 0,
            quoted: str = original,
            at: Block = block,
            under: str | None = heading,
        ) -> Source:
            return Source(
                BID,
                file.path,
                page=at.page,
                excerpt=excerpt(quoted, start, end or len(quoted), excerpt_chars),
                bidder=bidder,
                section=under,
                paragraph=at.index,
            )

        cells = _cells(block)
        if cells:
            header = _Table.of(cells)
            if header is not None:
                table = header
                continue
            if table is not None:
                row = table.read(cells, source())
                if row is not None:
                    found.extend(row)
                    continue
                table = None
            found.extend(_label_cells(cells, form, source()))
            continue
        table = None
        found.extend(_read_text(text, form, source))
    return found


def _may_hold_facts(block: Block) -> bool:
    """A cheap test before the full reading: a trigger word, or a table header's."""
    if TRIGGER_RE.search(block.text):
        return True
    return (bool(block.cells) or "\n" in block.text) and HEADER_RE.search(block.text) is not None


def _read_text(text: str, form: str | None, source) -> list[Observation]:  # noqa: ANN001
    """The facts of one paragraph under the form ``form``."""
    found: list[Observation] = []
    compact = text.strip()
    if not TRIGGER_RE.search(compact):
        return found  # most blocks: a technical plan's text names none of these
    for m in REP_LABEL_RE.finditer(compact):
        name = _name(m.group(1), compact[m.end() :])
        if name:
            found.append(Observation(LEGAL_REP, name, None, None, source(m.start(1), m.end(1))))
    for m in REP_SELF_RE.finditer(compact):
        name = _name(m.group(1), "")
        if name:
            found.append(Observation(LEGAL_REP, name, None, None, source(m.start(1), m.end(1))))
    if form == REP:
        for m in NAME_FIELD_RE.finditer(compact):
            name = _name(m.group(1), compact[m.end() :])
            if name:
                found.append(Observation(LEGAL_REP, name, None, None, source(m.start(1), m.end(1))))
    if form == AGENT_FORM:
        for pattern in (AGENT_RE, AGENT_LABEL_RE):
            for m in pattern.finditer(compact):
                name = _name(m.group(1), compact[m.end() :])
                if name:
                    found.append(Observation(AGENT, name, None, None, source(m.start(1), m.end(1))))
    for number in find_numbers(compact) if "身份" in compact or "证件" in compact else ():
        if number.kind != RESIDENT_ID:
            continue
        label = ID_LABEL_RE.search(compact[max(0, number.start - ID_LABEL_CHARS) : number.start])
        role = _id_role(label.group(1) if label else None, form)
        if role:
            found.append(
                Observation(role, "", number.value, None, source(number.start, number.end))
            )
    found.extend(_address_and_capital(compact, form, source))
    return found


def _id_role(label: str | None, form: str | None) -> str | None:
    """Whose 身份证号 this is: its label's, else the form's person."""
    if label == "法定代表人":
        return LEGAL_REP
    if label in ("委托代理人", "代理人", "被授权人"):
        return AGENT
    return {REP: LEGAL_REP, AGENT_FORM: AGENT}.get(form or "")


def _address_and_capital(text: str, form: str | None, source) -> list[Observation]:  # noqa: ANN001
    found = []
    m = ADDRESS_RE.search(text)
    if m and (form in (REP, LICENCE, PROFILE) or clean_name(m.group(1)) in ADDRESS_ANYWHERE):
        value = _value(m.group(2))
        if len(value) >= MIN_ADDRESS_CHARS and ADDRESS_SHAPE_RE.search(value):
            found.append(
                Observation(ADDRESS, value, None, None, source(m.start(2), m.start(2) + len(value)))
            )
    m = CAPITAL_RE.search(text)
    if m and form in (LICENCE, PROFILE, None):
        value = _value(m.group(1))
        if value and re.search(r"[0-9零壹贰叁肆伍陆柒捌玖拾佰仟万亿]", value):
            found.append(
                Observation(CAPITAL, value, None, None, source(m.start(1), m.start(1) + len(value)))
            )
    return found


def _value(text: str) -> str:
    """A field's value: up to the next wide space, run of spaces or label."""
    end = VALUE_END_RE.search(text)
    return (text[: end.start()] if end else text).strip().rstrip("。；;，,")


def _name(run: str, rest: str) -> str | None:
    """The plausible name at the start of ``run``, ended where the text allows."""
    for length in range(min(len(run), 5), 1, -1):
        candidate = run[:length]
        if is_plausible_name(candidate) and (
            length == len(run) or not is_plausible_name(run[: length + 1])
        ):
            return candidate
    return None


def _label_cells(cells: list[str], form: str | None, source: Source) -> list[Observation]:
    """A profile row of label and value cells: 法定代表人 | 张三 | 注册地址 | ……"""
    found = []
    for label, value in zip(cells, cells[1:], strict=False):
        key = clean_name(label).rstrip(":：")
        if key in ("法定代表人", "法人代表", "法定代表人姓名") and is_plausible_name(
            clean_name(value)
        ):
            found.append(Observation(LEGAL_REP, clean_name(value), None, None, source))
        elif key in ("住所", "注册地址", "注册住所", "地址", "营业场所", "公司地址") and (
            len(value) >= MIN_ADDRESS_CHARS and ADDRESS_SHAPE_RE.search(value)
        ):
            if key != "地址" or form in (REP, LICENCE, PROFILE):
                found.append(Observation(ADDRESS, value.strip(), None, None, source))
        elif key == "注册资本" and value.strip():
            found.append(Observation(CAPITAL, value.strip(), None, None, source))
    return found


@dataclass(frozen=True)
class _Table:
    """The columns of a shareholder table or an officer table."""

    kind: str  # shareholder | officer
    name: int
    value: int  # the share column, or the 职务 column
    identifier: int | None

    @classmethod
    def of(cls, cells: list[str]) -> _Table | None:
        clean = [clean_name(c) for c in cells]
        holder = next(
            (
                i
                for i, c in enumerate(clean)
                if SHAREHOLDER_HEADER_RE.search(c) and not SHARE_HEADER_RE.search(c)
            ),
            None,
        )
        share = next((i for i, c in enumerate(clean) if SHARE_HEADER_RE.search(c)), None)
        ident = next((i for i, c in enumerate(clean) if ID_HEADER_RE.search(c)), None)
        if holder is not None and share is not None:
            return cls(SHAREHOLDER, holder, share, ident)
        name = next((i for i, c in enumerate(clean) if OFFICER_NAME_RE.match(c)), None)
        post = next((i for i, c in enumerate(clean) if OFFICER_ROLE_RE.search(c)), None)
        if name is not None and post is not None:
            return cls("officer", name, post, ident)
        return None

    def read(self, cells: list[str], source: Source) -> list[Observation] | None:
        """The row's observations; None when the row does not fit the table."""
        if max(self.name, self.value) >= len(cells):
            return None
        name = cells[self.name].strip()
        identifier = (
            _identifier(cells[self.identifier])
            if self.identifier is not None and self.identifier < len(cells)
            else None
        )
        if self.kind == SHAREHOLDER:
            m = SHARE_VALUE_RE.match(cells[self.value].replace(" ", ""))
            if not name or m is None or not 0 < float(m.group(1)) <= 100:
                return None
            return [Observation(SHAREHOLDER, name, identifier, float(m.group(1)), source)]
        person = clean_name(name)
        if not is_plausible_name(person):
            return None
        posts = [
            POSTS.get(part) for part in POST_SPLIT_RE.split(clean_name(cells[self.value])) if part
        ]
        return [
            Observation(post, person, identifier, None, source)
            for post in dict.fromkeys(posts)
            if post
        ]


def _identifier(cell: str) -> str | None:
    value = clean_name(cell).upper()
    return value if is_valid_resident_id(value) or is_valid_credit_code(value) else None


# --- from observations to facts ---------------------------------------------------------------


def bid_facts(company: str, observations: list[Observation]) -> tuple[list[Fact], list[Relation]]:
    """One bidder's observations as facts and relations of its company ``company``.

    A legal representative or agent named without a number takes the
    身份证号 read for the same role in the bid when there is exactly one
    name for that role (the 法定代表人身份证明 gives the number on the line
    after the name); with two names, numbers stay unattached.
    """
    facts = [
        Fact(
            company,
            o.role,
            o.name,
            normalize_contact(ADDRESS, o.name) if o.role == ADDRESS else clean_name(o.name),
            o.source,
        )
        for o in observations
        if o.role in (ADDRESS, CAPITAL)
    ]
    relations: list[Relation] = []
    for role in (LEGAL_REP, AGENT):
        named = [o for o in observations if o.role == role and o.name]
        numbers = Counter(o.identifier for o in observations if o.role == role and o.identifier)
        names = sorted({o.name for o in named})
        number = numbers.most_common(1)[0][0] if len(names) == 1 and len(numbers) == 1 else None
        for o in named:
            key = person_key(o.name, number)
            relations.append(Relation(company, role, key, PERSON, o.name, None, o.source))
        if number is not None:  # where the number itself is written
            for o in observations:
                if o.role == role and o.identifier == number:
                    relations.append(
                        Relation(company, role, number, PERSON, names[0], None, o.source)
                    )
        if not named:
            for number, _ in sorted(numbers.items()):
                first = next(o for o in observations if o.role == role and o.identifier == number)
                relations.append(Relation(company, role, number, PERSON, "", None, first.source))
    for o in observations:
        if o.role == SHAREHOLDER:
            kind = holder_kind(o.name, o.identifier or "")
            key = (
                person_key(o.name, o.identifier)
                if kind == PERSON
                else organisation_key(o.name, o.identifier)
            )
            name = clean_name(o.name) if kind == PERSON else o.name
            relations.append(Relation(company, SHAREHOLDER, key, kind, name, o.share, o.source))
        elif o.role in (CHAIRMAN, DIRECTOR, MANAGER, SUPERVISOR):
            relations.append(
                Relation(
                    company,
                    o.role,
                    person_key(o.name, o.identifier),
                    PERSON,
                    o.name,
                    None,
                    o.source,
                )
            )
    return facts, relations
