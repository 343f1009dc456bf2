"""The triage entry points of one checkout, whichever layout it has (bench/triage_bench.py ``--compare``).

``--compare DIR`` measures this tree and another checkout (v0.1 at commit
8bcde7c, say) in turn, each in its own subprocess with ``PYTHONPATH=DIR``.
v0.1 kept everything flat in ``bot/`` (``bot.triage``, ``bot.signals``...);
today's layout groups it by domain (``bot.alerts.triage``...). Which one a
checkout has is read from its files, not guessed from an import error: the
editable install of /work/main would otherwise answer ``bot.alerts`` for a
checkout that has no such package.
"""

from __future__ import annotations

import sys
from importlib import import_module
from pathlib import Path
from types import SimpleNamespace

# name -> (module in today's layout, module in v0.1's flat layout)
_NAMES = {
    "triage": ("bot.alerts.triage", "bot.triage"),
    "classify_alerts": ("bot.alerts.signals", "bot.signals"),
    "classify_pending": ("bot.alerts.signals", "bot.signals"),
    "make_engine": ("bot.db.engine", "bot.db"),
    "normalise_url": ("bot.db.engine", "bot.db"),
    "session_scope": ("bot.db.engine", "bot.db"),
    "upgrade": ("bot.db.engine", "bot.db"),
    "Alert": ("bot.db.models", "bot.models"),
    "Tenant": ("bot.db.models", "bot.models"),
    "store_alerts": ("bot.ingest.loader", "bot.ingest"),
    "AlertRecord": ("bot.ingest.records", "bot.records"),
    "receive_alerts": ("bot.alerts.inbound", "bot.inbound"),
}


def grouped_layout(code: Path) -> bool:
    return (code / "bot" / "alerts" / "triage.py").is_file()


def load(code: Path) -> SimpleNamespace:
    """The entry points of the checkout at ``code``, imported from it (it goes first on sys.path)."""
    code = code.resolve()
    if str(code) in sys.path:
        sys.path.remove(str(code))
    sys.path.insert(0, str(code))
    which = 0 if grouped_layout(code) else 1
    api = SimpleNamespace(code=code)
    for name, modules in _NAMES.items():
        setattr(api, name, getattr(import_module(modules[which]), name))
    origin = Path(sys.modules[_NAMES["triage"][which]].__file__ or "").resolve()
    if code not in origin.parents:
        raise SystemExit(f"--code {code}: bot was imported from {origin}, not from that checkout")
    # Topology (sites, dependencies) and the per-endpoint NinjaOne webhook came after v0.1.
    api.topology_from = import_module("bot.alerts.topology").topology_from if which == 0 else None
    api.cli = "adapters.cli.main" if (code / "adapters" / "cli" / "main.py").is_file() else "bot.cli"
    api.ninjaone = (code / "bot" / "alerts" / "formats" / "ninjaone.py").is_file()
    return api
