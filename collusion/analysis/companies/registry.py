"""companies.csv and company_relations.csv: the bidders' registry facts, as a
trading platform's 市场主体库 or a registry service exports them.

companies.csv, one row per company (header in any order, other columns ignored)::

    bidder,credit_code,name,legal_representative,legal_representative_id,address,phone,email
    b01,91442000MA4UXXXXXX,中山市甲建设有限公司,张三,442000198001011234,中山市东区…,0760-8888…,a@x.cn

``bidder`` is the folder under bids/, or empty for a company that did not bid
(a holding company named by the relations); ``credit_code`` and ``name`` are
required; ``address``, ``phone``, ``email`` and ``registered_capital`` are optional.

company_relations.csv, one row per company–person or company–company relation::

    company,role,name,id,share
    b01,shareholder,中山市丙投资有限公司,91442000MA4UYYYYYY,60
    91442000MA4UYYYYYY,shareholder,李四,442000197001011234,80
    b01,director,王五,442000198505051234,

``company`` is the company held or served: a bidder id or a credit code;
``role`` one of :data:`ROLE_NAMES` (English or Chinese); ``name`` the person or
company; ``id`` its 身份证号 or credit code (optional); ``share`` the percentage
held, 0–100, for shareholders only.

Validated like signatures.csv: each bad row is an error naming its line and
why, and is left out whole; a file over its row cap, or with a header that
lacks a required column, is not read at all (nothing half-read).
"""

from __future__ import annotations

import re
from typing import Any

from collusion.analysis.companies.model import (
    ADDRESS,
    AGENT,
    AUDITOR,
    BANK,
    CAPITAL,
    CHAIRMAN,
    CREDIT_CODE,
    DIRECTOR,
    EMAIL,
    LEGAL_REP,
    MANAGER,
    NAME,
    ORGANISATION,
    PERSON,
    PHONE,
    REGISTRY,
    SERVICE_ROLES,
    SHAREHOLDER,
    SUPERVISOR,
    Company,
    CompanyFacts,
    Fact,
    Relation,
    Source,
    bidder_key,
    clean_name,
    holder_kind,
    normalize_contact,
    organisation_key,
    person_key,
)
from collusion.analysis.identifier_patterns import is_valid_credit_code, is_valid_resident_id
from collusion.keys import company_name_key
from collusion.models import InputFile, ProjectInput
from collusion.runtime.csvinput import (
    LineErrors,
    csv_reader,
    data_rows,
    header_columns,
    row_problem,
)

COMPANY_COLUMNS = (
    "bidder",
    "credit_code",
    "name",
    "legal_representative",
    "legal_representative_id",
)
COMPANY_OPTIONAL = (ADDRESS, PHONE, EMAIL, CAPITAL)
RELATION_COLUMNS = ("company", "role", "name")
RELATION_OPTIONAL = ("id", "share")

# Role names accepted in company_relations.csv -> the role.
ROLE_NAMES: dict[str, str] = {
    SHAREHOLDER: SHAREHOLDER,
    "股东": SHAREHOLDER,
    "出资人": SHAREHOLDER,
    "发起人": SHAREHOLDER,
    LEGAL_REP: LEGAL_REP,
    "法定代表人": LEGAL_REP,
    CHAIRMAN: CHAIRMAN,
    "董事长": CHAIRMAN,
    "执行董事": DIRECTOR,
    DIRECTOR: DIRECTOR,
    "董事": DIRECTOR,
    "副董事长": DIRECTOR,
    MANAGER: MANAGER,
    "经理": MANAGER,
    "总经理": MANAGER,
    SUPERVISOR: SUPERVISOR,
    "监事": SUPERVISOR,
    "监事会主席": SUPERVISOR,
    AGENT: AGENT,
    "委托代理人": AGENT,
    BANK: BANK,
    "开户银行": BANK,
    AUDITOR: AUDITOR,
    "审计机构": AUDITOR,
}
# Posts only a person holds.
PERSON_ROLES = frozenset({LEGAL_REP, CHAIRMAN, DIRECTOR, MANAGER, SUPERVISOR, AGENT})
SHARE_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*%?\s*$")
PHONE_DIGITS = (7, 15)


def project_registry(project: ProjectInput, max_rows: int) -> CompanyFacts:
    """The project's companies.csv and company_relations.csv, parsed."""
    return read_registry(
        project.companies_csv, project.relations_csv, set(project.bidder_files), max_rows
    )


