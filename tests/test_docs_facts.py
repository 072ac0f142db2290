"""The numbers the documents' prose states are the code's.

Command outputs, help text and tables in the documents are written by cog
(tests/test_docs_current.py). A number inside a sentence is not: this test
holds each one to the constant it states, so a changed limit or threshold
fails here until the sentence says the new value. Each fact is a page, a
phrase with ``{}`` where the number goes, and the code's value; the phrase
is looked for with runs of white space (line breaks) read as one space.
Measured figures are not here: they are what a benchmark printed, with its
command and date (docs/benchmarks.md).
"""

from __future__ import annotations

import math
import re
import sys
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
WORDS = {2: "two", 3: "three", 4: "four", 5: "five", 6: "six"}


def python_floor() -> str:
    """The oldest Python pyproject.toml allows (``>=3.11`` -> ``3.11``)."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return project["requires-python"].removeprefix(">=")


def csv_line_errors() -> int:
    from collusion.runtime.csvinput import MAX_CSV_LINE_ERRORS

    return MAX_CSV_LINE_ERRORS


def extract_setting(name: str) -> Callable[[], Any]:
    def value() -> Any:
        from collusion.settings import ExtractSettings

        return getattr(ExtractSettings(), name)

    return value


def ocr_dpi() -> int:
    from collusion.extract.ocr import OCR_DPI

    return OCR_DPI


def percent(share: float) -> str:
    return f"{share:.0%}"


def ocr_share() -> str:
    from collusion.extract import OCR_SHARE_OF_BUDGET

    return percent(OCR_SHARE_OF_BUDGET)


def convert_share() -> str:
    from collusion.extract.doc import CONVERT_SHARE_OF_BUDGET

    return percent(CONVERT_SHARE_OF_BUDGET)


def input_file_mib() -> int:
    from collusion.project import MAX_INPUT_FILE_BYTES

    return MAX_INPUT_FILE_BYTES // 2**20


def max_pages() -> str:
    from collusion.settings import ExtractSettings

    return f"{ExtractSettings().max_pages:,}"


def price_cap() -> float:
    from collusion.detectors.price_pattern import MAX_PRICE_LOG10_LR

    return MAX_PRICE_LOG10_LR


def ring_share() -> float:
    from collusion.settings import PriceSettings

    return PriceSettings().ring_pattern_share


def price_max_chance() -> float:
    from collusion.settings import PriceSettings

    return PriceSettings().max_chance


def control_share() -> str:
    from collusion.settings import CompanySettings

    return f"{CompanySettings().control_share:g}"


def chain_depth() -> str:
    from collusion.settings import CompanySettings

    return WORDS[CompanySettings().max_chain_depth]


def identical_file() -> float:
    from collusion.detectors.identical_file import IDENTICAL_FILE_LOG10_LR

    return IDENTICAL_FILE_LOG10_LR


def archive_problems() -> int:
    from collusion.store.archive import MAX_LISTED_PROBLEMS

    return MAX_LISTED_PROBLEMS


def text_setting(name: str, shown: Callable[[Any], Any] = lambda v: v) -> Callable[[], Any]:
    def value() -> Any:
        from collusion.analysis.text.settings import TextSettings

        return shown(getattr(TextSettings(), name))

    return value


def rewrite_levels() -> tuple[str, ...]:
    from collusion.analysis.text.settings import TextSettings

    *first, last = (f"{level:g}" for level in TextSettings().rewrite_levels)
    return (", ".join(first), last, WORDS[len(first) + 1])


def rewrite_cap() -> str:
    from collusion.detectors.rewritten_text import REWRITTEN_MAX_LOG10_LR

    return f"{REWRITTEN_MAX_LOG10_LR:g}"


def flag_chance() -> str:
    """1 in N: the chance whose -log10 is the weight that flags a pair, to two figures."""
    from collusion.settings import ScoreSettings

    score = ScoreSettings()
    weight = -score.calibration_intercept / score.calibration_slope
    return f"{round(10**weight, -2):,.0f}"


def minhash_recipe() -> tuple[int, int, int, int]:
    from collusion.analysis import minhash

    return (minhash.NUM_PERM, minhash.MINHASH_SEED, minhash.LSH_BANDS, minhash.LSH_ROWS)


def history_bands() -> int:
    from collusion.analysis import minhash

    return minhash.LSH_BANDS


def nightly_output(name: str) -> Callable[[], Any]:
    def value() -> Any:
        from collusion.nightly import output

        return getattr(output, name)

    return value


def bucket_cap() -> int:
    from collusion.store import BAND_BUCKET_CAP

    return BAND_BUCKET_CAP


def connect_timeout() -> int:
    from collusion.store.pgdb import CONNECT_TIMEOUT_SECONDS

    return CONNECT_TIMEOUT_SECONDS


def text_weights() -> dict[str, float]:
    from collusion.detectors import near_duplicate_text as text

    return {
        "unit": text.TEXT_CHARS_PER_UNIT,
        "parameters": text.PARAMETER_LOG10_LR,
        "typos": text.TYPO_MAX_LOG10_LR,
        "group": text.GROUP_MAX_LOG10_LR,
        "sum": text.TEXT_MAX_LOG10_LR,
    }


def one_in(u: float) -> str:
    """1/u in words, as the scoring page writes it."""
    return {10_000: "ten thousand", 1_000: "a thousand", 100: "a hundred", 50: "fifty"}[
        round(1 / u)
    ]


def field_u(field: str) -> Callable[[], str]:
    def value() -> str:
        from collusion.detectors.signature_fields import FIELD_U

        return one_in(FIELD_U[field])

    return value


def ring() -> tuple[int, str, str]:
    from collusion.detectors.weights import RING_SIZE

    return (RING_SIZE, WORDS[RING_SIZE], WORDS[RING_SIZE])


def floor_u() -> tuple[str, str]:
    from collusion.detectors.weights import MIN_U

    exponent = round(-math.log10(MIN_U))
    return (
        "10⁻" + str(exponent).translate(str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")),
        f"{exponent:.1f}",
    )


def rarity_examples() -> tuple[str, str, str]:
    """The page's examples: a random id held by 2 of 12 (and 4 of 40), and by 6 of 12."""
    from collusion.detectors.signature_fields import FIELD_U
    from collusion.detectors.weights import RING_SIZE, rarity_weight

    u = FIELD_U["rsid_root"]
    rare = {rarity_weight(u, 2, 12).log10_lr, rarity_weight(u, 4, 40).log10_lr}
    assert len(rare) == 1
    common = rarity_weight(u, 6, 12).log10_lr
    return (f"{rare.pop():.1f}", f"{12 - 2}/{6 - RING_SIZE}", f"{common:.2f}")


