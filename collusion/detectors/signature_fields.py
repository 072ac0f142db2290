"""What each signature field is worth: its strength, its chance among honest bidders, its clause.

The tables shared_signature (and the cross-project leads) read: how strongly
a field ties two bids to one author or one lineage, the chance ``u_field``
that two honest bidders carry the same value (``detectors.weights`` turns it
into a weight), which fields are weak, which are lineage ids or the codes of
one compiling computer, and which fields record one identity.
"""

from __future__ import annotations

import re

from collusion import basis
from collusion.labels import field_name
from collusion.models import SignatureValue

HIGH, MEDIUM, LOW, NONE = "high", "medium", "low", "none"

# Strength of a field as evidence that two bids share an author or a lineage.
FIELD_STRENGTH: dict[str, str] = {
    # Lineage ids: generated at random per document or per save.
    "rsid_root": HIGH,
    "rsid": HIGH,
    "docid_w14": HIGH,
    "docid_w15": HIGH,
    "wps_icv": HIGH,
    "pdf_id_0": HIGH,
    "pdf_id_1": HIGH,
    "xmp_document_id": HIGH,
    "xmp_instance_id": HIGH,
    "xmp_original_document_id": HIGH,
    "image_sha256": HIGH,
    "image": HIGH,
    "image_near": MEDIUM,
    # E-bidding system codes of the compiling computer, certificate, account.
    "machine_code": HIGH,
    "mac": HIGH,
    "disk_serial": HIGH,
    "ca_serial": HIGH,
    "pricing_lock": HIGH,
    "deposit_account": HIGH,
    # People and settings typed by someone; can coincide.
    "author": MEDIUM,
    "last_modified_by": MEDIUM,
    "company": MEDIUM,
    "manager": MEDIUM,
    "template": MEDIUM,
    "attached_template": MEDIUM,
    "comment_author": MEDIUM,
    "revision_author": MEDIUM,
    "created": MEDIUM,
    "cpu_id": MEDIUM,
    # Weak: shared networks and common software builds.
    "upload_ip": LOW,
    "download_ip": LOW,
    "decrypt_ip": LOW,
    "title": LOW,
    "kso_product_build_ver": LOW,
    # OFD: the document id and the seal and signer certificate of its
    # signatures are per document or per company; a signing time or creation
    # time to the second is typed by no one; a bare date is every file of a day.
    "ofd_doc_id": HIGH,
    "ofd_seal_id": HIGH,
    "ofd_signer_cert_serial": HIGH,
    "ofd_created": MEDIUM,
    "ofd_modified": MEDIUM,
    "ofd_signature_time": MEDIUM,
    "ofd_created_date": LOW,
    "ofd_modified_date": LOW,
    # Recorded, never evidence: every copy of the same software writes the
    # same value (Word 2010 writes AppVersion 14.0000 into every file).
    "producer": NONE,
    "creator": NONE,
    "application": NONE,
    "app_version": NONE,
    "ofd_sign_provider": NONE,
}
UNKNOWN_CSV_STRENGTH = LOW  # a code of the e-bidding export we do not know: weak
CUSTOM_PROPERTY_STRENGTH = MEDIUM

