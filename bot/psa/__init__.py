"""PSA connectors: tickets and notes straight from the PSA, kept current.

``base`` is the one interface every connector implements (fetch a ticket with
its notes and devices, list tickets changed since a watermark, verify and
parse a webhook); ``connectwise`` is the ConnectWise PSA connector; ``http`` the
synchronous HTTP client with timeouts and retries they share; ``mapping``
turns a PSA ticket into the import format's ``TicketRecord`` for the client
tenants.yaml maps it to; ``store`` upserts it; ``service`` ties a callback or
a sync run to the store and the escalation rule; ``sync`` pages through
changes. Connectors only read: no code here writes to a PSA (draft only).
"""
