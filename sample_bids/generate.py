"""Regenerate the sample projects under sample_bids/ (deterministically).

    python sample_bids/generate.py

Each project is a real folder as ``collusion scan`` reads it: project.json,
tender/, bids/<bidder>/ and signatures.csv, with real DOCX and PDF files
written by ``tools/synth.py``. The planted cases (the answer key) are listed
in sample_bids/README.md and in ``ANSWER_KEY`` below.
"""

from __future__ import annotations

import copy
import csv
import io
import json
import random
import shutil
import sys
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import pymupdf

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT.parent))  # run from a clone without installing

from tools import synth  # noqa: E402

PROJECTS = ("road-2026-017", "school-2026-031")

AGENCY = "广东华信招标代理有限公司"
AGENCY_PHONE = "0760-88231456"
AGENCY_ADDRESS = "中山市东区中山四路88号尚峰金融商务中心5座12楼"
HALL_IP = "183.6.112.45"  # the trading center's hall computer: shared, not evidence
NORMAL_TEMPLATE = "Normal.dotm"
WPS_BUILD = "2052-11.1.0.12313"  # WPS zh-CN build: common to every WPS user

# "flagged": the pairs a correct scan flags; "planted": what makes each one,
# by alert kind; "honest": bidders with no planted relation to anyone.
ANSWER_KEY = {
    "road-2026-017": {
        "flagged": [["b02", "b04"]],
        "planted": [
            {
                "bidders": ["b02", "b04"],
                "kind": "shared_signature",
                "what": "技术标.docx rsidRoot, rsids, w14/w15 docId, author, logo image; "
                "商务标.pdf /ID[0] and XMP DocumentID; machine_code",
            },
            {
                "bidders": ["b02", "b04"],
                "kind": "near_duplicate_text",
                "what": "one whole section of b02's 技术标 in b04's, names swapped",
            },
        ],
        "honest": ["b01", "b03", "b05"],
        "errors": ["bids/b05/资格证明.pdf"],
    },
    "school-2026-031": {
        "flagged": [["b01", "b03"], ["b02", "b04"], ["b02", "b06"], ["b04", "b06"], ["b05", "b06"]],
        "planted": [
            {
                "bidders": ["b01", "b03"],
                "kind": "shared_identifier",
                "what": "the same 项目经理 name, 身份证号 and 注册建造师 number",
            },
            {
                "bidders": ["b01", "b03"],
                "kind": "shared_signature",
                "what": "deposit_account in signatures.csv (also the 保证金转出账号 in the forms)",
            },
            {
                "bidders": ["b05", "b06"],
                "kind": "mixed_documents",
                "what": "b05's 技术标 ends with b06's name and credit code",
            },
            {
                "bidders": ["b02", "b04", "b06"],
                "kind": "price_pattern",
                "what": "prices in arithmetic progression, step 50,000.00",
            },
            {
                "bidders": ["b02", "b06"],
                "kind": "price_pattern",
                "what": "the same unit prices on 22 of 24 priced items and the same wrong 合价",
            },
        ],
        "honest": ["b07", "b08"],
        "errors": [],
    },
}

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗梁宋郑谢韩唐冯"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰涛明超秀霞平刚桂英华建国志文斌海波辉鹏"


@dataclass
class BidderSpec:
    """What one bidder is and how its files are made."""

    id: str
    name: str
    price: float
    seed: int
    tech_format: str  # docx | pdf
    biz_format: str = "pdf"
    legal_rep: str = ""
    agent: str = ""
    credit_code: str = ""
    meta: dict = field(default_factory=dict)


# --------------------------------------------------------------------------
# Small deterministic helpers
# --------------------------------------------------------------------------
def person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def rsid(rng: random.Random) -> str:
    """A Word revision-save id: 8 hex digits, the first two usually 00."""
    return f"00{rng.randrange(16**6):06X}"


def guid(rng: random.Random) -> str:
    h = f"{rng.getrandbits(128):032X}"
    return f"{{{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}}}"


def hex32(rng: random.Random) -> str:
    return f"{rng.getrandbits(128):032X}"


def pdf_date(day: datetime) -> str:
    return day.strftime("D:%Y%m%d%H%M%S+08'00'")


