"""Public pages: what is on, event details, registration self-service and the iCal feeds."""

from flask import Blueprint

bp = Blueprint("public", __name__)

from . import feeds  # noqa: E402,F401,I001
from . import pages  # noqa: E402,F401,I001
from . import registration  # noqa: E402,F401,I001
from . import attendance  # noqa: E402,F401,I001
from . import discovery  # noqa: E402,F401,I001
from . import embed  # noqa: E402,F401,I001
from . import media  # noqa: E402,F401,I001
from . import news  # noqa: E402,F401,I001
