"""Text utilities shared by ingest, citing, summaries and briefings (one sentence segmenter)."""
