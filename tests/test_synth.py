"""tools/synth.py writes what it is asked to, read back without synth's help.

DOCX parts are read with zipfile + lxml and PDFs with PyMuPDF directly, so a
value synth forgets to write, or writes to the wrong place, fails here.
"""

from __future__ import annotations

import csv
import json
import random
import re
import zipfile
from datetime import datetime
from pathlib import Path

import pymupdf
import pytest
from lxml import etree

from tools import synth

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
W14 = "{http://schemas.microsoft.com/office/word/2010/wordml}"
W15 = "{http://schemas.microsoft.com/office/word/2012/wordml}"
R_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
EP = "{http://schemas.openxmlformats.org/officeDocument/2006/extended-properties}"
CP = "{http://schemas.openxmlformats.org/package/2006/metadata/core-properties}"
DC = "{http://purl.org/dc/elements/1.1/}"
VT = "{http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes}"
TEMPLATE = r"file:///C:\Users\zhangsan\AppData\Roaming\Microsoft\Templates\投标模板.dotm"
TABLE = [
    ["项目编码", "项目名称", "单位", "工程量", "综合单价", "合价"],
    ["040101001001", "挖一般土方", "m3", "18650.00", "23.51", "438461.50"],
    ["040103001001", "回填方", "m3", "9320.00", "31.80", "296376.00"],
]
BODY = "本工程混凝土强度等级为C30，采用塔吊QTZ80垂直运输，执行《混凝土结构工程施工质量验收规范》GB50204-2015。"
PARSER = etree.XMLParser(resolve_entities=False, no_network=True)


def xml(z: zipfile.ZipFile, name: str) -> etree._Element:
    return etree.fromstring(z.read(name), PARSER)


@pytest.fixture(scope="module")
def png() -> bytes:
    return synth.make_png(7)


@pytest.fixture(scope="module")
def docx_path(tmp_path_factory, png):
    path = tmp_path_factory.mktemp("docx") / "技术标.docx"
    return synth.write_docx(
        path,
        [("第一章 工程概况", 1), BODY, ("1.1 编制依据", 2), "\f", ("table", TABLE), "第二段正文。"],
        core={
            "author": "张三",
            "last_modified_by": "李四",
            "title": "技术标",
            "created": datetime(2026, 3, 2, 8, 0),
            "revision": 7,
        },
        rsid_root="00A1B2C3",
        rsids=["0012ABCD", "00FF0011", "004D5E6F"],
        doc_id_w14="1A2B3C4D",
        doc_id_w15="{11111111-2222-3333-4444-555555555555}",
        app={
            "Company": "恒基路桥",
            "Template": "投标模板.dotm",
            "TotalTime": "137",
            "Application": "Microsoft Office Word",
            "AppVersion": "16.0000",
        },
        custom={"KSOProductBuildVer": "2052-11.1.0.12313", "ICV": "ABCDEF0123456789"},
        attached_template=TEMPLATE,
        images=[png],
        comment_author="王五",
        revision_author="赵六",
        tables=[[["岗位", "姓名"], ["项目经理", "罗志强"]]],
    )


def test_docx_settings_carry_rsids_and_doc_ids(docx_path):
    with zipfile.ZipFile(docx_path) as z:
        settings = xml(z, "word/settings.xml")
    rsids = settings.find(f"{W}rsids")
    assert rsids.find(f"{W}rsidRoot").get(f"{W}val") == "00A1B2C3"
    values = {e.get(f"{W}val") for e in rsids.findall(f"{W}rsid")}
    # Word lists the root's session among the rsids; the template's are gone.
    assert values == {"00A1B2C3", "0012ABCD", "00FF0011", "004D5E6F"}
    assert settings.find(f"{W14}docId").get(f"{W14}val") == "1A2B3C4D"
    assert settings.find(f"{W15}docId").get(f"{W15}val") == "{11111111-2222-3333-4444-555555555555}"


def test_docx_attached_template_is_an_external_relationship(docx_path):
    with zipfile.ZipFile(docx_path) as z:
        rid = xml(z, "word/settings.xml").find(f"{W}attachedTemplate").get(R_ID)
        rels = xml(z, "word/_rels/settings.xml.rels")
    (rel,) = [r for r in rels if r.get("Id") == rid]
    assert rel.get("Target") == TEMPLATE
    assert rel.get("TargetMode") == "External"
    assert rel.get("Type").endswith("/relationships/attachedTemplate")