def mac(rng: random.Random) -> str:
    # Locally administered prefixes of real NIC vendors, never VMware's.
    prefix = rng.choice(("F4-8E-38", "3C-7C-3F", "B0-6E-BF", "54-E1-AD"))
    return prefix + "".join(f"-{rng.randrange(256):02X}" for _ in range(3))


def device_codes(rng: random.Random, public_ip: bool) -> dict[str, str]:
    """What the e-bidding system records of one bidder's computer and upload."""
    ip = (
        f"113.{rng.randint(64, 120)}.{rng.randint(1, 254)}.{rng.randint(2, 254)}"
        if public_ip
        else HALL_IP
    )
    return {
        "machine_code": "-".join(f"{rng.randrange(16**4):04X}" for _ in range(4)),
        "mac": mac(rng),
        "ca_serial": f"5A{rng.randrange(16**8):08X}",
        "upload_ip": ip,
    }


def bank_account(rng: random.Random) -> str:
    return "44" + "".join(str(rng.randrange(10)) for _ in range(17))


def docx_props(rng: random.Random, author: str, day: datetime, wps: bool = False) -> dict:
    """Ordinary signature codes of one bidder's own Word or WPS file."""
    app = {"Template": NORMAL_TEMPLATE, "TotalTime": str(rng.randint(40, 900))}
    props = {
        "core": {
            "author": author,
            "last_modified_by": author,
            "created": day,
            "modified": day + timedelta(hours=rng.randint(2, 60)),
            "revision": rng.randint(3, 40),
        },
        "rsid_root": rsid(rng),
        "rsids": [rsid(rng) for _ in range(rng.randint(5, 14))],
        "doc_id_w14": f"{rng.getrandbits(32):08X}",
        "doc_id_w15": guid(rng),
        "app": app,
    }
    if wps:
        app.update({"Application": "WPS Office_11.1.0.12313_F1E327BC-269C-435d-A152-05C5408002CA"})
        props["custom"] = {"KSOProductBuildVer": WPS_BUILD, "ICV": hex32(rng)}
    else:
        app.update({"Application": "Microsoft Office Word", "AppVersion": "16.0000"})
    return props


def pdf_props(rng: random.Random, author: str, day: datetime, producer: str, with_id: bool) -> dict:
    """Ordinary signature codes of one bidder's own PDF."""
    props: dict = {
        "metadata": {
            "author": author,
            "creator": producer,
            "producer": producer,
            "creationDate": pdf_date(day),
            "modDate": pdf_date(day),
        },
    }
    if with_id:
        first = hex32(rng)
        props["pdf_id"] = (first, first)  # a first save: both halves equal
        props["xmp"] = {
            "DocumentID": f"uuid:{guid(rng)[1:-1].lower()}",
            "InstanceID": f"uuid:{guid(rng)[1:-1].lower()}",
        }
    return props


PRODUCERS = ("Microsoft® Word 2016", "Microsoft® Word 2019", "WPS 文字", "Adobe PDF Library 15.0")


# --------------------------------------------------------------------------
# Document content
# --------------------------------------------------------------------------
def cover(project_name: str, volume: str, bidder: BidderSpec, day: datetime) -> list:
    return [
        (project_name, 1),
        f"投标文件（{volume}）",
        f"投标人：{bidder.name}（盖单位章）",
        f"法定代表人或其委托代理人：{bidder.agent}（签字）",
        f"{day.year}年{day.month}月{day.day}日",
    ]


def signature_block(name: str, code: str, day: datetime) -> list:
    return [
        f"投标人：{name}（盖单位章）",
        f"统一社会信用代码：{code}",
        f"日期：{day.year}年{day.month}月{day.day}日",
    ]


def bidder_forms(project: dict, bidder: BidderSpec, extra: dict) -> list:
    forms = synth.tender_forms(project["name"], project["tenderer"], AGENCY, AGENCY_PHONE)
    fields = {"统一社会信用代码": bidder.credit_code, **extra}
    return synth.filled_forms(
        forms, bidder.name, bidder.legal_rep, bidder.agent, bidder.price, extra=fields
    )


