"""``handoff teams-manifest``: the Teams app package (manifest + icons) for one bot registration."""

from __future__ import annotations

import argparse
from pathlib import Path

from bot.core import Core


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("teams-manifest", help="write the Teams app package zip to upload (sideload) in Teams")
    p.add_argument("--app-id", required=True, help="the bot's Microsoft App ID (MicrosoftAppId), a GUID")
    p.add_argument("--domain", required=True, help="the public host name of `handoff serve teams`, e.g. handoff.example.com")
    p.add_argument("--teams-app-id", help="the Teams app's own id (a GUID; default: the bot's app id)")
    p.add_argument("--website-url", help="https URL for the developer, privacy and terms links (default: https://DOMAIN)")
    p.add_argument("--version", default="1.0.0", help="app package version, MAJOR.MINOR.PATCH; raise it for each upload")
    p.add_argument("--source", type=Path, help="folder with manifest.template.json and the icons (default: deploy/teams)")
    p.add_argument("--out", type=Path, default=Path("handoff-teams.zip"), help="zip to write (default handoff-teams.zip)")
    p.set_defaults(run=run_manifest)


def run_manifest(args: argparse.Namespace, core: Core) -> int:
    from adapters.teams.manifest import default_source, write_package

    manifest = write_package(args.out, source=args.source or default_source(), app_id=args.app_id,
                             domain=args.domain, teams_app_id=args.teams_app_id, website_url=args.website_url,
                             version=args.version)
    print(f"wrote {args.out}: Teams app {manifest['id']} for bot {manifest['bots'][0]['botId']}, "
          f"manifest {manifest['manifestVersion']}; upload it in Teams > Apps > Manage your apps > Upload an app")
    return 0