def test_docx_core_app_and_custom_properties(docx_path):
    with zipfile.ZipFile(docx_path) as z:
        core, app = xml(z, "docProps/core.xml"), xml(z, "docProps/app.xml")
        custom = xml(z, "docProps/custom.xml")
        types = z.read("[Content_Types].xml").decode()
        package_rels = z.read("_rels/.rels").decode()
    assert core.find(f"{DC}creator").text == "张三"
    assert core.find(f"{CP}lastModifiedBy").text == "李四"
    assert core.find(f"{CP}revision").text == "7"
    assert {
        k: app.find(f"{EP}{k}").text for k in ("Company", "Template", "TotalTime", "AppVersion")
    } == {
        "Company": "恒基路桥",
        "Template": "投标模板.dotm",
        "TotalTime": "137",
        "AppVersion": "16.0000",
    }
    props = {p.get("name"): p.find(f"{VT}lpwstr").text for p in custom}
    assert props == {"KSOProductBuildVer": "2052-11.1.0.12313", "ICV": "ABCDEF0123456789"}
    assert 'PartName="/docProps/custom.xml"' in types
    assert 'Target="docProps/custom.xml"' in package_rels


def test_docx_media_comment_revision_tables_and_text(docx_path, png):
    with zipfile.ZipFile(docx_path) as z:
        media = [z.read(n) for n in z.namelist() if n.startswith("word/media/")]
        comments = xml(z, "word/comments.xml")
        document = xml(z, "word/document.xml")
    assert media == [png]
    assert [c.get(f"{W}author") for c in comments.iter(f"{W}comment")] == ["王五"]
    assert [i.get(f"{W}author") for i in document.iter(f"{W}ins")] == ["赵六"]
    assert len(list(document.iter(f"{W}tbl"))) == 2
    text = "".join(t.text or "" for t in document.iter(f"{W}t"))
    assert BODY in text and "挖一般土方" in text and "罗志强" in text
    styles = [s.get(f"{W}val") for s in document.iter(f"{W}pStyle")]
    assert "Heading1" in styles and "Heading2" in styles
    assert any(b.get(f"{W}type") == "page" for b in document.iter(f"{W}br"))


def test_docx_without_core_author_keeps_python_docx_default(tmp_path):
    path = synth.write_docx(tmp_path / "a.docx", ["正文"])
    with zipfile.ZipFile(path) as z:
        assert xml(z, "docProps/core.xml").find(f"{DC}creator").text == "python-docx"
        assert "docProps/custom.xml" not in z.namelist()
        assert "word/_rels/settings.xml.rels" not in z.namelist()


@pytest.fixture(scope="module")
def pdf_path(tmp_path_factory, png):
    path = tmp_path_factory.mktemp("pdf") / "商务标.pdf"
    pages = [
        [("第一章 投标函", 1), BODY * 4],
        [("工程量清单", 1), ("table", TABLE), "以上报价含税。"],
    ]
    return synth.write_pdf(
        path,
        pages,
        metadata={
            "author": "张三",
            "creator": "WPS 文字",
            "producer": "WPS 文字",
            "title": "商务标",
            "creationDate": "D:20260302080000+08'00'",
        },
        pdf_id=("0123456789abcdef0123456789abcdef", "FEDCBA9876543210FEDCBA9876543210"),
        xmp={
            "DocumentID": "uuid:aaaa-1111",
            "InstanceID": "uuid:bbbb-2222",
            "OriginalDocumentID": "uuid:cccc-3333",
        },
        images=[png],
    )


def test_pdf_metadata_id_and_xmp_read_back(pdf_path):
    with pymupdf.open(pdf_path) as doc:
        meta = doc.metadata
        kind, value = doc.xref_get_key(-1, "ID")
        xmp = doc.get_xml_metadata()
    assert (meta["author"], meta["producer"], meta["title"]) == ("张三", "WPS 文字", "商务标")
    assert meta["creationDate"].startswith("D:20260302080000")
    assert kind == "array"
    assert re.findall(r"<([0-9A-Fa-f]+)>", value) == [
        "0123456789ABCDEF0123456789ABCDEF",
        "FEDCBA9876543210FEDCBA9876543210",
    ]
    for key, expected in (
        ("DocumentID", "uuid:aaaa-1111"),
        ("InstanceID", "uuid:bbbb-2222"),
        ("OriginalDocumentID", "uuid:cccc-3333"),
    ):
        assert f"<xmpMM:{key}>{expected}</xmpMM:{key}>" in xmp


