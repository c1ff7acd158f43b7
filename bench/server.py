"""One gunicorn for a bench run: the real application plus a hello-world route (bench/hello_wsgi.py),
started on a free port in its own process group and stopped with everything it started."""

from __future__ import annotations

import http.client
import os
import platform
import re
import resource
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HELLO_PATH = "/bench/hello"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(
    env: dict[str, str],
    port: int,
    workers: int,
    *,
    backlog: int = 2048,
    timeout: float = 120,
    application: str = "bench.hello_wsgi:app",
) -> subprocess.Popen:
    """Start ``workers`` sync workers of ``application`` (which must serve the hello-world) and
    wait until ten answers of the hello-world came back (a listening socket is not enough: under
    load the workers may still be loading the app)."""
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
        application,
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


def python_load(
    port: int, path: str, headers: dict[str, str], seconds: float, threads: int, status: int
) -> float:
    """Requests per second from ``threads`` keep-alive clients (reconnecting when told to)."""
    counts = [0] * threads
    failures: list[str] = []
    stop_at = time.perf_counter() + seconds

    def worker(slot: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        while time.perf_counter() < stop_at:
            try:
                connection.request("GET", path, headers=headers)
                response = connection.getresponse()
                response.read()
            except (OSError, http.client.HTTPException):
                connection.close()
                continue
            if response.status != status:
                failures.append(f"{path}: {response.status}")
                return
            counts[slot] += 1

    started = time.perf_counter()
    pool = [threading.Thread(target=worker, args=(slot,)) for slot in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    if failures:
        raise SystemExit(f"unexpected answer: {failures[0]}")
    return sum(counts) / (time.perf_counter() - started)


def wrk_load(
    port: int, path: str, headers: dict[str, str], seconds: float, threads: int, status: int
) -> float:
    command = ["wrk", "-t", "2", "-c", str(threads), "-d", f"{max(1, round(seconds))}s"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    command.append(f"http://127.0.0.1:{port}{path}")
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    failed = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if failed:
        raise SystemExit(f"wrk saw {failed.group(1)} failed answers on {path}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))


def probe(port: int, path: str, headers: dict[str, str] | None = None) -> http.client.HTTPResponse:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", path, headers=headers or {})
    response = connection.getresponse()
    response.body = response.read()
    return response


def worker_rss(process: subprocess.Popen) -> list[int]:
    """The resident memory, in KiB, of each worker process the gunicorn ``process`` started."""
    children = subprocess.run(
        ["pgrep", "-P", str(process.pid)], capture_output=True, text=True, check=False
    ).stdout
    sizes = []
    for pid in children.split():
        status = Path(f"/proc/{pid}/status").read_text()
        sizes.append(int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1)))
    return sorted(sizes)


@dataclass(frozen=True)
class CpuTimes:
    """CPU seconds (user and system) spent so far by each side of a bench run."""

    workers: float  # the gunicorn's process group: its master and every worker
    database: float  # every PostgreSQL server process on the machine (0 without one)
    client: float  # this process: the bench's client threads

    def __sub__(self, other: CpuTimes) -> CpuTimes:
        return CpuTimes(
            self.workers - other.workers,
            self.database - other.database,
            self.client - other.client,
        )

    @property
    def total(self) -> float:
        return self.workers + self.database + self.client


def cpu_times(process: subprocess.Popen, *, with_database: bool = True) -> CpuTimes:
    """The CPU used so far by ``process``'s group, the PostgreSQL server (unless
    ``with_database`` is false: a SQLite run) and this process, read from /proc: a phase's
    figure is the difference of two readings around it."""
    tick = os.sysconf("SC_CLK_TCK")
    workers = database = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:  # the process ended meanwhile
            continue
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2 :].split()
        used = int(fields[11]) + int(fields[12])  # utime, stime
        if int(fields[2]) == process.pid:  # the process group gunicorn was started in
            workers += used
        elif with_database and name.startswith("postgres"):
            database += used
    own = resource.getrusage(resource.RUSAGE_SELF)
    return CpuTimes(workers / tick, database / tick, own.ru_utime + own.ru_stime)
