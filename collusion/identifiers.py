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
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import date

from collusion.folding import visible_with_offsets
from collusion.models import Block, ExtractedFile, Section

# --- kinds -------------------------------------------------------------------

PERSON = "person"
BUILDER_CERT = "builder_cert"  # 注册建造师注册编号
SAFETY_CERT = "safety_cert"  # 安全生产考核合格证书编号
RESIDENT_ID = "resident_id"  # 身份证号
MOBILE = "mobile"
LANDLINE = "landline"
EMAIL = "email"
BANK_ACCOUNT = "bank_account"
CREDIT_CODE = "credit_code"  # 统一社会信用代码

# Identifiers that belong to exactly one person: sharing one is strong evidence.
PERSONAL_NUMBER_KINDS = (BUILDER_CERT, SAFETY_CERT, RESIDENT_ID)

# --- roles ---------------------------------------------------------------------

# Role words as written in bids -> the role they name. Longer words are tried
# first, so 项目技术负责人 is not read as 项目负责人 + 技术.
ROLE_ALIASES: dict[str, str] = {
    "项目经理": "项目经理",
    "项目负责人": "项目经理",  # the construction term for the same post
    "项目技术负责人": "技术负责人",
    "技术负责人": "技术负责人",
    "专职安全生产管理人员": "安全员",
    "专职安全员": "安全员",
    "安全员": "安全员",
    "施工员": "施工员",
    "质检员": "质检员",
    "质量员": "质检员",
    "材料员": "材料员",
    "资料员": "资料员",
    "造价员": "造价员",
    "预算员": "造价员",
    "机械员": "机械员",
    "劳务员": "劳务员",
    "标准员": "标准员",
    "委托代理人": "委托代理人",
    "授权委托人": "委托代理人",
    "授权代理人": "委托代理人",
    "被授权人": "委托代理人",
    "代理人": "委托代理人",
    "法定代表人或其委托代理人": "法定代表人或委托代理人",  # a signature line: either may sign
    "法定代表人或委托代理人": "法定代表人或委托代理人",
    "法定代表人": "法定代表人",
    "法人代表": "法定代表人",
    "联系人": "联系人",
}
# Roles on the project management team (article 40 item 三); the others
# handle the bid itself (item 二).
TEAM_ROLES = frozenset(
    {"项目经理", "技术负责人", "安全员", "施工员", "质检员", "材料员", "资料员",
     "造价员", "机械员", "劳务员", "标准员"}
)
AGENT_ROLES = frozenset({"委托代理人", "法定代表人", "法定代表人或委托代理人", "联系人"})

# Words of the tender's forms that sit where a name goes but are not names.
TEMPLATE_WORDS = frozenset(
    {"建造师", "代理人", "姓名", "名称", "本人", "我方", "签字", "签名", "盖章", "印章",
     "职务", "职称", "性别", "年龄", "身份证", "电话", "手机", "待定", "暂定", "见附件",
     "无", "同上", "负责人", "经理", "项目经理", "技术负责人", "安全员", "施工员",
     "质检员", "委托代理人", "法定代表人", "联系人", "投标人", "单位", "公司", "地址",
     "工程师", "高级工程师", "助理工程师", "注册", "编号", "证书", "全权代表", "被授权人",
     # Words that start with a surname character and follow role words in bids.
     "施工", "安全", "管理", "项目", "全面", "全部", "方案", "高级", "包括", "常务", "常驻",
     "江苏", "安排", "齐全", "任职", "于此", "程序", "严格", "明确", "申请", "向我方"}
)
# Characters that never occur in a personal name but do in the words around one.
_NOT_IN_NAMES = set("的了和与及或为是在由对于从把被将其该本我你他她们此各等证号码师员人")

# Common Chinese surnames (the top of the 百家姓 frequency lists): a name must
# start with one, which keeps 工程, 负责 and the like out.
_COMPOUND_SURNAMES = ("欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙",
                      "慕容", "令狐", "宇文", "长孙", "夏侯", "端木", "独孤", "南宫")
