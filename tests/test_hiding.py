"""A copy hidden where Word shows it but a body-only reader does not look.

Each test writes real DOCX files (python-docx, then the trick put into the
package's XML as Word writes it), reads them back through extraction and
sectioning, and checks that the copied section is found as
near_duplicate_text with evidence naming the story it is in.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from lxml import etree
from test_textsim import COMPANIES, context, honest_project, swap

from collusion.analysis.folding import visible_text
from collusion.analysis.sections import split_sections
from collusion.detectors import near_duplicate_text
from collusion.extract import extract_file
from collusion.labels import STORY_LABELS
from collusion.scan import scan_project
from tools import synth

MARKER = "@@COPY@@"
COPIER, SOURCE, CHAPTER = "b03", "b01", 3
NS = {
    "w": "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
    "mc": "http://schemas.openxmlformats.org/markup-compatibility/2006",
    "wp": "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing",
    "a": "http://schemas.openxmlformats.org/drawingml/2006/main",
    "wps": "http://schemas.microsoft.com/office/word/2010/wordprocessingShape",
    "v": "urn:schemas-microsoft-com:vml",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
}
DECLS = " ".join(f'xmlns:{k}="{v}"' for k, v in NS.items())
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
Parts = dict[str, bytes]
Trick = Callable[[Parts, list[str]], None]
HIGH = frozenset({"high"})


# --- building the files -------------------------------------------------------------


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def run(text: str) -> str:
    return f'<w:r><w:t xml:space="preserve">{_esc(text)}</w:t></w:r>'


def para(inner: str) -> str:
    return f"<w:p>{inner}</w:p>"


def fragment(xml: str) -> list[etree._Element]:
    root = etree.fromstring(f"<w:root {DECLS}>{xml}</w:root>")
    return list(root)


def replace_marker(parts: Parts, xml: str) -> None:
    """Put `xml` (block-level content) where the marker paragraph is."""
    root = etree.fromstring(parts["word/document.xml"])
    marker = next(p for p in root.iter(f"{{{NS['w']}}}p") if "".join(p.itertext()) == MARKER)
    for element in fragment(xml):
        marker.addprevious(element)
    marker.getparent().remove(marker)
    parts["word/document.xml"] = etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def add_part(
    parts: Parts, name: str, xml: str, content_type: str, rel_type: str, rel_id: str
) -> None:
    """A new part of word/, with its relationship and its content type."""
    declaration = '<?xml version="1.0" encoding="UTF-8"?>' if name.endswith(".xml") else ""
    parts[name] = f"{declaration}{xml}".encode()
    rels = etree.fromstring(parts["word/_rels/document.xml.rels"])
    rel = etree.SubElement(
        rels, "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"
    )
    rel.set("Id", rel_id)
    rel.set("Type", REL + rel_type)
    rel.set("Target", name.removeprefix("word/"))
    parts["word/_rels/document.xml.rels"] = etree.tostring(
        rels, xml_declaration=True, encoding="UTF-8"
    )
    types = etree.fromstring(parts["[Content_Types].xml"])
    ns = "http://schemas.openxmlformats.org/package/2006/content-types"
    if name.endswith(".xml"):
        override = etree.SubElement(types, f"{{{ns}}}Override")
        override.set("PartName", "/" + name)
        override.set("ContentType", content_type)
    else:
        default = etree.SubElement(types, f"{{{ns}}}Default")
        default.set("Extension", name.rsplit(".", 1)[-1])
        default.set("ContentType", content_type)
    parts["[Content_Types].xml"] = etree.tostring(types, xml_declaration=True, encoding="UTF-8")


def write_bid(
    path: Path, chapters: list[tuple[str, list[str]]], trick: Trick | None, hidden: list[str]
) -> None:
    """A bid as a DOCX; with a trick, the marker paragraph gives way to it."""
    synth.write_docx(path, synth.sections_to_paragraphs(chapters))
    if trick is None:
        return
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    trick(parts, hidden)
    if MARKER in "".join(etree.fromstring(parts["word/document.xml"]).itertext()):
        replace_marker(parts, para(run("本章内容详见附件。")))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    path.write_bytes(buffer.getvalue())


def project_with(tmp_path: Path, trick: Trick, bidders: int = 4):
    """Honest bidders; the copier's chapter is the source's, hidden by `trick`."""
    plans = honest_project(bidders)
    title, copied = plans[SOURCE][CHAPTER]
    hidden = [swap(p, SOURCE, COPIER) for p in copied]
    plans[COPIER][CHAPTER] = (plans[COPIER][CHAPTER][0], [MARKER])
    sections, files = {}, {}
    for b, chapters in plans.items():
        rel = f"bids/{b}/技术标.docx"
        write_bid(tmp_path / rel, chapters, trick if b == COPIER else None, hidden)
        extracted = extract_file(tmp_path, rel)
        assert extracted.status == "ok", extracted.error
        files[b] = extracted
        sections[b] = list(split_sections(b, rel, extracted.blocks))
    return sections, files, hidden


def found_copy(
    tmp_path: Path, trick: Trick, story: str, severities: frozenset = HIGH, in_order: bool = True
):
    """The one alert, between source and copier, with the copier's side in
    `story`; each passage the copier's text of the source's (``in_order``
    False: sentence by sentence, for a copy in another order)."""
    sections, files, hidden = project_with(tmp_path, trick)
    alerts = near_duplicate_text.detect(context(sections))
    assert [a.bidders for a in alerts] == [(SOURCE, COPIER)]
    alert = alerts[0]
    assert alert.kind == "near_duplicate_text" and alert.severity in severities
    copier = [e for e in alert.evidence if e.bidder == COPIER and e.field is None]
    assert copier and {e.story for e in copier} == {story}
    by_title = {s.title: s for s in sections[COPIER]}
    for e in copier:
        section = by_title[e.section]
        headings = {b.text for b in section.blocks if b.kind == "heading"}
        quoted = section.text[e.start : e.end]
        lines = "".join(
            line for line in quoted.split("\n") if not any(h.endswith(line) for h in headings)
        )
        copied = [visible_text(lines)] if in_order else _sentences(visible_text(lines))
        assert len(lines) >= 8 and all(c in "".join(hidden) for c in copied)
        assert " ".join(quoted.split())[:20] in e.excerpt
    source = [e for e in alert.evidence if e.bidder == SOURCE]
    assert source and {e.story for e in source} == {"body"}
    return alert, files[COPIER]


# --- the tricks -------------------------------------------------------------------------


def text_box_xml(text: str) -> str:
    """A DrawingML text box with its VML fallback, as Word 2010+ writes it."""
    content = f"<w:txbxContent>{para(run(text))}</w:txbxContent>"
    drawing = (
        '<w:drawing><wp:anchor><wp:extent cx="5000000" cy="900000"/><a:graphic>'
        '<a:graphicData uri="http://schemas.microsoft.com/office/word/2010/wordprocessingShape">'
        f"<wps:wsp><wps:txbx>{content}</wps:txbx></wps:wsp>"
        "</a:graphicData></a:graphic></wp:anchor></w:drawing>"
    )
    fallback = f"<w:pict><v:shape><v:textbox>{content}</v:textbox></v:shape></w:pict>"
    return (
        f'<w:r><mc:AlternateContent><mc:Choice Requires="wps">{drawing}</mc:Choice>'
        f"<mc:Fallback>{fallback}</mc:Fallback></mc:AlternateContent></w:r>"
    )


def in_text_boxes(parts: Parts, hidden: list[str]) -> None:
    boxes = [text_box_xml(t) for t in hidden[:-1]]
    # the last one as a plain VML text box (older Word, WPS)
    last = f"<w:txbxContent>{para(run(hidden[-1]))}</w:txbxContent>"
    boxes.append(f"<w:r><w:pict><v:shape><v:textbox>{last}</v:textbox></v:shape></w:pict></w:r>")
    replace_marker(parts, "".join(para(box) for box in boxes))


def in_content_controls(parts: Parts, hidden: list[str]) -> None:
    block = "".join(
        f"<w:sdt><w:sdtPr/><w:sdtContent>{para(run(t))}</w:sdtContent></w:sdt>" for t in hidden[:-1]
    )
    half = len(hidden[-1]) // 2
    inline = para(
        run(hidden[-1][:half])
        + "<w:sdt><w:sdtPr/><w:sdtContent>"
        + run(hidden[-1][half:])
        + "</w:sdtContent></w:sdt>"
    )
    replace_marker(parts, block + inline)


def in_tracked_insertions(parts: Parts, hidden: list[str]) -> None:
    """Inserted runs, with custom XML, smart tags and a simple field around some."""
    wrapped = []
    for n, text in enumerate(hidden):
        third = len(text) // 3
        head, middle, tail = text[:third], text[third : 2 * third], text[2 * third :]
        ins = f'<w:ins w:id="{n}" w:author="张三" w:date="2026-01-01T00:00:00Z">{run(head)}</w:ins>'
        smart = f'<w:smartTag w:uri="urn:x" w:element="place">{run(middle)}</w:smartTag>'
        field = f'<w:fldSimple w:instr=" QUOTE "><w:customXml w:element="x">{run(tail)}'
        wrapped.append(para(ins + smart + field + "</w:customXml></w:fldSimple>"))
    replace_marker(parts, "".join(wrapped))


def in_header(parts: Parts, hidden: list[str]) -> None:
    xml = f"<w:hdr {DECLS}>" + "".join(para(run(t)) for t in hidden) + "</w:hdr>"
    add_part(
        parts,
        "word/header9.xml",
        xml,
        "application/vnd.openxmlformats-officedocument.wordprocessingml.header+xml",
        "header",
        "rIdHidden1",
    )


def in_footnotes(parts: Parts, hidden: list[str]) -> None:
    notes = "".join(
        f'<w:footnote w:id="{n + 1}">{para(run(t))}</w:footnote>' for n, t in enumerate(hidden)
    )
    separator = (
        f'<w:footnote w:type="separator" w:id="-1">{para("<w:r><w:separator/></w:r>")}</w:footnote>'
    )
    add_part(
        parts,
        "word/footnotes.xml",
        f"<w:footnotes {DECLS}>{separator}{notes}</w:footnotes>",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml",
        "footnotes",
        "rIdHidden2",
    )
    refs = "".join(f'<w:r><w:footnoteReference w:id="{n + 1}"/></w:r>' for n in range(len(hidden)))
    replace_marker(parts, para(run("说明见脚注。") + refs))


def in_deleted_text(parts: Parts, hidden: list[str]) -> None:
    deleted = "".join(
        para(
            f'<w:del w:id="{n}" w:author="李四" w:date="2026-01-01T00:00:00Z"><w:r>'
            f'<w:delText xml:space="preserve">{_esc(t)}</w:delText></w:r></w:del>'
        )
        for n, t in enumerate(hidden)
    )
    replace_marker(parts, deleted)


def in_alt_chunk(parts: Parts, hidden: list[str]) -> None:
    html = "<html><body>" + "".join(f"<p>{_esc(t)}</p>" for t in hidden) + "</body></html>"
    add_part(parts, "word/chunk1.htm", html, "text/html", "aFChunk", "rIdHidden3")
    replace_marker(parts, '<w:altChunk r:id="rIdHidden3"/>')


@pytest.mark.parametrize(
    ("trick", "story"),
    [
        (in_text_boxes, "textbox"),
        (in_content_controls, "body"),
        (in_tracked_insertions, "body"),
        (in_header, "header"),
        (in_footnotes, "footnote"),
        (in_deleted_text, "deleted"),
        (in_alt_chunk, "embedded"),
    ],
)
def test_copy_hidden_in_a_docx_story_is_found(tmp_path: Path, trick: Trick, story: str) -> None:
    alert, copier = found_copy(tmp_path, trick, story)
    # every hidden paragraph is read once, in its story: none lost, none doubled
    _, _, hidden = project_with(tmp_path / "again", trick)
    texts = [b.text for b in copier.blocks]
    for text in hidden:
        assert texts.count(text) == 1
        assert next(b.story for b in copier.blocks if b.text == text) == story
    if story != "body":
        assert STORY_LABELS[story] in alert.summary


def test_text_box_fallback_is_not_read_twice(tmp_path: Path) -> None:
    path = tmp_path / "bids/b01/a.docx"
    write_bid(
        path, [("第一章 概况", [MARKER])], in_text_boxes, ["文本框里的第一段文字。", "第二段。"]
    )
    blocks = extract_file(tmp_path, "bids/b01/a.docx").blocks
    assert [(b.text, b.story) for b in blocks] == [
        ("第一章 概况", "body"),
        ("文本框里的第一段文字。", "textbox"),
        ("第二段。", "textbox"),
    ]
    assert [b.index for b in blocks] == [0, 2, 4]  # each box after its (empty) anchor paragraph


def _signed_inside_insertion(parts: Parts, signature: str) -> None:
    ins = '<w:ins w:id="1" w:author="王五" w:date="2026-01-01T00:00:00Z">' + run(signature)
    replace_marker(parts, para(ins + "</w:ins>"))


def _signed_in_header(parts: Parts, signature: str) -> None:
    add_part(
        parts,
        "word/header9.xml",
        f"<w:hdr {DECLS}>{para(run(signature))}</w:hdr>",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.header+xml",
        "header",
        "rIdHidden1",
    )


@pytest.mark.parametrize(
    ("hide", "story"),
    [
        (_signed_inside_insertion, "body"),
        (_signed_in_header, "header"),
    ],
)
def test_another_bidders_name_hidden_in_a_docx_mixes_documents(
    tmp_path: Path, hide: Callable[[Parts, str], None], story: str
) -> None:
    """b02's bid carries b01's signature block inside w:ins, or in its header."""
    names = {b: COMPANIES[b] for b in ("b01", "b02", "b03")}
    (tmp_path / "project.json").write_text(
        json.dumps(
            {"id": "T-INS", "bidders": {b: {"name": n} for b, n in names.items()}},
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    plans = honest_project(3)
    signature = f"投标人：{names['b01']}（盖单位章）"
    for b, chapters in plans.items():
        cover = ("投标函", [f"投标人：{names[b]}（盖单位章）", *([MARKER] if b == "b02" else [])])
        write_bid(
            tmp_path / f"bids/{b}/投标文件.docx",
            [cover, *chapters[:3]],
            (lambda parts, _hidden: hide(parts, signature)) if b == "b02" else None,
            [],
        )
    report = scan_project(tmp_path).report
    mixed = [a for a in report["alerts"] if a["kind"] == "mixed_documents"]
    assert [a["bidders"] for a in mixed] == [["b01", "b02"]]
    assert mixed[0]["details"]["carrier"] == "b02" and mixed[0]["details"]["named"] == "b01"
    located = [e for e in mixed[0]["evidence"] if names["b01"] in (e["excerpt"] or "")]
    assert located and {e["story"] for e in located} == {story}
    assert all(e["file"] == "bids/b02/投标文件.docx" for e in located)


# --- characters a reader cannot see or tell apart -----------------------------------------

FILLERS = ("\u3164", "\u034f", "\ufe0f", "\U000e0101", "\u115f", "\uffa0", "\u200b")


def with_invisible_characters(parts: Parts, hidden: list[str]) -> None:
    """An invisible character after every character, a different one each time."""
    spread = ["".join(c + FILLERS[i % len(FILLERS)] for i, c in enumerate(t)) for t in hidden]
    replace_marker(parts, "".join(para(run(t)) for t in spread))


def in_traditional_characters(parts: Parts, hidden: list[str]) -> None:
    import opencc

    converter = opencc.OpenCC("s2t")
    replace_marker(parts, "".join(para(run(converter.convert(t))) for t in hidden))


@pytest.mark.parametrize(
    ("trick", "kind"),
    [
        (with_invisible_characters, "invisible"),
        (in_traditional_characters, "traditional"),
    ],
)
def test_copy_hidden_by_characters_is_found_after_folding(
    tmp_path: Path, trick: Trick, kind: str
) -> None:
    alert, copier = found_copy(tmp_path, trick, "body")
    hidden = alert.details["concealment"]
    assert hidden["found_only_after_folding"] is True
    assert hidden["folded"][COPIER][kind] >= 100 and SOURCE not in hidden["folded"]
    assert "隐藏处理" in alert.summary
    # the excerpt quotes the file as it is, concealment included
    quoted = next(e.excerpt for e in alert.evidence if e.bidder == COPIER)
    texts = "".join("".join(b.text for b in copier.blocks).split())
    assert "".join(quoted.rstrip("…").split())[:30] in texts


def test_a_plain_copy_reports_no_concealment(tmp_path: Path) -> None:
    def plain(parts: Parts, hidden: list[str]) -> None:
        replace_marker(parts, "".join(para(run(t)) for t in hidden))

    alert, _ = found_copy(tmp_path, plain, "body")
    assert "concealment" not in alert.details and "隐藏处理" not in alert.summary


def test_alt_chunks_embedded_docx_read_other_formats_listed(tmp_path: Path) -> None:
    inner = synth.write_docx(tmp_path / "inner.docx", ["嵌入文档里的一段说明文字。"])

    def chunks(parts: Parts, _hidden: list[str]) -> None:
        add_part(
            parts,
            "word/inner.docx",
            "",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
            "aFChunk",
            "rIdDocx",
        )
        parts["word/inner.docx"] = inner.read_bytes()
        add_part(parts, "word/chunk.rtf", r"{\rtf1 hidden}", "application/rtf", "aFChunk", "rIdRtf")
        replace_marker(
            parts,
            '<w:altChunk r:id="rIdDocx"/><w:altChunk r:id="rIdRtf"/>'
            '<w:altChunk r:id="rIdMissing"/>',
        )

    write_bid(tmp_path / "bids/b01/a.docx", [("第一章 概况", [MARKER])], chunks, [])
    extracted = extract_file(tmp_path, "bids/b01/a.docx")
    assert extracted.status == "ok"
    assert ("嵌入文档里的一段说明文字。", "embedded") in [
        (b.text, b.story) for b in extracted.blocks
    ]
    assert "altChunk: chunk.rtf" in extracted.error and "未参与比对" in extracted.error
    assert "altChunk），但其部件缺失" in extracted.error


# --- order ---------------------------------------------------------------------------------


def _sentences(text: str) -> list[str]:
    return [s + "。" for s in text.split("。") if s]


def with_sentences_shuffled(parts: Parts, hidden: list[str]) -> None:
    """Each paragraph's sentences in another order (a fixed derangement)."""
    shuffled = []
    for text in hidden:
        sentences = _sentences(text)
        shuffled.append("".join(sentences[1::2] + sentences[0::2][::-1]))
    replace_marker(parts, "".join(para(run(t)) for t in shuffled))


