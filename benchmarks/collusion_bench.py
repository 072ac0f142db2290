"""Whole-scan benchmark: labelled projects where honest bidders behave as real ones do.

Every project is written as real DOCX and PDF files (mixed) and scanned with
``scan_project``. Honest bidders carry the seven things that look like
evidence but are not (issue 10):

1. a public picture (the same emblem, in DOCX and PDF) in about 40% of bids;
2. weak signs: CPU ids of three processor models, two hall upload IPs,
   the document title 技术标, a generic Company field;
3. template passages: six stock paragraphs, each held by 3 to 10 bidders;
4. the agency's phone and e-mail quoted with their label (half the projects
   have no tender folder);
5. common misspellings (模版, 混泥土) in a third of the bids;
6. bid prices at random, to the fen;
7. python-docx's own ids in every DOCX (known common values).

Every bidder fills the tender's forms with its own people and numbers: its
legal representative's and its agent's ID numbers, its agent's mobile, the
bank and account its deposit is paid from, its price.

Colluding groups of 2 to 4 bidders each show one or two of: sections copied
from the group's lead (names swapped), one document lineage (DOCX rsids and
docIds, or PDF /ID and XMP ids), the same compiling computer in
signatures.csv, the same agent (name, ID number and mobile) in every
member's forms, the deposit paid from the lead's account, and (groups of
three or more) prices in a progression with a round step. A pair is positive
when both bidders are in one group.

``--fit`` scans projects of seeds 1000+ (fitting projects), fits the pair
score's logistic calibration (scikit-learn) on their pairs' weights and prints
the constants (the flag stays at even odds, ``ScoreSettings.flag_threshold``); the figures are always measured on projects of seeds 1..N,
never used for fitting. A separate project of 200 one-page bidders with
random prices to the fen checks that no price pattern flags a pair.

    python benchmarks/collusion_bench.py --projects 3            # figures
    python benchmarks/collusion_bench.py --fit --projects 3      # fit, then figures
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import random
import sys
import tempfile
from dataclasses import dataclass, replace
from itertools import combinations
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402
from textsim_gen import (  # noqa: E402
    BidSection,
    company_names,
    copy_section,
    own_plan,
    person,
    sentences_of,
)

from collusion.scan import scan_project  # noqa: E402
from collusion.scoring.score import probability  # noqa: E402
from collusion.settings import ScoreSettings, Settings  # noqa: E402
from tools import synth  # noqa: E402

SIZES = (5, 15, 40)
GROUPS = {5: (2,), 15: (2, 3), 40: (2, 3, 4)}
FIT_SEED_BASE = 1000
AGENCY = "中山市公信招标代理有限公司"
AGENCY_LINE = f"招标代理机构为{AGENCY}，联系电话：0760-88886666，电子邮箱：zb@gongxin.cn。"
CPU_MODELS = ("BFEBFBFF000906EA", "BFEBFBFF000A0671", "178BFBFF00A20F12")
HALL_IPS = ("183.6.112.45", "183.6.112.46")
TEMPLATE_PARAGRAPHS = 6
# --distinct-stock: stock paragraphs of wording no bid's own plan uses (a
# stress check of the text rules, not a realistic text): sentences of common
# characters drawn at random.
COMMON_CHARS = (
    "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子"
    "说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机"
    "当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心"
)
MECHANISMS = ("text", "lineage", "machine", "people", "deposit", "prices")
BANKS = ("中国建设银行中山分行", "中国工商银行中山分行", "中国农业银行中山分行", "中国银行中山分行")
# A ring's prices: the lead's, then each member a round step above the one before.
PRICE_STEPS = (10_000, 20_000, 50_000)


def hexid(rng: random.Random, digits: int) -> str:
    return "".join(rng.choice("0123456789ABCDEF") for _ in range(digits))


def distinct_stock(rng: random.Random, count: int) -> list[str]:
    """``count`` stock paragraphs sharing no wording with the bids' own plans."""

    def sentence() -> str:
        return "".join(rng.choice(COMMON_CHARS) for _ in range(rng.randint(18, 30))) + "。"

    return ["".join(sentence() for _ in range(rng.randint(4, 6))) for _ in range(count)]