def test_pdf_text_headings_tables_and_images(pdf_path, png):
    with pymupdf.open(pdf_path) as doc:
        text = "".join(page.get_text() for page in doc).replace("\n", "")
        sizes = {
            span["text"]: span["size"]
            for block in doc[0].get_text("dict")["blocks"]
            for line in block.get("lines", [])
            for span in line["spans"]
        }
        tables = [t.extract() for page in doc for t in page.find_tables().tables]
        images = [doc.extract_image(img[0])["image"] for img in doc[0].get_images()]
    assert BODY in text
    assert sizes["第一章 投标函"] > max(size for t, size in sizes.items() if t != "第一章 投标函")
    assert tables == [TABLE]
    assert len(images) == 1
    assert pymupdf.Pixmap(images[0]).samples == pymupdf.Pixmap(png).samples


def test_pdf_without_id_has_none(tmp_path):
    path = synth.write_pdf(tmp_path / "a.pdf", [["正文"]])
    with pymupdf.open(path) as doc:
        assert doc.xref_get_key(-1, "ID") == ("null", "null")


def test_pdf_rejects_malformed_id(tmp_path):
    with pytest.raises(ValueError, match="32 hex"):
        synth.write_pdf(tmp_path / "a.pdf", [["正文"]], pdf_id=("xyz", "0" * 32))


def test_pdf_long_text_flows_onto_new_pages(tmp_path):
    paragraph = "混凝土浇筑后应及时覆盖养护，养护时间不少于14天。" * 30
    path = synth.write_pdf(tmp_path / "a.pdf", [[paragraph] * 10])
    with pymupdf.open(path) as doc:
        assert len(doc) > 1
        assert "".join(p.get_text() for p in doc).replace("\n", "") == paragraph * 10


def test_same_call_gives_same_bytes(tmp_path):
    rng_items = synth.sections_to_paragraphs(
        synth.technical_plan(random.Random(5), "中山市宏达建设有限公司")
    )
    props = {"rsid_root": "00123456", "comment_author": "张三", "images": [synth.make_png(1)]}
    a = synth.write_docx(tmp_path / "a.docx", rng_items, **props).read_bytes()
    b = synth.write_docx(tmp_path / "b.docx", rng_items, **props).read_bytes()
    assert a == b
    pages = [rng_items[:6], rng_items[6:]]
    c = synth.write_pdf(tmp_path / "a.pdf", pages, pdf_id=("A" * 32, "B" * 32)).read_bytes()
    d = synth.write_pdf(tmp_path / "b.pdf", pages, pdf_id=("A" * 32, "B" * 32)).read_bytes()
    assert c == d


def test_plan_is_deterministic_and_chinese():
    a = synth.technical_plan(random.Random(11), "广东恒基路桥建设有限公司", sections=7)
    b = synth.technical_plan(random.Random(11), "广东恒基路桥建设有限公司", sections=7)
    assert a == b
    assert len(a) == 7 and a[0][0].endswith("工程概况")
    assert all(len(paragraphs) == 4 for _, paragraphs in a)
    text = "".join(p for _, ps in a for p in ps)
    assert len(text) > 2000
    assert "{" not in text and "[" not in text  # every slot and choice was filled


def _plan_text(seed: int, company: str) -> str:
    """A long plan, whitespace and punctuation removed, as a shingler sees it."""
    plan = synth.technical_plan(random.Random(seed), company, sections=8, paragraphs_per_section=5)
    return re.sub(r"[\W_]", "", "".join(h + "".join(ps) for h, ps in plan))


def _shared_runs(a: str, b: str, k: int) -> set[str]:
    grams = {a[i : i + k] for i in range(len(a) - k + 1)}
    return {b[i : i + k] for i in range(len(b) - k + 1) if b[i : i + k] in grams}


@pytest.mark.parametrize("seed_a,seed_b", [(1, 2), (101, 104), (202, 206), (7, 99)])
def test_honest_plans_share_stock_phrases_but_no_long_run(seed_a, seed_b):
    a = _plan_text(seed_a, "中山市宏达建设工程有限公司")
    b = _plan_text(seed_b, "江门市粤通市政工程有限公司")
    assert _shared_runs(a, b, 40) == set()
    assert _shared_runs(a, b, 8)  # but they do share stock phrases


def test_pool_is_large():
    assert sum(len(templates) for templates in synth.POOL.values()) >= 80


