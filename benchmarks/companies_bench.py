"""Company links on generated registries: are the planted links found exactly,
and are honest bidders left alone?

Each project (``companies_gen.make_project``) is written as real DOCX bids
with companies.csv and company_relations.csv, and scanned with
``scan_project``. A planted link is found exactly when a ``company_link``
alert of its kind names both bidders through the planted person or company
and, for control, its chain holds the planted holding companies in order
(depth 1-3). Precision counts bidder pairs: of the pairs any company_link
alert names, the share that were planted. Honest pairs that share only a
bank, an auditor, a public shareholder (the state asset commission, a large
fund) or a common name must get no company_link alert.

With ``--history`` each project is also scanned into a history database, and
a follow-up project of the same bidders (the same bids, no registry files)
is scanned against it: the links must be found again, every step recalled
from the first project.

No threshold was fitted on these projects: the settings are the defaults of
``CompanySettings``, chosen before the generator was written.

    python benchmarks/companies_bench.py --projects 20            # figures
    python benchmarks/companies_bench.py --projects 20 --history  # and the history
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter
from itertools import combinations
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from companies_gen import KINDS, Truth, make_project  # noqa: E402

from collusion import store  # noqa: E402
from collusion.scan import scan_project  # noqa: E402

HONEST = ("bank", "auditor", "public_state", "public_fund", "same_name")


def links(report: dict) -> list[dict]:
    return [a for a in report["alerts"] if a["kind"] == "company_link"]


def chain_between(alert: dict, bidder: str) -> list[str]:
    """The companies between the root and the bidder's company, in order."""
    chain = alert["details"]["ties"][bidder]["chain"]
    return [step["company"] for step in chain[:-1]]


def found_exactly(case: dict, alerts: list[dict], recalled: bool = False) -> bool:
    """Whether a company_link alert reports the planted case as planted."""
    a, b = case["bidders"]
    for alert in alerts:
        details = alert["details"]
        if details["link"] != case["kind"] or not {a, b} <= set(alert["bidders"]):
            continue
        if details["via"]["value"] != case["via"]:
            continue
        ties = details["ties"]
        if case["kind"] == "control":
            if ties[a]["tie"] != "self" or ties[b]["depth"] != case["depths"][b]:
                continue
            if chain_between(alert, b) != case["between"]:
                continue
        if case["kind"] == "common_controller":
            if any(ties[x]["depth"] != case["depths"][x] for x in (a, b)):
                continue
            if any(chain_between(alert, x) != case["between"][x] for x in (a, b)):
                continue
        if recalled and not _all_recalled(alert, (a, b)):
            continue
        return True
    return False


def _all_recalled(alert: dict, bidders: tuple[str, str]) -> bool:
    """Every registry step comes from another project's record."""
    steps = [
        source
        for b in bidders
        for step in alert["details"]["ties"][b]["chain"]
        for source in step["sources"]
        if source["kind"] == "registry"
    ]
    return all("project" in s for s in steps)


def pairs_of(alerts: list[dict]) -> set[tuple[str, str]]:
    return {tuple(p) for a in alerts for p in combinations(sorted(a["bidders"]), 2)}


def evaluate(truth: Truth, report: dict, tally: Counter, recalled: bool = False) -> None:
    alerts = links(report)
    planted_pairs = {tuple(sorted(c["bidders"])) for c in truth.planted}
    for case in truth.planted:
        tally[f"planted {case['kind']}"] += 1
        depth = max(case.get("depths", {"": 1}).values())
        if case["kind"] in ("control", "common_controller"):
            tally[f"planted {case['kind']} depth {depth}"] += 1
        if found_exactly(case, alerts, recalled):
            tally[f"found {case['kind']}"] += 1
            if case["kind"] in ("control", "common_controller"):
                tally[f"found {case['kind']} depth {depth}"] += 1
        pair = next((p for p in report["pairs"] if p["bidders"] == sorted(case["bidders"])), None)
        tally[f"flagged {case['kind']}"] += int(bool(pair and pair["flagged"]))
    predicted = pairs_of(alerts)
    tally["predicted pairs"] += len(predicted)
    tally["true pairs"] += len(predicted & planted_pairs)
    for alert in alerts:
        for pair in combinations(sorted(alert["bidders"]), 2):
            if pair not in planted_pairs:
                tally[f"false {alert['details']['link']}"] += 1
    for name in HONEST:
        honest = {tuple(p) for p in truth.honest.get(name, [])} - planted_pairs
        tally[f"honest {name}"] += len(honest)
        tally[f"linked {name}"] += len(honest & predicted)


