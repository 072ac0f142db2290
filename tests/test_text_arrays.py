"""The text engine's array code gives exactly what the per-item loops it
replaced gave (kept here as the reference): passages on bids with copies,
stock text, boilerplate, repeats and edits; folding character by character;
the technical-parameter pattern."""

from __future__ import annotations

import random
import re
import unicodedata
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from itertools import combinations

import numpy as np
import pytest
from scipy import sparse

from collusion.analysis import folding, minhash
from collusion.analysis import normalize as normalize_module
from collusion.analysis.text import TextSettings, paramtext, prepare_project, shingles
from collusion.analysis.text.alignment import Passage, align, merge_runs, overlaps
from collusion.analysis.text.boilerplate import FILTER_MIN_VALUES, Boilerplate, members
from collusion.analysis.text.engine import remaining_by_bidder
from collusion.analysis.text.sentence_matrix import bidders_of_columns
from collusion.analysis.text.shingles import Prepared
from collusion.analysis.text.typos import bigram_df
from collusion.analysis.text.words import SectionWords
from collusion.models import Block, Section
from tools import synth


@dataclass
class _Run:
    a_start: int
    a_end: int
    b_start: int
    b_end: int


def reference_seed_runs(
    a: Prepared, b: Prepared, removed: Collection[int], settings: TextSettings
) -> list[_Run]:
    k = settings.shingle_chars
    positions: dict[int, list[int]] = defaultdict(list)
    shared = (a.shingles & b.shingles) - removed
    for j, h in enumerate(b.hashes):
        if h in shared:
            positions[h].append(j)
    open_runs: dict[int, _Run] = {}
    runs: list[_Run] = []
    for i, h in enumerate(a.hashes):
        js = positions.get(h)
        if not js or len(js) > settings.max_seed_positions:
            continue
        for j in js:
            diag = j - i
            run = open_runs.get(diag)
            if run is not None and i - (run.a_end - k) <= settings.max_gap_chars:
                run.a_end, run.b_end = i + k, j + k
            else:
                run = _Run(i, i + k, j, j + k)
                open_runs[diag] = run
                runs.append(run)
    return runs


def reference_extend_runs(a: str, b: str, runs: list[_Run], settings: TextSettings) -> list[_Run]:
    out = []
    reach: dict[int, int] = {}
    for run in sorted(runs, key=lambda r: (r.b_start - r.a_start, r.a_start)):
        diagonal = run.b_start - run.a_start
        if reach.get(diagonal, -1) >= run.a_end:
            continue
        while run.a_start > 0 and run.b_start > 0 and a[run.a_start - 1] == b[run.b_start - 1]:
            run.a_start, run.b_start = run.a_start - 1, run.b_start - 1
        while run.a_end < len(a) and run.b_end < len(b) and a[run.a_end] == b[run.b_end]:
            run.a_end, run.b_end = run.a_end + 1, run.b_end + 1
        reach[diagonal] = run.a_end
        if run.a_end - run.a_start >= settings.min_run_chars:
            out.append(run)
    return out


def reference_align(
    a: Prepared, b: Prepared, boiler: Boilerplate, settings: TextSettings
) -> list[Passage]:
    seeds = reference_seed_runs(a, b, boiler.removed, settings)
    runs = merge_runs(reference_extend_runs(a.norm.text, b.norm.text, seeds, settings), settings)
    runs.sort(key=lambda r: (-(r.a_end - r.a_start), r.a_start, r.b_start))
    taken_a: list[tuple[int, int]] = []
    taken_b: list[tuple[int, int]] = []
    out = []
    k = settings.shingle_chars
    for run in runs:
        if overlaps(run.a_start, run.a_end, taken_a) or overlaps(run.b_start, run.b_end, taken_b):
            continue
        shorter, longer = sorted((run.a_end - run.a_start, run.b_end - run.b_start))
        if shorter < settings.min_passage_chars or longer > settings.max_side_ratio * shorter:
            continue
        live = [
            h
            for h in a.hashes[run.a_start : run.a_end - k + 1]
            if h not in boiler.removed and h in b.shingles
        ]
        chars = min(len(live) + k - 1, run.a_end - run.a_start) if live else 0
        if chars < settings.min_passage_chars:
            continue
        rarity = sum(1.0 / max(1, boiler.bidder_df.get(h, 2) - 1) for h in live) / len(live)
        taken_a.append((run.a_start, run.a_end))
        taken_b.append((run.b_start, run.b_end))
        out.append(Passage(run.a_start, run.a_end, run.b_start, run.b_end, chars, rarity))
    return sorted(out, key=lambda p: (p.a_start, p.b_start))


