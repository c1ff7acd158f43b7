"""One gunicorn for a bench run: the real application plus a hello-world route (bench/hello_wsgi.py),
started on a free port in its own process group and stopped with everything it started."""

from __future__ import annotations

import http.client
import os
import platform
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HELLO_PATH = "/bench/hello"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(
    env: dict[str, str], port: int, workers: int, *, backlog: int = 2048, timeout: float = 120
) -> subprocess.Popen:
    """Start ``workers`` sync workers and wait until ten answers of the hello-world came back
    (a listening socket is not enough: under load the workers may still be loading the app)."""
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "--workers",
        str(workers),
        "--bind",
        f"127.0.0.1:{port}",
        "--backlog",
        str(backlog),
        "--chdir",
        str(ROOT),
        "--log-level",
        "warning",
        "bench.hello_wsgi:app",
    ]
    process = subprocess.Popen(command, env=env, start_new_session=True)
    deadline = time.monotonic() + timeout
    answered = 0
    while time.monotonic() < deadline and answered < 10:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            connection.request("GET", HELLO_PATH)
            if connection.getresponse().status == 200:
                answered += 1
            connection.close()
        except OSError:
            time.sleep(0.2)
    if answered < 10:
        stop(process)
        raise SystemExit("gunicorn did not start")
    return process


def stop(process: subprocess.Popen) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def cpu_model() -> str:
    """The processor's name as ``lscpu`` gives it, for the first line of every bench's report."""
    try:
        output = subprocess.run(["lscpu"], capture_output=True, text=True, check=False).stdout
    except OSError:
        output = ""
    match = re.search(r"Model name:\s+(.+)", output)
    return match.group(1).strip() if match else platform.processor() or "unknown"
