"""Stage 4: alerts folded into facts, weighed, and combined into pair scores, flags and groups."""
