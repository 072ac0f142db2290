"""Development tools that are not part of the installed product.

``synth`` writes the real synthetic DOCX/PDF files (with chosen rsids, /IDs
and XMP ids) used by ``sample_bids/generate.py``, the tests and the
benchmarks. A collusion detector does not ship a kit for forging those codes,
so this package lives outside ``collusion/`` and is not in the wheel.
"""
