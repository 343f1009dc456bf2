"""The Slack app manifests: the fewest scopes that work, and events the app actually handles."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from adapters.slack.app import COMMAND

DEPLOY = Path(__file__).resolve().parents[2] / "deploy" / "slack"
SCOPES = {"commands", "chat:write", "channels:read", "groups:read", "im:read", "channels:history",
          "groups:history", "reactions:read", "files:write", "users:read"}
EVENTS = {"message.channels", "message.groups", "reaction_added", "reaction_removed", "channel_shared",
          "channel_unshared", "member_joined_channel", "member_left_channel"}


@pytest.mark.parametrize("name, socket_mode", [("manifest.yml", False), ("manifest.socket-mode.yml", True)])
def test_manifest(name: str, socket_mode: bool) -> None:
    manifest = yaml.safe_load((DEPLOY / name).read_text())
    scopes = manifest["oauth_config"]["scopes"]["bot"]
    assert set(scopes) == SCOPES and len(scopes) == len(SCOPES)
    # Nothing that could write anywhere but Handoff's own messages and files (files_uploadV2 needs files:write).
    assert [s for s in scopes if "write" in s or s.endswith((".public", ".customize"))] == ["chat:write", "files:write"]
    assert "user" not in manifest["oauth_config"]["scopes"]
    [command] = manifest["features"]["slash_commands"]
    assert command["command"] == COMMAND
    settings = manifest["settings"]
    assert set(settings["event_subscriptions"]["bot_events"]) == EVENTS
    assert settings["interactivity"]["is_enabled"] is True
    assert settings["socket_mode_enabled"] is socket_mode
    urls = [command.get("url"), settings["event_subscriptions"].get("request_url"),
            settings["interactivity"].get("request_url")]
    if socket_mode:
        assert urls == [None, None, None]
    else:
        assert all(u and u.endswith("/slack/events") for u in urls)
