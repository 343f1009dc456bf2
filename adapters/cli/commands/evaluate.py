"""``handoff eval retrieval``: retrieval quality of a dataset and a query file."""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from adapters.cli.commands.output import print_json
from bot.core import Core


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("eval", help="measure quality (see README: Retrieval)")
    what = p.add_subparsers(dest="what", metavar="WHAT", required=True)
    r = what.add_parser(
        "retrieval", help="recall@1, recall@5, MRR and leakage of dense, sparse and hybrid search",
        description="Ingests DATASET into a fresh temporary store and index (never the configured one), "
                    "runs every query of QUERIES (JSONL: tenant, query, expected doc urls) and reports "
                    "recall@1, recall@5, MRR and cross-tenant leakage per search mode.",
    )
    r.add_argument("--dataset", type=Path, required=True, help="a dataset folder (tenants.yaml, docs/, tickets.jsonl)")
    r.add_argument("--queries", type=Path, required=True, help="JSONL query file")
    r.add_argument("--json", action="store_true")
    r.add_argument("--misses", action="store_true", help="also list the queries hybrid missed at 5")
    r.set_defaults(run=run_eval_retrieval)


def run_eval_retrieval(args: argparse.Namespace, core: Core) -> int:
    from retrieval.evaluate import run_eval, table

    with tempfile.TemporaryDirectory(prefix="handoff-eval-") as work:
        results, info = run_eval(dataset=args.dataset, queries_file=args.queries, data_dir=Path(work),
                                 embedding_model=core.settings.embedding_model)
    if args.json:
        print_json({"corpus": info, "results": [r.as_dict() for r in results]})
    else:
        print(f"{info['documents']} documents, {info['chunks']} chunks, {info['queries']} queries "
              f"({info['probes']} leakage probes)\n")
        print(table(results))
        if args.misses:
            for result in results:
                if result.name == "hybrid":
                    for miss in result.misses:
                        print(f"\nmiss (line {miss['line']}, {miss['tenant']}): {miss['query']}")
                        print(f"  expected {miss['expected']}\n  got      {miss['got']}")
    return 0 if all(r.leaks == 0 for r in results) else 1
