"""Hostile bid files, each scanned through a real project: every one gets the
right status and a clear Chinese reason, and the bidder's other files are
still analysed.

The generators here write real (if malicious) files byte by byte, fast: a
3 GiB decompression bomb is a few megabytes of repeated deflate blocks, a
5 GiB file is sparse, a 5,000-page PDF shares one content stream.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import struct
import time
import zipfile
import zlib
from pathlib import Path

import pymupdf
import pytest
from conftest import ProjectBuilder, plan_paragraphs
from formats_support import zip_bytes

from collusion.extract import extract_file
from collusion.extract.safexml import declares_doctype
from collusion.report.build import dumps
from collusion.scan import ScanResult, scan_project
from collusion.settings import ExtractSettings
from tools import synth

GiB = 2**30
MiB = 2**20
CJK = re.compile(r"[\u4e00-\u9fff]")
PASSWD_MARKER = "root:x:0:0"  # the first line of /etc/passwd on Linux


# --- generators -------------------------------------------------------------------


def pdf_from_objects(objects: list[bytes], root: int = 1) -> bytes:
    """A PDF written by hand: numbered objects, an xref table, a trailer."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        root,
        xref,
    )
    return bytes(out)


def pdf_stream(data: bytes, extra: bytes = b"") -> bytes:
    return b"<< /Length %d %s >>\nstream\n" % (len(data), extra) + data + b"\nendstream"


