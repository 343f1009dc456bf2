"""Data files: the BM25 stopword list (see NOTICE)."""
