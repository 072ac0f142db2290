"""Company facts as plain data: companies, their facts, people and holdings, and
where each was read (a page of a bid, a line of a registry file, an earlier
project's record).

Keys compare things across sources: a company is its 统一社会信用代码, else
``bidder:<bidder id>``; a person is the 身份证号, else ``name:<name>``; a
holder that is a company is its credit code, else ``name:<name>``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from collusion.analysis.identifier_patterns import is_valid_credit_code, is_valid_resident_id
from collusion.keys import company_name_key, width_folded

# Where a fact was read.
BID = "bid"  # a page of a bid file
REGISTRY = "registry"  # a line of companies.csv or company_relations.csv
PROJECT = "project"  # project.json (a bidder's name)

# Company fields (Fact.field).
NAME = "name"
CREDIT_CODE = "credit_code"
ADDRESS = "address"
PHONE = "phone"
EMAIL = "email"
CAPITAL = "registered_capital"
CONTACT_FIELDS = (ADDRESS, PHONE, EMAIL)

# Relation roles: what the holder is to the company.
SHAREHOLDER = "shareholder"
LEGAL_REP = "legal_representative"
CHAIRMAN = "chairman"
DIRECTOR = "director"
MANAGER = "manager"
SUPERVISOR = "supervisor"
AGENT = "agent"  # 委托代理人 of a bid: shared_identifier's business, kept for the history
BANK = "bank"  # 开户银行: serves many companies, never a link
AUDITOR = "auditor"  # 审计机构: serves many companies, never a link
# Posts that direct or manage a company (公司法: the legal representative is the
# chairman, the executive director or the manager).
MANAGEMENT_ROLES = frozenset({LEGAL_REP, CHAIRMAN, DIRECTOR, MANAGER})
ROLES = (SHAREHOLDER, LEGAL_REP, CHAIRMAN, DIRECTOR, MANAGER, SUPERVISOR, AGENT, BANK, AUDITOR)
# Roles that never link two companies: they serve many clients.
SERVICE_ROLES = frozenset({BANK, AUDITOR})

PERSON = "person"
ORGANISATION = "company"

# A holder without an id is a company when its name ends like one.
ORGANISATION_NAME_RE = re.compile(
    r"(公司|企业|集团|合伙|中心|委员会|局|厅|部|基金|银行|分行|支行|事务所|研究院|设计院|合作社|"
    r"有限合伙\)|协会|学校|医院|大学|办公室|政府)$"
)

BIDDER_PREFIX = "bidder:"
NAME_PREFIX = "name:"


@dataclass(frozen=True)
class Source:
    """Where one fact was read, for the regulator to check.

    A bid: ``file`` (project-relative) and ``page``, with the text as
    ``excerpt``. A registry file: ``file`` (companies.csv or
    company_relations.csv), ``line`` (1-based) and the row as written.
    ``project`` names another project when the fact was recalled from the
    history, ``file``/``page``/``line`` then being that project's.
    """

    kind: str  # bid | registry | project
    file: str | None
    page: int | None = None
    line: int | None = None
    excerpt: str | None = None
    bidder: str | None = None  # the bid it was read from
    project: str | None = None  # set when recalled from another project
    section: str | None = None  # the heading the bid's text is under
    paragraph: int | None = None  # the block's index in its file (Block.index)

    def recalled(self, project: str) -> Source:
        return replace(self, project=project)


@dataclass(frozen=True)
class Company:
    key: str
    credit_code: str | None
    name: str | None
    bidder: str | None  # the project's bidder this company is, or None


@dataclass(frozen=True)
class Fact:
    """A company's name, code, address, phone, e-mail or registered capital."""

    company: str  # Company.key
    field: str
    value: str  # as written
    normalized: str  # as compared
    source: Source


@dataclass(frozen=True)
class Relation:
    """A person or company holding a share of, or a post in, a company."""

    company: str  # Company.key of the company held or served
    role: str
    holder: str  # person or company key
    holder_kind: str  # person | company
    holder_name: str
    share: float | None  # percent, for shareholders
    source: Source


@dataclass(frozen=True)
class CompanyFacts:
    """Every company fact a scan knows: from the bids, the registry and the history."""

    companies: tuple[Company, ...] = ()
    facts: tuple[Fact, ...] = ()
    relations: tuple[Relation, ...] = ()
    errors: tuple[dict, ...] = field(default=(), compare=False)
    # entity key (a holder, or "<field>:<normalized>" of a contact) -> how many
    # companies OTHER projects of the history tied to it
    seen_elsewhere: dict[str, int] = field(default_factory=dict, compare=False)

    def bidder_company(self, bidder: str) -> Company | None:
        return next((c for c in self.companies if c.bidder == bidder), None)

    @property
    def empty(self) -> bool:
        return not (self.companies or self.facts or self.relations)


# --- keys -------------------------------------------------------------------------------


def clean_name(name: str) -> str:
    """A name as compared: width folded, spaces removed."""
    return re.sub(r"\s+", "", width_folded(name))


def person_key(name: str, resident_id: str | None) -> str:
    """The 身份证号 when valid, else ``name:<name>``."""
    if resident_id and is_valid_resident_id(resident_id.strip()):
        return resident_id.strip().upper()
    return NAME_PREFIX + clean_name(name)


def organisation_key(name: str, credit_code: str | None) -> str:
    """The 统一社会信用代码 when valid, else ``name:<normalized name>``."""
    if credit_code and is_valid_credit_code(credit_code.strip()):
        return credit_code.strip().upper()
    return NAME_PREFIX + company_name_key(name)


def bidder_key(bidder: str) -> str:
    return BIDDER_PREFIX + bidder


def is_name_key(key: str) -> bool:
    return key.startswith(NAME_PREFIX)


def normalize_contact(field_name: str, value: str) -> str:
    """An address, phone or e-mail as compared: width folded, no spaces or
    separators, lower case; a phone keeps its digits only."""
    text = clean_name(value)
    if field_name == PHONE:
        digits = re.sub(r"\D", "", text)
        return digits[2:] if digits.startswith("86") and len(digits) == 13 else digits
    if field_name == EMAIL:
        return text.lower()
    return re.sub(r"[()（）,，.。、\-—]", "", text)


def holder_kind(name: str, identifier: str) -> str:
    """person or company: by the id when it is one, else by how the name ends."""
    identifier = identifier.strip()
    if identifier and is_valid_resident_id(identifier):
        return PERSON
    if identifier and is_valid_credit_code(identifier):
        return ORGANISATION
    return ORGANISATION if ORGANISATION_NAME_RE.search(company_name_key(name)) else PERSON