def zero_page_pdf() -> bytes:
    return pdf_from_objects(
        [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [] /Count 0 >>"]
    )


def text_pages_pdf(pages: int, content: bytes = b"") -> bytes:
    """``pages`` pages sharing one content stream and one font: any page count
    is written in milliseconds."""
    content = content or b"BT /F1 12 Tf 72 720 Td (Construction plan, section text) Tj ET"
    kids = b" ".join(b"%d 0 R" % (5 + i) for i in range(pages))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [" + kids + b"] /Count %d >>" % pages,
        pdf_stream(zlib.compress(content), b"/Filter /FlateDecode"),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    page = (
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 3 0 R "
        b"/Resources << /Font << /F1 4 0 R >> >> >>"
    )
    objects += [page] * pages
    return pdf_from_objects(objects)


def slow_pdf(operators: int = 400_000) -> bytes:
    """One page drawing one short string ``operators`` times: a few KiB that
    take MuPDF's text extraction tens of seconds (about 60 µs per string)."""
    unit = b"BT /F1 1 Tf 1 0 0 1 10 10 Tm (abcdefgh) Tj ET\n"
    return text_pages_pdf(1, unit * operators)


def raw_zip(entries: list[tuple[str, int, bytes, int, int]]) -> bytes:
    """A zip written by hand from (name, method, stored bytes, crc, size).

    zipfile cannot store a pre-compressed stream, and a bomb needs one.
    """
    out = bytearray()
    central = bytearray()
    for name, method, stored, crc, size in entries:
        encoded = name.encode("utf-8")
        offset = len(out)
        out += (
            struct.pack(
                "<4sHHHHHIIIHH",
                b"PK\x03\x04",
                20,
                0x800,
                method,
                0,
                0x21,
                crc,
                len(stored),
                size,
                len(encoded),
                0,
            )
            + encoded
            + stored
        )
        central += (
            struct.pack(
                "<4sHHHHHHIIIHHHHHII",
                b"PK\x01\x02",
                20,
                20,
                0x800,
                method,
                0,
                0x21,
                crc,
                len(stored),
                size,
                len(encoded),
                0,
                0,
                0,
                0,
                0,
                offset,
            )
            + encoded
        )
    out += central
    out += struct.pack(
        "<4sHHHHIIH",
        b"PK\x05\x06",
        0,
        0,
        len(entries),
        len(entries),
        len(central),
        len(out) - len(central),
        0,
    )
    return bytes(out)


def deflated_zeros(size: int) -> bytes:
    """A raw deflate stream of ``size`` zero bytes, built from one repeated
    block: 3 GiB takes about 3 MB and a few milliseconds."""
    chunk = MiB
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = compressor.compress(bytes(chunk)) + compressor.flush(zlib.Z_FULL_FLUSH)
    block = compressor.compress(bytes(chunk)) + compressor.flush(zlib.Z_FULL_FLUSH)
    whole, rest = divmod(size, chunk)
    tail = compressor.compress(bytes(rest)) + compressor.flush(zlib.Z_FINISH)
    return first + block * (whole - 1) + tail


def docx_parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def docx_from_parts(parts: dict[str, bytes]) -> bytes:
    return zip_bytes(parts)


def bomb_docx(
    parts: dict[str, bytes], part: str, inflated: int, declared: int | None = None
) -> bytes:
    """A DOCX whose ``part`` inflates to ``inflated`` zero bytes (its CRC is
    not computed: the reader must refuse before it ever gets that far)."""
    entries = []
    for name, data in {**parts, part: b""}.items():
        if name == part:
            entries.append(
                (name, 8, deflated_zeros(inflated), 0, inflated if declared is None else declared)
            )
        else:
            entries.append((name, 0, data, zlib.crc32(data), len(data)))
    return raw_zip(entries)


XXE_DTD = b'<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
LAUGHS_DTD = (
    b'<!DOCTYPE r [<!ENTITY a "lollollollollollollollollollol">'
    + b"".join(
        b'<!ENTITY %s "%s">' % (bytes([n]), b"&%s;" % bytes([n - 1]) * 10)
        for n in range(ord("b"), ord("k"))
    )
    + b"]>"
)
ENTITY_REF = {XXE_DTD: b"&xxe;", LAUGHS_DTD: b"&j;"}


def with_entities(xml: bytes, dtd: bytes, pad: bytes = b"", utf16: bool = False) -> bytes:
    """The part with a DTD after its XML declaration and the entity used in
    its first text node."""
    end = xml.index(b"?>") + 2 if xml.startswith(b"<?xml") else 0
    head, body = xml[:end], xml[end:]
    ref = ENTITY_REF[dtd]
    match = re.search(rb"<(w:t|dc:creator|dc:title|vt:lpwstr)(\s[^>]*)?>", body)
    if match:
        body = body[: match.end()] + ref + body[match.end() :]
    else:  # no text node: the entity goes into an attribute-free comment-safe spot
        first_close = body.index(b">") + 1
        body = body[:first_close] + ref + body[first_close:]
    out = head + pad + dtd + body
    if utf16:
        out = re.sub(rb'encoding="[^"]*"', b'encoding="UTF-16"', out).decode("utf-8")
        out = out.encode("utf-16")
    return out


def _good_docx(folder: Path, seed: int) -> Path:
    return synth.write_docx(
        folder / "技术标.docx",
        plan_paragraphs(seed, f"公司{seed}")[:8],
        custom={"ICV": f"ICV{seed:04d}"},
    )


# --- one hostile project, scanned once ----------------------------------------------

HOSTILE = {
    # bidder: (bad file name, expected status, expected words in the reason)
    "truncated": ("报价.pdf", "error", "损坏或不完整"),
    "zero_bytes": ("报价.pdf", "error", "空文件"),
    "user_password": ("报价.pdf", "error", "加密"),
    "zero_pages": ("报价.pdf", "error", "没有任何页面"),
    "not_a_zip": ("报价.docx", "error", "不支持的文件格式"),
    "broken_zip": ("报价.docx", "error", "压缩包结构损坏"),
    "bomb": ("报价.docx", "refused", "压缩炸弹"),
    "bomb_lying": ("报价.docx", "error", "无法解压"),
    "sparse": ("报价.pdf", "refused", "超过上限"),
}
ENTITY_PARTS = (
    "word/document.xml",
    "docProps/core.xml",
    "docProps/custom.xml",
    "word/settings.xml",
)
MISSING_PARTS = ("word/settings.xml", "docProps/core.xml", "word/styles.xml")


def _entity_file(part: str) -> str:
    return f"{part.split('/')[-1].split('.')[0]}_实体.docx"


def _missing_file(part: str) -> str:
    return f"缺少_{part.split('/')[-1].split('.')[0]}.docx"


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> ScanResult:
    base = tmp_path_factory.mktemp("hostile")
    builder = ProjectBuilder(base / "project")
    seeds = iter(range(100, 1000))
    good_pdf = synth.write_pdf(base / "good.pdf", [plan_paragraphs(7, "样本公司")[:10]])
    good_parts = docx_parts(_good_docx(base, 8))

    def bidder(name: str) -> Path:
        folder = builder.bidder(name)
        _good_docx(folder, next(seeds))
        return folder

    pdf_bytes = good_pdf.read_bytes()
    (bidder("truncated") / "报价.pdf").write_bytes(pdf_bytes[:400])
    (bidder("truncated_tail") / "报价.pdf").write_bytes(pdf_bytes[:-40])
    (bidder("zero_bytes") / "报价.pdf").write_bytes(b"")
    document = pymupdf.open(good_pdf)
    document.save(
        bidder("user_password") / "报价.pdf",
        encryption=pymupdf.PDF_ENCRYPT_AES_256,
        user_pw="open-me",
        owner_pw="owner-secret",
    )
    document.save(
        bidder("owner_password") / "报价.pdf",
        encryption=pymupdf.PDF_ENCRYPT_AES_256,
        owner_pw="owner-secret",
        permissions=int(pymupdf.PDF_PERM_ACCESSIBILITY),
    )
    document.close()
    (bidder("zero_pages") / "报价.pdf").write_bytes(zero_page_pdf())
    with_xmp = synth.write_pdf(
        base / "xmp.pdf",
        [["正文内容，带 XMP 的文件"]],
        metadata={"author": "张工"},
        xmp={"DocumentID": "uuid:0A1B2C3D-0000-4000-8000-000000000001"},
    )
    document = pymupdf.open(with_xmp)
    document.set_xml_metadata(document.get_xml_metadata().replace("</x:xmpmeta>", "<x"))
    document.save(bidder("bad_xmp") / "报价.pdf")
    document.close()
    (bidder("not_a_zip") / "报价.docx").write_bytes("这不是压缩包".encode() * 50)
    (bidder("broken_zip") / "报价.docx").write_bytes(docx_from_parts(good_parts)[:3000])
    (bidder("bomb") / "报价.docx").write_bytes(bomb_docx(good_parts, "word/document.xml", 3 * GiB))
    (bidder("bomb_lying") / "报价.docx").write_bytes(
        bomb_docx(
            good_parts, "word/document.xml", 3 * GiB, declared=len(good_parts["word/document.xml"])
        )
    )
    with (bidder("sparse") / "报价.pdf").open("wb") as handle:
        handle.write(b"%PDF-1.7\n")
        handle.truncate(5 * GiB)
    for label, dtd in (("xxe", XXE_DTD), ("laughs", LAUGHS_DTD)):
        folder = bidder(label)
        for part in ENTITY_PARTS:
            parts = dict(good_parts)
            parts[part] = with_entities(parts[part], dtd)
            (folder / _entity_file(part)).write_bytes(docx_from_parts(parts))
    folder = bidder("missing_parts")
    for missing in MISSING_PARTS:
        parts = {k: v for k, v in good_parts.items() if k != missing}
        (folder / _missing_file(missing)).write_bytes(docx_from_parts(parts))
    swapped = bidder("swapped")
    shutil.copyfile(good_pdf, swapped / "其实是PDF.docx")
    (swapped / "其实是DOCX.pdf").write_bytes(docx_from_parts(good_parts))
    names = bidder("odd_names")
    for odd in ("带 空格 的 文件.pdf", "中文名称投标文件.pdf", "换行\n文件名.pdf"):
        shutil.copyfile(good_pdf, names / odd)
    outside = base / "outside"
    outside.mkdir()
    secret = synth.write_pdf(outside / "secret.pdf", [["机密文件 不应被读取"]])
    os.symlink(secret, bidder("linked_file") / "link.pdf")
    os.symlink(outside, builder.root / "bids" / "linked_dir")
    sub = bidder("linked_subdir")
    os.symlink(outside, sub / "附件")
    started = time.monotonic()
    result = scan_project(builder.write())
    print(f"\nhostile project scanned in {time.monotonic() - started:.1f} s")
    return result


def _file(report: dict, bidder: str, name: str) -> dict:
    entry = next(b for b in report["bidders"] if b["id"] == bidder)
    return next(f for f in entry["files"] if Path(f["path"]).name == name)


def _bidder(report: dict, bidder: str) -> dict:
    return next(b for b in report["bidders"] if b["id"] == bidder)


def _assert_other_file_analysed(report: dict, bidder: str) -> None:
    good = _file(report, bidder, "技术标.docx")
    assert good["status"] == "ok", good
    assert good["chars"] > 100


@pytest.mark.parametrize("bidder", sorted(HOSTILE))
def test_bad_file_has_status_and_chinese_reason(hostile: ScanResult, bidder: str) -> None:
    report = hostile.report
    name, status, words = HOSTILE[bidder]
    entry = _file(report, bidder, name)
    assert entry["status"] == status, entry
    assert words in entry["error"], entry
    assert CJK.search(entry["error"])
    errors = [e for e in report["errors"] if e["file"] == entry["path"]]
    assert errors == [
        {"file": entry["path"], "error": entry["error"], "status": status, "bidder": bidder}
    ]
    _assert_other_file_analysed(report, bidder)
    assert _bidder(report, bidder)["files_not_analysed"] == 1


def test_readable_oddities_are_ok(hostile: ScanResult) -> None:
    report = hostile.report
    readable = [("owner_password", "报价.pdf"), ("bad_xmp", "报价.pdf")]
    readable += [("missing_parts", _missing_file(part)) for part in MISSING_PARTS]
    for bidder, name in readable:
        entry = _file(report, bidder, name)
        assert entry["status"] == "ok", entry
        assert entry["chars"] > 0
        assert _bidder(report, bidder)["files_not_analysed"] == 0


def test_pdf_without_its_tail_is_repaired_and_said_so(hostile: ScanResult) -> None:
    entry = _file(hostile.report, "truncated_tail", "报价.pdf")
    assert entry["status"] == "ok" and entry["chars"] > 0
    assert "修复" in entry["error"]
    assert any(e["file"] == entry["path"] for e in hostile.report["errors"])


def test_malformed_xmp_loses_only_the_xmp_ids(hostile: ScanResult) -> None:
    bidder = next(b for b in hostile.context.bidders if b.id == "bad_xmp")
    pdf = next(f for f in bidder.files if f.path.endswith("报价.pdf"))
    fields = {s.field for s in pdf.signatures}
    assert not any(f.startswith("xmp_") for f in fields)
    assert "author" in fields
    intact = extract_file(Path(hostile.context.project.root).parent, "xmp.pdf")
    assert "xmp_document_id" in {s.field for s in intact.signatures}


@pytest.mark.parametrize("part", ENTITY_PARTS)
@pytest.mark.parametrize("attack", ["xxe", "laughs"])
def test_entities_are_refused(hostile: ScanResult, part: str, attack: str) -> None:
    entry = _file(hostile.report, attack, _entity_file(part))
    assert entry["status"] == "refused", entry
    assert part in entry["error"] and "DTD" in entry["error"]
    _assert_other_file_analysed(hostile.report, attack)
    assert _bidder(hostile.report, attack)["files_not_analysed"] == len(ENTITY_PARTS)


def test_passwd_never_reaches_the_report(hostile: ScanResult) -> None:
    text = dumps(hostile.report)
    assert PASSWD_MARKER not in text
    for bidder in hostile.context.bidders:
        for file in bidder.files:
            assert all(PASSWD_MARKER not in b.text for b in file.blocks)
            assert all(PASSWD_MARKER not in s.value for s in file.signatures)


def test_format_is_decided_by_content(hostile: ScanResult) -> None:
    as_docx = _file(hostile.report, "swapped", "其实是DOCX.pdf")
    as_pdf = _file(hostile.report, "swapped", "其实是PDF.docx")
    assert (as_docx["format"], as_docx["status"]) == ("docx", "ok")
    assert (as_pdf["format"], as_pdf["status"]) == ("pdf", "ok")
    assert "实际内容为 DOCX" in as_docx["error"]


def test_odd_file_names_are_read(hostile: ScanResult) -> None:
    files = _bidder(hostile.report, "odd_names")["files"]
    names = sorted(Path(f["path"]).name for f in files)
    assert names == sorted(
        ["带 空格 的 文件.pdf", "中文名称投标文件.pdf", "换行\n文件名.pdf", "技术标.docx"]
    )
    assert all(f["status"] == "ok" for f in files)
    json.loads(dumps(hostile.report))  # the newline survives as an escape


def test_symlinks_are_refused_and_reported(hostile: ScanResult) -> None:
    report = hostile.report
    by_file = {e["file"]: e for e in report["errors"]}
    assert "符号链接" in by_file["bids/linked_file/link.pdf"]["error"]
    assert by_file["bids/linked_file/link.pdf"]["bidder"] == "linked_file"
    assert "符号链接" in by_file["bids/linked_dir"]["error"]
    assert "符号链接" in by_file["bids/linked_subdir/附件"]["error"]
    assert "linked_dir" not in {b["id"] for b in report["bidders"]}
    assert "机密文件" not in dumps(report)
    _assert_other_file_analysed(report, "linked_file")
    _assert_other_file_analysed(report, "linked_subdir")


def test_errors_list_exactly_the_files_not_analysed(hostile: ScanResult) -> None:
    report = hostile.report
    not_ok = {f["path"] for b in report["bidders"] for f in b["files"] if f["status"] != "ok"}
    file_errors = {e["file"] for e in report["errors"] if "status" in e}
    assert not_ok == {
        e["file"] for e in report["errors"] if e.get("status") != "ok" and e["file"] in not_ok
    }
    assert not_ok <= file_errors
    for bidder in report["bidders"]:
        bad = [f for f in bidder["files"] if f["status"] != "ok"]
        listed = {f["path"] for f in bidder["files"]}
        # Refused links never become files of the bidder, but still count.
        refused = [
            e
            for e in report["errors"]
            if e.get("bidder") == bidder["id"] and e["file"] not in listed
        ]
        assert bidder["files_not_analysed"] == len(bad) + len(refused)


# --- the same inputs file by file, for the variants -------------------------------------


@pytest.mark.parametrize("variant", ["after-comment", "utf-16"])
@pytest.mark.parametrize(
    "part", ["word/document.xml", "docProps/core.xml", "word/styles.xml", "word/fontTable.xml"]
)
def test_hidden_doctype_is_refused(tmp_path: Path, part: str, variant: str) -> None:
    parts = docx_parts(_good_docx(tmp_path, 1))
    kwargs = (
        {"pad": b"<!--" + b"x" * 8000 + b"-->"} if variant == "after-comment" else {"utf16": True}
    )
    parts[part] = with_entities(parts[part], XXE_DTD, **kwargs)
    assert declares_doctype(parts[part])
    (tmp_path / "x.docx").write_bytes(docx_from_parts(parts))
    result = extract_file(tmp_path, "x.docx")
    assert result.status == "refused", result.error
    assert part in result.error


def test_bomb_with_lowered_limits(tmp_path: Path) -> None:
    parts = docx_parts(_good_docx(tmp_path, 2))
    (tmp_path / "part.docx").write_bytes(bomb_docx(parts, "word/media/image9.png", 64 * MiB))
    small = ExtractSettings(max_docx_part_bytes=8 * MiB, max_docx_total_bytes=16 * MiB)
    result = extract_file(tmp_path, "part.docx", small)
    assert result.status == "refused" and "word/media/image9.png" in result.error
    # Many parts, each under the part limit, over the total.
    many = dict(parts)
    many.update({f"word/media/pad{i}.bin": bytes(6 * MiB) for i in range(4)})
    (tmp_path / "total.docx").write_bytes(docx_from_parts(many))
    result = extract_file(tmp_path, "total.docx", small)
    assert result.status == "refused" and "总" in result.error
    assert extract_file(tmp_path, "total.docx").status == "ok"  # default limits: fine


def test_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    if not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs here")
    os.mkfifo(tmp_path / "pipe.pdf")
    result = extract_file(tmp_path, "pipe.pdf")
    assert result.status == "refused" and "不是普通文件" in result.error


PAGE = (
    b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
    b"/Resources << /Font << /F1 5 0 R >> >> >>"
)
HELLO = [
    pdf_stream(b"BT /F1 12 Tf 72 720 Td (Hello) Tj ET"),
    b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
]


@pytest.mark.parametrize(
    ("kids", "count", "status", "words"),
    [
        (b"3 0 R 6 0 R", 5, "partial", "第 3 页起无法读取"),  # /Count says 5, two pages exist
        (b"2 0 R 3 0 R", 2, "error", "页面树损坏"),  # the tree contains itself
        (b"3 0 R", 10**9, "error", "页面树损坏"),  # a count MuPDF refuses
    ],
)
def test_page_tree_that_lies(
    tmp_path: Path, kids: bytes, count: int, status: str, words: str
) -> None:
    pages = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, count)
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", pages, PAGE, *HELLO, PAGE]
    (tmp_path / "x.pdf").write_bytes(pdf_from_objects(objects))
    result = extract_file(tmp_path, "x.pdf")
    assert result.status == status, result.error
    assert words in result.error


