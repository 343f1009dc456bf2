"""``handoff serve web``: read-only HTML pages behind signed capability links (see ``app``)."""
