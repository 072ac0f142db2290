"""The codes inside OFD electronic seals and signatures (GB/T 38540, GM/T 0031).

A signature (``SignedValue.dat``) and a seal (``*.esl``) are DER-encoded
ASN.1. Only two things are read from them: the seal's own id (``esID`` of
SES_SealInfo, after the "ES" header) and the serial numbers of X.509
certificates outside the seal, which are the signer's certificates. The seal
maker's certificate (inside the seal) is the same for every seal an
authority makes, so it is not read. The walk is bounded in depth and count,
and any malformed encoding just ends it: what was found so far is returned.
"""

from __future__ import annotations

from dataclasses import dataclass, field

SEQUENCE = 0x30
SET = 0x31
INTEGER = 0x02
OCTET_STRING = 0x04
IA5_STRING = 0x16
OID = 0x06
CONTEXT_0 = 0xA0
MAX_DEPTH = 16
MAX_ELEMENTS = 20_000
CN_OID = bytes([0x55, 0x04, 0x03])  # 2.5.4.3 commonName
SEAL_HEADER_ID = b"ES"
_STRING_TAGS = {0x0C, 0x13, 0x14, 0x16, 0x1E}  # UTF8, Printable, T61, IA5, BMP


@dataclass
class Node:
    tag: int
    content: bytes
    children: list[Node] = field(default_factory=list)


@dataclass(frozen=True)
class Certificate:
    serial: str  # upper-case hex
    subject_cn: str | None


@dataclass(frozen=True)
class SesCodes:
    seal_ids: tuple[str, ...]
    signer_certificates: tuple[Certificate, ...]


class _Budget:
    def __init__(self) -> None:
        self.left = MAX_ELEMENTS


def parse_der(data: bytes) -> list[Node]:
    """The top-level elements of ``data``; constructed ones and OCTET STRINGs
    that hold DER are parsed into children. Stops quietly at bad encoding."""
    return _parse(data, 0, _Budget())[0]


def _parse(data: bytes, depth: int, budget: _Budget) -> tuple[list[Node], int]:
    """The elements of data, and how many bytes they took."""
    nodes: list[Node] = []
    offset = 0
    while offset < len(data) and budget.left > 0:
        header = _header(data, offset)
        if header is None:
            break
        tag, start, end = header
        budget.left -= 1
        node = Node(tag, data[start:end])
        if depth < MAX_DEPTH and (tag & 0x20 or _may_hold_der(tag, node.content)):
            children, used = _parse(node.content, depth + 1, budget)
            # An OCTET STRING is read as DER only when DER is all it holds.
            if tag & 0x20 or used == len(node.content):
                node.children = children
        nodes.append(node)
        offset = end
    return nodes, offset


def _may_hold_der(tag: int, content: bytes) -> bool:
    return tag == OCTET_STRING and content[:1] == bytes([SEQUENCE])


def _header(data: bytes, offset: int) -> tuple[int, int, int] | None:
    if offset + 2 > len(data):
        return None
    tag = data[offset]
    if tag & 0x1F == 0x1F:
        return None  # multi-byte tags do not occur in these structures
    first = data[offset + 1]
    start = offset + 2
    if first < 0x80:
        length = first
    else:
        count = first & 0x7F
        if count == 0 or count > 4 or start + count > len(data):
            return None
        length = int.from_bytes(data[start : start + count], "big")
        start += count
    end = start + length
    if end > len(data):
        return None
    return tag, start, end


def ses_codes(data: bytes) -> SesCodes:
    """Seal ids and signer certificates of a signature or seal file."""
    seal_ids: list[str] = []
    certificates: list[Certificate] = []
    _walk(parse_der(data), seal_ids, certificates, inside_seal=False)
    return SesCodes(tuple(dict.fromkeys(seal_ids)), tuple(dict.fromkeys(certificates)))


def _walk(
    nodes: list[Node], seal_ids: list[str], certificates: list[Certificate], inside_seal: bool
) -> None:
    for node in nodes:
        seal_id = _seal_id(node)
        if seal_id is not None:
            seal_ids.append(seal_id)
        holds_seal = seal_id is not None or any(_seal_id(c) is not None for c in node.children)
        certificate = _certificate(node)
        if certificate is not None:
            if not inside_seal:
                certificates.append(certificate)
            continue
        _walk(node.children, seal_ids, certificates, inside_seal or holds_seal)


def _seal_id(node: Node) -> str | None:
    """esID of an SES_SealInfo: SEQUENCE { SEQUENCE { IA5 "ES", ... }, IA5 esID, ... }."""
    if node.tag != SEQUENCE or len(node.children) < 2:
        return None
    header, es_id = node.children[0], node.children[1]
    if header.tag != SEQUENCE or not header.children:
        return None
    first = header.children[0]
    if first.tag != IA5_STRING or first.content != SEAL_HEADER_ID:
        return None
    if es_id.tag != IA5_STRING:
        return None
    return es_id.content.decode("ascii", "replace").strip() or None


def _certificate(node: Node) -> Certificate | None:
    """An X.509 Certificate: SEQUENCE { tbs SEQUENCE, algorithm SEQUENCE, BIT STRING }."""
    if node.tag != SEQUENCE or len(node.children) != 3:
        return None
    tbs, algorithm, signature = node.children
    if tbs.tag != SEQUENCE or algorithm.tag != SEQUENCE or signature.tag != 0x03:
        return None
    fields = tbs.children
    if fields and fields[0].tag == CONTEXT_0:
        fields = fields[1:]
    if len(fields) < 6 or fields[0].tag != INTEGER or fields[1].tag != SEQUENCE:
        return None
    serial = fields[0].content.lstrip(b"\x00").hex().upper() or "00"
    return Certificate(serial, _common_name(fields[4]))


def _common_name(name: Node) -> str | None:
    for rdn in name.children:
        for attribute in rdn.children:
            parts = attribute.children
            if len(parts) == 2 and parts[0].tag == OID and parts[0].content == CN_OID:
                return _decode_string(parts[1])
    return None


def _decode_string(node: Node) -> str | None:
    if node.tag not in _STRING_TAGS:
        return None
    encoding = "utf-16-be" if node.tag == 0x1E else "utf-8"
    return node.content.decode(encoding, "replace").strip() or None