_SURNAMES = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
    "于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江"
    "尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐"
    "易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕"
    "单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆"
    "农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟"
    "邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝"
)

# --- number patterns -------------------------------------------------------------

_PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"

_RESIDENT_ID_RE = re.compile(r"(?<![0-9A-Za-z])[1-9]\d{16}[0-9Xx](?![0-9A-Za-z])")
_CREDIT_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_CODE_RE = re.compile(
    r"(?<![0-9A-Za-z])[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}(?![0-9A-Za-z])",
    re.IGNORECASE,
)
_BUILDER_CERT_RE = re.compile(rf"(?<![0-9A-Za-z])[{_PROVINCES}][12]\d{{10,15}}(?![0-9])")
_SAFETY_CERT_RE = re.compile(
    rf"([{_PROVINCES}])?\s*(建安|水安)\s*([ABCabc])\s*[(（]\s*(\d{{4}})\s*[)）]\s*(\d{{4,8}})"
    r"(?![0-9])"
)
_MOBILE_RE = re.compile(r"(?<![0-9])(?:\+?86[- ]?)?(1[3-9]\d)[- ]?(\d{4})[- ]?(\d{4})(?![0-9])")
_LANDLINE_RE = re.compile(
    r"(?<![0-9])(?:[(（]\s*(0\d{2,3})\s*[)）]|(0\d{2,3})\s*[-－—–]|(0\d{2,3}))\s*"
    r"([2-9]\d{2,3}[- ]?\d{4})(?:\s*(?:-|转)\s*(\d{1,5}))?(?![0-9])"
)
_PHONE_LABEL_RE = re.compile(r"(电话|传真|Tel|TEL|tel|联系方式|座机|办公室)[^0-9\n]{0,6}$")
# Bounded as RFC 5321 bounds them (64-character local part, 63-character
# labels): unbounded repeats scan quadratically over long runs of letters.
_EMAIL_RE = re.compile(
    r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9][A-Za-z0-9._%+-]{0,63}@"
    r"[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){0,8}\.[A-Za-z]{2,24}(?![A-Za-z0-9-])"
)
# A run of digits, spaces and hyphens; its grouping is checked in Python, as a
# nested-quantifier pattern backtracks exponentially on a long digit string.
_ACCOUNT_RE = re.compile(r"(?<![0-9])\d[\d -]*\d(?![0-9])")
ACCOUNT_GROUPS = (2, 7, 9)  # digits per group (least, most), groups at most
_ACCOUNT_LABEL_RE = re.compile(r"(账号|帐号|账户|帐户|卡号|户号)[^0-9\n]{0,8}$")  # just before
_BANK_NAME = (r"[\u4e00-\u9fa5]{2,24}?(?:银行|信用社|信用合作联社|农商行)(?:股份有限公司)?"
              r"(?:[\u4e00-\u9fa5]{1,16}?(?:支行|分行|分理处|营业部))?")
# 开户银行：中国工商银行杭州西湖支行; without the label, the words before the
# bank's name (保证金开户) are cut at the last label word.
_BANK_LABELLED_RE = re.compile(rf"(?:开户银行|开户行|开户网点|银行名称)\s*[:：]?\s*({_BANK_NAME})")
_BANK_RE = re.compile(_BANK_NAME)
_BANK_PREFIX_RE = re.compile(r"^(?:.*(?:开户|账户|帐户|缴纳|转出|汇入|汇款|名称|保证金))?[从由在向经自于]*")
ACCOUNT_DIGITS = (10, 30)
_DEPOSIT_WORDS = ("保证金", "保函")
CONTEXT_BLOCKS = 2  # blocks before an account searched for 保证金, with its heading

# Priority when two patterns claim the same characters; a label just before
# the number decides first (see _label_kind).
_KIND_PRIORITY = (SAFETY_CERT, BUILDER_CERT, RESIDENT_ID, CREDIT_CODE, BANK_ACCOUNT, EMAIL,
                  MOBILE, LANDLINE)
