"""Real server processes for tests (gunicorn masters, CLI workers): started in a process group of
their own, ready only when a probe says so, and always stopped, output kept in a log file."""

from __future__ import annotations

import http.client
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class ServerProcess:
    """One command run from the project root, its stdout and stderr going to ``log_path``."""

    def __init__(self, command: list[str], env: dict[str, str], log_path: Path) -> None:
        self.command = command
        self.env = {**env, "PYTHONUNBUFFERED": "1"}  # the log shows progress as it happens
        self.log_path = log_path
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                self.command,
                cwd=PROJECT_ROOT,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its workers share its process group: stopped together
            )

    @property
    def name(self) -> str:
        return " ".join(self.command[2:])  # past "python -m"

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def wait_until_ready(self, probe: Callable[[], bool], timeout: float = 30) -> None:
        """Poll ``probe`` until it is true; fail (with the log) if the process dies or time runs
        out."""
        assert self.process is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"{self.name} exited with {self.process.returncode}:\n{self.log()}"
                )
            if probe():
                return
            time.sleep(0.1)
        raise RuntimeError(f"{self.name} not ready after {timeout} s:\n{self.log()}")

    def stop(self, timeout: float = 20) -> int:
        """SIGTERM to the whole group (a graceful stop), SIGKILL if that takes too long."""
        if self.process is None:
            return 0
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
            except ProcessLookupError:
                self.process.wait()
        return self.process.returncode


@dataclass
class Launch:
    """What to run, and the probe that says it is ready."""

    command: list[str]
    env: dict[str, str]
    log_path: Path
    ready: Callable[[ServerProcess], bool]


@contextmanager
def running(*launches: Launch, timeout: float = 30) -> Iterator[list[ServerProcess]]:
    """Start every launch at once, wait until each is ready, and stop them all on the way out
    (also when one fails to start)."""
    servers = [ServerProcess(launch.command, launch.env, launch.log_path) for launch in launches]
    try:
        for server in servers:
            server.start()
        for server, launch in zip(servers, launches, strict=True):
            server.wait_until_ready(
                lambda server=server, launch=launch: launch.ready(server), timeout
            )
        yield servers
    finally:
        for server in servers:
            server.stop()


def answers_200(port: int, path: str) -> bool:
    """The readiness probe of a web server: ``GET path`` answers 200."""
    try:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        try:
            connection.request("GET", path)
            return connection.getresponse().status == 200
        finally:
            connection.close()
    except OSError:
        return False


def gunicorn_command(port: int, workers: int) -> list[str]:
    """The production server: ``gunicorn app:app`` with sync workers on a local port."""
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "--workers",
        str(workers),
        "--bind",
        f"127.0.0.1:{port}",
        "--log-level",
        "warning",
        "app:app",
    ]


def flask_command(*arguments: str) -> list[str]:
    """A command of the app's CLI, as ``flask --app app ...``."""
    return [sys.executable, "-m", "flask", "--app", "app", *arguments]
