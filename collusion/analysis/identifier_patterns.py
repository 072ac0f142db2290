"""What identifiers look like in bid documents: their kinds, the role words
and names around people, the patterns of each number, contact owners, and the
check characters of 身份证号 and 统一社会信用代码. The formats and why each is
trusted are listed in :mod:`collusion.analysis.identifiers`, which reads them from text.
"""

from __future__ import annotations

import re
from datetime import date

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
    {
        "项目经理",
        "技术负责人",
        "安全员",
        "施工员",
        "质检员",
        "材料员",
        "资料员",
        "造价员",
        "机械员",
        "劳务员",
        "标准员",
    }
)
AGENT_ROLES = frozenset({"委托代理人", "法定代表人", "法定代表人或委托代理人", "联系人"})

# Words of the tender's forms that sit where a name goes but are not names.
TEMPLATE_WORDS = frozenset(
    {
        "建造师",
        "代理人",
        "姓名",
        "名称",
        "本人",
        "我方",
        "签字",
        "签名",
        "盖章",
        "印章",
        "职务",
        "职称",
        "性别",
        "年龄",
        "身份证",
        "电话",
        "手机",
        "待定",
        "暂定",
        "见附件",
        "无",
        "同上",
        "负责人",
        "经理",
        "项目经理",
        "技术负责人",
        "安全员",
        "施工员",
        "质检员",
        "委托代理人",
        "法定代表人",
        "联系人",
        "投标人",
        "单位",
        "公司",
        "地址",
        "工程师",
        "高级工程师",
        "助理工程师",
        "注册",
        "编号",
        "证书",
        "全权代表",
        "被授权人",
        # Words that start with a surname character and follow role words in bids.
        "施工",
        "安全",
        "管理",
        "项目",
        "全面",
        "全部",
        "方案",
        "高级",
        "包括",
        "常务",
        "常驻",
        "江苏",
        "安排",
        "齐全",
        "任职",
        "于此",
        "程序",
        "严格",
        "明确",
        "申请",
        "向我方",
    }
)
# Characters that never occur in a personal name but do in the words around one.
NOT_IN_NAMES = set("的了和与及或为是在由对于从把被将其该本我你他她们此各等证号码师员人")

# Common Chinese surnames (the top of the 百家姓 frequency lists): a name must
# start with one, which keeps 工程, 负责 and the like out.
COMPOUND_SURNAMES = (
    "欧阳",
    "司马",
    "上官",
    "诸葛",
    "东方",
    "皇甫",
    "尉迟",
    "公孙",
    "慕容",
    "令狐",
    "宇文",
    "长孙",
    "夏侯",
    "端木",
    "独孤",
    "南宫",
)
SURNAMES = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
    "于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江"
    "尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐"
    "易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕"
    "单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆"
    "农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟"
    "邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝"
)

# --- number patterns -------------------------------------------------------------

PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"

