"""Staff side, behind login: events, rosters, check-in, statistics and administration."""

from flask import Blueprint

bp = Blueprint("staff", __name__)
