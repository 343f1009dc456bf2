"""Message templates: masking plus drain3 template mining.

One masking and clustering configuration for every kind of text (alerts from
any RMM, log lines of any system), chosen by leave-one-system-out evaluation on
the Loghub samples (``bench/loghub_ga.py``; the candidates and the selection
rule are in ``bot/alerts/template_tuning.py``). The masks, in the order they apply:

  GUID   8-4-4-4-12 hex GUIDs
  URL    http(s)://...
  IP     IPv4 with an optional :port
  HOST   dotted host names (two dots or more: ``dc01.acme.local``, ``ns.example.com``)
  HEX    0x... hex codes
  NUM    numbers standing alone (``(1722)``, ``91%``, ``uid=0``)
  ID     any remaining whitespace-delimited token that contains a digit
         (``ACME-DC02``, ``blk_-1608999687919862906``, ``core.2275``): names
         and ids with digits in them vary between alerts of the same kind
  (join) a masked value followed by ``:``, ``,`` or ``;`` becomes one wildcard

Every mask is rendered to drain3 as the wildcard ``<*>`` rather than a named
``<IP>``: drain3 counts a named mask as an ordinary token that two messages
share, so ``Received disconnect from <IP>: <NUM>: Bye Bye`` and ``... from
<IP>: <NUM>: disconnected by user`` look 4/7 similar and merge; as wildcards
they are 3/7 similar and stay apart (this is also what the original Drain does
with its pre-processing regexes). The join rule keeps ``<*>:`` from being a
token of its own for the same reason. ``mask(text, named=True)`` shows the
named form, for people tuning the masks (``handoff templates``).

Miners are per tenant (``TemplateBook``): a template id means nothing outside
its tenant, so two clients' alerts never share a cluster even when their
messages match the same pattern.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from drain3 import TemplateMiner
from drain3.masking import MaskingInstruction
from drain3.template_miner_config import TemplateMinerConfig

WILDCARD = "<*>"

# drain3 logs "Starting Drain3 template miner" at INFO for every miner; a
# TemplateBook makes one per tenant, so keep that out of INFO logs.
logging.getLogger("drain3.template_miner").setLevel(logging.WARNING)


@dataclass(frozen=True)
class Mask:
    name: str
    pattern: str

    @property
    def regex(self) -> re.Pattern[str]:
        return re.compile(self.pattern)


MASKS: tuple[Mask, ...] = (
    Mask("GUID", r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b"),
    Mask("URL", r"\bhttps?://[^\s\"'<>]+"),
    Mask("IP", r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?::\d+)?(?![\w.])"),
    Mask("HOST", r"(?<![\w.-])(?:[A-Za-z0-9-]+\.){2,}[A-Za-z]{2,}(?![\w.-])"),
    Mask("HEX", r"\b0x[0-9a-fA-F]+\b"),
    Mask("NUM", r"(?<![\w.-])[-+]?\d+(?:\.\d+)?(?![\w.-])"),
    Mask("ID", r"(?<!\S)(?=[^\s]*\d)[\w./:-]+(?!\S)"),
)
MASK_BY_NAME = {m.name: m for m in MASKS}
# After masking with wildcards: "<*>:" / "<*>," is one wildcard token.
_JOIN = (r"<\*>[:,;]+(?=\s|$)", "*")


@dataclass(frozen=True)
class MiningConfig:
    """Which masks apply (in ``MASKS`` order), whether masked values absorb a trailing ``:``/``,``,
    and drain3's similarity threshold and tree depth."""

    masks: tuple[str, ...]
    join: bool
    sim_th: float
    depth: int

    def label(self) -> str:
        masks = "+".join(self.masks) if self.masks else "no masks"
        return f"{masks}{' +join' if self.join else ''}, st {self.sim_th}, depth {self.depth}"