def test_project_inputs_are_not_read_through_links(project: ProjectBuilder, tmp_path: Path) -> None:
    from collusion.errors import ProjectError
    from collusion.project import load_project

    project.docx("b1", "a.docx")
    root = project.write()
    (root / "project.json").unlink()
    secret = tmp_path / "secret.csv"
    secret.write_text("bidder,code,value\nb1,machine_code,SECRET-FROM-OUTSIDE\n", "utf-8")
    (root / "project.json").symlink_to(tmp_path / "secret.csv")
    (root / "signatures.csv").symlink_to(secret)
    (tmp_path / "elsewhere").mkdir()
    (root / "tender").symlink_to(tmp_path / "elsewhere")
    loaded = load_project(root)
    assert loaded.csv_signatures == ()
    by_file = {e["file"]: e for e in loaded.errors}
    assert set(by_file) == {"project.json", "signatures.csv", "tender"}
    assert all("符号链接" in e["error"] and e["status"] == "refused" for e in by_file.values())
    assert "SECRET" not in json.dumps(loaded.errors, ensure_ascii=False)
    shutil.move(root / "bids", tmp_path / "bids-elsewhere")
    (root / "bids").symlink_to(tmp_path / "bids-elsewhere")
    with pytest.raises(ProjectError, match="符号链接"):
        load_project(root)


def test_oversized_signatures_csv_is_refused(project: ProjectBuilder) -> None:
    from collusion.project import MAX_INPUT_FILE_BYTES, load_project

    project.docx("b1", "a.docx")
    root = project.write()
    with (root / "signatures.csv").open("wb") as handle:
        handle.write(b"bidder,code,value\n")
        handle.truncate(MAX_INPUT_FILE_BYTES + 1)
    loaded = load_project(root)
    assert loaded.errors[0]["file"] == "signatures.csv"
    assert "超过上限" in loaded.errors[0]["error"]


def test_docx_with_too_many_parts_is_refused(tmp_path: Path) -> None:
    MAX_DOCX_PARTS = ExtractSettings().max_docx_parts

    parts = docx_parts(_good_docx(tmp_path, 3))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
        for index in range(MAX_DOCX_PARTS):
            archive.writestr(f"customXml/p{index}.bin", b"")
    (tmp_path / "many.docx").write_bytes(buffer.getvalue())
    result = extract_file(tmp_path, "many.docx")
    assert result.status == "refused" and "个部件" in result.error