_LABELS = (
    (_ACCOUNT_LABEL_RE, BANK_ACCOUNT),
    (re.compile(r"(身份证|证件号|公民身份号码)[^0-9\n]{0,8}$"), RESIDENT_ID),
    (re.compile(r"(信用代码|社会信用|组织机构代码)[^0-9A-Z\n]{0,8}$"), CREDIT_CODE),
)
_LABEL_WINDOW = 16  # characters before a number searched for its label
_DIGIT_OR_AT_RE = re.compile(r"[0-9@]")
_LONG_NUMBER_RE = re.compile(r"\d{6}|\d{3}[- ]\d{4}")

# --- people patterns ----------------------------------------------------------------

_ROLE_ALT = "|".join(sorted(map(re.escape, ROLE_ALIASES), key=len, reverse=True))
_ROLE_RE = re.compile(_ROLE_ALT)  # alternation longest first: 项目技术负责人 before 项目负责人
_CJK = r"\u4e00-\u9fa5"
# 项目经理：张三 / 项目经理姓名：张三 / 拟派项目经理为张三 / 项目经理 张三
_ROLE_THEN_NAME_RE = re.compile(
    rf"({_ROLE_ALT})(?:姓名|名称)?\s*(?:[:：]|为|是|\s)\s*(?:姓名\s*[:：]\s*)?([{_CJK}·]{{2,5}})"
)
# 本人王五（姓名）系……的法定代表人 / 现委托李四（姓名）为我方代理人
_NAME_MARKED_RE = re.compile(rf"([{_CJK}·]{{2,6}})\s*[(（]\s*姓名\s*[)）]")
_NAME_LABEL_RE = re.compile(rf"姓\s*名\s*[:：]\s*([{_CJK}·]{{2,5}})")
# Words that may follow a name directly and end it.
_AFTER_NAME = ("身份证", "证件", "证书", "注册", "职称", "职务", "联系", "电话", "手机", "性别",
               "同志", "先生", "女士", "男", "女", "担任", "负责", "系", "的", "为", "在", "现",
               "年龄", "出生", "学历", "工作", "执业", "岗位", "编号", "签字", "签名", "盖章",
               "等", "及", "和", "任", "持", "有", "具", "（", "(")
_ROLE_WINDOW = 40  # characters after a （姓名） marker searched for the role


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


# Contacts introduced as a third party's: the tenderer, its agency, the trading
# center, the supervising department. A phone, e-mail or account written after
# one of these (nearer than any word naming the bidder) is that body's, not a
# bidder's identifier, wherever it is written.
THIRD_PARTY_WORDS = (
    "招标人", "招标单位", "采购人", "采购单位", "建设单位", "业主", "发包人",
    "招标代理机构", "招标代理", "采购代理机构", "代理机构", "代理公司",
    "公共资源交易中心", "交易中心", "交易平台", "交易服务中心",
    "监督部门", "监督机构", "监督管理部门", "监管部门", "行政监督", "投诉受理", "纪检",
)
BIDDER_WORDS = ("投标人", "投标单位", "供应商", "我公司", "我单位", "本公司", "我方", "项目经理",
                "委托代理人", "法定代表人", "联系人")
CONTACT_KINDS = frozenset({"mobile", "landline", "email", "bank_account"})
_CLAUSE_END_RE = re.compile(r"[。；;！？!?\n]")
OWNER_WINDOW = 60  # characters before a contact searched for whose it is
_OWNER_RE = re.compile("|".join(sorted(map(re.escape, THIRD_PARTY_WORDS + BIDDER_WORDS),
                                       key=len, reverse=True)))


