"""Links into ``handoff serve web``: signed capability URLs, minted by the core, verified by the core.

The core only computes link targets and checks them; the web server itself
(``adapters/web``) renders the pages. See ``signing`` (the HMAC), ``links``
(turning ``handoff://`` URIs into https links for one place) and ``pages``
(loading the object a verified link names).
"""