def form_extra(rng: random.Random, account: str | None = None) -> dict:
    return {
        "性别": rng.choice(("男", "女")),
        "职务": rng.choice(("董事长", "总经理", "执行董事")),
        "法定代表人身份证号码": synth.make_resident_id(rng),
        "委托代理人身份证号码": synth.make_resident_id(rng),
        "委托代理人联系电话": synth.make_mobile(rng),
        "开户银行": rng.choice(
            (
                "中国工商银行中山分行",
                "中国建设银行中山分行",
                "中国农业银行中山分行",
                "中山农村商业银行",
            )
        ),
        "保证金转出账号": account or bank_account(rng),
    }


def priced_bill(rng: random.Random, items: list, spread: float = 0.07) -> list[list[str]]:
    """A priced bill: each unit price drawn around the item's reference price."""
    rows = [["项目编码", "项目名称", "单位", "工程量", "综合单价", "合价"]]
    for code, name, unit, qty, ref in items:
        if ref is None:  # a provisional sum: the tender fixes it for everyone
            rows.append([code, name, unit, "1", f"{qty:.2f}", f"{qty:.2f}"])
            continue
        price = round(ref * (1 + rng.uniform(-spread, spread)), 2)
        rows.append([code, name, unit, f"{qty:.2f}", f"{price:.2f}", f"{qty * price:.2f}"])
    return rows


def unpriced_bill(items: list) -> list[list[str]]:
    rows = [["项目编码", "项目名称", "单位", "工程量"]]
    for code, name, unit, qty, ref in items:
        rows.append([code, name, unit, "1" if ref is None else f"{qty:.2f}"])
    return rows


def tender_text(project: dict) -> list:
    """招标公告 and 投标人须知 highlights, as every tender prints them."""
    return [
        ("第一章 招标公告", 1),
        f"{project['tenderer']}（招标人）的{project['name']}已批准建设，建设资金来自财政资金，"
        f"项目已具备招标条件。招标人委托{AGENCY}（招标代理机构）对该项目施工进行公开招标。",
        f"招标范围：{project['scope']}。计划工期：{project['days']}日历天。质量要求：合格。",
        f"投标人须具备{project['qualification']}，并在人员、设备、资金等方面具有相应的施工能力。"
        "拟派项目经理须具备建筑工程专业二级及以上注册建造师执业资格，具备有效的安全生产考核合格证书，"
        "且未担任其他在施建设工程项目的项目经理。本次招标不接受联合体投标。"
        if not project.get("joint_venture")
        else f"投标人须具备{project['qualification']}。拟派项目经理须具备建筑工程专业一级注册建造师执业资格。"
        "本次招标接受联合体投标，联合体各方应签订联合体协议书，明确牵头人和各方权利义务。",
        f"招标代理机构：{AGENCY}　地址：{AGENCY_ADDRESS}　联系电话：{AGENCY_PHONE}",
        ("第二章 投标人须知", 1),
        "投标文件应按本招标文件第八章投标文件格式编制，投标函、法定代表人身份证明、授权委托书须加盖投标人单位章。",
        "投标保证金应从投标人基本账户转出，以其他账户或个人名义递交的投标保证金无效。",
        "有下列情形之一的，视为投标人相互串通投标：不同投标人的投标文件由同一单位或者个人编制；"
        "不同投标人委托同一单位或者个人办理投标事宜；不同投标人的投标文件载明的项目管理成员为同一人；"
        "不同投标人的投标文件异常一致或者投标报价呈规律性差异；不同投标人的投标文件相互混装；"
        "不同投标人的投标保证金从同一单位或者个人的账户转出。",
        ("第三章 评标办法", 1),
        "本项目采用综合评估法。评标基准价为有效投标报价的算术平均值下浮3%，投标报价等于评标基准价的得满分。",
        "\f",
        ("第八章 投标文件格式", 1),
    ] + synth.sections_to_paragraphs(
        synth.tender_forms(project["name"], project["tenderer"], AGENCY, AGENCY_PHONE), level=2
    )


def tech_items(
    project_name: str,
    bidder: BidderSpec,
    plan: list,
    day: datetime,
    team: list | None = None,
    tail: list | None = None,
) -> list:
    """The technical volume: cover, plan sections, project team table, signature."""
    items = cover(project_name, "技术标", bidder, day) + ["\f"]
    items += synth.sections_to_paragraphs(plan)
    if team:
        items += [("拟派项目管理机构", 1), ("table", team)]
    items += tail if tail is not None else signature_block(bidder.name, bidder.credit_code, day)
    return items


