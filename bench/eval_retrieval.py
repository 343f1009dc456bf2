"""Retrieval quality over the real runbook corpora, laid out as a multi-tenant MSP.

    /tmp/venv/bin/python bench/eval_retrieval.py [--json] [--misses] [--data ../shared/data/runbooks]

Builds a dataset folder in a temporary directory from ../shared/data/runbooks
(the prometheus-operator runbooks as the MSP's shared ``_global`` runbooks,
the Windows Server support articles split between three clients, seven of
them copied into two owners with a client-specific line each: near-duplicates
across tenants), as bench/data/eval_corpus.json describes. Then it runs
``handoff eval retrieval`` on it with bench/data/eval_queries.jsonl (queries
phrased like alerts and L1 notes, plus leakage probes that name or ask for
another client) and prints recall@1, recall@5, MRR and leakage for dense,
sparse and hybrid search. Nothing of the third-party text is stored in the
project. Exits 1 if any hit leaked from another tenant.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.support.shared_data import shared_data_dir  # noqa: E402
from retrieval.evaluate import run_eval, table  # noqa: E402

DATA = ROOT / "bench" / "data"
DEFAULT_RUNBOOKS = (shared_data_dir() or ROOT / "missing-shared-data") / "runbooks"
EXCLUDE = {"SOURCES.md", "TOPICS.md"}


def _with_front_matter(text: str, *, kind: str, note: str | None = None) -> str:
    """The file with front matter of its title and ``kind`` only, and an optional client note.

    Some upstream front matter is not valid YAML (an unquoted ': ' in a
    description), which the import rightly rejects; only the title is kept.
    """
    match = re.match(r"^---\n(.*?)\n---\n", text, re.S)
    front, body = (match.group(1), text[match.end():]) if match else ("", text)
    title = next((line[6:].strip().strip("'\"") for line in front.splitlines() if line.startswith("title:")), None)
    lines = [f"kind: {kind}"] + ([f"title: {json.dumps(title)}"] if title else [])
    prefix = f"> {note}\n\n" if note else ""
    return "---\n" + "\n".join(lines) + "\n---\n" + prefix + body


def build_dataset(runbooks: Path, target: Path) -> Path:
    spec = json.loads((DATA / "eval_corpus.json").read_text())
    docs = target / "docs"
    lines = ["tenants:"]
    for tenant in spec["tenants"]:
        lines += [f"  - id: {tenant['id']}", f"    name: {tenant['name']}",
                  f"    aliases: [{', '.join(tenant['aliases'])}]"]
    target.mkdir(parents=True, exist_ok=True)
    (target / "tenants.yaml").write_text("\n".join(lines) + "\n")
    glob = spec["global"]
    source = runbooks / glob["folder"]
    for path in sorted(source.rglob("*.md")):
        if path.name == "_index.md":
            continue
        out = docs / "_global" / glob["to"] / path.relative_to(source)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(_with_front_matter(path.read_text(encoding="utf-8"), kind=glob["kind"]))
    ms = runbooks / "ms-support"
    for owner, files in spec["owners"].items():
        for name in files:
            if name in EXCLUDE:
                continue
            out = docs / owner / "ms" / name
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(_with_front_matter((ms / name).read_text(encoding="utf-8"), kind="kb"))
    for dup in spec["near_duplicates"]:
        for owner, note in dup["notes"].items():
            if "file" in dup:
                src, out, kind = ms / dup["file"], docs / owner / "ms" / dup["file"], "kb"
            else:
                src, out, kind = source / dup["global"], docs / owner / glob["to"] / dup["global"], "runbook"
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(_with_front_matter(src.read_text(encoding="utf-8"), kind=kind, note=note))
    return target


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DEFAULT_RUNBOOKS, help="the shared runbooks folder")
    parser.add_argument("--queries", type=Path, default=DATA / "eval_queries.jsonl")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--misses", action="store_true", help="list what hybrid missed at 5")
    parser.add_argument("--work", type=Path, help="keep the dataset and index here (a rerun indexes nothing new)")
    args = parser.parse_args()
    if not (args.data / "ms-support").is_dir() or not (args.data / "prometheus-operator").is_dir():
        print(f"skipped: the shared runbooks are not at {args.data} (see ../shared/data/README.md)")
        return 0
    with tempfile.TemporaryDirectory(prefix="handoff-eval-") as temp:
        work = args.work or Path(temp)
        dataset = build_dataset(args.data, work / "dataset")
        results, info = run_eval(dataset=dataset, queries_file=args.queries, data_dir=work / "data",
                                 progress=sys.stderr.isatty())
    if args.json:
        print(json.dumps({"corpus": info, "results": [r.as_dict() for r in results]}, indent=2))
    else:
        print(f"{info['documents']} documents in 4 owners, {info['chunks']} chunks ({info['chunks_embedded_now']} "
              f"embedded in this run, {info['index_seconds']} s); {info['queries']} queries, "
              f"{info['probes']} of them leakage probes only\n")
        print(table(results))
    if args.misses:
        for result in results:
            if result.name == "hybrid":
                for miss in result.misses:
                    print(f"\nmiss (line {miss['line']}, {miss['tenant']}): {miss['query']}\n"
                          f"  expected {miss['expected']}\n  got      {miss['got']}")
    return 0 if all(r.leaks == 0 for r in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
