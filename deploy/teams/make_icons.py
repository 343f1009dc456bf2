"""Draw the Teams app icons: ``color.png`` (192x192, full colour) and ``outline.png`` (32x32, white on transparent).

Pure Python (zlib + struct), so it runs anywhere: ``python deploy/teams/make_icons.py``.
The picture: a baton passed from one hand to the next, drawn as two arrows.
"""

from __future__ import annotations

import struct
import sys
import zlib
from collections.abc import Callable
from pathlib import Path

Pixel = tuple[int, int, int, int]
ACCENT: Pixel = (31, 111, 235, 255)  # #1F6FEB, the manifest's accentColor
WHITE: Pixel = (255, 255, 255, 255)
CLEAR: Pixel = (0, 0, 0, 0)


def png(width: int, height: int, pixel: Callable[[int, int], Pixel]) -> bytes:
    """An RGBA PNG, 8 bits per channel, no interlace."""
    raw = b"".join(b"\x00" + b"".join(bytes(pixel(x, y)) for x in range(width)) for y in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


def arrows(u: float, v: float) -> bool:
    """Two arrows on the unit square: one pointing right above, one pointing left below."""
    def arrow(u: float, v: float) -> bool:  # pointing right, centred on v = 0
        shaft = 0.18 <= u <= 0.62 and abs(v) <= 0.055
        head = 0.55 <= u <= 0.82 and abs(v) <= 0.16 * (0.82 - u) / 0.27
        return shaft or head
    return arrow(u, v - 0.36) or arrow(1.0 - u, v - 0.64)


def color_pixel(x: int, y: int, size: int = 192) -> Pixel:
    u, v = (x + 0.5) / size, (y + 0.5) / size
    return WHITE if arrows(u, v) else ACCENT


def outline_pixel(x: int, y: int, size: int = 32) -> Pixel:
    # Teams wants the outline icon white on transparent; sample 4x4 per pixel for soft edges in alpha.
    hits = sum(arrows((x + (i + 0.5) / 4) / size, (y + (j + 0.5) / 4) / size) for i in range(4) for j in range(4))
    return (255, 255, 255, round(255 * hits / 16)) if hits else CLEAR


def main(folder: Path) -> None:
    (folder / "color.png").write_bytes(png(192, 192, color_pixel))
    (folder / "outline.png").write_bytes(png(32, 32, outline_pixel))


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).parent)