def read_registry(
    companies: InputFile | None,
    relations: InputFile | None,
    bidders: set[str],
    max_rows: int,
) -> CompanyFacts:
    """The facts of companies.csv and company_relations.csv; problems in ``errors``.

    Args:
        companies: companies.csv as read, or None when there is none.
        relations: company_relations.csv as read, or None.
        bidders: the project's bidder ids (folders under bids/).
        max_rows: a file with more data rows than this is not read at all.
    """
    errors: list[dict[str, Any]] = []
    known: list[Company] = []
    facts: list[Fact] = []
    held: list[Relation] = []
    if companies is not None:
        known, facts, held = _read_companies(companies, bidders, max_rows, errors)
    if relations is not None:
        by_bidder = {c.bidder: c.key for c in known if c.bidder}
        held += _read_relations(relations, bidders, by_bidder, max_rows, errors)
    return CompanyFacts(
        companies=tuple(known), facts=tuple(facts), relations=tuple(held), errors=tuple(errors)
    )


# --- shared ---------------------------------------------------------------------------------


def _rows(
    text: InputFile,
    required: tuple[str, ...],
    max_rows: int,
    errors: list[dict[str, Any]],
) -> tuple[dict[str, int], list[tuple[int, list[str], str]]] | None:
    """The column index and the (line, cells, raw line) of every data row;
    None when the header lacks a column or the file is over the cap."""
    reader = csv_reader(text.data)
    header = next(reader, None)
    if header is None:
        return None
    columns = header_columns(header)
    missing = [c for c in required if c not in columns]
    if missing:
        errors.append(
            {
                "file": text.name,
                "line": 1,
                "error": f"{text.name} 第 1 行表头缺少 {','.join(missing)}，"
                f"应至少包含 {','.join(required)}；整个文件未读取",
            }
        )
        return None
    lines = text.data.decode("utf-8-sig", "replace").splitlines()
    rows: list[tuple[int, list[str], str]] = []
    for line_no, row in data_rows(reader):
        if len(rows) == max_rows:
            errors.append(
                {
                    "file": text.name,
                    "line": line_no,
                    "error": f"{text.name} 超过 {max_rows} 行的上限（max_company_rows），"
                    "整个文件未读取",
                }
            )
            return None
        raw = lines[line_no - 1] if 0 < line_no <= len(lines) else ""
        rows.append((line_no, row, raw.strip()))
    index = {name: columns.index(name) for name in columns if name}
    return {name: index[name] for name in index}, rows


def _cell(row: list[str], index: dict[str, int], name: str) -> str:
    position = index.get(name)
    return row[position].strip() if position is not None and position < len(row) else ""


# --- companies.csv ---------------------------------------------------------------------------


def _read_companies(
    text: InputFile, bidders: set[str], max_rows: int, errors: list[dict[str, Any]]
) -> tuple[list[Company], list[Fact], list[Relation]]:
    read = _rows(text, COMPANY_COLUMNS, max_rows, errors)
    if read is None:
        return [], [], []
    index, rows = read
    problems = LineErrors(text.name, errors)
    companies: list[Company] = []
    facts: list[Fact] = []
    reps: list[Relation] = []
    seen_bidders: dict[str, int] = {}
    seen_codes: dict[str, int] = {}
    for line_no, row, raw in rows:
        values = {name: _cell(row, index, name) for name in COMPANY_COLUMNS + COMPANY_OPTIONAL}
        problem = row_problem(row, max(index.values()) + 1) or _company_problem(
            values, bidders, seen_bidders, seen_codes
        )
        if problem is not None:
            problems.add(line_no, problem)
            continue
        code = values["credit_code"].upper()
        bidder = values["bidder"] or None
        seen_codes[code] = line_no
        if bidder:
            seen_bidders[bidder] = line_no
        source = Source(REGISTRY, text.name, line=line_no, excerpt=raw, bidder=bidder)
        companies.append(Company(code, code, values["name"], bidder))
        facts.append(Fact(code, NAME, values["name"], company_name_key(values["name"]), source))
        facts.append(Fact(code, CREDIT_CODE, code, code, source))
        for name in COMPANY_OPTIONAL:
            if values[name]:
                facts.append(
                    Fact(code, name, values[name], _normalized(name, values[name]), source)
                )
        rep = values["legal_representative"]
        if rep:
            key = person_key(rep, values["legal_representative_id"] or None)
            reps.append(Relation(code, LEGAL_REP, key, PERSON, clean_name(rep), None, source))
    problems.close()
    return companies, facts, reps


def _normalized(name: str, value: str) -> str:
    return clean_name(value) if name == CAPITAL else normalize_contact(name, value)


