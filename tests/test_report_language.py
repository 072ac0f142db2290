"""The report in the reader's language and time (issue 20, part 4).

- every Chinese sentence a regulator reads (the report's summary, each
  alert's summary, the terminal summary, the HTML page) has no ASCII word
  but JSON-free codes, file names, quoted values and the reviewed names of
  formats, products and statistics in ``LATIN_TERMS``;
- times carry the reader's offset (+08:00 by default, ``COLLUSION_TZ``);
- paragraph numbers are counted from 1 (``paragraph_number``), and the HTML
  shows the JSON's number;
- every file not analysed says exactly why: an empty DOCX, a DOCX of
  pictures, a drawings-only OFD, a password, a scanned PDF on which OCR ran
  and found nothing; the terminal lists them numbered as the HTML does.
"""

from __future__ import annotations

import datetime as dt
import re
from html.parser import HTMLParser
from pathlib import Path

import pymupdf
import pytest
from conftest import REPO, SAMPLE_BIDS, ProjectBuilder
from formats_support import OfdSpec, write_ofd

from collusion.extract.ocr import find_tesseract
from collusion.report.build import read_report, write_report
from collusion.report.html import render_html
from collusion.report.terminal import format_terminal_summary
from collusion.scan import scan_project
from tools import pictures

# Latin words a Chinese sentence may hold: names of formats, products and
# statistics, and the metadata fields (codes) the labels quote, each with
# its Chinese label beside it. Anything else is English leaking into Chinese.
LATIN_TERMS = {
    # file formats and standards
    "PDF": "format",
    "DOCX": "format",
    "DOC": "format",
    "WPS": "format and product (金山 WPS)",
    "OFD": "format (GB/T 33190)",
    "XLSX": "format",
    "XLS": "format",
    "XMP": "PDF metadata standard",
    "JSON": "format of the report",
    "CSV": "format",
    "OCR": "optical character recognition, the common Chinese term",
    "ID": "part of a code name (/ID, DocID)",
    "IP": "network address",
    "MAC": "network card address",
    "CPU": "processor",
    "CA": "certificate authority",
    "SHA": "hash name (SHA-256)",
    # products
    "Windows": "product",
    "Office": "product",
    "Word": "product",
    "Mac": "product (Office for Mac)",
    "Ghost": "product (system images)",
    "VMware": "product",
    "VirtualBox": "product",
    "Hyper": "product (Hyper-V)",
    "ImageMagick": "product",
    "Tesseract": "product (OCR engine)",
    "python": "library name (python-docx)",
    "docx": "library name (python-docx)",
    "collusion": "this tool's name",
    # statistics and measures, each beside its Chinese label
    "Jaccard": "measure (Jaccard 相似度)",
    "TF": "measure (TF-IDF)",
    "IDF": "measure (TF-IDF)",
    "CV": "screen (变异系数 CV)",
    "RD": "screen (相对距离 RD)",
    "KS": "screen (KS 距离)",
    "DIFFP": "screen (最低两家差距 DIFFP)",
    "Kolmogorov": "statistic's name",
    "Smirnov": "statistic's name",
    # metadata field names quoted by their labels (codes)
    "rsid": "DOCX 编辑会话标识 rsid",
    "rsidRoot": "DOCX 文档根标识 rsidRoot",
    "docId": "DOCX 文档标识 w14:docId",
    "DocID": "OFD 文档标识 DocID",
    "DocumentID": "XMP 文档标识 DocumentID",
    "InstanceID": "XMP 实例标识 InstanceID",
    "OriginalDocumentID": "XMP 原始文档标识 OriginalDocumentID",
    "ICV": "WPS 文档标识 ICV",
    "Company": "文档单位（Company）",
    "Manager": "文档经理（Manager）",
    "CreationDate": "OFD 创建时间 CreationDate",
    "ModDate": "OFD 修改时间 ModDate",
    "esID": "OFD 电子印章编码 esID",
    # the OCR install command printed in a reason
    "apt": "command",
    "get": "command (apt-get)",
    "install": "command (apt-get install)",
    "tesseract": "package name",
    "ocr": "package name",
    "chi": "package name",
    "sim": "package name",
}
# Elements whose text is data, not a sentence: values, paths, ids, quoted bid
# text, the raw JSON view.
DATA_CLASSES = {"code", "path", "bid", "excerpt", "context", "section-name", "nid"}
SKIPPED_TAGS = {"style", "script", "pre"}
VOID_TAGS = {"br", "meta", "link", "img", "input", "col", "hr", "wbr"}
# A file name or path (a dot and an extension), a quoted value, an id.
_FILE_NAME = re.compile(r"[^\s“”（）()，。；、：:]+\.[A-Za-z][A-Za-z0-9]{0,4}\b")
_QUOTED = re.compile(r"“[^”]*”")
_LATIN = re.compile(r"[A-Za-z][A-Za-z0-9_./:@\\-]*")