def make_project(
    root: Path, seed: int, bidders: int, distinct: int = 0
) -> dict[tuple[str, str], tuple[str, ...]]:
    """Write one labelled project under ``root``; return its colluding pairs,
    each with the traces its group was given."""
    rng = random.Random(seed)
    ids = [f"b{n:02d}" for n in range(1, bidders + 1)]
    names = dict(zip(ids, company_names(rng, bidders), strict=True))
    plans = {b: own_plan(rng, names[b], 4, 3) for b in ids}
    templates = own_plan(rng, "某某模板公司", 2, TEMPLATE_PARAGRAPHS // 2)
    stock = ["".join(p) for s in templates for p in s.paragraphs][:TEMPLATE_PARAGRAPHS]
    if distinct:
        stock = distinct_stock(rng, distinct)
    for paragraph in stock:  # situation 3: template text held by 3..10 bidders
        for b in rng.sample(ids, min(bidders - 1, rng.randint(3, 10))):
            section = rng.choice(plans[b])
            section.paragraphs.append(sentences_of(paragraph))
    emblem = synth.smooth_png(seed * 7919 + 1, size=80)
    public = set(rng.sample(ids, max(3, round(0.4 * bidders))))
    fmt = {b: rng.choice(("docx", "pdf")) for b in ids}
    codes: dict[str, dict] = {b: {} for b in ids}
    csv_rows = []
    for b in ids:
        csv_rows.append((b, "cpu_id", rng.choice(CPU_MODELS)))
        csv_rows.append(
            (
                b,
                "upload_ip",
                rng.choice(HALL_IPS)
                if rng.random() < 0.6
                else f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(256)}",
            )
        )
        csv_rows.append((b, "machine_code", hexid(rng, 16)))
    forms = {b: own_forms(rng) for b in ids}
    prices = {b: round(rng.uniform(9e6, 1.1e7), 2) for b in ids}  # situation 6
    positives: dict[tuple[str, str], tuple[str, ...]] = {}
    free = ids[:]
    rng.shuffle(free)
    for size in GROUPS[bidders]:
        group = sorted(free.pop() for _ in range(size))
        traces = plant_group(rng, group, Bids(plans, names, fmt, codes, csv_rows, forms, prices))
        positives.update(dict.fromkeys(combinations(group, 2), traces))
    root.mkdir(parents=True, exist_ok=True)
    with_tender = seed % 2 == 0
    tender = synth.tender_forms("某某路改造工程", "中山市某某局", AGENCY, "0760-88886666")
    if with_tender:
        items = [x for title, lines in tender for x in [(title, 1), *lines]]
        synth.write_docx(root / "tender" / "招标文件.docx", items)
    for b in ids:
        filled = synth.filled_forms(
            tender, names[b], forms[b]["rep"], forms[b]["agent"], prices[b], extra=forms[b]["extra"]
        )
        items = [x for title, lines in filled for x in [(title, 1), *lines]]
        items.append(AGENCY_LINE)  # situation 4
        for section in plans[b]:
            items.append((section.title, 1))
            items.extend("".join(p) for p in section.paragraphs)
        if rng.random() < 1 / 3:  # situation 5
            items = [
                i.replace("模板", "模版").replace("混凝土", "混泥土") if isinstance(i, str) else i
                for i in items
            ]
        pictures = [emblem] if b in public else []
        path = root / "bids" / b / f"技术标.{fmt[b]}"
        if fmt[b] == "docx":
            synth.write_docx(
                path,
                items,
                images=pictures,
                core={"title": "技术标"},
                app={"Company": "微软中国"},
                **codes[b],
            )
        else:
            day, hour, minute, second = (
                rng.randint(*r) for r in ((1, 28), (8, 20), (0, 59), (0, 59))
            )
            created = f"D:202601{day:02d}{hour:02d}{minute:02d}{second:02d}+08'00'"
            synth.write_pdf(
                path,
                [items],
                images=pictures,
                metadata={"title": "技术标", "creationDate": created},
                **codes[b],
            )
    meta = {
        "id": f"BENCH-{seed}",
        "bidders": {b: {"name": names[b], "price": prices[b]} for b in ids},
    }
    (root / "project.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    with (root / "signatures.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(("bidder", "code", "value"))
        writer.writerows(csv_rows)
    return positives


def own_forms(rng: random.Random) -> dict:
    """A bidder's own people and numbers for the tender's forms."""
    return {
        "rep": person(rng),
        "agent": person(rng),
        "extra": {
            "法定代表人身份证号码": synth.make_resident_id(rng),
            "委托代理人身份证号码": synth.make_resident_id(rng),
            "委托代理人联系电话": synth.make_mobile(rng),
            "开户银行": rng.choice(BANKS),
            "保证金转出账号": "4405" + "".join(rng.choice("0123456789") for _ in range(16)),
        },
    }


@dataclass
class Bids:
    """What plant_group may change in a project being written."""

    plans: dict[str, list[BidSection]]
    names: dict[str, str]
    fmt: dict[str, str]
    codes: dict[str, dict]
    csv_rows: list[tuple[str, str, str]]
    forms: dict[str, dict]
    prices: dict[str, float]


def plant_group(rng: random.Random, group: list[str], bids: Bids) -> tuple[str, ...]:
    """Give a colluding group one or two shared traces; return them."""
    usable = [m for m in MECHANISMS if m != "prices" or len(group) >= 3]
    chosen = rng.sample(usable, rng.choice((1, 2)))
    lead, *others = group
    plans, names, fmt, codes, csv_rows = bids.plans, bids.names, bids.fmt, bids.codes, bids.csv_rows
    if "people" in chosen:  # one agent signs for every member
        for other in others:
            bids.forms[other]["agent"] = bids.forms[lead]["agent"]
            for field in ("委托代理人身份证号码", "委托代理人联系电话"):
                bids.forms[other]["extra"][field] = bids.forms[lead]["extra"][field]
    if "deposit" in chosen:  # every member's deposit paid from the lead's account
        for other in others:
            for field in ("开户银行", "保证金转出账号"):
                bids.forms[other]["extra"][field] = bids.forms[lead]["extra"][field]
    if "prices" in chosen:  # the lead's price, then a round step above each other
        step = rng.choice(PRICE_STEPS)
        order = [lead, *rng.sample(others, len(others))]
        for rank, member in enumerate(order):
            bids.prices[member] = round(bids.prices[lead] + rank * step, 2)
    if "text" in chosen:  # the lead's plan is the group's: two sections in every bid
        for index in rng.sample(range(len(plans[lead])), 2):
            for other in others:
                plans[other][index] = copy_section(
                    rng,
                    plans[lead][index],
                    names[lead],
                    names[other],
                    rng.choice(("verbatim", "light_edit")),
                    plans[other][index],
                )
    if "lineage" in chosen:
        root_id, rsids = hexid(rng, 8), [hexid(rng, 8) for _ in range(6)]
        pdf_id = (hexid(rng, 32), hexid(rng, 32))
        for member in group:
            if fmt[member] == "docx":
                codes[member] = {
                    "rsid_root": root_id,
                    "rsids": [root_id, *rsids],
                    "doc_id_w14": rsids[0],
                }
            else:
                codes[member] = {"pdf_id": pdf_id}
        docx_members = [m for m in group if fmt[m] == "docx"]
        if 0 < len(docx_members) < len(group):  # one lineage across formats: same author
            for member in group:
                if fmt[member] == "pdf":
                    fmt[member] = "docx"
                    codes[member] = codes[docx_members[0]]
    if "machine" in chosen:
        machine = hexid(rng, 16)
        for index, row in enumerate(csv_rows):
            if row[0] in group and row[1] == "machine_code":
                csv_rows[index] = (row[0], "machine_code", machine)
    return tuple(sorted(chosen))


def scan_pairs(
    root: Path, positives: dict[tuple[str, str], tuple[str, ...]], bidders: int
) -> list[tuple]:
    """((pair, its group's traces), weight, label) for every pair of the project."""
    report = scan_project(root, Settings()).report
    weights = {tuple(p["bidders"]): p["weight"] for p in report["pairs"]}
    ids = [b["id"] for b in report["bidders"]]
    assert len(ids) == bidders, ids
    return [
        ((pair, positives.get(pair, ())), weights.get(pair, 0.0), pair in positives)
        for pair in combinations(ids, 2)
    ]


def collect(seeds: range, size: int, work: Path, distinct: int = 0) -> list[tuple]:
    rows = []
    for seed in seeds:
        root = work / f"p{size}-{seed}"
        positives = make_project(root, seed * 100 + size, size, distinct)
        rows.extend(scan_pairs(root, positives, size))
    return rows


def fit(rows: list[tuple]) -> tuple[float, float]:
    from sklearn.linear_model import LogisticRegression

    x = np.array([[w] for _, w, _ in rows])
    y = np.array([int(label) for _, _, label in rows])
    model = LogisticRegression(C=1.0).fit(x, y)
    return float(model.intercept_[0]), float(model.coef_[0][0])


def figures(rows: list[tuple], settings: ScoreSettings) -> dict:
    scores = [(probability(w, settings), label) for _, w, label in rows]
    flagged = [label for s, label in scores if s >= settings.flag_threshold]
    positives = sum(label for _, label in scores)
    tp = sum(flagged)
    precision = tp / len(flagged) if flagged else 1.0
    recall = tp / positives if positives else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    high = [label for s, label in scores if s >= 0.9]
    brier = sum((s - label) ** 2 for s, label in scores) / len(scores)
    bins = []
    for low in np.arange(0, 1, 0.2):
        inside = [
            (s, label) for s, label in scores if low <= s < low + 0.2 or (s == 1 and low >= 0.8)
        ]
        if inside:
            bins.append(
                (
                    round(float(low), 1),
                    len(inside),
                    round(sum(s for s, _ in inside) / len(inside), 3),
                    round(sum(label for _, label in inside) / len(inside), 3),
                )
            )
    honest_w = max((w for _, w, label in rows if not label), default=0.0)
    missed = sorted(
        w for _, w, label in rows if label and probability(w, settings) < settings.flag_threshold
    )
    by_trace: dict[str, list[int]] = {}
    for (_, traces), w, label in rows:
        if label:
            tally = by_trace.setdefault("+".join(traces), [0, 0])
            tally[0] += probability(w, settings) >= settings.flag_threshold
            tally[1] += 1
    return {
        "by_trace": by_trace,
        "max_honest_weight": honest_w,
        "missed_weights": missed,
        "pairs": len(scores),
        "positives": positives,
        "flagged": len(flagged),
        "tp": tp,
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "honest_share_of_flagged": (len(flagged) - tp) / len(flagged) if flagged else 0.0,
        "scored_ge_0_9": len(high),
        "colluding_share_ge_0_9": sum(high) / len(high) if high else math.nan,
        "brier": brier,
        "reliability": bins,
    }


def random_price_check(work: Path, bidders: int = 200) -> int:
    """Flagged pairs among ``bidders`` one-page honest bids with random prices to the fen."""
    rng = random.Random(4242)
    root = work / "prices200"
    meta = {"id": "PRICES-200", "bidders": {}}
    for n in range(1, bidders + 1):
        b = f"b{n:03d}"
        synth.write_docx(root / "bids" / b / "报价.docx", [f"第{n}号投标人报价文件。"])
        meta["bidders"][b] = {"price": round(rng.uniform(9e6, 1.1e7), 2)}
    (root / "project.json").write_text(json.dumps(meta), encoding="utf-8")
    report = scan_project(root).report
    return sum(1 for p in report["pairs"] if p["flagged"])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, default=3, help="projects per size")
    parser.add_argument("--fit", action="store_true", help="fit the calibration first")
    parser.add_argument(
        "--fit-projects",
        type=int,
        default=None,
        help="fitting projects per size (seeds 1000+; default: --projects)",
    )
    parser.add_argument(
        "--sizes",
        type=int,
        nargs="+",
        default=list(SIZES),
        choices=SIZES,
        help="project sizes to measure (the fit always uses every size)",
    )
    parser.add_argument(
        "--distinct-stock",
        type=int,
        default=0,
        metavar="N",
        help="stress check: N stock paragraphs of distinct (random) wording instead of six",
    )
    parser.add_argument(
        "--no-price-check", action="store_true", help="skip the 200 random-price bidders"
    )
    args = parser.parse_args(argv)
    settings = ScoreSettings()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        if args.fit:
            fit_projects = args.fit_projects or args.projects
            rows = [
                r
                for size in SIZES
                for r in collect(range(FIT_SEED_BASE, FIT_SEED_BASE + fit_projects), size, work)
            ]
            intercept, slope = fit(rows)
            print(
                f"fitted on {len(rows)} pairs of seeds {FIT_SEED_BASE}+: "
                f"calibration_intercept={intercept:.4f} calibration_slope={slope:.4f}"
            )
            settings = replace(
                settings,
                calibration_intercept=round(intercept, 4),
                calibration_slope=round(slope, 4),
            )
            even = -settings.calibration_intercept / settings.calibration_slope
            f = figures(rows, settings)
            print(
                f"flag_threshold={settings.flag_threshold} (even odds: weight {even:.2f}); "
                f"on the fitting projects precision {f['precision']:.3f} recall {f['recall']:.3f}, "
                f"largest honest weight {f['max_honest_weight']:.2f}, missed colluding pairs' "
                f"weights {[round(w, 2) for w in f['missed_weights']]}"
            )
        everything = []
        for size in args.sizes:
            rows = collect(range(1, args.projects + 1), size, work, args.distinct_stock)
            everything += rows
            f = figures(rows, settings)
            print(
                f"{size:>3} bidders x {args.projects} projects: pairs {f['pairs']}, colluding "
                f"{f['positives']}, flagged {f['flagged']}; precision {f['precision']:.3f} "
                f"recall {f['recall']:.3f} F1 {f['f1']:.3f}; honest share of flagged "
                f"{f['honest_share_of_flagged']:.3f}; scored >= 0.9: {f['scored_ge_0_9']}, "
                f"colluding {f['colluding_share_ge_0_9']:.3f}; Brier {f['brier']:.5f}; "
                f"largest honest weight {f['max_honest_weight']:.2f}, missed colluding "
                f"pairs' weights {[round(w, 2) for w in f['missed_weights']]}"
            )
            print(
                "      colluding pairs flagged, by their group's traces: "
                + ", ".join(f"{t} {hit}/{n}" for t, (hit, n) in sorted(f["by_trace"].items()))
            )
        f = figures(everything, settings)
        print("reliability (score bin, pairs, mean score, colluding share):")
        for row in f["reliability"]:
            print(f"  {row}")
        print(f"Brier score, all figure projects: {f['brier']:.5f}")
        if not args.no_price_check:
            flagged = random_price_check(work)
            print(f"200 bidders with random prices to the fen: {flagged} flagged pairs")


if __name__ == "__main__":
    main()
