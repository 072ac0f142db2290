"""Every threshold of sectioning and near-duplicate text (``TextSettings``)."""

from __future__ import annotations

from dataclasses import dataclass

from collusion.errors import SettingsError

TYPO_POSITIONS = (1, 2, 3)  # the typo's place in a 5-character window: never its edge


@dataclass(frozen=True)
class TextSettings:
    """Every threshold of sectioning and near-duplicate text, with its reason.

    The ``text`` field of ``collusion.settings.Settings``. Character counts
    are of normalized text (no spaces or punctuation) unless said otherwise.
    """

    # --- sections (collusion.analysis.sections) ---
    # A block longer than this is body text, never a numbered heading.
    max_heading_chars: int = 40
    # Sections shorter than this (in characters) are merged into the one
    # before them (a heading followed by a one-line paragraph is not a unit).
    min_section_chars: int = 200
    # Longer sections, and text with no structure at all, are cut into
    # windows of `window_chars` at block (or, failing that, character)
    # boundaries, so that a 40-page chapter is not one set of shingles.
    max_section_chars: int = 6000
    window_chars: int = 3000
    # Running headers/footers: a short line (at most this many characters)
    # found at the top or bottom of at least `running_min_pages` pages and of
    # at least `running_page_share` of the file's pages.
    running_max_chars: int = 60
    running_min_pages: int = 3
    running_page_share: float = 0.3
    running_edge_blocks: int = 2  # blocks at each edge of a page examined
    # A page whose lines are at least this share of TOC entries is a TOC page.
    toc_page_share: float = 0.5

    # --- shingles and MinHash ---
    shingle_chars: int = 5  # character n-grams: 5 is the usual choice for Chinese
    num_perm: int = 128
    minhash_seed: int = 1
    lsh_bands: int = 64  # b: see the S-curve in the module docstring
    lsh_rows: int = 2  # r: b * r must not exceed num_perm

    # --- boilerplate layers ---
    # (b) a shingle in at least this share of the project's bidders, and in at
    # least `common_min_bidders` of them, is common text, not evidence. The
    # minimum keeps a copying pair in a small project from erasing itself.
    common_share: float = 0.5
    common_min_bidders: int = 4
    use_reference_boilerplate: bool = True  # (c) fingerprints/boilerplate/*.txt

    # --- candidates ---
    min_section_shingles: int = 20  # sections with fewer remaining shingles are skipped
    # Containment path: shingles held by 2..rare_max_bidders bidders are
    # indexed; a section pair sharing `rare_min_shared` of them is a candidate.
    rare_max_bidders: int = 3
    rare_max_postings: int = 16  # a shingle in more sections than this is not indexed
    rare_min_shared: int = 20

    # --- exact confirmation (on remaining shingles) ---
    min_shared_shingles: int = 20  # about a 25-character passage
    jaccard_min: float = 0.2
    containment_min: float = 0.5
    # A pair sharing this many remaining shingles is confirmed whatever the
    # ratios: a passage copied into two otherwise different sections. Only
    # aligned passages are reported, so scattered common words give nothing.
    confirm_shared_shingles: int = 80

    # --- passage alignment ---
    min_run_chars: int = 10  # an exact run shorter than this is noise
    max_gap_chars: int = 24  # runs closer than this (on both sides) are one passage
    min_passage_chars: int = 40  # non-boilerplate characters a passage needs
    max_seed_positions: int = 8  # a shingle repeated more often in a section seeds nothing

    # --- technical parameters (paraphrase path) ---
    # A section pair sharing at least `param_min_matches` distinct parameters (those
    # of the tender and those most bidders use weigh nothing) whose weight,
    # ln((bidders + 1) / holders) each, is at least `param_match_min` of the
    # larger section's is a near-duplicate, whatever its wording. Measured:
    # copies and paraphrases 0.87-1.0, honest pairs at most 0.56.
    # And at least `param_order_min` of that weight in the same order: a
    # paraphrase keeps the plan's sequence; two honest plans that happen to
    # use the same values use them in another order (measured: copies and
    # paraphrases 0.6-1.0, honest pairs passing the overlap test 0.33).
    param_min_matches: int = 6
    param_match_min: float = 0.7
    param_order_min: float = 0.5
    param_max_postings: int = 200  # a key in more sections (or units) than this is not indexed

    # --- reordered copies (collusion.analysis.text.reordered) ---
    # A section pair whose remaining shingles overlap this much (Jaccard, or
    # containment of the smaller section) is a copy whatever the order of its
    # sentences: its sentences found identical on both sides, each of at
    # least `reorder_min_sentence_chars` non-boilerplate characters, become
    # passages even though no run reaches `min_passage_chars`. Measured on
    # generated projects the thresholds were not set on (textsim_gen, seeds
    # 11-15, 12 bidders): honest section pairs reach at most Jaccard 0.24 and
    # containment 0.42 once boilerplate is removed; a copy with shuffled
    # sentences keeps about 0.7.
    reorder_jaccard_min: float = 0.4
    reorder_containment_min: float = 0.6
    reorder_min_sentence_chars: int = 8
    # Pieces of one reordered copy join into one passage when they cover at
    # least this share of the span they make on each side (a shuffled
    # paragraph copied whole covers all of it).
    reorder_block_cover: float = 0.8
    # A literal passage's two sides (normalized characters) differ by at
    # most this factor: a copy keeps its length; rewriting, reported apart,
    # may change it.
    max_side_ratio: float = 2.0

    # --- group copies (collusion.analysis.text.groups) ---
    # Text held by exactly the same k bidders (group_min_bidders <= k <=
    # group_max_bidders) in at least `group_min_sections` separate sections of
    # every one of them, when independent picking of stock text would put that
    # many units on one set of k bidders with chance at most `group_max_p`
    # (a bound over every set of the project), is a ring's copy: each pair of
    # the ring's text weight gains -log10(p) (near_duplicate_text), as shared
    # typos do at the same level (typo_max_p).
    group_min_bidders: int = 3
    group_max_bidders: int = 6
    group_min_sections: int = 2
    # A section holds a unit of a set's text with at least this many of the
    # 5-grams held by exactly that set (about a 25-character passage; a ring
    # whose members each rewrote a quarter of the lead's sentences keeps 30
    # to 60 per copied section that all of them still share).
    group_min_shingles: int = 20
    group_max_p: float = 0.01

    # --- rewritten passages (collusion.analysis.text.meaning) ---
    # The word view (collusion.analysis.text.words) aligned sentence by
    # sentence: a copy rewritten in other words keeps content words, numbers
    # and terms. Set `rewrite_search` False to skip it.
    rewrite_search: bool = True
    # A word in more than this share of the project's sentences (the tender's
    # sentences counted once per bidder) is a function word: weighs in the
    # tf-idf cosine but is not a content word for Dice.
    rewrite_content_share: float = 0.02
    # Candidate sentence pairs share an anchor: a content word, number or term
    # held by at least two bidders and by at most this many sentences, never
    # by the tender. Only these pairs are compared (never all pairs).
    rewrite_anchor_postings: int = 48
    # A candidate pair shares this many anchors (a number and its unit are
    # two), an anchor in at most `rewrite_rare_postings` sentences counting twice.
    rewrite_min_anchors: int = 2
    rewrite_rare_postings: int = 12
    # A sentence pair seeds a passage at tf-idf cosine and content-word Dice
    # at least these (Sanchez-Perez, Sidorov & Gelbukh 2014 use 0.33 and
    # 0.33); when both sentences hold numbers, at least this share of them
    # (of the fewer, counted with repeats) must agree: a rewrite keeps its
    # parameters, two honest bidders filling one phrase differ in one.
    rewrite_seed_cosine: float = 0.4
    rewrite_seed_dice: float = 0.3
    rewrite_seed_numbers: float = 0.8
    # Seeds closer than this many sentences on both sides are one passage.
    rewrite_max_gap: int = 4
    # Passages that follow each other on both sides within this many
    # sentences are one (a rewritten section split where sentences were
    # dropped or added), as the PAN winners merge neighbouring passages.
    rewrite_merge_gap: int = 8
    rewrite_min_sentences: int = 3  # aligned sentence pairs a passage needs
    # The chance that an honest bidder writes a sentence matching one of
    # another's: the share of the other bidders whose text matches it,
    # smoothed towards `rewrite_prior_rate` with the weight of
    # `rewrite_prior_bidders` bidders (all a two-bidder project has), who also
    # weigh an honest partner unlike every third bidder in the mixture over
    # what third bidders hold letter for letter (``rewrite_chance``). A passage
    # is reported when the chance of aligning as many sentences, times the
    # section pairs tested, is at most `rewrite_max_p`.
    rewrite_prior_rate: float = 0.1
    # The cosine levels at which the chance is worked out (the matches of
    # third bidders counted at the same level as the pair's): the strongest
    # level counts, times the number of levels.
    rewrite_levels: tuple[float, ...] = (0.4, 0.6, 0.8)
    rewrite_prior_bidders: float = 2.0
    # Stock text, for the chance: a sentence held letter for letter by this
    # many third bidders or more (fewer may be the other members of one group).
    rewrite_stock_holders: int = 2
    rewrite_max_p: float = 0.01
    rewrite_high_p: float = 1e-4  # a passage this unlikely is high severity alone
    # A rewritten passage that literal passages already cover this much (on
    # both sides) is a literal copy and not reported again; below, the
    # literal passages inside it are folded into it (one fact once).
    rewrite_literal_share: float = 0.8

    # --- shared typos (short spans shared by exactly two bidders) ---
    # A typo both bidders wrote, in a context of four characters where at
    # least `typo_min_other_bidders` other bidders write another character
    # (混泥土 where others write 混凝土); see `shared_typos`. Chance short
    # spans shared by two honest bids are common; shared non-words are not.
    typo_min_other_bidders: int = 2
    # Honest pairs share a few typo-like variants by chance, more in small
    # projects (few bidders to tell a variant from a non-word). A pair's count
    # is compared with the project's own rate (the mean over the other pairs,
    # at least `typo_min_rate`) as a Poisson tail: it counts as evidence at
    # p <= typo_max_p (medium alone) and p <= typo_high_p (high alone).
    typo_min_count: int = 2
    typo_min_rate: float = 0.01
    typo_max_p: float = 0.01
    typo_high_p: float = 1e-4

    # --- severity (weighted shared characters: chars x rarity) ---
    medium_chars: int = 120
    high_chars: int = 400
    high_share: float = 0.15  # or this share of either bidder's remaining text
    score_scale_chars: float = 300.0  # score = 1 - exp(-weighted / scale)
    param_score: float = 0.75  # score of a parameter-sequence match alone
    typo_score: float = 0.6  # score of a significant shared-typo signal alone

    # --- evidence ---
    max_evidence_passages: int = 5  # typos and parameter matches quoted per pair (every passage is)
    tfidf_second_opinion: bool = True  # TF-IDF char n-gram cosine in details
    tfidf_ngram_min: int = 2
    tfidf_ngram_max: int = 4

    def __post_init__(self) -> None:
        positive = (
            "max_heading_chars",
            "min_section_chars",
            "max_section_chars",
            "window_chars",
            "running_max_chars",
            "running_min_pages",
            "running_edge_blocks",
            "shingle_chars",
            "num_perm",
            "lsh_bands",
            "lsh_rows",
            "common_min_bidders",
            "min_section_shingles",
            "rare_max_bidders",
            "rare_max_postings",
            "rare_min_shared",
            "min_shared_shingles",
            "confirm_shared_shingles",
            "min_run_chars",
            "max_gap_chars",
            "min_passage_chars",
            "max_seed_positions",
            "param_min_matches",
            "param_max_postings",
            "typo_min_other_bidders",
            "typo_min_count",
            "medium_chars",
            "high_chars",
            "score_scale_chars",
            "max_evidence_passages",
            "tfidf_ngram_min",
            "tfidf_ngram_max",
            "reorder_min_sentence_chars",
            "group_min_bidders",
            "group_max_bidders",
            "group_min_sections",
            "group_min_shingles",
            "rewrite_anchor_postings",
            "rewrite_min_anchors",
            "rewrite_rare_postings",
            "rewrite_max_gap",
            "rewrite_merge_gap",
            "rewrite_min_sentences",
            "rewrite_prior_bidders",
            "rewrite_stock_holders",
        )
        for name in positive:
            if getattr(self, name) <= 0:
                raise SettingsError(f"text.{name} must be positive, got {getattr(self, name)}")
        if self.window_chars > self.max_section_chars:
            raise SettingsError("text.window_chars must not exceed text.max_section_chars")
        unit = (
            "running_page_share",
            "toc_page_share",
            "common_share",
            "jaccard_min",
            "containment_min",
            "param_match_min",
            "param_order_min",
            "high_share",
            "param_score",
            "typo_score",
            "typo_min_rate",
            "typo_max_p",
            "typo_high_p",
            "reorder_jaccard_min",
            "reorder_containment_min",
            "reorder_block_cover",
            "group_max_p",
            "rewrite_content_share",
            "rewrite_seed_cosine",
            "rewrite_seed_dice",
            "rewrite_seed_numbers",
            "rewrite_prior_rate",
            "rewrite_max_p",
            "rewrite_high_p",
            "rewrite_literal_share",
        )
        for name in unit:
            if not 0 < getattr(self, name) <= 1:
                raise SettingsError(f"text.{name} must be in (0, 1]")
        if self.lsh_bands * self.lsh_rows > self.num_perm:
            raise SettingsError(
                f"text.lsh_bands * text.lsh_rows ({self.lsh_bands * self.lsh_rows}) must not "
                f"exceed text.num_perm ({self.num_perm}); raise num_perm or lower the bands"
            )
        if self.max_side_ratio < 1:
            raise SettingsError("text.max_side_ratio must be at least 1")
        if self.rare_max_bidders < 2:
            raise SettingsError("text.rare_max_bidders must be at least 2")
        if self.medium_chars > self.high_chars:
            raise SettingsError("text.medium_chars must not exceed text.high_chars")
        if self.tfidf_ngram_min > self.tfidf_ngram_max:
            raise SettingsError("text.tfidf_ngram_min must not exceed text.tfidf_ngram_max")
        if not 2 < self.group_min_bidders <= self.group_max_bidders:
            raise SettingsError(
                "text.group_min_bidders must be at least 3 and not exceed text.group_max_bidders"
            )
        if not self.rewrite_levels or not all(0 < x <= 1 for x in self.rewrite_levels):
            raise SettingsError("text.rewrite_levels must be cosines in (0, 1]")
        if self.rewrite_high_p > self.rewrite_max_p:
            raise SettingsError("text.rewrite_high_p must not exceed text.rewrite_max_p")
        if self.typo_high_p > self.typo_max_p:
            raise SettingsError("text.typo_high_p must not exceed text.typo_max_p")
        if self.shingle_chars < max(TYPO_POSITIONS) + 2:
            raise SettingsError("text.shingle_chars must be at least 5 (typo context)")
