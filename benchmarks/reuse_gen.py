"""Verbatim copies of every length inside otherwise different long bids (the
shape of the PAN text-alignment corpora), for passage precision and
granularity.

One project per seed: ``textsim_gen`` bidders with long sections (cut into
windows by the sectioning), and one copier that took stretches of the
source's sentences into its own sections, each at a paragraph boundary:

- ``short``: 2 to 3 sentences (about 60 to 150 characters);
- ``medium``: 6 to 12 sentences;
- ``long``: 25 to 45 sentences (about 1,000 to 2,000 characters);
- ``very long``: 60 to 90 sentences (about 3,000 to 4,500 characters, over
  the boundary of two windows on either side);
- ``shuffled``: 6 to 12 sentences with their order shuffled.

Long bids written from the generator's sentence templates alone would share
nearly every phrase (a few dozen templates, hundreds of sentences a bidder),
so that a copy could not be told from common text. Here each bidder writes
most sentences of its own (``OWN_SHARE`` of them: characters of common
Chinese words drawn at random, ``collusion_bench.distinct_stock``'s
alphabet) and the rest from the templates, worded its own way (synonyms, as
``textsim_gen.paraphrase_sentence`` does lightly): the templates are the
shared stock phrases a copy sits among. Names are swapped as a copier does. Every copied sentence is recorded in
its section's ``copied`` with its case, so that both sides can be located.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from collusion_bench import COMMON_CHARS
from textsim_gen import BidSection, Project, make_project, paraphrase_sentence, swap_names

REUSE_CASES = {  # case -> (least, most) sentences of one copied stretch
    "short": (2, 3),
    "medium": (6, 12),
    "long": (25, 45),
    "very long": (60, 90),
    "shuffled": (6, 12),
}
STRETCHES_PER_CASE = 2
SECTIONS = 6
PARAGRAPHS = 60  # about 7,000 characters a section: two or three windows
SENTENCES_PER_PARAGRAPH = 4
OWN_SHARE = 0.6  # of a bidder's sentences written in its own words


@dataclass(frozen=True)
class Reuse:
    """A project with one copier, and the case of each copied sentence."""

    project: Project
    copier: str
    source: str
    case_of: dict[str, str]  # copied sentence (as the copier wrote it) -> its case


def reuse_project(seed: int, bidders: int = 6) -> Reuse:
    """A project of honest bidders in which one copied stretches of another's text."""
    rng = random.Random(seed)
    project = make_project(
        seed, bidders=bidders, sections=SECTIONS, paragraphs=PARAGRAPHS, cases=()
    )
    for bid in project.bids:
        words = random.Random(f"{seed}-{bid.bidder}")
        for section in bid.plan:
            section.paragraphs = [[_own(words, s) for s in p] for p in section.paragraphs]
    source, copier = rng.sample(project.bids, 2)
    flat = [[s for p in section.paragraphs for s in p] for section in source.plan]
    used: list[set[int]] = [set() for _ in flat]  # no sentence copied twice
    case_of: dict[str, str] = {}
    for case, (least, most) in REUSE_CASES.items():
        for _ in range(STRETCHES_PER_CASE):
            chosen = rng.randrange(len(flat))
            sentences = flat[chosen]
            size = min(len(sentences), rng.randint(least, most))
            starts = [
                i
                for i in range(len(sentences) - size + 1)
                if used[chosen].isdisjoint(range(i - 1, i + size + 1))
            ]
            if not starts:
                continue
            start = rng.choice(starts)
            used[chosen].update(range(start, start + size))
            stretch = [
                swap_names(s, source.company, copier.company)
                for s in sentences[start : start + size]
            ]
            if case == "shuffled":
                rng.shuffle(stretch)
            for sentence in stretch:
                case_of[sentence] = case
            _insert(rng, rng.choice(copier.plan), stretch)
    return Reuse(project, copier.bidder, source.bidder, case_of)


def _own(rng: random.Random, template: str) -> str:
    """A sentence of the bidder's own, or the template in its own wording."""
    if rng.random() < OWN_SHARE:
        return "".join(rng.choice(COMMON_CHARS) for _ in range(rng.randint(18, 30))) + "。"
    return paraphrase_sentence(rng, template, heavy=False)


def _insert(rng: random.Random, section: BidSection, stretch: list[str]) -> None:
    """The stretch as paragraphs of the section, at a paragraph boundary."""
    paragraphs = [
        stretch[i : i + SENTENCES_PER_PARAGRAPH]
        for i in range(0, len(stretch), SENTENCES_PER_PARAGRAPH)
    ]
    at = rng.randrange(len(section.paragraphs) + 1)
    section.paragraphs[at:at] = paragraphs
    section.copied.extend(stretch)
