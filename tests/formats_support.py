"""Writers of real OFD packages and SES seal/signature files for the tests.

The OFD is written as its specification lays it out (GB/T 33190): OFD.xml
with DocInfo, Document.xml listing pages, one Content.xml per page with
TextObjects placed by boundary and font size, and, when asked, a signature
whose SignedValue.dat is a DER-encoded SES_Signature (GM/T 0031 v4) holding
a seal (SESeal with its esID) and an X.509 signer certificate made with
``cryptography``.
"""

from __future__ import annotations

import datetime as dt
import io
import shutil
import subprocess
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

OFD_NS = "http://www.ofdspec.org/2016"
BODY_SIZE = 3.5  # mm, about 10 pt
LINE_HEIGHT = 1.6  # line pitch in font sizes
PAGE_WIDTH, PAGE_HEIGHT = 210.0, 297.0
MARGIN = 25.0
CHARS_PER_LINE = 40


def zip_bytes(members: dict[str, bytes]) -> bytes:
    """A zip package of the members, in their order."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _el(parent, name: str, text: str | None = None, **attrs: str):  # noqa: ANN001, ANN202
    element = etree.SubElement(parent, f"{{{OFD_NS}}}{name}", **attrs)
    if text is not None:
        element.text = text
    return element


def _root(name: str):  # noqa: ANN202
    return etree.Element(f"{{{OFD_NS}}}{name}", nsmap={"ofd": OFD_NS})


def _xml(root) -> bytes:  # noqa: ANN001
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


@dataclass
class OfdSignature:
    seal_id: str
    cert_serial: int
    signer: str = "测试签章人"
    time: str = "20250301093000.000Z"


@dataclass
class OfdSpec:
    doc_id: str = "6f1e2d3c4b5a49788796a5b4c3d2e1f0"
    creation_date: str = "2025-03-01T09:30:12"
    mod_date: str | None = None
    creator: str = "测试生成器"
    creator_version: str = "1.0"
    author: str | None = None
    custom: dict[str, str] = field(default_factory=dict)
    signature: OfdSignature | None = None
    images: list[bytes] = field(default_factory=list)  # PNG files shown on page 1


def page_lines(paragraphs: list) -> list[list[tuple[str, float]]]:
    """Paragraphs (text, or (heading, level)) laid out as lines on pages:
    headings larger, body text wrapped at CHARS_PER_LINE characters."""
    pages: list[list[tuple[str, float]]] = [[]]
    y = MARGIN
    for item in paragraphs:
        if isinstance(item, tuple):
            text, level = item
            lines, size = [text], BODY_SIZE * (1.8 - 0.2 * level)
        else:
            text, size = item, BODY_SIZE
            lines = [text[i : i + CHARS_PER_LINE] for i in range(0, len(text), CHARS_PER_LINE)]
        for line in lines:
            if y + size * LINE_HEIGHT > PAGE_HEIGHT - MARGIN:
                pages.append([])
                y = MARGIN
            pages[-1].append((line, size))
            y += size * LINE_HEIGHT
        y += size * 1.5  # paragraph spacing
    return pages


def copy_second_section(source: list, own: list) -> list:
    """``own`` with its second section (heading and paragraphs) replaced by
    the second section of ``source``: a copied technical section."""

    def second(items: list) -> tuple[int, int]:
        heads = [i for i, p in enumerate(items) if isinstance(p, tuple)] + [len(items)]
        return heads[1], heads[2]

    start, end = second(source)
    own_start, own_end = second(own)
    return own[:own_start] + source[start:end] + own[own_end:]


def write_ofd(path: Path, paragraphs: list, spec: OfdSpec | None = None) -> Path:
    """A real OFD of the paragraphs (text, or (heading, level))."""
    spec = spec or OfdSpec()
    parts: dict[str, bytes] = {}
    ofd = _root("OFD")
    ofd.set("Version", "1.2")
    ofd.set("DocType", "OFD")
    body = _el(ofd, "DocBody")
    info = _el(body, "DocInfo")
    _el(info, "DocID", spec.doc_id)
    if spec.author:
        _el(info, "Author", spec.author)
    _el(info, "CreationDate", spec.creation_date)
    if spec.mod_date:
        _el(info, "ModDate", spec.mod_date)
    _el(info, "Creator", spec.creator)
    _el(info, "CreatorVersion", spec.creator_version)
    if spec.custom:
        customs = _el(info, "CustomDatas")
        for key, value in spec.custom.items():
            _el(customs, "CustomData", value, Name=key)
    _el(body, "DocRoot", "Doc_0/Document.xml")
    document = _root("Document")
    common = _el(document, "CommonData")
    _el(common, "MaxUnitID", "1000")
    area = _el(common, "PageArea")
    _el(area, "PhysicalBox", f"0 0 {PAGE_WIDTH:g} {PAGE_HEIGHT:g}")
    _el(common, "PublicRes", "PublicRes.xml")
    if spec.images:
        _el(common, "DocumentRes", "DocumentRes.xml")
        doc_res = _root("Res")
        doc_res.set("BaseLoc", "Res")
        media = _el(doc_res, "MultiMedias")
        for n, image in enumerate(spec.images):
            item = _el(media, "MultiMedia", ID=str(900 + n), Type="Image", Format="PNG")
            _el(item, "MediaFile", f"image_{n}.png")
            parts[f"Doc_0/Res/image_{n}.png"] = image
        parts["Doc_0/DocumentRes.xml"] = _xml(doc_res)
    pages_el = _el(document, "Pages")
    res = _root("Res")
    res.set("BaseLoc", "Res")
    fonts = _el(res, "Fonts")
    _el(fonts, "Font", ID="1", FontName="宋体", FamilyName="宋体")
    parts["Doc_0/PublicRes.xml"] = _xml(res)
    next_id = 100
    for number, lines in enumerate(page_lines(paragraphs)):
        _el(pages_el, "Page", ID=str(number + 2), BaseLoc=f"Pages/Page_{number}/Content.xml")
        page = _root("Page")
        layer = _el(_el(page, "Content"), "Layer", ID=str(next_id))
        y = MARGIN
        for n, _ in enumerate(spec.images if number == 0 else []):
            next_id += 1
            _el(
                layer,
                "ImageObject",
                ID=str(next_id),
                ResourceID=str(900 + n),
                Boundary=f"{150 + 20 * n} 10 18 18",
                CTM="18 0 0 18 0 0",
            )
        for text, size in lines:
            next_id += 1
            width = size * len(text)
            obj = _el(
                layer,
                "TextObject",
                ID=str(next_id),
                Font="1",
                Size=f"{size:g}",
                Boundary=f"{MARGIN:g} {y:g} {width:g} {size * 1.2:g}",
            )
            _el(
                obj,
                "TextCode",
                text,
                X="0",
                Y=f"{size:g}",
                DeltaX=f"g {max(len(text) - 1, 1)} {size:g}",
            )
            y += size * LINE_HEIGHT
        parts[f"Doc_0/Pages/Page_{number}/Content.xml"] = _xml(page)
    parts["Doc_0/Document.xml"] = _xml(document)
    if spec.signature is not None:
        _el(body, "Signatures", "Doc_0/Signs/Signatures.xml")
        parts.update(_signature_parts(spec.signature))
    parts["OFD.xml"] = _xml(ofd)
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("OFD.xml", parts.pop("OFD.xml"))
        for name in sorted(parts):
            archive.writestr(name, parts[name])
    return path


# --- seals and signatures ------------------------------------------------------------


def der(tag: int, content: bytes) -> bytes:
    """One DER element."""
    n = len(content)
    if n < 0x80:
        length = bytes([n])
    else:
        raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
        length = bytes([0x80 | len(raw)]) + raw
    return bytes([tag]) + length + content


def seq(*items: bytes) -> bytes:
    return der(0x30, b"".join(items))


def ia5(text: str) -> bytes:
    return der(0x16, text.encode("ascii"))


def integer(value: int) -> bytes:
    return der(0x02, value.to_bytes(max(1, (value.bit_length() + 8) // 8), "big"))


def certificate(serial: int, common_name: str) -> bytes:
    """A real self-signed X.509 certificate (DER)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    start = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(serial)
        .not_valid_before(start)
        .not_valid_after(start + dt.timedelta(days=365))
        .sign(key, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.DER)