class PageText(HTMLParser):
    """The sentences of an HTML page: text outside data elements."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[tuple[str, bool]] = []
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in VOID_TAGS:
            return
        classes = set((dict(attrs).get("class") or "").split())
        inside = bool(self.stack) and self.stack[-1][1]
        self.stack.append((tag, inside or tag in SKIPPED_TAGS or bool(classes & DATA_CLASSES)))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        pass  # <line/>, <rect/>: nothing to read

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID_TAGS or all(t != tag for t, _ in self.stack):
            return
        while self.stack and self.stack.pop()[0] != tag:
            pass

    def handle_data(self, data: str) -> None:
        if not (self.stack and self.stack[-1][1]):
            self.parts.append(data)


def page_text(html: str) -> str:
    parser = PageText()
    parser.feed(html)
    parser.close()
    return " ".join(" ".join(parser.parts).split())


def latin_words(text: str) -> list[str]:
    """ASCII words of Chinese text that are not codes: quoted values, file
    names, and tokens with digits or code punctuation are left out; single
    letters are labels (组A) or variables (1/n)."""
    text = _FILE_NAME.sub(" ", _QUOTED.sub(" ", text))
    found = []
    for token in _LATIN.findall(text):
        token = token.rstrip(".:-")
        if re.search(r"[0-9_./:@\\]", token):
            continue  # a code: b01, A0001, w14:docId, road-2026-017, 7F3A-99C1
        found += [word for word in token.split("-") if len(word) > 1]  # TF-IDF, apt-get
    return found


def leaks(text: str) -> list[str]:
    return sorted({w for w in latin_words(text) if w not in LATIN_TERMS})


def test_the_checker_finds_english_in_chinese() -> None:
    assert leaks("本项目 1 项文件或输入问题见 errors。") == ["errors"]
    assert leaks("文档作者（author）") == ["author"]
    assert (
        leaks("投标人 b01、b02 的 DOCX 文档根标识 rsidRoot“00C0FFEE”相同（bids/b01/技术标.docx）")
        == []
    )
    assert leaks("作者“liujun Zhang”") == []  # a quoted value is the bidder's text
    assert leaks("无法打开 PDF：文件损坏或不完整（Failed to open stream）") == [
        "Failed",
        "open",
        "stream",
        "to",
    ]
    assert leaks("项目 road-2026-017 与 TF-IDF 余弦相似度") == []


def _sentences(report: dict) -> dict[str, str]:
    return {
        "summary": report["summary"],
        "alerts": " ".join(a["summary"] for a in report["alerts"]),
        "terminal": format_terminal_summary(report),
        "html": page_text(render_html(report)),
    }


@pytest.fixture(scope="module")
def sample_reports() -> dict[str, dict]:
    return {
        name: scan_project(SAMPLE_BIDS / name).report
        for name in ("road-2026-017", "school-2026-031")
    }


def test_no_english_word_in_the_sample_reports(sample_reports: dict[str, dict]) -> None:
    for name, report in sample_reports.items():
        for where, text in _sentences(report).items():
            assert leaks(text) == [], (name, where)


def test_no_english_word_in_the_reasons_of_the_reference_data() -> None:
    """A reason in fingerprints/*.csv is shown to the regulator as written
    (ignored_signatures, the HTML's table of common values)."""
    import csv

    for path in sorted((REPO / "fingerprints").glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as handle:
            for line, row in enumerate(csv.DictReader(handle), start=2):
                assert leaks(row["reason"]) == [], (path.name, line, row["reason"])


def test_no_english_word_where_pictures_and_accounts_are_reported(tmp_path: Path) -> None:
    """近似 pictures, one typed account in two fields, and the generic "PC"
    set aside as common: the sentences about them are Chinese."""
    project = ProjectBuilder(tmp_path / "p")
    name, other = pictures.company_names(2, seed=5)
    logo = pictures.logo_pixmap(name)
    both = {"author": "liujun", "last_modified_by": "liujun"}
    pc = {"author": "PC", "last_modified_by": "PC"}
    project.docx("b1", "技术标.docx", ["甲公司技术方案"], images=[pictures.png(logo)], core=both)
    project.pdf("b2", "技术标.pdf", [["乙公司技术方案"]], images=[pictures.jpeg(logo, 70)])
    project.docx("b3", "技术标.docx", ["丙公司技术方案"], core=both)
    project.docx("b4", "技术标.docx", ["丁公司技术方案"], core=pc)
    project.docx("b5", "技术标.docx", ["戊公司技术方案"], core=pc)
    report = scan_project(project.write()).report
    assert any(a["details"].get("field") == "image_near" for a in report["alerts"])
    assert any(a["details"].get("identity_fields") for a in report["alerts"])
    assert any(r["value"] == "PC" for r in report["ignored_signatures"])
    for where, text in _sentences(report).items():
        assert leaks(text) == [], where


# --- files not analysed, each with its exact reason ----------------------------------


def _empty_docx(path: Path, picture: bytes | None = None) -> None:
    import docx
    from docx.shared import Inches

    document = docx.Document()
    if picture is not None:
        import io

        document.add_picture(io.BytesIO(picture), width=Inches(1))
    path.parent.mkdir(parents=True, exist_ok=True)
    document.save(path)


def _encrypted_pdf(path: Path) -> None:
    document = pymupdf.open()
    document.new_page().insert_text((72, 72), "加密文件", fontname="china-s")
    document.save(path, encryption=pymupdf.PDF_ENCRYPT_AES_256, user_pw="secret", owner_pw="o")


def _blank_scan_pdf(path: Path) -> None:
    """A page holding only a picture of nothing: a scan OCR finds no text on."""
    white = pymupdf.Pixmap(pymupdf.csRGB, pymupdf.IRect(0, 0, 600, 800), False)
    white.clear_with(250)
    document = pymupdf.open()
    page = document.new_page()
    page.insert_image(page.rect, stream=white.tobytes("png"))
    document.save(path)


@pytest.fixture(scope="module")
def troubled(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """A project whose files fail in every way the report must tell apart."""
    project = ProjectBuilder(tmp_path_factory.mktemp("troubled") / "project")
    for bidder, text in (("b1", "甲公司技术方案"), ("b2", "乙公司技术方案")):
        project.docx(bidder, "技术标.docx", [text * 20])
    _empty_docx(project.bidder("b1") / "空白.docx")
    logo = pictures.png(pictures.logo_pixmap("中山市宏达建设工程有限公司"))
    _empty_docx(project.bidder("b2") / "图片.docx", picture=logo)
    write_ofd(project.bidder("b1") / "图形.ofd", [], OfdSpec())
    _encrypted_pdf(project.bidder("b2") / "加密.pdf")
    _blank_scan_pdf(project.bidder("b1") / "扫描.pdf")
    return scan_project(project.write()).report


def _reason(report: dict, name: str) -> str:
    [entry] = [e for e in report["errors"] if e["file"].endswith(name)]
    return entry["error"]


def test_an_empty_docx_says_it_is_empty_not_a_scan(troubled: dict) -> None:
    reason = _reason(troubled, "空白.docx")
    assert "空文档" in reason and "扫描" not in reason


def test_a_docx_of_pictures_says_so(troubled: dict) -> None:
    assert "只有 1 张图片" in _reason(troubled, "图片.docx")


def test_a_drawings_only_ofd_is_not_called_a_scan(troubled: dict) -> None:
    reason = _reason(troubled, "图形.ofd")
    assert "没有文字对象" in reason and "扫描" not in reason


def test_a_password_is_the_reason(troubled: dict) -> None:
    assert "加密" in _reason(troubled, "加密.pdf") and "密码" in _reason(troubled, "加密.pdf")


@pytest.mark.skipif(find_tesseract() is None, reason="Tesseract with chi_sim is not installed")
def test_a_scan_ocr_found_no_text_on_says_ocr_ran(troubled: dict) -> None:
    reason = _reason(troubled, "扫描.pdf")
    assert "已用 OCR 识别第 1 页，未识别出文字" in reason
    assert "可能是扫描件" not in reason


def test_the_status_never_guesses_a_scan(troubled: dict) -> None:
    html = page_text(render_html(troubled))
    assert "可能为扫描件" not in html and "可能为扫描件" not in format_terminal_summary(troubled)


def test_the_terminal_lists_the_files_not_analysed_numbered_as_the_html(troubled: dict) -> None:
    text = format_terminal_summary(troubled)
    listed = re.findall(r"^  (\d+)\. (\S+)（", text.split("未能分析的文件")[1], re.M)
    rows = re.findall(
        r'id="problem-(\d+)"><td class="num">\d+</td><th scope="row" class="path">([^<]+)</th>',
        render_html(troubled),
    )
    assert listed == rows and len(rows) == 5


def test_no_english_word_where_files_fail(troubled: dict) -> None:
    for where, text in _sentences(troubled).items():
        assert leaks(text) == [], where


# --- the reader's time ---------------------------------------------------------------


def test_times_carry_the_readers_offset(
    sample_reports: dict[str, dict], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    report = sample_reports["road-2026-017"]
    assert report["generated_at"].endswith("+08:00")
    moment = dt.datetime.fromisoformat(report["generated_at"])
    assert moment.utcoffset() == dt.timedelta(hours=8)
    assert f"生成时间 {report['generated_at']}" in page_text(render_html(report))
    write_report(report, tmp_path / "r.json")
    assert read_report(tmp_path / "r.json")["generated_at"] == report["generated_at"]
    # A report written in UTC by an earlier version is shown in Beijing time.
    old = {**report, "generated_at": "2026-12-07T09:52:55Z"}
    assert "2026-12-07T17:52:55+08:00" in page_text(render_html(old))
    monkeypatch.setenv("COLLUSION_TZ", "UTC")
    project = ProjectBuilder(tmp_path / "p")
    project.docx("b1", "a.docx", ["甲"])
    project.docx("b2", "a.docx", ["乙"])
    assert scan_project(project.write()).report["generated_at"].endswith("+00:00")


# --- paragraphs as a reader counts them ----------------------------------------------


def test_paragraph_numbers_count_from_one_and_the_html_shows_them(
    sample_reports: dict[str, dict],
) -> None:
    report = sample_reports["road-2026-017"]
    located = [e for a in report["alerts"] for e in a["evidence"] if "paragraph" in e]
    assert located
    for item in located:
        assert item["paragraph_number"] == item["paragraph"] + 1
        if "paragraph_end" in item:
            assert item["paragraph_end_number"] == item["paragraph_end"] + 1
    html = render_html(report)
    first = located[0]
    end = first.get("paragraph_end_number", first["paragraph_number"])
    shown = (
        f"第 {first['paragraph_number']}–{end} 段"
        if end != first["paragraph_number"]
        else f"第 {first['paragraph_number']} 段"
    )
    assert shown in html
    assert "段落编号" not in html


def test_a_paragraph_number_finds_the_quoted_text_in_the_document(tmp_path: Path) -> None:
    """Counting the document's paragraphs from 1, empty ones too, reaches the
    quoted text at paragraph_number."""
    import docx

    project = ProjectBuilder(tmp_path / "p")
    copied = "项目经理张三全面负责本工程的施工组织、质量、安全和进度管理，联系电话13800138000。"
    for bidder, own in (("b1", "甲"), ("b2", "乙")):
        body = ["封面", "", "目录"] + [
            f"第{i}段：{own}公司自行编写的施工方案说明。" for i in range(8)
        ]
        project.docx(bidder, "技术标.docx", [*body, copied])
    report = scan_project(project.write()).report
    items = [
        e
        for a in report["alerts"]
        for e in a["evidence"]
        if e.get("paragraph_number") and e["file"] == "bids/b1/技术标.docx"
    ]
    assert items
    paragraphs = docx.Document(project.root / "bids/b1/技术标.docx").paragraphs
    for item in items:
        text = paragraphs[item["paragraph_number"] - 1].text
        # an identifier's value, or the start of a passage's excerpt (its
        # first paragraph's text, before the space that joins paragraphs)
        quoted = item.get("value") or (item.get("excerpt") or "").split()[0][:10]
        assert quoted and quoted in text, (item, text)


def test_old_reports_show_their_0_based_paragraph_counted_from_one() -> None:
    from collusion.report.html.pairs import paragraph_text

    assert paragraph_text({"paragraph": 38}) == "第 39 段（自文首起计）"
    assert paragraph_text({"paragraph": 3, "paragraph_number": 4, "story": "header"}) == (
        "页眉第 4 段（自文首起计）"
    )
    assert paragraph_text({}) == ""
