"""identical_file: the same bytes submitted by two or more bidders.

An identical file is one fact. What it implies (its /ID, XMP ids, metadata,
embedded images, the identifiers and text inside it) is listed in the alert's
``details.implies`` and is not reported again as other alerts
(``collusion.scoring.facts`` folds them in, cited under ``details.also_found``).
"""

from __future__ import annotations

from collections import defaultdict

from collusion.basis import ART40_SAME_PREPARER
from collusion.models import Alert, Evidence, ExtractedFile, ScanContext, Weight

IDENTICAL_FILE_SCORE = 0.99
# Two bids holding the same bytes: a random id of the document and of every
# save (1e-4, as a lineage id) and its text and metadata besides; capped at
# the weight of the strongest single fact.
IDENTICAL_FILE_LOG10_LR = 5.0


def implied(file: ExtractedFile) -> dict:
    """What an identical file carries, that is not reported again on its own."""
    return {
        "format": file.format,
        "pages": file.pages,
        "chars": file.chars,
        "signatures": [
            {"field": s.field, "value": s.value}
            for s in sorted(file.signatures, key=lambda s: (s.field, s.value))
        ],
    }


def detect(ctx: ScanContext) -> list[Alert]:
    """One alert per content hash found in more than one bidder's files."""
    tender_hashes = {f.sha256 for f in ctx.tender_files if f.sha256}
    holders: dict[str, list[tuple[str, str]]] = defaultdict(list)
    contents: dict[str, ExtractedFile] = {}
    for bidder in ctx.bidders:
        for file in bidder.files:
            if file.sha256:
                holders[file.sha256].append((bidder.id, file.path))
                contents.setdefault(file.sha256, file)
    alerts = []
    for sha, places in sorted(holders.items()):
        bidders = tuple(sorted({b for b, _ in places}))
        if len(bidders) < 2 or sha in tender_hashes:
            continue  # a copy of the tender's own file is what every bidder may attach
        files = "、".join(f"{b}（{path}）" for b, path in sorted(places))
        alerts.append(
            Alert(
                kind="identical_file",
                severity="high",
                score=IDENTICAL_FILE_SCORE,
                bidders=bidders,
                basis=ART40_SAME_PREPARER,
                summary=f"投标人 {'、'.join(bidders)} 提交了字节完全相同的文件：{files}",
                details={
                    "sha256": sha,
                    "files": [p for _, p in sorted(places)],
                    "implies": implied(contents[sha]),
                },
                evidence=tuple(
                    Evidence(bidder=b, file=path, field="sha256", value=sha)
                    for b, path in sorted(places)
                ),
                key=f"file:{sha}",
                weight=Weight(
                    log10_lr=IDENTICAL_FILE_LOG10_LR,
                    method="fixed",
                    inputs={"note": "byte-identical file, not the tender's"},
                ),
            )
        )
    return alerts