def _id_check(first17: str) -> str:
    weights = [2 ** (17 - i) % 11 for i in range(17)]  # GB 11643 weights, derived
    return "10X98765432"[sum(int(d) * w for d, w in zip(first17, weights, strict=True)) % 11]


def _credit_check(first17: str) -> str:
    chars = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    weights = [3**i % 31 for i in range(17)]  # GB 32100 weights, derived
    return chars[
        (31 - sum(chars.index(c) * w for c, w in zip(first17, weights, strict=True)) % 31) % 31
    ]


def test_generated_identifiers_have_valid_check_characters():
    rng = random.Random(3)
    for _ in range(200):
        rid = synth.make_resident_id(rng)
        assert re.fullmatch(r"\d{17}[\dX]", rid)
        assert rid[-1] == _id_check(rid[:17])
        code = synth.make_credit_code(rng)
        assert re.fullmatch(r"[0-9A-HJ-NPQRTUWXY]{18}", code)
        assert code[-1] == _credit_check(code[:17])
    # A known real-format example: 11010519491231002X is the GB 11643 sample.
    assert synth.resident_id_check("11010519491231002") == "X"


@pytest.mark.parametrize(
    "value,words",
    [
        (9876000.00, "玖佰捌拾柒万陆仟元整"),
        (9926000.00, "玖佰玖拾贰万陆仟元整"),
        (10050003.07, "壹仟零伍万零叁元零柒分"),
        (12386540.27, "壹仟贰佰叁拾捌万陆仟伍佰肆拾元贰角柒分"),
        (100000000, "壹亿元整"),
        (0.5, "伍角"),
    ],
)
def test_amount_in_words(value, words):
    assert synth.amount_in_words(value) == words


def test_filled_forms_fill_every_bidder_blank():
    forms = synth.tender_forms(
        "某学校教学楼建设工程", "中山市某中学", "广东华信招标代理有限公司", "0760-88231456"
    )
    filled = synth.filled_forms(
        forms,
        "广东建华建设集团有限公司",
        "唐杰",
        "罗勇",
        9876000.0,
        extra={"统一社会信用代码": "914401068EWWP9J5XG"},
    )
    text = "\n".join(line for _, lines in filled for line in lines)
    assert "玖佰捌拾柒万陆仟元整（¥9,876,000.00）" in text
    assert "投标人：广东建华建设集团有限公司（盖单位章）" in text
    assert "0760-88231456" in text and "914401068EWWP9J5XG" in text
    for label in (
        "投标人名称",
        "法定代表人姓名",
        "委托代理人姓名",
        "大写金额",
        "小写金额",
        "统一社会信用代码",
    ):
        assert f"（{label}）" not in text
    assert [t for t, _ in filled] == [
        "投标函",
        "法定代表人身份证明",
        "授权委托书",
        "投标保证金承诺",
        "廉洁承诺书",
    ]


def test_make_png_is_deterministic_and_distinct():
    assert synth.make_png(1) == synth.make_png(1)
    assert synth.make_png(1) != synth.make_png(2)
    assert synth.make_png(1).startswith(b"\x89PNG")
    assert pymupdf.Pixmap(synth.make_png(3, size=16)).width == 16


# --------------------------------------------------------------------------
# The committed sample projects carry what sample_bids/README.md promises.
# --------------------------------------------------------------------------
SAMPLES = Path(__file__).resolve().parent.parent / "sample_bids"
ROAD, SCHOOL = SAMPLES / "road-2026-017", SAMPLES / "school-2026-031"


def _rsid_root(path: Path) -> str:
    with zipfile.ZipFile(path) as z:
        return xml(z, "word/settings.xml").find(f"{W}rsids/{W}rsidRoot").get(f"{W}val")


def _docx_sections(path: Path) -> dict[str, list[str]]:
    with zipfile.ZipFile(path) as z:
        body = xml(z, "word/document.xml").find(f"{W}body")
    sections: dict[str, list[str]] = {}
    current = None
    for p in body.iter(f"{W}p"):
        style = p.find(f"{W}pPr/{W}pStyle")
        text = "".join(t.text or "" for t in p.iter(f"{W}t"))
        if style is not None and style.get(f"{W}val").startswith("Heading"):
            current = sections.setdefault(text, [])
        elif current is not None and text:
            current.append(text)
    return sections


def _pdf_text(path: Path) -> str:
    with pymupdf.open(path) as doc:
        return "".join(page.get_text() for page in doc).replace("\n", "")