def contact_owner(text: str, start: int) -> str | None:
    """The third party a contact at ``text[start:]`` is introduced as, or None.

    Looks back to the start of its sentence (at most OWNER_WINDOW characters)
    for the last word naming a party: a third party's word makes the contact
    that party's; a word naming the bidder, or none, leaves it the bidder's.
    """
    before = text[max(0, start - OWNER_WINDOW):start]
    ends = list(_CLAUSE_END_RE.finditer(before))
    if ends:
        before = before[ends[-1].end():]
    words = _OWNER_RE.findall(before)
    if not words or words[-1] in BIDDER_WORDS:
        return None
    return words[-1]


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


def fold_width(text: str) -> str:
    """Full-width ASCII and the ideographic space to half-width, keeping every offset.

    NFKC would do more but can change the length of the text, and offsets are
    needed for excerpts.
    """
    return text.translate(_WIDTH_TABLE) if _WIDE_RE.search(text) else text


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
        return text[start:start + limit]  # the match alone fills the excerpt
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


# --- checksums -----------------------------------------------------------------------------

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def resident_id_check_char(first17: str) -> str:
    """GB 11643 check character (ISO 7064 MOD 11-2) for the first 17 digits."""
    total = sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def is_valid_resident_id(number: str) -> bool:
    """An 18-character 身份证号 with a real birth date and the right check character."""
    number = number.upper()
    if len(number) != 18 or not number[:17].isdigit() or number[0] == "0":
        return False
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return False
    if not 1900 <= born.year <= 2100:
        return False
    return resident_id_check_char(number[:17]) == number[17]


def credit_code_check_char(first17: str) -> str:
    """GB 32100 check character (MOD 31) for the first 17 characters."""
    total = sum(_CREDIT_ALPHABET.index(c) * w
                for c, w in zip(first17, _CREDIT_WEIGHTS, strict=True))
    return _CREDIT_ALPHABET[(31 - total % 31) % 31]


def is_valid_credit_code(code: str) -> bool:
    """An 18-character 统一社会信用代码 with the right check character."""
    code = code.upper()
    if len(code) != 18 or any(c not in _CREDIT_ALPHABET for c in code):
        return False
    if not code[2:8].isdigit():
        return False
    return credit_code_check_char(code[:17]) == code[17]


# --- numbers -----------------------------------------------------------------------------------


def _label_kind(text: str, start: int) -> str | None:
    before = text[max(start - _LABEL_WINDOW, 0):start]
    for pattern, kind in _LABELS:
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
    for m in _SAFETY_CERT_RE.finditer(text) if ("建安" in text or "水安" in text) else ():
        province, kind_word, grade, year, serial = m.groups()
        value = f"{province or ''}{kind_word}{grade.upper()}({year}){serial}"
        yield _Match(SAFETY_CERT, value, m.group(0), m.start(), m.end())
    if "@" in text:
        for m in _EMAIL_RE.finditer(text):
            yield _Match(EMAIL, m.group(0).lower(), m.group(0), m.start(), m.end())
    if not _LONG_NUMBER_RE.search(text):
        return  # every other pattern holds six digits in a row, or a phone's split groups
    for m in _BUILDER_CERT_RE.finditer(text):
        yield _Match(BUILDER_CERT, m.group(0), m.group(0), m.start(), m.end())
    for m in _RESIDENT_ID_RE.finditer(text):
        if is_valid_resident_id(m.group(0)):
            value = m.group(0).upper()
            yield _Match(RESIDENT_ID, value, m.group(0), m.start(), m.end())
    for m in _CREDIT_CODE_RE.finditer(text):
        if is_valid_credit_code(m.group(0)):
            yield _Match(CREDIT_CODE, m.group(0).upper(), m.group(0), m.start(), m.end())
    for m in _MOBILE_RE.finditer(text):
        yield _Match(MOBILE, "".join(m.groups()), m.group(0), m.start(), m.end())
    for m in _LANDLINE_RE.finditer(text):
        bracketed, dashed, bare, number, extension = m.groups()
        if bare and not _PHONE_LABEL_RE.search(text[max(m.start() - _LABEL_WINDOW, 0):m.start()]):
            continue  # a bare 0xxx digit run is too often a date or an amount
        value = landline_value(_digits((bracketed or dashed or bare) + number), extension)
        yield _Match(LANDLINE, value, m.group(0).strip(), m.start(), m.end())
    for m in _ACCOUNT_RE.finditer(text):
        if not _is_account_shape(m.group(0)):
            continue
        labelled = _ACCOUNT_LABEL_RE.search(text[max(m.start() - _LABEL_WINDOW, 0):m.start()])
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
    text = fold_width(text)
    if not _DIGIT_OR_AT_RE.search(text):
        return []  # every pattern needs a digit, or an @ for e-mail
    candidates = list(_number_candidates(text))

    def rank(match: _Match) -> tuple[int, int, int]:
        labelled = _label_kind(text, match.start) == match.kind
        return (0 if labelled else 1, _KIND_PRIORITY.index(match.kind), match.start)

    chosen: list[_Match] = []
    for match in sorted(candidates, key=rank):
        if all(match.end <= c.start or match.start >= c.end for c in chosen):
            chosen.append(match)
    return sorted(chosen, key=lambda m: (m.start, m.kind))


