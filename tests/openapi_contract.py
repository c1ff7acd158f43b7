"""Checks real API answers against /api/v1/openapi.json and keeps count of those seen."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from jsonschema import Draft202012Validator


class Contract:
    """Checks answers against the document and remembers which documented ones were seen.

    ``paths`` picks the part of the document a test answers for (default: all of it).
    """

    def __init__(
        self, document: dict[str, Any], paths: Callable[[str], bool] = lambda _path: True
    ) -> None:
        self.document = document
        self.paths = paths
        self.seen: set[tuple[str, str, str]] = set()

    def documented(self) -> set[tuple[str, str, str]]:
        return {
            (path, method, status)
            for path, operations in self.document["paths"].items()
            if self.paths(path)
            for method, operation in operations.items()
            for status in operation["responses"]
        }

    def check(self, response, path: str, method: str) -> Any:
        status = str(response.status_code)
        responses = self.document["paths"][path][method]["responses"]
        assert status in responses, (path, method, status, response.get_data(as_text=True))
        if "content" not in responses[status]:  # 204: no body
            assert not response.get_data(), (path, method, status)
            self.seen.add((path, method, status))
            return None
        assert response.mimetype == "application/json"
        for header, described in responses[status].get("headers", {}).items():
            if described.get("required"):
                assert header in response.headers, (path, method, status, header)
        schema = dict(responses[status]["content"]["application/json"]["schema"])
        schema["components"] = self.document["components"]  # so that "#/components/..." resolves
        Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER).validate(
            response.get_json()
        )
        self.seen.add((path, method, status))
        return response.get_json()
