"""JSON API under /api/v1: no cookies, no CSRF, rate-limited."""

from flask import Blueprint

bp = Blueprint("api", __name__)
