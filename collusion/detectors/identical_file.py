"""identical_file: the same bytes submitted by two or more bidders."""

from __future__ import annotations

from collections import defaultdict

from collusion.basis import ART40_SAME_PREPARER
from collusion.models import Alert, Evidence, ScanContext

IDENTICAL_FILE_SCORE = 0.99


def detect(ctx: ScanContext) -> list[Alert]:
    """One alert per content hash found in more than one bidder's files."""
    tender_hashes = {f.sha256 for f in ctx.tender_files if f.sha256}
    holders: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for bidder in ctx.bidders:
        for file in bidder.files:
            if file.sha256:
                holders[file.sha256].append((bidder.id, file.path))
    alerts = []
    for sha, places in sorted(holders.items()):
        bidders = tuple(sorted({b for b, _ in places}))
        if len(bidders) < 2 or sha in tender_hashes:
            continue  # a copy of the tender's own file is what every bidder may attach
        files = "、".join(f"{b}（{path}）" for b, path in sorted(places))
        alerts.append(Alert(
            kind="identical_file",
            severity="high",
            score=IDENTICAL_FILE_SCORE,
            bidders=bidders,
            basis=ART40_SAME_PREPARER,
            summary=f"投标人 {'、'.join(bidders)} 提交了字节完全相同的文件：{files}",
            details={"sha256": sha, "files": [p for _, p in sorted(places)]},
            evidence=tuple(Evidence(bidder=b, file=path, field="sha256", value=sha)
                           for b, path in sorted(places)),
        ))
    return alerts