# --- people ------------------------------------------------------------------------------------


def canonical_role(text: str) -> str | None:
    """The first role `text` names (项目负责人 -> 项目经理), or None."""
    m = _ROLE_RE.search(re.sub(r"\s+", "", fold_width(text)))
    return ROLE_ALIASES[m.group(0)] if m else None


def is_plausible_name(name: str) -> bool:
    """2-4 Chinese characters (or a 复姓 and up to 3 more) starting with a common surname."""
    name = name.replace("·", "")
    if name in TEMPLATE_WORDS or not 2 <= len(name) <= 5:
        return False
    if not re.fullmatch(f"[{_CJK}]+", name):
        return False
    if any(c in _NOT_IN_NAMES for c in name):
        return False
    if name.startswith(_COMPOUND_SURNAMES):
        return len(name) <= 5
    return name[0] in _SURNAMES and len(name) <= 4


def _name_at_start(run: str, rest: str) -> str | None:
    """The name at the start of `run`, ended where the following text allows."""
    for length in range(2, len(run) + 1):
        candidate = run[:length]
        after = run[length:] + rest
        ends_here = not after or not re.match(f"[{_CJK}]", after) or after.startswith(_AFTER_NAME)
        if ends_here and is_plausible_name(candidate):
            return candidate
    return None


def _name_at_end(run: str) -> str | None:
    """The name ending `run` (本人王五 -> 王五), a 复姓 first, then 3, then 2 characters."""
    for length in (5, 4, 3, 2):
        candidate = run[-length:]
        if len(candidate) == length and candidate.startswith(_COMPOUND_SURNAMES) \
                and is_plausible_name(candidate):
            return candidate
    for length in (3, 2):
        candidate = run[-length:]
        if len(candidate) == length and is_plausible_name(candidate):
            return candidate
    return None


def find_people(text: str) -> list[tuple[str, str, int, int]]:
    """(name, role, start, end) of people named with a role in running text."""
    text = fold_width(text)
    people: list[tuple[str, str, int, int]] = []
    if "姓名" not in text and not _ROLE_RE.search(text):
        return people  # every pattern below needs a role word or a 姓名 label
    for m in _ROLE_THEN_NAME_RE.finditer(text):
        name = _name_at_start(m.group(2), text[m.end():])
        if name:
            start = m.start(2)
            people.append((name, ROLE_ALIASES[m.group(1)], start, start + len(name)))
    for m in _NAME_MARKED_RE.finditer(text) if "姓名" in text else ():
        name = _name_at_end(m.group(1))
        role = canonical_role(text[m.end():m.end() + _ROLE_WINDOW])
        if name and role:
            start = m.end(1) - len(name)
            people.append((name, role, start, start + len(name)))
    for m in _NAME_LABEL_RE.finditer(text):
        name = _name_at_start(m.group(1), text[m.end():])
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
    clean = [re.sub(r"\s+", "", fold_width(c)) for c in cells]
    name_col = next((i for i, c in enumerate(clean) if _NAME_HEADER_RE.match(c)), None)
    role_col = next((i for i, c in enumerate(clean)
                     if _ROLE_HEADER_RE.search(c) and i != name_col), None)
    if name_col is None or role_col is None:
        return None
    return StaffHeader(name=name_col, role=role_col)


