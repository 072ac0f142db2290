"""Document properties of Office files beyond DOCX, as signature codes.

OOXML packages (XLSX) keep them in ``docProps/core.xml``, ``app.xml`` and
``custom.xml``, the same parts and fields as a DOCX. OLE compound files
(DOC, WPS, XLS) keep them in the SummaryInformation and
DocumentSummaryInformation property sets, read with olefile; WPS writes its
own custom properties (KSOProductBuildVer, ICV) into the user-defined
section of the latter. Field names are those of DOCX, so a value is compared
whatever format carries it.
"""

from __future__ import annotations

import datetime as dt
import io

import olefile
from lxml import etree

from collusion.extract.content import signature
from collusion.extract.safexml import local_name
from collusion.keys import hex_id_key
from collusion.models import SignatureValue

# Custom properties WPS writes, under the names the DOCX reader gives them,
# and the application version LibreOffice writes among the user-defined
# properties of a DOC (software, never evidence).
WPS_CUSTOM_FIELDS = {
    "KSOProductBuildVer": "kso_product_build_ver",
    "ICV": "wps_icv",
    "AppVersion": "app_version",
}
# docProps/core.xml and app.xml element -> field, for DOCX and XLSX alike.
CORE_FIELDS = {
    "creator": "author",
    "lastModifiedBy": "last_modified_by",
    "created": "created",
    "title": "title",
}
APP_FIELDS = {
    "Company": "company",
    "Template": "template",
    "Application": "application",
    "AppVersion": "app_version",
    "Manager": "manager",
}
# SummaryInformation / DocumentSummaryInformation attributes of olefile's
# metadata -> field.
_OLE_FIELDS = {
    "author": "author",
    "last_saved_by": "last_modified_by",
    "create_time": "created",
    "title": "title",
    "template": "template",
    "creating_application": "application",
    "company": "company",
    "manager": "manager",
    "revision_number": "revision_number",
}


def custom_signature(source: str, name: str, value: str, rel: str) -> SignatureValue | None:
    """A custom property: WPS's own under their DOCX names, others as custom:NAME."""
    field = WPS_CUSTOM_FIELDS.get(name, f"custom:{name}")
    normalized = None
    if field == "wps_icv":
        normalized = hex_id_key(value)
    return signature(source, field, value, rel, normalized)


def ooxml_signatures(
    trees: dict[str, etree._Element], source: str, rel: str
) -> list[SignatureValue | None]:
    """Codes of the docProps parts (already parsed safely)."""
    found: list[SignatureValue | None] = []
    for part, fields in (("docProps/core.xml", CORE_FIELDS), ("docProps/app.xml", APP_FIELDS)):
        root = trees.get(part)
        if root is not None:
            found += [
                signature(source, fields[local_name(el)], el.text, rel)
                for el in root
                if local_name(el) in fields
            ]
    custom = trees.get("docProps/custom.xml")
    for prop in custom if custom is not None else ():
        name = prop.get("name")
        if name:
            found.append(custom_signature(source, name, "".join(prop.itertext()), rel))
    return found


def ole_signatures(data: bytes, source: str, rel: str) -> list[SignatureValue | None]:
    """Codes of an OLE file's property sets; nothing when they are unreadable."""
    try:
        with olefile.OleFileIO(io.BytesIO(data)) as ole:
            meta = ole.get_metadata()
            custom = _user_defined(ole)
    except Exception:  # olefile raises many kinds on damaged property streams
        return []
    codepage = getattr(meta, "codepage", None) or getattr(meta, "codepage_doc", None)
    found: list[SignatureValue | None] = []
    for attribute, field in _OLE_FIELDS.items():
        value = _text(getattr(meta, attribute, None), codepage)
        found.append(signature(source, field, value, rel))
    for name, value in custom:
        found.append(custom_signature(source, name, _text(value, codepage) or "", rel))
    return found


def _user_defined(ole: olefile.OleFileIO) -> list[tuple[str, str]]:
    stream = "\x05DocumentSummaryInformation"
    if not ole.exists(stream):
        return []
    try:
        props = ole.get_userdefined_properties(stream)
    except Exception:  # a damaged second section: the other codes still count
        return []
    return [(_text(p["property_name"]) or "", p["value"]) for p in props if p.get("property_name")]


def _text(value: object, codepage: int | None = None) -> str | None:
    """A property value as text: bytes decoded (in the property set's code
    page when it names one), times in ISO form."""
    if value is None:
        return None
    if isinstance(value, bytes):
        encodings = [f"cp{codepage}"] if codepage and codepage not in (1200, 65001) else []
        if codepage == 65001:
            encodings.append("utf-8")
        for encoding in (*encodings, "utf-8", "gb18030"):
            try:
                return value.decode(encoding).strip("\x00 ")
            except (UnicodeDecodeError, LookupError):
                continue
        return value.decode("latin-1").strip("\x00 ")
    if isinstance(value, dt.datetime):
        return value.replace(microsecond=0).isoformat()
    return str(value)