def biz_items(
    project_name: str, bidder: BidderSpec, forms: list, bill: list[list[str]], day: datetime
) -> list:
    items = cover(project_name, "商务标", bidder, day) + ["\f"]
    items += synth.sections_to_paragraphs(forms)
    items += [("已标价工程量清单（主要分部分项工程量清单报价表）", 1), ("table", bill)]
    return items


def paginate(items: list) -> list[list]:
    """Split write_docx-style items at page breaks and chapter headings for write_pdf."""
    pages: list[list] = [[]]
    for item in items:
        if item == "\f":
            pages.append([])
            continue
        if (
            isinstance(item, tuple)
            and item[0] != "table"
            and item[1] == 1
            and pages[-1]
            and len(pages) > 1
        ):
            pages.append([])
        pages[-1].append(item)
    return [p for p in pages if p]


def write(path: Path, items: list, fmt: str, props: dict, images: tuple = ()) -> None:
    if fmt == "docx":
        synth.write_docx(path.with_suffix(".docx"), items, images=images, **props)
    else:
        synth.write_pdf(path.with_suffix(".pdf"), paginate(items), images=images, **props)


def truncated_pdf(path: Path, items: list) -> None:
    """A PDF cut short as by an interrupted upload; cut until MuPDF cannot repair it."""
    synth.write_pdf(path, paginate(items), metadata={"producer": "Microsoft® Word 2016"})
    data = path.read_bytes()
    size = len(data) // 2
    pymupdf.TOOLS.mupdf_display_errors(False)  # the repair attempts below are expected to fail
    while size > 16:
        try:
            with pymupdf.open(stream=data[:size], filetype="pdf") as doc:
                doc[0].get_text()
        except Exception:  # noqa: BLE001 - any failure means "broken", which is the point
            break
        size //= 2
    pymupdf.TOOLS.mupdf_display_errors(True)
    path.write_bytes(data[:size])


def split_heading(heading: str) -> tuple[str, str]:
    """ "第三章 质量保证措施" -> ("第三章 ", "质量保证措施")."""
    title = next(t for t in synth.SECTION_TITLES if heading.endswith(t))
    return heading[: len(heading) - len(title)], title


def swap_names(text: str, old: BidderSpec, new: BidderSpec) -> str:
    """What a copier does: replace the other company's names with its own."""
    for a, b in ((old.name, new.name), (synth.short_name(old.name), synth.short_name(new.name))):
        text = text.replace(a, b)
    return text