def ses_seal(seal_id: str, maker_serial: int = 0x5EA1) -> bytes:
    """An SESeal (v4): seal info with header "ES" and esID, the maker's certificate."""
    header = seq(ia5("ES"), integer(4), ia5("TEST"))
    prop = seq(
        integer(1),
        der(0x0C, "公章".encode()),
        integer(1),
        seq(),
        der(0x18, b"20250101000000Z"),
        der(0x18, b"20260101000000Z"),
        der(0x18, b"20250101000000Z"),
    )
    picture = seq(ia5("PNG"), der(0x04, b"\x89PNG"), integer(40), integer(40))
    info = seq(header, ia5(seal_id), prop, picture)
    maker = der(0x04, certificate(maker_serial, "印章制作单位"))
    return seq(
        info,
        maker,
        der(0x06, bytes([0x2A, 0x81, 0x1C, 0xCF, 0x55, 0x01, 0x83, 0x75])),
        der(0x03, b"\x00" + bytes(64)),
    )


def ses_signature(sign: OfdSignature) -> bytes:
    """An SES_Signature (v4) over the seal, with the signer's certificate."""
    tbs = seq(
        integer(4),
        ses_seal(sign.seal_id),
        der(0x18, sign.time.encode()),
        der(0x03, b"\x00" + bytes(32)),
        ia5("/Doc_0/Signs/Sign_0/Signature.xml"),
    )
    return seq(
        tbs,
        der(0x04, certificate(sign.cert_serial, sign.signer)),
        der(0x06, bytes([0x2A, 0x81, 0x1C, 0xCF, 0x55, 0x01, 0x83, 0x75])),
        der(0x03, b"\x00" + bytes(64)),
    )


