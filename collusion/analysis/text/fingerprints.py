"""Section fingerprints for the history, made once per scan from the text
engine's own prepared sections and boilerplate layers.

A section's fingerprint is the MinHash (``collusion.analysis.minhash``) of its
shingles minus the tender's, the most-bidders' and the reference
boilerplate, so "copied" means across projects what it means within one.
The history layer is not taken out: what the history treats as common is
the history's to decide when it answers a query.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

import numpy as np

from collusion.analysis import minhash
from collusion.analysis.normalize import normalize
from collusion.analysis.text.boilerplate import Boilerplate, members, sorted_array
from collusion.analysis.text.settings import TextSettings
from collusion.analysis.text.shingles import SHINGLE_HASH_SEED, Prepared, shingle_hashes
from collusion.history import SectionPrint, TextFingerprints
from collusion.models import Section


def common_recipe(settings: TextSettings) -> str:
    """Names what makes the shingle hashes of the common text, so only equals count."""
    return f"textsim-k{settings.shingle_chars}-xxh32s{SHINGLE_HASH_SEED}-masked"


def section_print(kept: Collection[int], chars: int, recipe: str = "") -> SectionPrint:
    """A section's print: no MinHash under ``minhash.MIN_KEPT_SHINGLES`` kept
    shingles; with the MinHash recipe's name, its LSH band keys too."""
    if len(kept) < minhash.MIN_KEPT_SHINGLES:
        return SectionPrint(None, len(kept), chars)
    made = minhash.minhash_of(kept)
    bands = tuple(minhash.band_keys(made, recipe)) if recipe else ()
    return SectionPrint(made, len(kept), chars, bands)


def fingerprint_project(
    prepared: Sequence[Prepared],
    boiler: Boilerplate,
    tender: Sequence[Section],
    settings: TextSettings,
) -> TextFingerprints:
    """Every bidder and tender section's print, and the project's common text."""
    layers = sorted_array(boiler.tender | boiler.common | boiler.reference)
    recipe = minhash.recipe(settings.shingle_chars, SHINGLE_HASH_SEED)
    prints: dict[tuple[str | None, str, int], SectionPrint] = {
        (p.bidder, p.section.file, p.section.ordinal): section_print(
            p.unique[~members(p.unique, layers)].tolist(), len(p.norm.text), recipe
        )
        for p in prepared
    }
    for section in tender:
        text = normalize(section.text).text
        hashes = set(shingle_hashes(text, settings.shingle_chars)) - boiler.reference
        prints[(None, section.file, section.ordinal)] = section_print(hashes, len(text), recipe)
    return TextFingerprints(
        prints=prints,
        common=np.array(sorted(boiler.tender | boiler.common), dtype="<u4"),
        common_recipe=common_recipe(settings),
        minhash_recipe=recipe,
    )
