"""One server per data folder: a second ``serve`` on the same folder refuses to start, naming the holder."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.errors import ConfigError
from bot.runtime.health import DataDirLock

HOLD = """
import sys, time
from bot.runtime.health import DataDirLock
lock = DataDirLock(sys.argv[1]).acquire()  # kept: the lock lives as long as its file is open
print("held", flush=True)
time.sleep(60)
"""


def test_a_second_server_on_the_same_data_folder_refuses_to_start(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(tmp_path)], stdout=subprocess.PIPE, text=True, env=env)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with pytest.raises(ConfigError) as refused:
            DataDirLock(tmp_path).acquire()
        assert f"pid {holder.pid}" in refused.value.message and str(tmp_path) in refused.value.message
    finally:
        holder.kill()
        holder.wait()
    # The holder died (however it died): the folder is free again.
    DataDirLock(tmp_path).acquire().release()
