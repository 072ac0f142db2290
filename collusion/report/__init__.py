"""Stage 5: the report a regulator reads: JSON, schema, terminal summary, HTML, labels and legal basis."""