ALL_MASKS = tuple(m.name for m in MASKS)
# The configuration every miner uses. Chosen by leave-one-system-out on the five Loghub
# systems in ../shared/data: the same pick on every fold and on all five (bench/loghub_ga.py
# prints the folds; tests/unit/test_templates.py checks this constant against the rule).
CONFIG = MiningConfig(masks=ALL_MASKS, join=True, sim_th=0.5, depth=5)
# drain3 0.9.11's own defaults (TemplateMinerConfig()): the baseline the bench compares with.
DRAIN3_DEFAULT = MiningConfig(masks=(), join=False, sim_th=0.4, depth=4)
SIM_THRESHOLD = CONFIG.sim_th
DEPTH = CONFIG.depth


def miner_config(config: MiningConfig = CONFIG) -> TemplateMinerConfig:
    """drain3's configuration for ``config`` (passing one also keeps drain3 from looking for drain3.ini)."""
    result = TemplateMinerConfig()
    result.drain_sim_th = config.sim_th
    result.drain_depth = config.depth
    result.drain_max_children = 100
    result.parametrize_numeric_tokens = True
    masks = [MaskingInstruction(MASK_BY_NAME[name].pattern, "*") for name in config.masks]
    result.masking_instructions = masks + ([MaskingInstruction(*_JOIN)] if config.join else [])
    return result


_NAMED = [(m.regex, f"<{m.name}>") for m in MASKS]


def mask(text: str, *, named: bool = False) -> str:
    """``text`` with its variable parts masked (wildcards, or the mask names for people)."""
    if named:
        for regex, repl in _NAMED:
            text = regex.sub(repl, text)
        return text
    for regex, _ in _NAMED:
        text = regex.sub(WILDCARD, text)
    return re.sub(_JOIN[0], WILDCARD, text)


def new_miner(config: MiningConfig = CONFIG) -> TemplateMiner:
    return TemplateMiner(config=miner_config(config))


_MASKED_CACHE = 50_000  # distinct texts a book remembers the masked form of


class TemplateBook:
    """One drain3 miner per tenant: ``add(tenant, text) -> template id`` (an int within the tenant)."""

    def __init__(self) -> None:
        self._miners: dict[str, TemplateMiner] = {}
        # Masking is pure and the same for every tenant; alerts repeat their messages (a disk warning
        # re-sent every 15 minutes), so each distinct text is masked once per book.
        self._masked: dict[str, str] = {}

    def miner(self, tenant_id: str) -> TemplateMiner:
        if not tenant_id:
            raise ValueError("tenant_id is required")
        miner = self._miners.get(tenant_id)
        if miner is None:
            miner = self._miners[tenant_id] = new_miner()
        return miner

    def add(self, tenant_id: str, text: str) -> int:
        # What TemplateMiner.add_log_message does (mask, then drain) without the parts a book does
        # not use: its profiler sections and the result dict with the rendered template.
        miner = self.miner(tenant_id)
        masked = self._masked.get(text)
        if masked is None:
            if len(self._masked) >= _MASKED_CACHE:
                self._masked.clear()
            masked = self._masked[text] = miner.masker.mask(text)
        cluster, _ = miner.drain.add_log_message(masked)
        return int(cluster.cluster_id)

    def template(self, tenant_id: str, template_id: int) -> str:
        """The template as it stands now (drain generalises a template as it sees more lines)."""
        cluster = self._miners[tenant_id].drain.id_to_cluster.get(template_id)
        return cluster.get_template() if cluster is not None else ""


def mine_lines(lines: list[str], config: MiningConfig = CONFIG) -> list[tuple[int, str]]:
    """(template id, final template) for each line, all lines mined by one miner."""
    miner = new_miner(config)
    ids = [int(miner.add_log_message(line)["cluster_id"]) for line in lines]
    final = {cid: cluster.get_template() for cid, cluster in miner.drain.id_to_cluster.items()}
    return [(cid, final[cid]) for cid in ids]