def with_paragraphs_reversed(parts: Parts, hidden: list[str]) -> None:
    replace_marker(parts, "".join(para(run(t)) for t in reversed(hidden)))


TABLE_COLUMNS, FRAGMENT_CHARS = 4, 9


def in_table_columns(parts: Parts, hidden: list[str]) -> None:
    """The text cut into short fragments laid down the columns of a table:
    read row by row, every row interleaves four distant fragments."""
    text = "".join(hidden)
    pieces = [text[i : i + FRAGMENT_CHARS] for i in range(0, len(text), FRAGMENT_CHARS)]
    rows = -(-len(pieces) // TABLE_COLUMNS)
    grid = [
        [pieces[c * rows + r] if c * rows + r < len(pieces) else "" for c in range(TABLE_COLUMNS)]
        for r in range(rows)
    ]
    cells = "".join(
        "<w:tr>" + "".join(f"<w:tc>{para(run(cell))}</w:tc>" for cell in row) + "</w:tr>"
        for row in grid
    )
    replace_marker(parts, f"<w:tbl><w:tblGrid/>{cells}</w:tbl>")


@pytest.mark.parametrize(
    ("trick", "severities"),
    [
        (with_sentences_shuffled, HIGH),
        (with_paragraphs_reversed, HIGH),
        # the copy's text is read twice in the table (rows and columns), so its
        # share of the copier's text, and its parameter match, are diluted
        (in_table_columns, frozenset({"medium", "high"})),
    ],
)
def test_copy_in_another_order_is_found(tmp_path: Path, trick: Trick, severities) -> None:
    alert, _ = found_copy(tmp_path, trick, "body", severities, in_order=False)
    assert alert.details["shared_chars"] >= 200
    if trick is in_table_columns:
        assert alert.details["reordered_passages"] == 0
        return
    # The shuffled (or reversed) paragraphs of the copied chapter are one
    # passage each side: a reordered copy, not one passage per sentence.
    assert alert.details["reordered_passages"] == alert.details["passages"] == 1
    assert "重排复制" in alert.summary
    (section,) = [s for s in alert.details["sections"] if s["reordered_sentences"]]
    assert section["jaccard"] >= 0.4
    if trick is with_sentences_shuffled:
        assert alert.details["reordered_sentences"] >= 5


def test_table_columns_are_read_for_text_tables_only(tmp_path: Path) -> None:
    path = tmp_path / "bids/b01/a.docx"
    prices = [
        ["序号", "项目名称", "单位", "数量", "单价"],
        ["1", "土方开挖", "m3", "1200", "35.5"],
        ["2", "回填方", "m3", "800", "22.0"],
    ]
    text = [["施工现场设置", "班前教育每日"], ["门禁系统三道", "开工前进行"]]
    synth.write_docx(path, [("第一章 概况", 1), ("table", prices), ("table", text)])
    from collusion.analysis.sections import with_column_readings

    blocks = with_column_readings(list(extract_file(tmp_path, "bids/b01/a.docx").blocks))
    columns = [b.text for b in blocks if b.kind == "table" and b.cells is None]
    assert columns == ["施工现场设置\n门禁系统三道", "班前教育每日\n开工前进行"]


# --- every story, and parity with python-docx on the body ------------------------------------


def every_story(parts: Parts, _hidden: list[str]) -> None:
    nested = (
        "<w:tbl><w:tr><w:tc>"
        + para(run("外表格单元"))
        + "<w:tbl><w:tr><w:tc>"
        + para(run("嵌套表格里的文字"))
        + "</w:tc></w:tr></w:tbl>"
        "</w:tc><w:tc>" + para(run("第二列")) + "</w:tc></w:tr></w:tbl>"
    )
    moved = para(
        '<w:moveFrom w:id="7" w:author="甲"><w:r><w:t>移走的旧文字</w:t></w:r></w:moveFrom>'
        '<w:moveTo w:id="8" w:author="甲">' + run("移来的新文字") + "</w:moveTo>"
    )
    custom = (
        '<w:customXml w:element="clause">' + para(run("自定义XML包裹的段落")) + "</w:customXml>"
    )
    replace_marker(parts, nested + moved + custom)
    add_part(
        parts,
        "word/footer9.xml",
        f"<w:ftr {DECLS}>{para(run('页脚里的文字'))}</w:ftr>",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.footer+xml",
        "footer",
        "rIdFooter",
    )
    add_part(
        parts,
        "word/endnotes.xml",
        f'<w:endnotes {DECLS}><w:endnote w:id="1">{para(run("尾注里的文字"))}</w:endnote>'
        "</w:endnotes>",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.endnotes+xml",
        "endnotes",
        "rIdEndnotes",
    )
    add_part(
        parts,
        "word/comments.xml",
        f'<w:comments {DECLS}><w:comment w:id="0" w:author="乙">{para(run("批注里的文字"))}'
        "</w:comment></w:comments>",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.comments+xml",
        "comments",
        "rIdComments",
    )


def test_every_story_is_read_once_in_reading_order(tmp_path: Path) -> None:
    write_bid(
        tmp_path / "bids/b01/a.docx", [("第一章 概况", [MARKER, "正文最后一段。"])], every_story, []
    )
    blocks = extract_file(tmp_path, "bids/b01/a.docx").blocks
    assert [(b.text, b.story) for b in blocks] == [
        ("第一章 概况", "body"),
        ("外表格单元 | 第二列", "body"),
        ("嵌套表格里的文字", "body"),  # the nested table's row after the row holding it
        ("移来的新文字", "body"),
        ("自定义XML包裹的段落", "body"),
        ("正文最后一段。", "body"),
        ("页脚里的文字", "footer"),
        ("尾注里的文字", "endnote"),
        ("批注里的文字", "comment"),
        ("移走的旧文字", "deleted"),
    ]
    assert [b.index for b in blocks] == sorted(b.index for b in blocks)
    assert all(b.page is None for b in blocks)  # no page break recorded in the file


def test_body_reads_as_python_docx_reads_it(tmp_path: Path) -> None:
    """Paragraphs, headings and table rows (merged cells as python-docx gives
    them) equal python-docx's own reading of the body."""
    import docx
    from docx.table import Table

    document = docx.Document()
    document.add_heading("第一章 工程概况", level=1)
    document.add_paragraph("本工程位于某市。")
    table = document.add_table(rows=3, cols=3)
    for r in range(3):
        for c in range(3):
            table.cell(r, c).text = f"格{r}{c}"
    table.cell(0, 0).merge(table.cell(0, 1))  # horizontal
    table.cell(1, 2).merge(table.cell(2, 2))  # vertical
    document.add_paragraph("")
    document.add_heading("第二章 施工方案", level=2)
    document.add_paragraph("第一行\n第二行\t制表")
    document.add_page_break()
    document.add_paragraph("分页后的段落。")
    path = tmp_path / "bids/b01/a.docx"
    path.parent.mkdir(parents=True)
    document.save(path)

    expected = []
    for item in docx.Document(path).iter_inner_content():
        if isinstance(item, Table):
            for row in item.rows:
                cells, previous = [], None
                for cell in row.cells:
                    if cell._tc is not previous:
                        cells.append(cell.text.strip())
                    previous = cell._tc
                expected.append(("table", " | ".join(cells)))
        elif item.text.strip():
            expected.append(
                ("heading" if item.style.name.startswith("Heading") else "para", item.text.strip())
            )
    blocks = extract_file(tmp_path, "bids/b01/a.docx").blocks
    assert [(b.kind, b.text) for b in blocks] == expected
    assert [b.heading_level for b in blocks if b.kind == "heading"] == [1, 2]
    assert [b.page for b in blocks][-1] == 2 and blocks[0].page == 1