def _section(bidder: str, ordinal: int, paragraphs: list[str]) -> Section:
    blocks = [Block(text, 1 + n // 3, n) for n, text in enumerate(paragraphs)]
    return Section(bidder, f"bids/{bidder}/技术标.docx", f"第{ordinal}节", ordinal, tuple(blocks))


def _edited(rng: random.Random, text: str) -> str:
    """A copy with a few characters changed, dropped or repeated."""
    chars = list(text)
    for _ in range(rng.randint(0, 4)):
        at = rng.randrange(len(chars))
        roll = rng.random()
        if roll < 0.4:
            chars[at] = rng.choice("的一是在不了有和")
        elif roll < 0.7:
            del chars[at]
        else:
            chars.insert(at, chars[at] * rng.randint(1, 30))
    return "".join(chars)


def project(seed: int) -> dict[str, list[Section]]:
    """Five bidders: own plans, stock paragraphs held by several, copies with
    edits, a paragraph repeated inside a section, long runs of one character."""
    rng = random.Random(seed)
    stock = [p for _, ps in synth.technical_plan(rng, "某咨询公司", sections=4) for p in ps]
    plans: dict[str, list[list[str]]] = {}
    for n in range(5):
        bidder = f"b{n + 1:02d}"
        chapters = synth.technical_plan(rng, f"第{n}建设有限公司", sections=5)
        plans[bidder] = [list(ps) for _, ps in chapters]
    for paragraph in stock:
        for bidder in rng.sample(sorted(plans), rng.randint(2, 5)):
            rng.choice(plans[bidder]).insert(0, paragraph)
    source = plans["b01"]
    for chapter in rng.sample(range(len(source)), 2):
        target = plans["b02"][chapter % len(plans["b02"])]
        target.extend(_edited(rng, p) for p in source[chapter])
    plans["b03"][0].extend([plans["b03"][0][0]] * 3)
    plans["b04"][1].append("啊" * 300 + plans["b01"][1][0] + "啊" * 50)
    plans["b05"][1].append("啊" * 200 + plans["b01"][1][0])
    return {b: [_section(b, i, ps) for i, ps in enumerate(chs)] for b, chs in plans.items()}


@pytest.mark.parametrize("seed", range(6))
def test_array_alignment_equals_the_reference_loops(seed: int) -> None:
    settings = TextSettings(min_passage_chars=20 + 10 * (seed % 3))
    text = prepare_project(project(seed), settings=settings)
    prepared, boiler = text.prepared, text.boilerplate
    compared = found = 0
    for a, b in combinations(prepared, 2):
        if a.bidder == b.bidder or not (set(a.unique.tolist()) & set(b.unique.tolist())):
            continue
        expected = reference_align(a, b, boiler, settings)
        assert align(a, b, boiler, settings) == expected
        compared += 1
        found += len(expected)
    assert compared > 50 and found > 5


def test_array_alignment_equals_the_reference_on_random_text() -> None:
    """A small alphabet: many repeated shingles, runs broken and bridged."""
    rng = random.Random(7)
    settings = TextSettings(min_passage_chars=12, min_run_chars=6)
    for _ in range(40):
        alphabet = "甲乙丙丁戊己庚辛壬癸子丑寅卯"[: rng.randint(4, 14)]
        base = "".join(rng.choice(alphabet) for _ in range(rng.randint(30, 400)))
        other = _edited(rng, base[rng.randrange(len(base)) :]) + base[: rng.randint(0, 60)]
        third = "".join(rng.choice(alphabet) for _ in range(50))
        sections = {
            "b01": [_section("b01", 0, [base])],
            "b02": [_section("b02", 0, [other])],
            "b03": [_section("b03", 0, [third])],
        }
        text = prepare_project(sections, settings=settings)
        a, b = text.prepared[0], text.prepared[1]
        assert align(a, b, text.boilerplate, settings) == reference_align(
            a, b, text.boilerplate, settings
        )


ADVERSARIAL = (
    "℃温度①②ﬁﬀ ΣΑΣ ǅ İstanbul ｶﾞ e\u0301 \u200b零\ufe0f 𠀀𝐀 ㎡㎥ ½ x",
    "測試繁體字與℃混合，ｱｲｳ㈱㍻",
    "混凝土强度C30，坍落度180±20mm，环境温度5℃以上",
    "\u00ad软\u2060连\u180e字符\U000e0041",
)


def reference_fold_by_char(text: str) -> tuple[str, list[int]]:
    """Each character folded on its own (``normalize._fold_char``), with the
    original offset of each output character."""
    out, starts = [], []
    for n, char in enumerate(text):
        folded = normalize_module._fold_char(char)[0]
        out.append(folded)
        starts += [n] * len(folded)
    return "".join(out), starts


@pytest.mark.parametrize("text", ADVERSARIAL)
def test_fold_by_char_tables_equal_folding_each_character(text: str) -> None:
    for _ in range(2):  # characters met for the first time, then from the tables
        folded, starts, ends, concealed = normalize_module._fold_by_char(text)
        expected, expected_starts = reference_fold_by_char(text)
        assert folded == expected
        assert starts.tolist() == expected_starts
        assert (ends - starts).tolist() == [1] * len(expected_starts)
        invisible = [n for n, c in enumerate(text) if normalize_module._fold_char(c)[1]]
        assert concealed[normalize_module.INVISIBLE] == invisible


def test_parameter_pattern_finds_what_the_pattern_without_its_lookahead_finds() -> None:
    rng = random.Random(3)
    pieces = (
        "C30",
        "HRB400E",
        "QTZ80",
        "6.0m",
        "5℃",
        "200mm",
        "２０ｍ",
        "mu10",
        "abc-123",
        "强度",
        "为",
        "不小于",
        "，",
        " ",
        "3.5",
        "kN",
        "x9",
        "١٢م",
        "hpb300",
    )
    # the pattern without the lookahead in front of it, whatever that lookahead says
    plain = re.compile(re.sub(r"^\(\?=[^)]*\)", "", paramtext.PARAM_PATTERN.pattern))
    for _ in range(300):
        text = paramtext._fold_same_length("".join(rng.choice(pieces) for _ in range(12)))
        found = [m.span() for m in paramtext.PARAM_PATTERN.finditer(text)]
        assert found == [m.span() for m in plain.finditer(text)]


# Sections whose edges meet what the joint word pass must keep apart: sentence
# punctuation and line breaks at either end, a long line without punctuation
# (its line break is a space), numbers and decimal points at the edges, a
# section without words, a carriage return, Latin words to stem, tables.
EDGES = (
    ["第一章 总则", "本工程位于某市某区，总工期为180日历天。"],
    ["。开头的标点", "行末没有标点而且这一行足够长足够长足够长的内容会接着下一行"],
    [".5米宽的通道", "长度为12."],
    ["，；！", "？"],
    ["Curing the concrete takes 7 days.", "采用C30混凝土\r"],
    ["\n紧接换行", "最后一段没有句号"],
    ["5", "m高的围挡，HRB400钢筋"],
    ["扩展区汉字𠀀𠀁𠀂𠀃𠀄𠀅𝐀𝐁", "短"],
)


def _edge_sections(rng: random.Random) -> list[Section]:
    sections = []
    for ordinal in range(12):
        paragraphs = list(rng.choice(EDGES))
        if rng.random() < 0.5:
            paragraphs += [
                p for _, ps in synth.technical_plan(rng, "某公司", sections=1) for p in ps
            ]
        blocks = [
            Block(text, 1, n, kind=rng.choice(("para", "para", "heading", "table")))
            for n, text in enumerate(paragraphs)
        ]
        sections.append(
            Section("b01", "bids/b01/技术标.docx", f"第{ordinal}节", ordinal, tuple(blocks))
        )
    return sections


def _same_prep(a: shingles.SectionPrep, b: shingles.SectionPrep) -> None:
    assert a.norm == b.norm
    assert a.hashes == b.hashes
    assert a.params == b.params
    for got, want in ((a.unique, b.unique), *zip(_arrays(a.words), _arrays(b.words), strict=True)):
        assert got.dtype == want.dtype and got.shape == want.shape
        assert np.array_equal(got, want)


def _arrays(words: SectionWords) -> tuple[np.ndarray, ...]:
    return (words.spans, words.ptr, words.words, words.kinds, words.literal)


@pytest.mark.parametrize("seed", range(8))
def test_a_files_sections_prepared_together_equal_each_prepared_alone(seed: int) -> None:
    """``prepare_sections`` (one word pass and one shingle pass over a
    file's sections joined) gives each section exactly what
    ``prepare_section`` gives it alone."""
    rng = random.Random(seed)
    sections = _edge_sections(rng) if seed % 2 else project(seed)["b02"]
    names = ("第1建设有限公司",)
    together = shingles.prepare_sections(sections, names, 5)
    for section, made in zip(sections, together, strict=True):
        _same_prep(made, shingles.prepare_section(section, names, 5))
    assert sum(made.words.sentences for made in together) > 10


@pytest.mark.parametrize("dtype", [np.uint32, np.uint64])
def test_members_through_the_bucket_filter_equals_isin(dtype: type) -> None:
    rng = np.random.default_rng(7)
    top = np.iinfo(dtype).max
    members_of = np.unique(rng.integers(0, top, 5_000, dtype=dtype, endpoint=True))
    members_of = np.unique(np.concatenate([members_of, np.array([0, top], dtype=dtype)]))
    values = rng.integers(0, top, FILTER_MIN_VALUES * 2, dtype=dtype, endpoint=True)
    values[::7] = members_of[rng.integers(0, len(members_of), len(values[::7]))]
    values[:2] = (0, top)
    values[2:6] = members_of[1:5] + 1  # neighbours of members, mostly not members
    found = members(values, members_of)
    assert found.sum() > len(values) // 8
    assert np.array_equal(found, np.isin(values, members_of))


def test_bidders_of_columns_counts_distinct_bidders_in_any_row_order() -> None:
    rng = np.random.default_rng(3)
    dense = rng.random((60, 25)) < 0.2
    bidder = rng.integers(0, 5, 60).astype(np.int32)
    expected = np.array([len(set(bidder[dense[:, c]].tolist())) for c in range(25)])
    for order in (np.arange(60), np.argsort(bidder, kind="stable")):
        present = sparse.csr_matrix(dense[order].astype(np.float32))
        assert np.array_equal(bidders_of_columns(present, bidder[order], 5), expected)


def test_minhash_values_equal_datasketch_minhashes() -> None:
    rng = np.random.default_rng(11)
    sizes = [1, 2, 50, 4_095, 4_096, 4_097, 9_000, 3]
    sets = [np.unique(rng.integers(0, 2**32, n, dtype=np.uint64).astype(np.uint32)) for n in sizes]
    expected = np.array(
        [m.hashvalues for m in minhash.minhashes([s.tolist() for s in sets], 64, 5)],
        dtype=np.uint64,
    )
    assert np.array_equal(minhash.minhash_values(sets, 64, 5), expected)


@pytest.mark.parametrize("seed", range(3))
def test_kept_and_remaining_by_bidder_equal_the_per_section_count(seed: int) -> None:
    settings = TextSettings()
    text = prepare_project(project(seed), settings=settings)
    prepared, boiler = text.prepared, text.boilerplate
    kept = boiler.kept_all(prepared)
    expected: dict[str, int] = defaultdict(int)
    for p in prepared:
        assert np.array_equal(kept[p.id], boiler.kept(p))
        live = [h for h in p.hashes if h not in boiler.removed]
        expected[p.bidder] += len(live) + settings.shingle_chars - 1 if len(p.hashes) else 0
    assert min(expected.values()) > 0
    assert dict(remaining_by_bidder(prepared, boiler, settings)) == expected
    assert dict(remaining_by_bidder(prepared, boiler, settings, kept)) == expected


def test_bigram_counts_per_bidder_equal_the_sets_of_each_section() -> None:
    sections = project(1)
    # characters beyond the Basic Multilingual Plane in two bidders' text
    sections["b03"].append(_section("b03", 9, ["混凝土𠀀强度𠀁达到设计要求"]))
    sections["b04"].append(_section("b04", 9, ["𠀀强度达到设计要求，混凝土"]))
    text = prepare_project(sections)
    holders: dict[tuple[str, str], set[str]] = defaultdict(set)
    for p in text.prepared:
        t = p.norm.text
        for i in range(len(t) - 1):
            holders[(t[i], t[i + 1])].add(p.bidder)
    table = bigram_df(text.prepared)
    keys = list(holders)
    codes = np.array([(ord(x) << 21) | ord(y) for x, y in keys], dtype=np.uint64)
    assert len(table) == len(keys)
    assert table.lookup(codes).tolist() == [len(holders[k]) for k in keys]
    assert len(holders[("𠀀", "强")]) == 2


def _reference_fold_with_offsets(text: str) -> normalize_module.Folded:
    """``normalize._fold_with_offsets`` without its shortcut for characters
    that NFKC expands: NFKC of the whole text decides."""
    codes = folding.code_points(text)
    if len(codes) and codes.max() < folding.BMP_SIZE:
        _, unconfused, confusable = folding.nfkc_lower_tables()
        mapped = unconfused[codes]
        if mapped.all():
            return normalize_module._fold_fast(mapped, np.flatnonzero(confusable[codes]).tolist())
    nfkc = unicodedata.normalize("NFKC", text)
    if len(nfkc) == len(text):
        mapped_text, confused = folding.fold_confusables(nfkc)
        whole = mapped_text.lower()
        if len(whole) == len(text):
            return normalize_module._fold_fast(folding.code_points(whole), confused)
    return normalize_module._fold_by_char(text)


def _reference_fold_same_length(text: str) -> str:
    """``paramtext._fold_same_length`` without the same shortcut."""
    folded = unicodedata.normalize("NFKC", text).lower()
    if len(folded) == len(text):
        return folded
    return "".join(map(paramtext._fold_one, text))


def test_texts_with_expanding_characters_fold_as_nfkc_of_the_whole_text_does() -> None:
    """℃, ㎡ and the other characters NFKC expands send a text to folding
    character by character at once (``folding.expanding_folds``): the same
    result as NFKC of the whole text, then the fall-back, gives."""
    expanding = np.flatnonzero(folding.expanding_folds()).tolist()
    assert {ord("℃"), ord("㎡"), ord("½")} <= set(expanding)
    rng = random.Random(11)
    plain = "混凝土强度等级ABCxyz012 ，。ＡＢ１２Ⅲ"
    texts = [*ADVERSARIAL, "温度5℃以上，面积20㎡。"]
    # Every character NFKC expands, between letters a mark may compose with
    # (those whose expansion may compose are not expanding).
    longer = (
        chr(c)
        for c in range(folding.BMP_SIZE)
        if not 0xD800 <= c < 0xE000 and len(unicodedata.normalize("NFKC", chr(c))) > 1
    )
    texts += [f"a{c}e" for c in longer]
    for _ in range(300):
        pieces = [rng.choice(plain) for _ in range(rng.randint(0, 12))]
        pieces += [chr(rng.choice(expanding)) for _ in range(rng.randint(1, 3))]
        rng.shuffle(pieces)
        texts.append("".join(pieces))
    for text in texts:
        got, starts, ends, concealed = normalize_module._fold_with_offsets(text)
        want, want_starts, want_ends, want_concealed = _reference_fold_with_offsets(text)
        assert (got, starts.tolist(), ends.tolist()) == (
            want,
            want_starts.tolist(),
            want_ends.tolist(),
        )
        assert {k: list(v) for k, v in concealed.items()} == {
            k: list(v) for k, v in want_concealed.items()
        }
        assert paramtext._fold_same_length(text) == _reference_fold_same_length(text)


def test_offset_runs_give_back_every_characters_span() -> None:
    """The normalized text's offsets stored as runs (``OffsetMap``) give back
    each character's original start and end, as the per-character arrays
    they are made from: dropped characters (spaces, punctuation) start new
    runs, a masked name is one character as wide as the name."""
    rng = np.random.default_rng(11)
    for _ in range(200):
        n = int(rng.integers(0, 60))
        steps = rng.choice([0, 1, 1, 1, 2, 5], size=n)  # 0: an expansion (㎡ -> m2)
        starts = (np.cumsum(steps) + int(rng.integers(0, 3))).astype(np.int32)
        ends = starts + 1
        wide = rng.random(n) < 0.1
        ends[wide] += rng.integers(1, 9, int(wide.sum())).astype(np.int32)
        offsets = normalize_module.OffsetMap.of(starts, ends)
        assert offsets.length == n
        assert offsets.starts().tolist() == starts.tolist()
        assert [offsets.start(i) for i in range(n)] == starts.tolist()
        assert [offsets.end(i) for i in range(n)] == ends.tolist()
        assert len(offsets.runs) <= n
    text = "投标人：甲乙建设有限公司（盖章）\n项目经理： 张三 ，电话 138-0000-0000。㎡"
    norm = normalize_module.normalize(text, ["甲乙建设有限公司"])
    placeholder = norm.text.index(normalize_module.PLACEHOLDER)
    assert text[slice(*norm.span(placeholder, placeholder + 1))] == "甲乙建设有限公司"
    assert text[slice(*norm.span(0, 3))] == "投标人"
    assert norm.text.endswith("m2")
    assert text[slice(*norm.span(len(norm.text) - 2, len(norm.text)))] == "㎡"
    with pytest.raises(IndexError):
        norm.offsets.start(len(norm.text))