def _company_problem(
    values: dict[str, str],
    bidders: set[str],
    seen_bidders: dict[str, int],
    seen_codes: dict[str, int],
) -> str | None:
    bidder, code = values["bidder"], values["credit_code"].upper()
    if bidder and bidder not in bidders:
        return f"的投标人 {bidder} 不在 bids/ 中"
    if bidder in seen_bidders:
        return f"的投标人 {bidder} 已在第 {seen_bidders[bidder]} 行出现"
    if not code:
        return "缺少统一社会信用代码 credit_code"
    if not is_valid_credit_code(code):
        return f"的统一社会信用代码 {values['credit_code']} 无效（长度、字符或校验位不符）"
    if code in seen_codes:
        return f"的统一社会信用代码 {code} 已在第 {seen_codes[code]} 行出现"
    if not values["name"]:
        return "缺少企业名称 name"
    rep, rep_id = values["legal_representative"], values["legal_representative_id"]
    if rep_id and not rep:
        return "有法定代表人身份证号但缺少法定代表人姓名"
    if rep_id and not is_valid_resident_id(rep_id):
        return f"的法定代表人身份证号 {rep_id} 无效（长度、出生日期或校验位不符）"
    phone = values[PHONE]
    if phone and not PHONE_DIGITS[0] <= len(re.sub(r"\D", "", phone)) <= PHONE_DIGITS[1]:
        return f"的电话 {phone} 不是电话号码"
    if values[EMAIL] and "@" not in values[EMAIL]:
        return f"的电子邮箱 {values[EMAIL]} 不是电子邮箱地址"
    return None


# --- company_relations.csv ---------------------------------------------------------------------


def _read_relations(
    text: InputFile,
    bidders: set[str],
    by_bidder: dict[str, str],
    max_rows: int,
    errors: list[dict[str, Any]],
) -> list[Relation]:
    read = _rows(text, RELATION_COLUMNS, max_rows, errors)
    if read is None:
        return []
    index, rows = read
    problems = LineErrors(text.name, errors)
    relations: list[Relation] = []
    seen: dict[tuple[str, str, str], int] = {}
    for line_no, row, raw in rows:
        values = {name: _cell(row, index, name) for name in RELATION_COLUMNS + RELATION_OPTIONAL}
        problem = row_problem(row, max(index.values()) + 1) or _relation_problem(values, bidders)
        if problem is not None:
            problems.add(line_no, problem)
            continue
        company = values["company"]
        bidder = company if company in bidders else None
        company = by_bidder.get(company, bidder_key(company)) if bidder else company.upper()
        role = ROLE_NAMES[role_key(values["role"])]
        kind = ORGANISATION if role in SERVICE_ROLES else holder_kind(values["name"], values["id"])
        key = (
            person_key(values["name"], values["id"])
            if kind == PERSON
            else organisation_key(values["name"], values["id"])
        )
        if (company, role, key) in seen:
            problems.add(line_no, f"与第 {seen[(company, role, key)]} 行重复")
            continue
        seen[(company, role, key)] = line_no
        share = _share(values["share"])
        name = clean_name(values["name"]) if kind == PERSON else values["name"]
        source = Source(REGISTRY, text.name, line=line_no, excerpt=raw, bidder=bidder)
        relations.append(Relation(company, role, key, kind, name, share, source))
    problems.close()
    return relations


def _relation_problem(values: dict[str, str], bidders: set[str]) -> str | None:
    company, role, name = values["company"], values["role"], values["name"]
    identifier, share = values["id"], values["share"]
    if not company:
        return "缺少企业 company（投标人文件夹名或统一社会信用代码）"
    if company not in bidders and not is_valid_credit_code(company):
        return f"的企业 {company} 既不是 bids/ 中的投标人，也不是有效的统一社会信用代码"
    canonical = ROLE_NAMES.get(role_key(role))
    if canonical is None:
        return f"的角色 {role} 无法识别（可用：{'、'.join(sorted(set(ROLE_NAMES.values())))}）"
    if not name:
        return "缺少姓名或名称 name"
    if identifier and not (is_valid_resident_id(identifier) or is_valid_credit_code(identifier)):
        return f"的证件号 {identifier} 既不是有效的身份证号，也不是有效的统一社会信用代码"
    is_holder = canonical == SHAREHOLDER
    if is_holder and not share:
        return "是股东但缺少持股比例 share"
    if share and not is_holder:
        return f"不是股东（{role}），不应填写持股比例 share"
    if share:
        percent = _share(share)
        if percent is None or not 0 < percent <= 100:
            return f"的持股比例 {share} 应为 0 到 100 之间的百分数"
    if canonical in PERSON_ROLES and holder_kind(name, identifier) == ORGANISATION:
        return f"的 {role} 是单位（{name}），该职务只能由个人担任"
    return None


def _share(text: str) -> float | None:
    """A percentage as written (60, 60%, 60.5 %), or None."""
    match = SHARE_RE.match(text)
    return float(match.group(1)) if match else None


def role_key(text: str) -> str:
    """A role as written, as looked up in ROLE_NAMES (English in lower case)."""
    text = text.strip()
    return text.lower() if text.isascii() else text
