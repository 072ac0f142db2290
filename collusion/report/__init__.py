"""Stage 5: the report a regulator reads: JSON and its schema, the terminal summary, the HTML page, redaction."""
