"""The Teams app package: the manifest validates against Microsoft's schema; the icons are what Teams asks for."""

from __future__ import annotations

import json
import struct
import zipfile
import zlib
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft4Validator

from adapters.cli.main import main
from adapters.teams.manifest import render, write_package
from bench.support.shared_data import shared_path
from bot.errors import BadInput

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy" / "teams"
APP_ID = "0b7a2c3d-1111-4222-8333-944455566677"


def schema(version: str) -> Draft4Validator:
    path = shared_path("teams", "manifest_schema", f"MicrosoftTeams.v{version}.schema.json")
    if path is None:
        pytest.skip(f"../shared/data/teams/manifest_schema/MicrosoftTeams.v{version}.schema.json is absent")
    return Draft4Validator(json.loads(path.read_text()), format_checker=Draft4Validator.FORMAT_CHECKER)


def errors(validator: Draft4Validator, manifest: dict[str, Any]) -> list[str]:
    return [f"{list(e.absolute_path)}: {e.message[:160]}" for e in validator.iter_errors(manifest)]


def test_the_template_uses_the_newest_schema_available_and_validates_once_filled() -> None:
    template = (DEPLOY / "manifest.template.json").read_text()
    manifest = render(template, app_id=APP_ID, domain="handoff.example.com")
    assert manifest["manifestVersion"] == "1.30"
    assert manifest["$schema"].endswith("/v1.30/MicrosoftTeams.schema.json")
    assert errors(schema("1.30"), manifest) == []
    [bot] = manifest["bots"]
    assert bot["botId"] == APP_ID and set(bot["scopes"]) == {"team", "groupChat", "personal"}
    for commands in bot["commandLists"]:
        assert [c["title"] for c in commands["commands"]] == ["packet", "ask", "triage", "help"]
    assert manifest["validDomains"] == ["handoff.example.com"]


def test_the_committed_template_itself_is_not_a_valid_manifest() -> None:
    """The placeholders are not GUIDs: uploading the template unfilled would fail, by design."""
    raw = json.loads((DEPLOY / "manifest.template.json").read_text())
    problems = errors(schema("1.30"), raw)
    assert any("'id'" in p or "['id']" in p for p in problems) and any("botId" in p for p in problems)


def test_the_package_command_writes_a_zip_teams_accepts(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "handoff-teams.zip"
    code = main(["--data-dir", str(tmp_path / "d"), "teams-manifest", "--app-id", APP_ID, "--domain",
                 "bot.msp.example.net", "--version", "1.2.3", "--out", str(out)])
    assert code == 0 and "wrote" in capsys.readouterr().out
    with zipfile.ZipFile(out) as package:
        assert sorted(package.namelist()) == ["color.png", "manifest.json", "outline.png"]
        manifest = json.loads(package.read("manifest.json"))
        assert package.read("color.png") == (DEPLOY / "color.png").read_bytes()
    assert errors(schema("1.30"), manifest) == []
    assert manifest["version"] == "1.2.3" and manifest["developer"]["privacyUrl"] == "https://bot.msp.example.net/privacy"


@pytest.mark.parametrize("kwargs, message", [
    ({"app_id": "00000000-0000-0000-0000-000000000000"}, "placeholder"),
    ({"app_id": "my-bot"}, "not a GUID"),
    ({"domain": "https://handoff.example.com"}, "not a host name"),
    ({"version": "1.0"}, "MAJOR.MINOR.PATCH"),
    ({"website_url": "http://insecure.example.com"}, "https://"),
])
def test_values_teams_would_reject_are_refused_before_writing(kwargs: dict[str, str], message: str) -> None:
    values = {"app_id": APP_ID, "domain": "handoff.example.com", **kwargs}
    with pytest.raises(BadInput, match=message):
        render((DEPLOY / "manifest.template.json").read_text(), **values)


def test_a_value_cannot_break_out_of_its_json_string(tmp_path: Path) -> None:
    manifest = write_package(tmp_path / "p.zip", source=DEPLOY, app_id=APP_ID, domain="handoff.example.com",
                             website_url='https://handoff.example.com/"x"')
    assert manifest["developer"]["websiteUrl"] == 'https://handoff.example.com/"x"'


# --- icons ---------------------------------------------------------------------------------------

def read_png(path: Path) -> tuple[int, int, list[list[tuple[int, int, int, int]]]]:
    """Decode our own RGBA PNGs (8-bit, filter 0) without an imaging library."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, header = 8, b"", b""
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        header = body if kind == b"IHDR" else header
        idat += body if kind == b"IDAT" else b""
        pos += 12 + length
    width, height, depth, color_type = struct.unpack(">IIBB", header[:10])
    assert (depth, color_type) == (8, 6)
    raw = zlib.decompress(idat)
    rows = []
    for y in range(height):
        line = raw[y * (4 * width + 1):(y + 1) * (4 * width + 1)]
        assert line[0] == 0
        rows.append([tuple(line[1 + 4 * x:5 + 4 * x]) for x in range(width)])
    return width, height, rows  # type: ignore[return-value]


def test_icons_have_the_sizes_and_colours_teams_requires() -> None:
    width, height, color = read_png(DEPLOY / "color.png")
    assert (width, height) == (192, 192)
    assert all(px[3] == 255 for row in color for px in row)  # full colour, opaque
    width, height, outline = read_png(DEPLOY / "outline.png")
    assert (width, height) == (32, 32)
    pixels = [px for row in outline for px in row]
    assert all(px[3] == 0 or px[:3] == (255, 255, 255) for px in pixels)  # white on transparent only
    assert sum(px[3] == 0 for px in pixels) > len(pixels) // 2 and any(px[3] == 255 for px in pixels)


def test_the_committed_icons_are_what_the_script_draws(tmp_path: Path) -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_icons", DEPLOY / "make_icons.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.main(tmp_path)
    for name in ("color.png", "outline.png"):
        assert (tmp_path / name).read_bytes() == (DEPLOY / name).read_bytes(), f"run deploy/teams/make_icons.py ({name})"