def history_companies() -> str:
    from collusion.settings import CrossProjectSettings

    return WORDS[CrossProjectSettings().common_companies]


FACTS: list[tuple[str, str, Callable[[], Any]]] = [
    ("docs/guide.md", "Python {} or later", python_floor),
    ("docs/guide.md", "(the first {} bad lines", csv_line_errors),
    ("docs/guide.md", "each rendered at {} dpi", ocr_dpi),
    (
        "docs/guide.md",
        "within {:g} s per file (`ocr_seconds_per_file`",
        extract_setting("ocr_seconds_per_file"),
    ),
    ("docs/guide.md", "`ocr_seconds_per_file`, at most {} of the file's time", ocr_share),
    (
        "docs/guide.md",
        "(a fresh profile per file, at most {} of the file's time budget)",
        convert_share,
    ),
    ("docs/limits.md", "larger than {} MiB are not read", input_file_mib),
    ("docs/limits.md", "the first {} listed by line, the rest counted", csv_line_errors),
    ("docs/limits.md", "read to its {}-page limit", max_pages),
    ("docs/report.md", "its weight is log10(q/chance) capped at {:.1f}", price_cap),
    ("docs/report.md", "(`ring_pattern_share`, {:g})", ring_share),
    ("docs/report.md", "whose chance is above {:g} (`max_chance`)", price_max_chance),
    ("docs/companies.md", "one bidder holds {}% or more of the other", control_share),
    ("docs/companies.md", "(at most {} steps)", chain_depth),
    ("docs/companies.md", "chains of holdings of {}% or more each", control_share),
    ("docs/rings.md", "(the first {}, then a count)", archive_problems),
    (
        "docs/text.md",
        "Content words are those in at most {} of the sentences",
        text_setting("rewrite_content_share", percent),
    ),
    (
        "docs/text.md",
        "by at most {} sentences, never by the tender",
        text_setting("rewrite_anchor_postings"),
    ),
    (
        "docs/text.md",
        "(a rare anchor, in at most {} sentences, counts twice; a pair needs {})",
        lambda: (text_setting("rewrite_rare_postings")(), text_setting("rewrite_min_anchors")()),
    ),
    (
        "docs/text.md",
        "tf-idf cosine reaches {:g} and whose Dice over content words reaches {:g}",
        lambda: (text_setting("rewrite_seed_cosine")(), text_setting("rewrite_seed_dice")()),
    ),
    (
        "docs/text.md",
        "whose fewer numbers agree at {} or more",
        text_setting("rewrite_seed_numbers", percent),
    ),
    ("docs/text.md", "neighbours at most {} sentences apart", text_setting("rewrite_max_gap")),
    (
        "docs/text.md",
        "within {} sentences on both sides are merged",
        text_setting("rewrite_merge_gap"),
    ),
    (
        "docs/text.md",
        "aligned sentence on each side and needs {} of them",
        text_setting("rewrite_min_sentences"),
    ),
    (
        "docs/text.md",
        "smoothed towards {:g} with the weight of {} bidders",
        lambda: (
            text_setting("rewrite_prior_rate")(),
            text_setting("rewrite_prior_bidders", lambda v: WORDS[int(v)])(),
        ),
    ),
    ("docs/text.md", "the cosine levels {} and {} (times {})", rewrite_levels),
    (
        "docs/text.md",
        "A passage is reported at a chance of {} or less",
        text_setting("rewrite_max_p", percent),
    ),
    ("docs/text.md", "its weight is −log10 of the chance (capped at {},", rewrite_cap),
    ("docs/text.md", "a chance below about 1 in {} flags the pair by itself", flag_chance),
    (
        "docs/operations.md",
        "The MinHash recipe ({} permutations, seed {}, {} LSH bands of {} rows",
        minhash_recipe,
    ),
    (
        "docs/operations.md",
        "at most {} bytes); any other id",
        nightly_output("FILE_NAME_MAX_BYTES"),
    ),
    (
        "docs/operations.md",
        "plus `-` and {} hex digits of its SHA-256",
        nightly_output("FILE_NAME_HASH_CHARS"),
    ),
    ("docs/operations.md", "Every stored section's {} LSH band keys", history_bands),
    ("docs/operations.md", "fills up with {} sections (`BAND_BUCKET_CAP`", bucket_cap),
    ("docs/operations.md", "cannot be reached ({} s timeout)", connect_timeout),
    (
        "docs/scoring.md",
        "a random lineage id or machine code is one in {}",
        field_u("machine_code"),
    ),
    ("docs/scoring.md", "a random lineage id or machine code is one in {}", field_u("rsid_root")),
    ("docs/scoring.md", "a typed author name one in {}", field_u("author")),
    (
        "docs/scoring.md",
        "`max(0, k − {})/(n − 2)`, the share of the project's other bidders that carry "
        "the value beyond a ring of {} (k of n bidders carry it; a ring of up to {} needs",
        ring,
    ),
    ("docs/scoring.md", "{}: no fact alone is worth more than {}", floor_u),
    (
        "docs/scoring.md",
        "by four of forty, weighs {}, and held by six of twelve weighs log10({}) = {}",
        rarity_examples,
    ),
    ("docs/scoring.md", "a value that {} or more different companies carried", history_companies),
    (
        "docs/scoring.md",
        "one unit per {unit:g}, a parameter sequence {parameters:.1f}, shared typos "
        "−log10 of their Poisson p-value (at most {typos:g}), a group copy −log10 of its chance "
        "(at most {group:g})",
        text_weights,
    ),
    ("docs/scoring.md", "the sum at most {sum:g}", text_weights),
    ("docs/scoring.md", "a rewritten passage −log10 of its chance (at most {}", rewrite_cap),
    (
        "docs/scoring.md",
        "weighs log10(q/chance), q = {:g} (`ring_pattern_share`), at most {:.1f}",
        lambda: (ring_share(), price_cap()),
    ),
    ("docs/scoring.md", "An identical file weighs {:.1f}", identical_file),
]


def prose(page: str) -> str:
    return re.sub(r"\s+", " ", (ROOT / page).read_text(encoding="utf-8"))


@pytest.mark.parametrize(("page", "phrase", "value"), FACTS, ids=[f"{p}: {s}" for p, s, _ in FACTS])
def test_the_number_a_sentence_states_is_the_codes(page, phrase, value):
    found = value()
    if isinstance(found, dict):
        said = phrase.format(**found)
    elif isinstance(found, tuple):
        said = phrase.format(*found)
    else:
        said = phrase.format(found)
    assert said in prose(page), (
        f"{page} no longer says {said!r}: the code changed the number (or the sentence "
        "was reworded); make the sentence say the code's value, and update this fact"
    )


def test_a_fact_fails_when_the_page_says_another_number(tmp_path, monkeypatch):
    page = tmp_path / "docs" / "p.md"
    page.parent.mkdir()
    page.write_text("read to its\n2,000-page limit", encoding="utf-8")
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    assert "read to its 2,000-page limit" in prose("docs/p.md")
    with pytest.raises(AssertionError):
        test_the_number_a_sentence_states_is_the_codes(
            "docs/p.md", "read to its {}-page limit", max_pages
        )
