"""A throwaway PostgreSQL server for the suite: Debian's binaries, a private port and folder."""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest


def _binaries() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def postgres_server() -> Iterator[str]:
    """Start a PostgreSQL server on 127.0.0.1 and yield its SQLAlchemy URL; stopped and removed after.

    Skips, saying why, only where this machine cannot run one (no binaries, no postgres user).
    """
    pytest.importorskip(
        "psycopg", reason="the PostgreSQL tests need psycopg (pip install -e '.[dev]')"
    )
    bin_dir = _binaries()
    if bin_dir is None:
        pytest.skip(
            "PostgreSQL TESTS SKIPPED: no /usr/lib/postgresql/*/bin (apt-get install postgresql)"
        )
    run_as: list[str] = []
    if os.geteuid() == 0:  # initdb refuses to run as root
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("PostgreSQL TESTS SKIPPED: running as root and there is no 'postgres' user")
        run_as = ["runuser", "-u", "postgres", "--"]
    base = Path(tempfile.mkdtemp(prefix="autograder-pg-"))
    data, sockets = base / "data", base / "run"
    sockets.mkdir()
    if run_as:
        shutil.chown(base, "postgres")
        shutil.chown(sockets, "postgres")
    port = _free_port()
    log = base / "server.log"

    def run(*args: str) -> None:
        subprocess.run([*run_as, *args], check=True, capture_output=True, timeout=120)

    try:
        run(str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust", "-E", "UTF8")
        options = f"-p {port} -k {sockets} -c listen_addresses=127.0.0.1 -c fsync=off"
        run(str(bin_dir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(log), "-w", "start")
        run(
            str(bin_dir / "createdb"),
            "-h",
            "127.0.0.1",
            "-p",
            str(port),
            "-U",
            "postgres",
            "autograder",
        )
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/autograder"
    finally:
        with contextlib.suppress(subprocess.SubprocessError, OSError):
            run(str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop")
        for _ in range(20):  # the server's files are gone only once it has exited
            if not (data / "postmaster.pid").exists():
                break
            time.sleep(0.1)
        shutil.rmtree(base, ignore_errors=True)
