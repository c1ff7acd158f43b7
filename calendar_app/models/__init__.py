"""The data model. Models hold data and simple derived properties; rules live in services/."""

from .api_token import ApiToken
from .branch import Branch, Venue
from .content_version import ContentVersion
from .event import Event
from .image import Image
from .outbox import OutboxMessage
from .registration import Registration
from .report import Report, ReportPhoto
from .seat_tally import EventSeatTally
from .series import Closure, Series
from .staff import StaffUser, staff_branches

__all__ = [
    "ApiToken",
    "Branch",
    "ContentVersion",
    "Venue",
    "Event",
    "EventSeatTally",
    "Image",
    "Registration",
    "Report",
    "ReportPhoto",
    "Series",
    "Closure",
    "StaffUser",
    "OutboxMessage",
    "staff_branches",
]