# u_field: the chance that two honest bidders carry the same value of the
# field (scoring.py turns it into the weight log10(1/u), lowered further by
# how many of the project's bidders carry the value). Random ids generated
# per document, per save or per machine: about one in ten thousand bids
# (a copied file, a shared template) — 4.0. A typed name or a timestamp to
# the second: common names and copied templates — 1.7 to 2. Weak fields a
# whole class of bidders share by nature — 1.0 or less.
FIELD_U: dict[str, float] = {
    "rsid_root": 1e-4,
    "rsid": 1e-4,
    "docid_w14": 1e-4,
    "docid_w15": 1e-4,
    "wps_icv": 1e-4,
    "pdf_id_0": 1e-4,
    "pdf_id_1": 1e-4,
    "xmp_document_id": 1e-4,
    "xmp_instance_id": 1e-4,
    "xmp_original_document_id": 1e-4,
    "image_sha256": 1e-3,
    "image": 1e-3,
    # The same picture saved again or scaled: weaker than identical pixels
    # (an honest bidder may re-save a picture both took from one place).
    "image_near": 1e-2,
    "machine_code": 1e-4,
    "mac": 1e-4,
    "disk_serial": 1e-4,
    "ca_serial": 1e-4,
    "pricing_lock": 1e-4,
    "deposit_account": 1e-4,
    "author": 0.02,
    "last_modified_by": 0.02,
    "manager": 0.02,
    "comment_author": 0.02,
    "revision_author": 0.02,
    "attached_template": 0.02,
    "created": 0.01,
    "company": 0.1,
    "template": 0.1,
    "cpu_id": 0.1,
    "upload_ip": 0.1,
    "download_ip": 0.1,
    "decrypt_ip": 0.1,
    "title": 0.1,
    "kso_product_build_ver": 0.3,
}
UNKNOWN_FIELD_U = 0.1  # a custom property or an export code we do not know
# Weak fields: alone or together they never flag a pair (ScoreSettings.weak_cap).
WEAK_FIELDS = frozenset(
    {
        "cpu_id",
        "upload_ip",
        "download_ip",
        "decrypt_ip",
        "title",
        "company",
        "template",
        "kso_product_build_ver",
        "ofd_created_date",
        "ofd_modified_date",
    }
)
# Random ids that name one document: files sharing one are one lineage.
LINEAGE_FIELDS = frozenset(
    {
        "rsid_root",
        "docid_w14",
        "docid_w15",
        "wps_icv",
        "pdf_id_0",
        "pdf_id_1",
        "xmp_document_id",
        "xmp_instance_id",
        "xmp_original_document_id",
        "ofd_doc_id",
    }
)
# Codes of the compiling computer in signatures.csv: shared by the same
# bidders, they are one machine, one fact.
MACHINE_FIELDS = frozenset({"machine_code", "mac", "disk_serial", "cpu_id"})

_CSV_AGENT_FIELDS = {
    "ca_serial",
    "upload_ip",
    "download_ip",
    "decrypt_ip",
    "ofd_signer_cert_serial",
}


def field_strength(value: SignatureValue) -> str:
    if value.field in FIELD_STRENGTH:
        return FIELD_STRENGTH[value.field]
    if value.field.startswith("custom:"):
        return CUSTOM_PROPERTY_STRENGTH
    return UNKNOWN_CSV_STRENGTH if value.source == "csv" else NONE


def field_label(field: str) -> str:
    """The field's Chinese label (collusion.labels), else its raw name."""
    return field_name(field) or field


def field_basis(field: str) -> str:
    if field == "deposit_account":
        return basis.ART40_SAME_DEPOSIT_ACCOUNT
    if field in _CSV_AGENT_FIELDS:
        return basis.ART40_SAME_AGENT
    return basis.ART40_SAME_PREPARER


FIELD_RANK = {HIGH: 3, MEDIUM: 2, LOW: 1}


# A field without its own u_field (OFD, DOC, XLSX property codes) takes the
# u_field of its strength: a random id 1e-4, a typed value 0.02, weak 0.1.
U_BY_STRENGTH = {HIGH: 1e-4, MEDIUM: 0.02, LOW: 0.1}


def field_u(field: str) -> float:
    if field in FIELD_U:
        return FIELD_U[field]
    return U_BY_STRENGTH.get(FIELD_STRENGTH.get(field, LOW), UNKNOWN_FIELD_U)


def is_weak(field: str) -> bool:
    if field in WEAK_FIELDS or field.startswith("custom:"):
        return True
    return field not in FIELD_U and FIELD_STRENGTH.get(field, LOW) == LOW


# The fields that record an account name (collusion.analysis.reference
# ACCOUNT_FIELDS), in the order an alert names them.
IDENTITY_ORDER = {"author": 0, "last_modified_by": 1, "comment_author": 2, "revision_author": 3}
# A short or generic account name ("pc", "hp", "ab", "1", "张"): many machines
# carry it whatever their owner. Weighs as a weak field (u_field 0.1, never
# flags a pair alone) unless a history shows no other company carrying it.
GENERIC_NAME_MAX_ASCII = 3
GENERIC_NAME_U = 0.1
GENERIC_NAME_NOTE = "账户名过短或过于通用，许多电脑可能相同，仅作弱证据"
_NOT_WORD = re.compile(r"[\W_]+")


def is_generic_name(normalized: str) -> bool:
    """A name of one character, of digits only, or of at most three ASCII letters or digits."""
    compact = _NOT_WORD.sub("", normalized)
    return (
        len(compact) <= 1
        or compact.isdigit()
        or (compact.isascii() and len(compact) <= GENERIC_NAME_MAX_ASCII)
    )
