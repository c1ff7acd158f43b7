"""What the people running the service look at: health, readiness, metrics and request logs."""

from __future__ import annotations

import ipaddress
import os
import time

from flask import Flask, Response, g, request

from .logs import REQUEST_ID_HEADER, configure_logging, log_request, request_id_from
from .metrics import multiprocess_dir, observe_request

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(value: object) -> tuple[Network, ...]:
    """``"127.0.0.1/32, 10.0.0.0/8"`` (or a list) -> networks; a bare address is a /32 or /128."""
    parts = value if isinstance(value, (list, tuple)) else str(value).split(",")
    return tuple(ipaddress.ip_network(str(part).strip(), strict=False) for part in parts if part)


def init_operations(app: Flask) -> None:
    """Logging, the request id and the request metrics on every request; the ops endpoints."""
    configure_logging(app)
    app.config["METRICS_ALLOW"] = parse_networks(app.config["METRICS_ALLOW"])
    folder = multiprocess_dir()
    if folder:  # metrics shared by several processes are written there on every request
        os.makedirs(folder, exist_ok=True)

    @app.before_request
    def _start_request() -> None:
        g.request_started = time.perf_counter()
        g.request_id = request_id_from(request.headers.get(REQUEST_ID_HEADER))

    @app.after_request
    def _finish_request(response: Response) -> Response:
        started = g.get("request_started")
        if started is None:  # before_request never ran (a failure in an earlier hook)
            g.request_id = request_id_from(request.headers.get(REQUEST_ID_HEADER))
            started = time.perf_counter()
        seconds = time.perf_counter() - started
        response.headers[REQUEST_ID_HEADER] = g.request_id
        observe_request(request.endpoint, request.method, response.status_code, seconds)
        log_request(response.status_code, seconds * 1000)
        return response

    from .views import bp

    app.register_blueprint(bp)
