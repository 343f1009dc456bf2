"""What the benchmarks and the tests both run: stand-ins for services outside this machine and
generators of synthetic data. Kept outside ``tests/`` so that a benchmark never imports a test;
the tests import these modules from here. Nothing in the product (``bot/``, ``retrieval/``,
``adapters/``) imports them.

- ``shared_data``: where the third-party sample material (``../shared/data``) is, or None.
- ``fake_slack``: a local Slack Web API that records every call, and ``sign`` for requests as Slack signs them.
- ``alert_stream``: a labelled synthetic week of RMM alerts (storms, correlated failures, noise).
- ``packets``: generated packets of any size, for the card layouts' limits.
- ``connectwise_standin``, ``psa_world``: a local ConnectWise PSA API and clients mapped to its companies.
"""
