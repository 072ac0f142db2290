"""Near-duplicate text engine: one module per stage, run in order by ``compare_project``.

1. ``shingles.prepare``: each section normalized (names masked) and cut into
   character 5-gram shingles hashed with 32-bit xxhash.
2. ``boilerplate.build_boilerplate``: the shingles that are never evidence, in
   layers (the tender, what many bidders share, reviewed reference texts, a
   history hook).
3. ``candidates``: section pairs from MinHashLSH, from rare shingles and from
   rare technical parameters (``parameters``), sorted.
4. ``verify``: every candidate confirmed by exact measures, or dropped.
5. ``alignment.align``: the passages of each confirmed pair; beside it,
   ``meaning.rewritten_passages``: passages rewritten in other words, found
   on the word view (``words``) sentence by sentence, joined to the pair's
   literal result by ``rewrite_merge`` (docs/text.md).
6. ``typos.shared_typos``: input-method slips exactly two bidders share.
7. ``aggregation.aggregate``: one result per bidder pair, with its severity.

``engine.compare_project`` runs the stages; ``settings.TextSettings`` holds
every threshold. ``engine.prepare_project`` runs stages 1 and 2 alone, once
per scan, so that ``fingerprints.fingerprint_project`` (the section MinHashes
the history stores, ``collusion.analysis.minhash``) and the comparison share them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collusion.analysis.text.aggregation import PairResult, ProjectComparison
    from collusion.analysis.text.boilerplate import (
        Boilerplate,
        HistoryHook,
        build_boilerplate,
        load_reference_texts,
        reference_shingles,
    )
    from collusion.analysis.text.engine import (
        PreparedText,
        compare_project,
        page_at,
        prepare_project,
    )
    from collusion.analysis.text.fingerprints import fingerprint_project
    from collusion.analysis.text.parameters import Param, extract_params
    from collusion.analysis.text.settings import TextSettings
    from collusion.analysis.text.shingles import (
        SHINGLE_HASH_SEED,
        Prepared,
        prepare,
        shingle_hashes,
    )
    from collusion.analysis.text.typos import SharedTypo, sounds_alike

# Where each name of ``__all__`` lives. Importing the package imports none of
# them: a process that needs only ``settings`` or ``shingles`` (an extraction
# worker, the scan before its workers start) does not pay for SciPy and the
# comparison stages; each name is imported on first use (PEP 562).
_HOMES = {
    "PairResult": "aggregation",
    "ProjectComparison": "aggregation",
    "Boilerplate": "boilerplate",
    "HistoryHook": "boilerplate",
    "build_boilerplate": "boilerplate",
    "load_reference_texts": "boilerplate",
    "reference_shingles": "boilerplate",
    "PreparedText": "engine",
    "compare_project": "engine",
    "page_at": "engine",
    "prepare_project": "engine",
    "fingerprint_project": "fingerprints",
    "Param": "parameters",
    "extract_params": "parameters",
    "TextSettings": "settings",
    "SHINGLE_HASH_SEED": "shingles",
    "Prepared": "shingles",
    "prepare": "shingles",
    "shingle_hashes": "shingles",
    "SharedTypo": "typos",
    "sounds_alike": "typos",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{home}"), name)
    globals()[name] = value
    return value


__all__ = [
    "SHINGLE_HASH_SEED",
    "Boilerplate",
    "HistoryHook",
    "PairResult",
    "PreparedText",
    "Param",
    "Prepared",
    "ProjectComparison",
    "SharedTypo",
    "TextSettings",
    "build_boilerplate",
    "compare_project",
    "extract_params",
    "fingerprint_project",
    "load_reference_texts",
    "page_at",
    "prepare",
    "prepare_project",
    "reference_shingles",
    "shingle_hashes",
    "sounds_alike",
]
