"""The README documents what users configure and type: every setting, every command."""

from __future__ import annotations

from pathlib import Path

from adapters.cli.main import build_parser
from bot.config import Settings

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")


def test_every_setting_is_in_the_readme() -> None:
    missing = []
    for name, field in Settings.model_fields.items():
        alias = field.validation_alias
        names = list(getattr(alias, "choices", None) or [f"HANDOFF_{name.upper()}"])
        if not any(f"`{n}`" in README for n in names):
            missing.append(names[0])
    assert missing == [], f"settings not documented in README.md: {missing}"


def test_every_command_is_in_the_readme() -> None:
    parser = build_parser()
    sub = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    missing = [name for name in sub.choices if f"handoff {name}" not in README]
    assert missing == [], f"commands not shown in README.md: {missing}"


def test_the_two_first_commands_are_the_demo_and_the_tests() -> None:
    blocks = [b.split("\n", 1)[1] for b in README.split("```bash")[1:3]]
    assert "handoff demo" in blocks[0]
    assert "-m pytest" in blocks[1]
