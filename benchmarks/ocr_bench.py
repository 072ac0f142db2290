"""OCR of scanned Simplified Chinese bid pages: character error rate and
seconds per page of each candidate engine, measured in one run.

Pages of generated technical text (tools/synth.py, a seed range not used by
the tests) are rendered with PyMuPDF at 200 dpi in grey, then degraded as a
scanner and a phone camera would: Gaussian blur, Gaussian noise and a slight
rotation (skew). Each engine reads the same images:

  tesseract  Tesseract 5 (Debian tesseract-ocr + tesseract-ocr-chi-sim),
             through its command line with TSV output, as collusion does;
  rapidocr   RapidOCR (rapidocr_onnxruntime, PP-OCR models in the wheel,
             onnxruntime), when installed.

CER = Levenshtein distance between the page text and the OCR text, both
without white space, divided by the length of the page text.

    python benchmarks/ocr_bench.py [--pages 6] [--skew 1.5] [--blur 0.8] [--noise 12]
"""

from __future__ import annotations

import argparse
import io
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pymupdf
from PIL import Image, ImageFilter

from collusion.extract.ocr import TESSERACT_LANGUAGE, find_tesseract, ocr_image

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tools/ is not installed
from tools import synth  # noqa: E402

DPI = 200
FIRST_SEED = 9000  # the tests use seeds below 100


def page_texts(pages: int) -> list[str]:
    """One page of technical prose per page, each about 600 characters."""
    texts = []
    for n in range(pages):
        rng = random.Random(FIRST_SEED + n)
        plan = synth.technical_plan(rng, "某某建设工程有限公司", sections=2)
        text = "".join(p for _, paragraphs in plan for p in paragraphs)
        texts.append(text[:600])
    return texts


def render(text: str) -> Image.Image:
    """The text set on an A4 page in 11 pt Song, rendered at DPI in grey."""
    document = pymupdf.open()
    page = document.new_page()
    page.insert_textbox(
        pymupdf.Rect(60, 60, 535, 780), text, fontname="china-s", fontsize=11, lineheight=1.6
    )
    pixmap = page.get_pixmap(dpi=DPI, colorspace=pymupdf.csGRAY)
    return Image.open(io.BytesIO(pixmap.tobytes("png"))).convert("L")


def degrade(
    image: Image.Image, rng: np.random.Generator, blur: float, noise: float, skew: float
) -> Image.Image:
    blurred = image.filter(ImageFilter.GaussianBlur(blur))
    pixels = np.asarray(blurred, dtype=np.float32)
    pixels = np.clip(pixels + rng.normal(0, noise, pixels.shape), 0, 255).astype(np.uint8)
    noisy = Image.fromarray(pixels, mode="L")
    return noisy.rotate(skew, resample=Image.BICUBIC, expand=True, fillcolor=255)


def levenshtein(a: str, b: str) -> int:
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i]
        for j, cb in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def cer(truth: str, found: str) -> float:
    a = "".join(truth.split())
    b = "".join(found.split())
    return levenshtein(a, b) / max(1, len(a))


def tesseract_engine() -> Callable[[bytes], str] | None:
    if find_tesseract() is None:
        return None

    def read(png: bytes) -> str:
        return "".join(line.text for line in ocr_image(png, timeout=120).lines)

    return read


def rapidocr_engine() -> Callable[[bytes], str] | None:
    try:
        from rapidocr_onnxruntime import RapidOCR
    except ImportError:
        return None
    engine = RapidOCR()

    def read(png: bytes) -> str:
        result, _ = engine(png)
        return "".join(text for _, text, _ in result or [])

    return read


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=6)
    parser.add_argument("--blur", type=float, default=0.8, help="Gaussian blur radius, pixels")
    parser.add_argument("--noise", type=float, default=12.0, help="noise sd, grey levels")
    parser.add_argument("--skew", type=float, default=1.5, help="rotation, degrees")
    args = parser.parse_args()
    rng = np.random.default_rng(1)
    texts = page_texts(args.pages)
    images = []
    for text in texts:
        buffer = io.BytesIO()
        degrade(render(text), rng, args.blur, args.noise, args.skew).save(buffer, format="PNG")
        images.append(buffer.getvalue())
    print(
        f"{args.pages} pages, {sum(len(t) for t in texts)} characters, {DPI} dpi, "
        f"blur {args.blur}, noise sd {args.noise}, skew {args.skew} degrees"
    )
    for name, make in (("tesseract", tesseract_engine), ("rapidocr", rapidocr_engine)):
        engine = make()
        if engine is None:
            print(f"{name:10s} not installed")
            continue
        engine(images[0])  # load models once, outside the timing
        started = time.perf_counter()
        outputs = [engine(image) for image in images]
        seconds = (time.perf_counter() - started) / len(images)
        rates = [cer(t, o) for t, o in zip(texts, outputs, strict=True)]
        print(
            f"{name:10s} CER {sum(rates) / len(rates):.3f} (pages {min(rates):.3f}-"
            f"{max(rates):.3f})  {seconds:.2f} s/page"
            + (f"  [{TESSERACT_LANGUAGE}]" if name == "tesseract" else "")
        )


if __name__ == "__main__":
    main()