RESIDENT_ID_RE = re.compile(r"(?<![0-9A-Za-z])[1-9]\d{16}[0-9Xx](?![0-9A-Za-z])")
CREDIT_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_RE = re.compile(
    r"(?<![0-9A-Za-z])[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}(?![0-9A-Za-z])",
    re.IGNORECASE,
)
BUILDER_CERT_RE = re.compile(rf"(?<![0-9A-Za-z])[{PROVINCES}][12]\d{{10,15}}(?![0-9])")
SAFETY_CERT_RE = re.compile(
    rf"([{PROVINCES}])?\s*(建安|水安)\s*([ABCabc])\s*[(（]\s*(\d{{4}})\s*[)）]\s*(\d{{4,8}})"
    r"(?![0-9])"
)
MOBILE_RE = re.compile(r"(?<![0-9])(?:\+?86[- ]?)?(1[3-9]\d)[- ]?(\d{4})[- ]?(\d{4})(?![0-9])")
LANDLINE_RE = re.compile(
    r"(?<![0-9])(?:[(（]\s*(0\d{2,3})\s*[)）]|(0\d{2,3})\s*[-－—–]|(0\d{2,3}))\s*"
    r"([2-9]\d{2,3}[- ]?\d{4})(?:\s*(?:-|转)\s*(\d{1,5}))?(?![0-9])"
)
PHONE_LABEL_RE = re.compile(r"(电话|传真|Tel|TEL|tel|联系方式|座机|办公室)[^0-9\n]{0,6}$")
# Bounded as RFC 5321 bounds them (64-character local part, 63-character
# labels): unbounded repeats scan quadratically over long runs of letters.
EMAIL_RE = re.compile(
    r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9][A-Za-z0-9._%+-]{0,63}@"
    r"[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){0,8}\.[A-Za-z]{2,24}(?![A-Za-z0-9-])"
)
# A run of digits, spaces and hyphens; its grouping is checked in Python, as a
# nested-quantifier pattern backtracks exponentially on a long digit string.
ACCOUNT_RE = re.compile(r"(?<![0-9])\d[\d -]*\d(?![0-9])")
ACCOUNT_GROUPS = (2, 7, 9)  # digits per group (least, most), groups at most
ACCOUNT_LABEL_RE = re.compile(r"(账号|帐号|账户|帐户|卡号|户号)[^0-9\n]{0,8}$")  # just before
BANK_NAME = (
    r"[\u4e00-\u9fa5]{2,24}?(?:银行|信用社|信用合作联社|农商行)(?:股份有限公司)?"
    r"(?:[\u4e00-\u9fa5]{1,16}?(?:支行|分行|分理处|营业部))?"
)
# 开户银行：中国工商银行杭州西湖支行; without the label, the words before the
# bank's name (保证金开户) are cut at the last label word.
BANK_LABELLED_RE = re.compile(rf"(?:开户银行|开户行|开户网点|银行名称)\s*[:：]?\s*({BANK_NAME})")
BANK_RE = re.compile(BANK_NAME)
BANK_PREFIX_RE = re.compile(
    r"^(?:.*(?:开户|账户|帐户|缴纳|转出|汇入|汇款|名称|保证金))?[从由在向经自于]*"
)
ACCOUNT_DIGITS = (10, 30)
DEPOSIT_WORDS = ("保证金", "保函")
CONTEXT_BLOCKS = 2  # blocks before an account searched for 保证金, with its heading

# Priority when two patterns claim the same characters; a label just before
# the number decides first (see _label_kind).
KIND_PRIORITY = (
    SAFETY_CERT,
    BUILDER_CERT,
    RESIDENT_ID,
    CREDIT_CODE,
    BANK_ACCOUNT,
    EMAIL,
    MOBILE,
    LANDLINE,
)
LABELS = (
    (ACCOUNT_LABEL_RE, BANK_ACCOUNT),
    (re.compile(r"(身份证|证件号|公民身份号码)[^0-9\n]{0,8}$"), RESIDENT_ID),
    (re.compile(r"(信用代码|社会信用|组织机构代码)[^0-9A-Z\n]{0,8}$"), CREDIT_CODE),
)
LABEL_WINDOW = 16  # characters before a number searched for its label
DIGIT_OR_AT_RE = re.compile(r"[0-9@]")
LONG_NUMBER_RE = re.compile(r"\d{6}|\d{3}[- ]\d{4}")

# --- people patterns ----------------------------------------------------------------

