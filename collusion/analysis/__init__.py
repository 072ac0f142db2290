"""Stage 2: what the extracted text, numbers and images hold (sections, folding, identifiers, prices, images, text comparison)."""
