"""Read a dataset folder (../shared/DATASET.md) into validated records.

Reading is separate from storing: every file is parsed and checked completely
before anything is written, so a file with an error can be rejected whole.
Problems carry the file, the line and the field at fault.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from bot.alerts.formats import parse_alertmanager_body
from bot.db.models import GLOBAL_TENANT
from bot.ingest.records import (
    TENANT_ID,
    AlertRecord,
    DocRecord,
    TenantRecord,
    TicketRecord,
    validation_problems,
)

R = TypeVar("R", bound=BaseModel)
JsonlRecord = TypeVar("JsonlRecord", TicketRecord, AlertRecord)  # the record types that come one per JSON line


@dataclass(frozen=True)
class IngestError:
    file: str
    line: int | None
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line is not None else self.file
        return f"{where}: {self.field}: {self.message}"


@dataclass
class ParsedFile(Generic[R]):
    """One source file: its records with their line numbers, and its problems."""

    name: str  # path relative to the dataset folder, for messages
    kind: str
    records: list[tuple[int, R]] = field(default_factory=list)
    errors: list[IngestError] = field(default_factory=list)
    tenant: str | None = None  # for docs: the owning tenant folder

    def error(self, line: int | None, field_name: str, message: str) -> None:
        self.errors.append(IngestError(self.name, line, field_name, message))


def read_tenants(root: Path) -> ParsedFile[TenantRecord] | None:
    path = root / "tenants.yaml"
    if not path.exists():
        return None
    parsed: ParsedFile[TenantRecord] = ParsedFile("tenants.yaml", "tenants")
    try:
        text = path.read_text(encoding="utf-8")
        loader = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except UnicodeDecodeError as exc:
        parsed.error(None, "(file)", f"not UTF-8 text: {exc}")
        return parsed
    except yaml.YAMLError as exc:
        line, message = yaml_problem(exc, first_line=1)
        parsed.error(line, "(file)", message)
        return parsed
    if not isinstance(data, dict) or not isinstance(data.get("tenants"), list):
        parsed.error(1, "tenants", "expected a top-level 'tenants:' list")
        return parsed
    lines = _yaml_item_lines(loader)
    seen: set[str] = set()
    psa_owner: dict[tuple[str, str], str] = {}  # (connector, PSA company id) -> tenant
    for index, item in enumerate(data["tenants"]):
        line = lines[index] if index < len(lines) else None
        record = _validate(TenantRecord, item, parsed, line, prefix=f"tenants[{index}].")
        if record is None:
            continue
        if record.id in seen:
            parsed.error(line, f"tenants[{index}].id", f"tenant id {record.id!r} appears twice")
            continue
        seen.add(record.id)
        clash = False
        for connector, company in record.psa.as_dict().items():
            owner = psa_owner.setdefault((connector, company.casefold()), record.id)
            if owner != record.id:
                # One PSA company, two clients: tickets would have no single owner.
                parsed.error(line, f"tenants[{index}].psa.{connector}",
                             f"{connector} company {company!r} is already mapped to tenant {owner!r}")
                clash = True
        if not clash:
            parsed.records.append((line or 0, record))
    return parsed


def _yaml_item_lines(node: Any) -> list[int]:
    """1-based line of each item of the top-level ``tenants`` sequence."""
    if node is None or not hasattr(node, "value"):
        return []
    for key, value in node.value:
        if getattr(key, "value", None) == "tenants" and hasattr(value, "value"):
            return [item.start_mark.line + 1 for item in value.value]
    return []


def read_jsonl(root: Path, name: str, model: type[JsonlRecord], kind: str) -> ParsedFile[JsonlRecord] | None:
    path = root / name
    if not path.exists():
        return None
    parsed: ParsedFile[JsonlRecord] = ParsedFile(name, kind)
    seen: dict[tuple[str, ...], int] = {}
    for line_no, line in _lines(path, parsed):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
        except json.JSONDecodeError as exc:
            parsed.error(line_no, "(line)", f"not valid JSON: {exc.msg} at column {exc.colno}")
            continue
        record = _validate(model, raw, parsed, line_no)
        if record is None:
            continue
        key = _record_key(record)
        if key in seen:
            parsed.error(line_no, "id", f"id {key[-1]!r} already appears on line {seen[key]}")
            continue
        seen[key] = line_no
        parsed.records.append((line_no, record))
    return parsed


def _record_key(record: TicketRecord | AlertRecord) -> tuple[str, ...]:
    if isinstance(record, AlertRecord):
        return (record.source, record.id)
    return (str(record.id),)


def _lines(path: Path, parsed: ParsedFile[Any]) -> Iterator[tuple[int, str]]:
    try:
        with path.open(encoding="utf-8") as handle:
            yield from enumerate(handle, start=1)
    except UnicodeDecodeError as exc:
        parsed.error(None, "(file)", f"not UTF-8 text: {exc}")


def read_alertmanager(root: Path) -> list[ParsedFile[AlertRecord]]:
    folder = root / "alertmanager"
    if not folder.is_dir():
        return []
    files = []
    for path in sorted(folder.glob("*.json")):
        name = f"alertmanager/{path.name}"
        parsed: ParsedFile[AlertRecord] = ParsedFile(name, "alertmanager")
        try:
            body = json.loads(path.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            line = getattr(exc, "lineno", None)
            parsed.error(line, "(file)", f"not valid JSON: {getattr(exc, 'msg', exc)}")
            files.append(parsed)
            continue
        records, problems = parse_alertmanager_body(body)
        for problem in problems:
            parsed.error(None, problem.field, problem.message)
        parsed.records = [(0, record) for record in records]
        files.append(parsed)
    return files


def read_docs(root: Path) -> tuple[list[str], list[ParsedFile[DocRecord]]]:
    """(tenant folders present, one ParsedFile per Markdown document)."""
    folder = root / "docs"
    if not folder.is_dir():
        return [], []
    owners: list[str] = []
    files: list[ParsedFile[DocRecord]] = []
    for owner_dir in sorted(p for p in folder.iterdir() if p.is_dir()):
        owner = owner_dir.name
        if owner != GLOBAL_TENANT and not TENANT_ID.match(owner):
            bad: ParsedFile[DocRecord] = ParsedFile(f"docs/{owner}", "docs", tenant=owner)
            bad.error(None, "(folder)", "folder name must be a tenant id or _global")
            files.append(bad)
            continue
        owners.append(owner)
        for path in sorted(owner_dir.rglob("*.md")):
            files.append(read_doc(path, owner, owner_dir))
    return owners, files


def read_doc(path: Path, owner: str, owner_dir: Path) -> ParsedFile[DocRecord]:
    relative = path.relative_to(owner_dir).as_posix()
    parsed: ParsedFile[DocRecord] = ParsedFile(f"docs/{owner}/{relative}", "docs", tenant=owner)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        parsed.error(None, "(file)", f"not UTF-8 text: {exc}")
        return parsed
    front, body, body_line = split_front_matter(text, parsed)
    if parsed.errors:
        return parsed
    raw = {
        "tenant": owner,
        "path": relative,
        "title": front.get("title") or _first_heading(body) or path.stem.replace("-", " "),
        "kind": front.get("kind", "kb"),
        "url": front.get("url") or f"handoff://docs/{owner}/{relative}",
        "tags": front.get("tags") or [],
        "devices": front.get("devices") or [],
        "meta": {k: v for k, v in front.items() if k not in _KNOWN_FRONT_MATTER},
        "body": body,
    }
    record = _validate(DocRecord, raw, parsed, 1 if body_line > 1 else None)
    if record is not None:
        parsed.records.append((1, record))
    return parsed


_KNOWN_FRONT_MATTER = {"title", "kind", "url", "tags", "devices"}


def split_front_matter(text: str, parsed: ParsedFile[Any]) -> tuple[dict[str, Any], str, int]:
    """(front matter, body, first line of the body)."""
    if not text.startswith("---"):
        return {}, text, 1
    lines = text.splitlines(keepends=True)
    for end in range(1, len(lines)):
        if lines[end].strip() == "---":
            try:
                front = yaml.safe_load("".join(lines[1:end])) or {}
            except yaml.YAMLError as exc:
                line, message = yaml_problem(exc, first_line=2)
                parsed.error(line, "(front matter)", message)
                return {}, "", 1
            if not isinstance(front, dict):
                parsed.error(2, "(front matter)", "expected key: value pairs")
                return {}, "", 1
            return front, "".join(lines[end + 1 :]), end + 2
    parsed.error(1, "(front matter)", "opened with '---' but never closed")
    return {}, "", 1


def yaml_problem(exc: yaml.YAMLError, *, first_line: int) -> tuple[int | None, str]:
    """(line in the file, one-line message) for a YAML error.

    The line is where the broken construct began (an unclosed ``[`` is reported
    by PyYAML at the end of the text, which would point at the wrong line).
    """
    mark = getattr(exc, "context_mark", None) or getattr(exc, "problem_mark", None)
    line = mark.line + first_line if mark is not None else None
    parts = [getattr(exc, "context", None), getattr(exc, "problem", None)]
    detail = "; ".join(p for p in parts if p) or str(exc).splitlines()[0]
    return line, f"not valid YAML: {detail}"


def _first_heading(body: str) -> str | None:
    for line in body.splitlines():
        if line.startswith("# "):
            return line[2:].strip()
    return None


def _validate(model: type[R], raw: Any, parsed: ParsedFile[Any], line: int | None, prefix: str = "") -> R | None:
    if not isinstance(raw, dict):
        parsed.error(line, "(record)", "expected a JSON object")
        return None
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        for field_name, message in validation_problems(exc):
            parsed.error(line, prefix + field_name, message)
        return None