def _signature_parts(sign: OfdSignature) -> dict[str, bytes]:
    listing = _root("Signatures")
    _el(listing, "MaxSignId", "1")
    _el(listing, "Signature", ID="1", BaseLoc="Sign_0/Signature.xml")
    signature = _root("Signature")
    signed = _el(signature, "SignedInfo")
    _el(signed, "Provider", ProviderName="测试签章组件", Version="1.0", Company="测试")
    _el(signed, "SignatureMethod", "1.2.156.10197.1.501")
    _el(signed, "SignatureDateTime", sign.time)
    _el(signature, "SignedValue", "/Doc_0/Signs/Sign_0/SignedValue.dat")
    return {
        "Doc_0/Signs/Signatures.xml": _xml(listing),
        "Doc_0/Signs/Sign_0/Signature.xml": _xml(signature),
        "Doc_0/Signs/Sign_0/SignedValue.dat": ses_signature(sign),
    }


SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


def convert(source: Path, target_format: str, out: Path) -> Path:
    """LibreOffice headless conversion, as a person saving in another format would."""
    out.mkdir(parents=True, exist_ok=True)
    profile = out / ".lo-profile"
    subprocess.run(
        [
            SOFFICE,
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--convert-to",
            target_format,
            "--outdir",
            str(out),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    return out / f"{source.stem}.{target_format.split(':')[0]}"


def scan_pdf(source: Path, target: Path, dpi: int = 200, skew: float = 0.8) -> Path:
    """An image-only PDF of ``source``: every page rendered to a grey image,
    slightly rotated and noised as a scanner would, with no text layer."""
    import numpy as np
    import pymupdf
    from PIL import Image

    rng = np.random.default_rng(7)
    original = pymupdf.open(source)
    scanned = pymupdf.open()
    for page in original:
        pixmap = page.get_pixmap(dpi=dpi, colorspace=pymupdf.csGRAY)
        image = Image.open(io.BytesIO(pixmap.tobytes("png"))).convert("L")
        pixels = np.asarray(image, dtype=np.float32) + rng.normal(0, 8, (image.height, image.width))
        noisy = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), mode="L")
        noisy = noisy.rotate(skew, fillcolor=255)
        buffer = io.BytesIO()
        noisy.save(buffer, format="PNG")
        new = scanned.new_page(width=page.rect.width, height=page.rect.height)
        new.insert_image(new.rect, stream=buffer.getvalue())
    target.parent.mkdir(parents=True, exist_ok=True)
    scanned.save(target)
    return target