def _pdf_tables(path: Path) -> list[list[str]]:
    with pymupdf.open(path) as doc:
        return [row for page in doc for t in page.find_tables().tables for row in t.extract()]


def _docx_table_rows(path: Path) -> list[list[str]]:
    with zipfile.ZipFile(path) as z:
        document = xml(z, "word/document.xml")
    return [
        ["".join(t.text or "" for t in tc.iter(f"{W}t")) for tc in tr.iter(f"{W}tc")]
        for tr in document.iter(f"{W}tr")
    ]


def _unit_prices(rows: list[list[str]]) -> dict[str, str]:
    return {r[0]: r[4] for r in rows if len(r) == 6 and r[0][:2] == "01" and r[2] != "项"}


def test_samples_fit_in_three_megabytes():
    total = sum(p.stat().st_size for p in SAMPLES.rglob("*") if p.is_file())
    assert total < 3_000_000


def test_road_sample_planted_pair_and_broken_file():
    key = json.loads((SAMPLES / "answer_key.json").read_text(encoding="utf-8"))["road-2026-017"]
    roots = {b: _rsid_root(ROAD / "bids" / b / "技术标.docx") for b in ("b01", "b02", "b04")}
    assert roots["b02"] == roots["b04"] != roots["b01"]
    ids = {}
    for b in ("b01", "b02", "b03", "b04", "b05"):
        with pymupdf.open(ROAD / "bids" / b / "商务标.pdf") as doc:
            ids[b] = doc.xref_get_key(-1, "ID")[1][:34]
    assert ids["b02"] == ids["b04"] and len(set(ids.values())) == 4
    copied = key["copied_section"]
    b02 = _docx_sections(ROAD / "bids/b02/技术标.docx")[copied["b02"]]
    b04 = _docx_sections(ROAD / "bids/b04/技术标.docx")[copied["b04"]]
    assert "".join(b02).replace("恒基路桥建设", "南华建筑工程") == "".join(b04)
    assert "南华建筑工程" in "".join(b04)
    with pytest.raises(Exception):  # noqa: B017 - any failure to open is the point
        pymupdf.open(ROAD / "bids/b05/资格证明.pdf")
    rows = list(csv.reader((ROAD / "signatures.csv").read_text(encoding="utf-8").splitlines()))
    machine = {b: v for b, c, v in rows[1:] if c == "machine_code"}
    assert machine["b02"] == machine["b04"] and len(set(machine.values())) == 4


def test_school_sample_planted_cases():
    meta = json.loads((SCHOOL / "project.json").read_text(encoding="utf-8"))["bidders"]
    prices = [meta[b]["price"] for b in ("b02", "b04", "b06")]
    assert round(prices[1] - prices[0], 2) == round(prices[2] - prices[1], 2) == 50000.0
    assert "玖佰捌拾柒万陆仟伍佰肆拾叁元贰角壹分（¥9,876,543.21）" in _pdf_text(
        SCHOOL / "bids/b02/商务标.pdf"
    )

    team01 = _docx_table_rows(SCHOOL / "bids/b01/技术标.docx")
    team03 = _pdf_tables(SCHOOL / "bids/b03/技术标.pdf")
    pm01 = next(r for r in team01 if r[0] == "项目经理")
    pm03 = next(r for r in team03 if r[0] == "项目经理")
    assert pm01 == pm03
    assert pm01[2][-1] == _id_check(pm01[2][:17])

    b06_text = _pdf_text(SCHOOL / "bids/b06/商务标.pdf")
    code06 = re.search(r"统一社会信用代码：([0-9A-Z]{18})", b06_text).group(1)
    with zipfile.ZipFile(SCHOOL / "bids/b05/技术标.docx") as z:
        b05_all = "".join(t.text or "" for t in xml(z, "word/document.xml").iter(f"{W}t"))
    assert meta["b06"]["name"] in b05_all and code06 in b05_all
    # Only the signature block is b06's: the cover and the text are b05's own.
    assert b05_all.count(meta["b06"]["name"]) == 1 and meta["b05"]["name"] in b05_all

    bills = {
        b: _unit_prices(_pdf_tables(SCHOOL / "bids" / b / "商务标.pdf"))
        for b in ("b02", "b03", "b06", "b08")
    }
    same = lambda x, y: sum(bills[x][k] == bills[y][k] for k in bills[x])  # noqa: E731
    assert len(bills["b02"]) == 24
    assert same("b02", "b06") == 22
    assert same("b02", "b03") <= 2 and same("b03", "b08") <= 2