ROLE_ALT = "|".join(sorted(map(re.escape, ROLE_ALIASES), key=len, reverse=True))
ROLE_RE = re.compile(ROLE_ALT)  # alternation longest first: 项目技术负责人 before 项目负责人
CJK = r"\u4e00-\u9fa5"
# 项目经理：张三 / 项目经理姓名：张三 / 拟派项目经理为张三 / 项目经理 张三
ROLE_THEN_NAME_RE = re.compile(
    rf"({ROLE_ALT})(?:姓名|名称)?\s*(?:[:：]|为|是|\s)\s*(?:姓名\s*[:：]\s*)?([{CJK}·]{{2,5}})"
)
# 本人王五（姓名）系……的法定代表人 / 现委托李四（姓名）为我方代理人
NAME_MARKED_RE = re.compile(rf"([{CJK}·]{{2,6}})\s*[(（]\s*姓名\s*[)）]")
NAME_LABEL_RE = re.compile(rf"姓\s*名\s*[:：]\s*([{CJK}·]{{2,5}})")
# Words that may follow a name directly and end it.
AFTER_NAME = (
    "身份证",
    "证件",
    "证书",
    "注册",
    "职称",
    "职务",
    "联系",
    "电话",
    "手机",
    "性别",
    "同志",
    "先生",
    "女士",
    "男",
    "女",
    "担任",
    "负责",
    "系",
    "的",
    "为",
    "在",
    "现",
    "年龄",
    "出生",
    "学历",
    "工作",
    "执业",
    "岗位",
    "编号",
    "签字",
    "签名",
    "盖章",
    "等",
    "及",
    "和",
    "任",
    "持",
    "有",
    "具",
    "（",
    "(",
)
ROLE_WINDOW = 40  # characters after a （姓名） marker searched for the role


# Contacts introduced as a third party's: the tenderer, its agency, the trading
# center, the supervising department. A phone, e-mail or account written after
# one of these (nearer than any word naming the bidder) is that body's, not a
# bidder's identifier, wherever it is written.
THIRD_PARTY_WORDS = (
    "招标人",
    "招标单位",
    "采购人",
    "采购单位",
    "建设单位",
    "业主",
    "发包人",
    "招标代理机构",
    "招标代理",
    "采购代理机构",
    "代理机构",
    "代理公司",
    "公共资源交易中心",
    "交易中心",
    "交易平台",
    "交易服务中心",
    "监督部门",
    "监督机构",
    "监督管理部门",
    "监管部门",
    "行政监督",
    "投诉受理",
    "纪检",
)
BIDDER_WORDS = (
    "投标人",
    "投标单位",
    "供应商",
    "我公司",
    "我单位",
    "本公司",
    "我方",
    "项目经理",
    "委托代理人",
    "法定代表人",
    "联系人",
)
CONTACT_KINDS = frozenset({"mobile", "landline", "email", "bank_account"})
CLAUSE_END_RE = re.compile(r"[。；;！？!?\n]")
OWNER_WINDOW = 60  # characters before a contact searched for whose it is
OWNER_RE = re.compile(
    "|".join(sorted(map(re.escape, THIRD_PARTY_WORDS + BIDDER_WORDS), key=len, reverse=True))
)


def contact_owner(text: str, start: int) -> str | None:
    """The third party a contact at ``text[start:]`` is introduced as, or None.

    Looks back to the start of its sentence (at most OWNER_WINDOW characters)
    for the last word naming a party: a third party's word makes the contact
    that party's; a word naming the bidder, or none, leaves it the bidder's.
    """
    before = text[max(0, start - OWNER_WINDOW) : start]
    ends = list(CLAUSE_END_RE.finditer(before))
    if ends:
        before = before[ends[-1].end() :]
    words = OWNER_RE.findall(before)
    if not words or words[-1] in BIDDER_WORDS:
        return None
    return words[-1]


# --- checksums -----------------------------------------------------------------------------

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"
CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def resident_id_check_char(first17: str) -> str:
    """GB 11643 check character (ISO 7064 MOD 11-2) for the first 17 digits."""
    total = sum(int(c) * w for c, w in zip(first17, ID_WEIGHTS, strict=True))
    return ID_CHECK[total % 11]


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
    total = sum(CREDIT_ALPHABET.index(c) * w for c, w in zip(first17, CREDIT_WEIGHTS, strict=True))
    return CREDIT_ALPHABET[(31 - total % 31) % 31]


def is_valid_credit_code(code: str) -> bool:
    """An 18-character 统一社会信用代码 with the right check character."""
    code = code.upper()
    if len(code) != 18 or any(c not in CREDIT_ALPHABET for c in code):
        return False
    if not code[2:8].isdigit():
        return False
    return credit_code_check_char(code[:17]) == code[17]


# --- numbers -----------------------------------------------------------------------------------
