"""``handoff search``, ``index`` and ``reindex``: the retrieval index from the command line."""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
from pathlib import Path
from typing import Any

from adapters.cli.commands.output import print_json
from bot.core import Core
from bot.db import store
from bot.db.models import GLOBAL_TENANT
from bot.errors import BadInput, HandoffError

KINDS = ("runbook", "client-note", "kb", "ticket")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "search", help="search a client's knowledge (its docs, past tickets and the shared runbooks)",
        description="Hybrid search (dense + BM25) over one client's knowledge and the shared _global runbooks. "
                    "Every hit belongs to that client or to _global.",
    )
    p.add_argument("query", nargs="?", help="what to look for, e.g. an alert text or an L1 note")
    p.add_argument("--tenant", help="client id (or _global for the shared runbooks only)")
    p.add_argument("--limit", type=int, default=5, help="hits per query (default 5)")
    p.add_argument("--kind", action="append", choices=KINDS, help="only these kinds; repeat for several")
    p.add_argument("--no-global", action="store_true", help="search the client's own knowledge only")
    p.add_argument("--json", action="store_true", help="print the hits as JSON")
    p.add_argument("--batch", type=Path, metavar="FILE",
                   help="JSONL of {\"tenant\", \"query\"} objects ('-' for stdin); prints one JSON line per query")
    p.set_defaults(run=run_search)

    p = sub.add_parser("index", help="index new and changed documents and past tickets (incremental)")
    p.add_argument("--tenant", action="append", help="only this owner; repeat for several")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=run_index)

    p = sub.add_parser("reindex", help="drop the retrieval index and build it again")
    p.add_argument("--tenant", action="append", help="only this owner; repeat for several")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=run_reindex)


def run_index(args: argparse.Namespace, core: Core) -> int:
    report = core.retriever.sync(engine=core.engine, tenants=_owners(core, args.tenant))
    print_json(report.as_dict()) if args.json else print(report)
    return 0


def run_reindex(args: argparse.Namespace, core: Core) -> int:
    report = core.retriever.rebuild(engine=core.engine, tenants=_owners(core, args.tenant))
    print_json(report.as_dict()) if args.json else print(report)
    return 0


def _owners(core: Core, tenants: list[str] | None) -> list[str] | None:
    if not tenants:
        return None
    for tenant in tenants:
        _known_tenant(core, tenant)
    return tenants


def _known_tenant(core: Core, tenant: str) -> str:
    if tenant == GLOBAL_TENANT:
        return tenant
    with core.session() as session:
        return store.get_tenant(session=session, tenant_id=tenant).id


def _search(core: Core, *, tenant: str, query: str, limit: int, kinds: list[str] | None, no_global: bool) -> list:
    tenant = _known_tenant(core, tenant)
    fn = core.retriever.search if no_global else core.retriever.search_knowledge
    return fn(tenant_id=tenant, query=query, limit=limit, kinds=kinds)


def run_search(args: argparse.Namespace, core: Core) -> int:
    if args.batch:
        if args.query or args.tenant:
            raise BadInput("--batch reads tenant and query from the file: give neither a query nor --tenant")
        return run_batch(args, core)
    if not args.tenant or not args.query:
        raise BadInput("give --tenant and a query (or --batch FILE)")
    hits = _search(core, tenant=args.tenant, query=args.query, limit=args.limit, kinds=args.kind,
                   no_global=args.no_global)
    if args.json:
        print_json([hit.as_dict() for hit in hits])
        return 0
    if not hits:
        print(f"no hits in the knowledge of {args.tenant} (is it indexed? `handoff index`)")
        return 0
    width = 100
    for rank, hit in enumerate(hits, 1):
        where = " > ".join([hit.title, *hit.heading_path])
        print(f"{rank}. [{hit.tenant}] {hit.score:.3f}  {where}  ({hit.kind})")
        print(f"   {hit.url}")
        exact = f"  exact: {', '.join(hit.exact_terms)}" if hit.exact_terms else ""
        print(f"   dense {hit.dense_score:.2f}  bm25 {hit.sparse_score:.2f}{exact}")
        text = " ".join(hit.text.split())
        snippet = text if len(text) <= 400 else text[:399] + "…"
        print(textwrap.indent(textwrap.fill(snippet, width=width - 3), "   "))
        print()
    return 0


def run_batch(args: argparse.Namespace, core: Core) -> int:
    """JSONL in, JSONL out: one line per input line, with its hits or its error."""
    handle = sys.stdin if str(args.batch) == "-" else _open(args.batch)
    failures = 0
    with handle:
        for line_no, line in enumerate(handle, 1):
            if not line.strip():
                continue
            out: dict[str, Any] = {"line": line_no}
            try:
                request = json.loads(line)
                if not isinstance(request, dict):
                    raise BadInput("expected a JSON object with tenant and query")
                out["tenant"], out["query"] = request.get("tenant"), request.get("query")
                if not isinstance(out["tenant"], str) or not isinstance(out["query"], str):
                    raise BadInput("tenant and query are required strings")
                kinds = request.get("kinds")
                hits = _search(core, tenant=out["tenant"], query=out["query"],
                               limit=int(request.get("limit", args.limit)), kinds=kinds or args.kind,
                               no_global=bool(request.get("no_global", args.no_global)))
                out["hits"] = [hit.as_dict() for hit in hits]
            except json.JSONDecodeError as exc:
                out["error"] = f"not valid JSON: {exc.msg}"
            except HandoffError as exc:
                out["error"] = exc.message
            if "error" in out:
                failures += 1
            sys.stdout.write(json.dumps(out, ensure_ascii=False) + "\n")
    if failures:
        print(f"{failures} line(s) failed; see their \"error\"", file=sys.stderr)
    return 2 if failures else 0


def _open(path: Path) -> Any:
    try:
        return path.open(encoding="utf-8")
    except OSError as exc:
        raise BadInput(f"{path}: {exc.strerror}") from None