def run(projects: int, seed_base: int, history: bool) -> Counter:
    tally: Counter = Counter()
    later: Counter = Counter()
    bids: Counter = Counter()  # the follow-up's bids alone
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="companies-bench-") as tmp:
        db = store.open_db(Path(tmp) / "history.db") if history else None
        for seed in range(seed_base, seed_base + projects):
            root = Path(tmp) / f"p{seed}"
            truth = make_project(root, seed)
            if db is None:
                evaluate(truth, scan_project(root).report, tally)
                continue
            result = scan_project(root, history=store.History(db))
            evaluate(truth, result.report, tally)
            store.record_scan(db, result)
            follow = Path(tmp) / f"p{seed}-later"
            make_project(follow, seed, history=True)
            again = scan_project(follow, history=store.History(db)).report
            evaluate(truth, again, later, recalled=True)
            alone = links(scan_project(follow).report)  # the bids alone, no history
            for case in truth.planted:
                if case["kind"] == "same_legal_representative":
                    bids["planted"] += 1
                    bids["found"] += found_exactly(case, alone)
            planted = {tuple(sorted(c["bidders"])) for c in truth.planted}
            bids["false pairs"] += len(pairs_of(alone) - planted)
        if db is not None:
            db.close()
    tally["seconds"] = round(time.perf_counter() - started)
    tally.update({f"later {k}": v for k, v in later.items()})
    tally.update({f"bids {k}": v for k, v in bids.items()})
    return tally


def report_lines(tally: Counter, projects: int, history: bool) -> list[str]:
    lines = [f"{projects} generated projects, {tally['seconds']} s"]
    lines.append(f"{'link':28} {'planted':>8} {'exactly':>8} {'recall':>7} {'flagged':>8}")
    found = planted = 0
    for kind in KINDS:
        n, k, f = tally[f"planted {kind}"], tally[f"found {kind}"], tally[f"flagged {kind}"]
        found, planted = found + k, planted + n
        lines.append(f"{kind:28} {n:8} {k:8} {k / n if n else 0:7.3f} {f:8}")
    for kind in ("control", "common_controller"):
        depths = [
            f"depth {d}: {tally[f'found {kind} depth {d}']}/{tally[f'planted {kind} depth {d}']}"
            for d in (1, 2, 3)
        ]
        lines.append(f"  {kind} by longest chain: " + ", ".join(depths))
    precision = tally["true pairs"] / tally["predicted pairs"] if tally["predicted pairs"] else 0
    lines.append(
        f"recall {found}/{planted} = {found / planted if planted else 0:.3f}; pair precision "
        f"{tally['true pairs']}/{tally['predicted pairs']} = {precision:.3f}"
    )
    false = {k[6:]: v for k, v in tally.items() if k.startswith("false ")}
    lines.append(
        "false links by kind: "
        + (", ".join(f"{k} {v}" for k, v in sorted(false.items())) or "none")
    )
    lines.append("honest pairs sharing only ... (pairs, of them linked):")
    for name in HONEST:
        lines.append(f"  {name:14} {tally[f'honest {name}']:6} {tally[f'linked {name}']:6}")
    if history:
        found = sum(tally[f"later found {k}"] for k in KINDS)
        planted = sum(tally[f"later planted {k}"] for k in KINDS)
        lines.append(
            f"follow-up projects without registry files, links recalled from the history: "
            f"{found}/{planted} = {found / planted if planted else 0:.3f} "
            f"(pair precision {tally['later true pairs']}/{tally['later predicted pairs']})"
        )
        lines.append(
            f"the same follow-ups scanned alone (bids only): same legal representative "
            f"{tally['bids found']}/{tally['bids planted']}, other pairs linked "
            f"{tally['bids false pairs']}"
        )
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--projects", type=int, default=20)
    parser.add_argument("--seed-base", type=int, default=1)
    parser.add_argument(
        "--history", action="store_true", help="also measure recall from the history"
    )
    args = parser.parse_args(argv)
    tally = run(args.projects, args.seed_base, args.history)
    print("\n".join(report_lines(tally, args.projects, args.history)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