def write_project_files(
    folder: Path, project: dict, bidders: list[BidderSpec], signatures: list[tuple[str, str, str]]
) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    meta = {
        "id": project["id"],
        "name": project["name"],
        "industry": "construction",
        "bidders": {b.id: {"name": b.name, "price": b.price} for b in bidders},
    }
    (folder / "project.json").write_text(
        json.dumps(meta, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(("bidder", "code", "value"))
    writer.writerows(signatures)
    (folder / "signatures.csv").write_text(buffer.getvalue(), encoding="utf-8")


def write_tender(
    folder: Path, project: dict, rng: random.Random, bill_items: list, day: datetime
) -> dict:
    """The tender's own files; returns the DOCX props bidders may inherit."""
    props = docx_props(rng, "chenli", day)
    props["app"]["Company"] = AGENCY
    synth.write_docx(folder / "tender" / "招标文件.docx", tender_text(project), **props)
    synth.write_pdf(
        folder / "tender" / "工程量清单.pdf",
        [[("工程量清单", 1), f"工程名称：{project['name']}", ("table", unpriced_bill(bill_items))]],
        **pdf_props(rng, "chenli", day, "Microsoft® Word 2016", with_id=True),
    )
    return props


# --------------------------------------------------------------------------
# Project 1: road
# --------------------------------------------------------------------------
ROAD_BILL = [
    ("040101001001", "挖一般土方", "m3", 18650.0, 23.5),
    ("040103001001", "回填方", "m3", 9320.0, 31.8),
    ("040202001001", "路床（槽）整形", "m2", 26400.0, 3.2),
    ("040202015001", "水泥稳定碎石基层", "m2", 25100.0, 58.6),
    ("040203006001", "沥青混凝土（AC-20）", "m2", 24800.0, 86.4),
    ("040203006002", "沥青混凝土（AC-13）", "m2", 24800.0, 62.7),
    ("040204002001", "人行道块料铺设", "m2", 7600.0, 118.0),
    ("040204004001", "安砌侧（平、缘）石", "m", 5200.0, 96.5),
    ("040501001001", "混凝土管（DN600）", "m", 1850.0, 612.0),
    ("040504001001", "砌筑井", "座", 62.0, 3850.0),
    ("041102001001", "交通标线", "m2", 2100.0, 48.0),
    ("B00001", "暂列金额", "项", 500000.0, None),
]


def road(folder: Path) -> dict:
    """Write the road project; return the facts of the answer key known only now."""
    rng = random.Random(20260170)
    project = {
        "id": "road-2026-017",
        "name": "某道路改造工程",
        "tenderer": "中山市某区住房和城乡建设局",
        "scope": "道路路基路面、人行道、雨水管道、交通设施的施工",
        "days": 240,
        "qualification": "市政公用工程施工总承包三级及以上资质",
    }
    bidders = [
        BidderSpec("b01", "中山市宏达建设工程有限公司", 12386540.27, 101, "docx"),
        BidderSpec("b02", "广东恒基路桥建设有限公司", 12105883.16, 102, "docx"),
        BidderSpec("b03", "江门市粤通市政工程有限公司", 12689002.45, 103, "pdf"),
        BidderSpec("b04", "佛山市南华建筑工程有限公司", 12097310.58, 104, "docx"),
        BidderSpec("b05", "珠海市鸿锦市政建设有限公司", 12540771.90, 105, "pdf"),
    ]
    for b in bidders:
        b.legal_rep, b.agent, b.credit_code = person(rng), person(rng), synth.make_credit_code(rng)
    tender_day = datetime(2026, 2, 10, 9, 30)
    write_tender(folder, project, rng, ROAD_BILL, tender_day)

    plans = {
        b.id: synth.technical_plan(
            random.Random(b.seed),
            b.name,
            sections=7,
            paragraphs_per_section=5,
            project=project["name"],
        )
        for b in bidders
    }
    # Planted: b04 copies one whole section of b02 (the first after 工程概况
    # that names b02), with b02's names replaced by its own.
    b02, b04 = bidders[1], bidders[3]
    source = next(
        n
        for n, (_, paras) in enumerate(plans["b02"])
        if n and synth.short_name(b02.name) in "".join(paras)
    )
    _, copied_title = split_heading(plans["b02"][source][0])
    titles04 = [split_heading(h)[1] for h, _ in plans["b04"]]
    at = titles04.index(copied_title) if copied_title in titles04 else source
    prefix04 = split_heading(plans["b04"][at][0])[0]
    plans["b04"][at] = (
        prefix04 + copied_title,
        [swap_names(p, b02, b04) for p in plans["b02"][source][1]],
    )
    copied_section = {"b02": plans["b02"][source][0], "b04": plans["b04"][at][0]}

    days = {b.id: datetime(2026, 3, 2 + i * 2, 8 + i, 15) for i, b in enumerate(bidders)}
    lineage = docx_props(random.Random(7702), "liujun", days["b02"])  # b02's own file
    lineage["app"]["Company"] = "恒基路桥"
    logo02 = synth.make_png(202)
    for b in bidders:
        brng = random.Random(b.seed * 7)
        day = days[b.id]
        tech = tech_items(project["name"], b, plans[b.id], day)
        bill = priced_bill(brng, ROAD_BILL)
        forms = bidder_forms(project, b, form_extra(brng))
        images: tuple = (synth.make_png(b.seed),)
        if b.id == "b02":
            tech_props, images = lineage, (logo02,)
        elif b.id == "b04":
            # b04 saved b02's file as its own: same rsidRoot and history, two
            # more editing sessions, the original author and a left-over comment.
            tech_props = {
                **lineage,
                "rsids": lineage["rsids"] + [rsid(brng), rsid(brng)],
                "core": {
                    **lineage["core"],
                    "last_modified_by": "nanhua01",
                    "modified": day,
                    "revision": lineage["core"]["revision"] + 4,
                },
                "app": {**lineage["app"], "Company": "南华建筑"},
                "comment_author": "liujun",
            }
            images = (logo02,)
        elif b.tech_format == "docx":
            tech_props = docx_props(brng, "Administrator", day)
        else:
            tech_props = pdf_props(
                brng, "Administrator", day, PRODUCERS[brng.randrange(4)], with_id=b.id == "b03"
            )
        write(folder / "bids" / b.id / "技术标", tech, b.tech_format, tech_props, images)

        biz_props = pdf_props(brng, b.agent, day, PRODUCERS[brng.randrange(4)], with_id=True)
        if b.id in ("b02", "b04"):
            # The same PDF lineage: /ID[0] and XMP DocumentID kept, new instance.
            lrng = random.Random(7704)
            first, doc_id = hex32(lrng), f"uuid:{guid(lrng)[1:-1].lower()}"
            second = first if b.id == "b02" else hex32(brng)
            instance = f"uuid:{guid(brng)[1:-1].lower()}"
            biz_props["pdf_id"] = (first, second)
            biz_props["xmp"] = {"DocumentID": doc_id, "InstanceID": instance}
            if b.id == "b04":
                biz_props["xmp"]["OriginalDocumentID"] = doc_id
        write(
            folder / "bids" / b.id / "商务标",
            biz_items(project["name"], b, forms, bill, day),
            "pdf",
            biz_props,
        )

    truncated_pdf(
        folder / "bids" / "b05" / "资格证明.pdf",
        [("资格证明文件", 1), f"{bidders[4].name}营业执照副本、资质证书、安全生产许可证复印件。"]
        * 6,
    )

    sig_rng = random.Random(1717)
    signatures = []
    for b in bidders:
        codes = device_codes(sig_rng, public_ip=b.id == "b03")
        if b.id in ("b02", "b04"):
            codes["machine_code"] = "7F3A-99C1-0B2E-5D10"  # planted: one compiling computer
        signatures += [(b.id, code, value) for code, value in codes.items()]
    write_project_files(folder, project, bidders, signatures)
    return {"copied_section": copied_section}


# --------------------------------------------------------------------------
# Project 2: school
# --------------------------------------------------------------------------
SCHOOL_BILL = [
    ("010101001001", "平整场地", "m2", 3260.0, 2.8),
    ("010101004001", "挖基坑土方", "m3", 4120.0, 26.5),
    ("010103001001", "回填方", "m3", 2380.0, 32.4),
    ("010302001001", "泥浆护壁成孔灌注桩", "m3", 960.0, 1180.0),
    ("010401001001", "砖基础", "m3", 86.0, 512.0),
    ("010402001001", "砌块墙", "m3", 1420.0, 468.0),
    ("010501001001", "垫层（C15）", "m3", 210.0, 498.0),
    ("010501003001", "独立基础（C30）", "m3", 640.0, 596.0),
    ("010502001001", "矩形柱（C30）", "m3", 520.0, 688.0),
    ("010503002001", "矩形梁（C30）", "m3", 730.0, 642.0),
    ("010505001001", "有梁板（C30）", "m3", 1680.0, 615.0),
    ("010506001001", "直形楼梯", "m2", 380.0, 186.0),
    ("010515001001", "现浇构件钢筋（HPB300）", "t", 46.0, 5620.0),
    ("010515001002", "现浇构件钢筋（HRB400）", "t", 512.0, 5480.0),
    ("010801001001", "木质门", "m2", 420.0, 486.0),
    ("010807001001", "断桥铝合金窗", "m2", 1860.0, 628.0),
    ("010902001001", "屋面卷材防水", "m2", 2240.0, 72.5),
    ("011001001001", "保温隔热屋面", "m2", 2240.0, 88.0),
    ("011102003001", "块料楼地面", "m2", 8650.0, 142.0),
    ("011201001001", "墙面一般抹灰", "m2", 21400.0, 28.6),
    ("011301001001", "天棚抹灰", "m2", 9800.0, 24.3),
    ("011406001001", "抹灰面油漆", "m2", 31200.0, 21.8),
    ("011701001001", "综合脚手架", "m2", 12600.0, 38.5),
    ("011702001001", "基础模板", "m2", 1850.0, 52.0),
    ("B00001", "暂列金额", "项", 300000.0, None),
]
JV_PARTNER = ("广东华南建筑设计研究院有限公司", "914401011903292317")


def team_table(rng: random.Random, manager: list[str] | None = None) -> list[list[str]]:
    """拟派项目管理机构: role, name, 身份证号, certificate, certificate number."""
    year = rng.randint(2018, 2023)
    pm = manager or [
        "项目经理",
        person(rng),
        synth.make_resident_id(rng),
        "一级注册建造师",
        synth.make_builder_cert(rng),
    ]
    return [
        ["岗位", "姓名", "身份证号", "证书名称", "证书编号"],
        pm,
        [
            "技术负责人",
            person(rng),
            synth.make_resident_id(rng),
            "高级工程师",
            f"粤高职证字第{rng.randint(1000000, 9999999)}号",
        ],
        [
            "安全员",
            person(rng),
            synth.make_resident_id(rng),
            "安全生产考核合格证",
            f"粤建安C（{year}）{rng.randint(1000000, 9999999)}",
        ],
        [
            "施工员",
            person(rng),
            synth.make_resident_id(rng),
            "岗位证书",
            f"4419{rng.randint(10**9, 10**10 - 1)}",
        ],
        [
            "质检员",
            person(rng),
            synth.make_resident_id(rng),
            "岗位证书",
            f"4419{rng.randint(10**9, 10**10 - 1)}",
        ],
    ]


def school(folder: Path) -> None:
    rng = random.Random(20260310)
    project = {
        "id": "school-2026-031",
        "name": "某学校教学楼建设工程",
        "tenderer": "中山市某中学",
        "scope": "教学楼土建、装饰装修、给排水及电气安装工程",
        "days": 365,
        "qualification": "建筑工程施工总承包二级及以上资质",
        "joint_venture": True,
    }
    bidders = [
        BidderSpec("b01", "中山市正泰建筑工程有限公司", 10213457.62, 201, "docx", "docx"),
        BidderSpec("b02", "广东建华建设集团有限公司", 9876543.21, 202, "pdf", "pdf"),
        BidderSpec("b03", "江门市城建工程有限公司", 9712380.15, 203, "pdf", "pdf"),
        BidderSpec("b04", "佛山市顺联建设有限公司", 9926543.21, 204, "docx", "docx"),
        BidderSpec("b05", "中山市利和建筑安装工程有限公司", 10068912.40, 205, "docx", "pdf"),
        BidderSpec("b06", "清远市金鼎建设工程有限公司", 9976543.21, 206, "pdf", "pdf"),
        BidderSpec("b07", "中山市建安集团有限公司", 9801236.77, 207, "docx", "docx"),
        BidderSpec("b08", "肇庆市鼎盛建筑工程有限公司", 10132650.08, 208, "pdf", "pdf"),
    ]
    for b in bidders:
        b.legal_rep, b.agent, b.credit_code = person(rng), person(rng), synth.make_credit_code(rng)
    by_id = {b.id: b for b in bidders}
    tender_day = datetime(2026, 3, 1, 10, 0)
    tender_props = write_tender(folder, project, rng, SCHOOL_BILL, tender_day)

    # Planted: b01 and b03 name the same 项目经理 (name, 身份证号, 建造师证号).
    shared_pm = [
        "项目经理",
        "罗志强",
        synth.make_resident_id(rng),
        "一级注册建造师",
        synth.make_builder_cert(rng),
    ]
    # Planted: b02 and b06 price the bill alike (one shared arithmetic slip too).
    shared_bill = priced_bill(random.Random(3131), SCHOOL_BILL)
    deposit = bank_account(rng)  # planted: b01 and b03 pay the deposit from one account

    for n, b in enumerate(bidders):
        brng = random.Random(b.seed * 7)
        day = datetime(2026, 3, 20 + n % 5, 9 + n, 5 * n)
        plan = synth.technical_plan(
            random.Random(b.seed),
            b.name,
            sections=6,
            paragraphs_per_section=4,
            project=project["name"],
        )
        team = team_table(brng, shared_pm if b.id in ("b01", "b03") else None)
        tail = None
        if b.id == "b05":
            # Planted 相互混装: b05's technical volume ends with b06's signature block.
            tail = signature_block(by_id["b06"].name, by_id["b06"].credit_code, day)
        if b.id == "b07":
            plan.insert(
                1,
                (
                    "联合体投标说明",
                    [
                        f"本项目由{b.name}（牵头人）与{JV_PARTNER[0]}组成联合体投标，联合体协议书附后。",
                        f"{JV_PARTNER[0]}（统一社会信用代码：{JV_PARTNER[1]}）负责本工程的深化设计，"
                        f"{b.name}负责施工总承包及现场管理。",
                    ],
                ),
            )
        tech = tech_items(project["name"], b, plan, day, team=team, tail=tail)

        bill = shared_bill if b.id in ("b02", "b06") else priced_bill(brng, SCHOOL_BILL)
        if b.id == "b06":
            bill = [row[:] for row in bill]
            for row in bill[5:7]:  # b06 changed two unit prices
                price = round(float(row[4]) * 1.031, 2)
                row[4], row[5] = f"{price:.2f}", f"{float(row[3]) * price:.2f}"
        if b.id in ("b02", "b06"):
            bill = [row[:] for row in bill]
            bill[9][5] = f"{float(bill[9][5]) + 900:.2f}"  # the same wrong 合价 in both
        forms = bidder_forms(
            project, b, form_extra(brng, deposit if b.id in ("b01", "b03") else None)
        )
        biz = biz_items(project["name"], b, forms, bill, day)

        author = ("Administrator", "微软用户", "User", b.agent)[n % 4]
        wps = b.id in ("b04", "b05", "b08")
        if b.tech_format == "docx":
            tech_props = docx_props(brng, author, day, wps=wps)
        else:
            tech_props = pdf_props(
                brng, author, day, "WPS 文字" if wps else PRODUCERS[n % 4], with_id=n % 3 != 0
            )
        write(
            folder / "bids" / b.id / "技术标",
            tech,
            b.tech_format,
            tech_props,
            (synth.make_png(b.seed),),
        )

        if b.biz_format == "docx":
            # Filled in the tender's own format file: it inherits the tender's
            # rsidRoot, rsids, docId, author and creation time, which are
            # therefore not evidence.
            biz_props = docx_props(brng, author, day, wps=wps)
            inherited = tender_props["core"]
            biz_props.update(
                rsid_root=tender_props["rsid_root"],
                rsids=tender_props["rsids"] + [rsid(brng)],
                doc_id_w15=tender_props["doc_id_w15"],
                doc_id_w14=tender_props["doc_id_w14"],
                core={
                    **biz_props["core"],
                    "author": inherited["author"],
                    "created": inherited["created"],
                },
            )
        else:
            biz_props = pdf_props(brng, b.agent, day, PRODUCERS[(n + 1) % 4], with_id=True)
        write(
            folder / "bids" / b.id / "商务标",
            biz,
            b.biz_format,
            biz_props,
            (synth.make_png(b.seed + 1000),),
        )

    sig_rng = random.Random(3131)
    signatures = []
    for n, b in enumerate(bidders):
        codes = device_codes(sig_rng, public_ip=n >= 5)
        codes["deposit_account"] = deposit if b.id in ("b01", "b03") else bank_account(sig_rng)
        signatures += [(b.id, code, value) for code, value in codes.items()]
    write_project_files(folder, project, bidders, signatures)


def main() -> None:
    for name in PROJECTS:
        shutil.rmtree(ROOT / name, ignore_errors=True)
    key = copy.deepcopy(ANSWER_KEY)
    key["road-2026-017"].update(road(ROOT / "road-2026-017"))
    school(ROOT / "school-2026-031")
    (ROOT / "answer_key.json").write_text(
        json.dumps(key, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    total = sum(p.stat().st_size for p in ROOT.rglob("*") if p.is_file())
    print(f"wrote {', '.join(PROJECTS)} under {ROOT} ({total / 1e6:.2f} MB in all)")


if __name__ == "__main__":
    main()