def _clean_cell(cell: str) -> str:
    return re.sub(r"\s+", "", fold_width(cell)).rstrip(":")


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
        for value in clean[i + 1:]:
            if value in ROLE_ALIASES:
                break
            if is_plausible_name(value):
                people.append((value, ROLE_ALIASES[label]))
                break
    return people


# --- blocks ---------------------------------------------------------------------------------------


def _linked_numbers(numbers: list[_Match], start: int, end: int) -> tuple[tuple[str, str], ...]:
    return tuple(sorted({(m.kind, m.value) for m in numbers
                         if m.kind in PERSONAL_NUMBER_KINDS and start <= m.start < end}))


def bank_name(text: str) -> str | None:
    """The bank named in `text` (中国工商银行杭州西湖支行), or None."""
    labelled = _BANK_LABELLED_RE.search(text)
    if labelled:
        return labelled.group(1)
    m = _BANK_RE.search(text)
    if m is None:
        return None
    name = _BANK_PREFIX_RE.sub("", m.group(0))
    return name if len(name) >= 2 and _BANK_RE.search(name) else None


def find_in_block(block: Block, excerpt_chars: int, header: StaffHeader | None = None,
                  context: str = "") -> list[Found]:
    """Every identifier in one block; people carry the numbers named with them.

    `context` is the text around the block (its heading, the blocks before it),
    searched for the bank of an account written on the line after it, and for
    保证金 to tell a deposit account from any other account.
    """
    original = block_text(block)
    # Searched as a reader sees it (invisible characters removed, confusable
    # letters and traditional characters folded); excerpts quote the original.
    text, where = visible_with_offsets(fold_width(original))
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
        people = [(name, role, start, spans[i + 1][2] if i + 1 < len(spans) else len(text))
                  for i, (name, role, start, _end) in enumerate(spans)]
    for name, role, start, end in people:
        pos = text.find(name, start)
        found.append(Found(PERSON, name, name, role, block.page, block.index,
                           quote(pos, pos + len(name)),
                           linked=_linked_numbers(numbers, start, end), story=block.story))
    has_account = any(m.kind == BANK_ACCOUNT for m in numbers)
    # Forms often put 开户银行 and 账号 on consecutive lines.
    bank = (bank_name(text) or bank_name(fold_width(context))) if has_account else None
    deposit = has_account and any(word in text or word in context for word in _DEPOSIT_WORDS)
    for m in numbers:
        if m.kind == BANK_ACCOUNT and bank is None:
            continue  # an account without a bank named nearby is too often something else
        # The person it was written with, else a role in its label
        # (委托代理人身份证号码：…).
        role = next((p[1] for p in people if p[2] <= m.start < p[3]), None) \
            or canonical_role(text[max(m.start - _LABEL_WINDOW, 0):m.start])
        found.append(Found(
            m.kind, m.value, m.raw, role, block.page, block.index,
            quote(m.start, m.end),
            bank=bank if m.kind == BANK_ACCOUNT else None,
            deposit=deposit if m.kind == BANK_ACCOUNT else False,
            story=block.story,
            owner=contact_owner(text, m.start) if m.kind in CONTACT_KINDS else None,
        ))
    return found


