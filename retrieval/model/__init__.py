"""Data files: the tokenizer of all-MiniLM-L6-v2 (see NOTICE)."""