def find_in_blocks(blocks: Iterable[Block], excerpt_chars: int) -> list[Found]:
    """Every identifier in a file's blocks, reading staff-table headers as it goes.

    A person named alone on a line takes the certificate and ID numbers of the
    line right after it when that line names no one (委托代理人：李四 /
    身份证号码：…), unless the numbers' label names another role.
    """
    found: list[Found] = []
    header: StaffHeader | None = None
    heading = ""
    recent: list[str] = []  # the texts of the blocks just before this one
    waiting: int | None = None  # position in `found` of a person still without numbers
    for block in blocks:
        context = heading + "".join(recent)
        if block.heading_level is not None or block.kind == "heading":
            heading = block.text
        recent = (recent + [block.text])[-CONTEXT_BLOCKS:]
        if not block.cells:
            header = None  # a table's header governs only its own rows
            here = find_in_block(block, excerpt_chars, context=context)
        elif (row_header := staff_header(block.cells)) is not None:
            header = row_header
            here = [f for f in find_in_block(block, excerpt_chars, context=context)
                    if f.kind != PERSON]
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


def _link_to_previous(found: list[Found], waiting: int, here: list[Found]) -> list[Found]:
    """Give the person at `found[waiting]` the personal numbers of this line."""
    person = found[waiting]
    numbers = [f for f in here if f.kind in PERSONAL_NUMBER_KINDS
               and f.role in (None, person.role)]
    if not numbers:
        return here
    found[waiting] = replace(person, linked=tuple(sorted({(f.kind, f.value) for f in numbers})))
    return [replace(f, role=person.role) if f in numbers else f for f in here]


def find_in_file(file: ExtractedFile, excerpt_chars: int) -> list[Found]:
    return find_in_blocks(file.blocks, excerpt_chars)


# --- companies -------------------------------------------------------------------------------------

_COMPANY_SUFFIX = r"(?:有限责任公司|股份有限公司|有限公司|集团公司|公司|设计院|研究院|事务所|工程局)"
_DECLARED_LABEL_RE = re.compile("投标人|投标单位|供应商")
_DECLARED_BIDDER_RE = re.compile(
    rf"(?:投标人|投标单位|供应商|投标人名称)\s*(?:名称)?\s*[:：]\s*"
    rf"([{_CJK}()（）]{{2,40}}?{_COMPANY_SUFFIX})"
)


def normalize_company(name: str) -> str:
    """A company name as compared: width folded, spaces removed, ASCII brackets."""
    name = re.sub(r"\s+", "", fold_width(name))
    return name.replace("（", "(").replace("）", ")")


def declared_bidder_names(blocks: Iterable[Block]) -> Counter[str]:
    """How often each company is written after 投标人：/投标单位： in these blocks."""
    counts: Counter[str] = Counter()
    for block in blocks:
        text = block_text(block)
        if not _DECLARED_LABEL_RE.search(text):
            continue  # most blocks: skip the folding
        for m in _DECLARED_BIDDER_RE.finditer(fold_width(text)):
            counts[normalize_company(m.group(1))] += 1
    return counts


def may_hold_credit_code(text: str) -> bool:
    """A cheap test on raw text before the full search: 18 letters or digits in a row."""
    return _CODE_SHAPE_RE.search(text) is not None


_CODE_SHAPE_RE = re.compile("[0-9A-Za-z\uff10-\uff19\uff21-\uff3a\uff41-\uff5a]{18}")


def credit_codes(blocks: Iterable[Block]) -> Counter[str]:
    """How often each valid 统一社会信用代码 occurs in these blocks."""
    counts: Counter[str] = Counter()
    for block in blocks:
        counts.update(m.value for m in find_numbers(block_text(block)) if m.kind == CREDIT_CODE)
    return counts


# --- walking a scan ------------------------------------------------------------------------------


def section_titles(sections: dict[str, tuple[Section, ...]]) -> dict[tuple[str, str, int], str]:
    """(bidder, file, block index) -> the title of the section holding that block."""
    titles: dict[tuple[str, str, int], str] = {}
    for bidder, bidder_sections in sections.items():
        for section in bidder_sections:
            for block in section.blocks:
                titles.setdefault((bidder, section.file, block.index), section.title)
    return titles
