"""Parse an iCalendar body from stdin with Debian's libical; print what it read as JSON.

Run by Debian's /usr/bin/python3 (python3-gi, gir1.2-ical-3.0), not the project's venv: see
tests/strict_parsers.py. Reports every error libical finds: X-LIC-ERROR properties it inserts
while parsing and the RFC 5545 restriction check of the calendar and its components.
"""

import json
import sys

import gi

gi.require_version("ICalGLib", "3.0")
from gi.repository import ICalGLib  # noqa: E402


def name_of(component):
    return ICalGLib.Component.kind_to_string(component.isa())


def errors_in(component, found):
    prop = component.get_first_property(ICalGLib.PropertyKind.XLICERROR_PROPERTY)
    while prop is not None:
        found.append(f"{name_of(component)}: {prop.get_xlicerror()}")
        prop = component.get_next_property(ICalGLib.PropertyKind.XLICERROR_PROPERTY)
    child = component.get_first_component(ICalGLib.ComponentKind.ANY_COMPONENT)
    while child is not None:
        errors_in(child, found)
        child = component.get_next_component(ICalGLib.ComponentKind.ANY_COMPONENT)


def status_of(component):
    prop = component.get_first_property(ICalGLib.PropertyKind.STATUS_PROPERTY)
    return prop.get_value_as_string() if prop is not None else None


def utc(moment):
    moment = moment.convert_to_zone(ICalGLib.Timezone.get_utc_timezone())
    return moment.as_ical_string()


def main():
    text = sys.stdin.buffer.read().decode("utf-8")
    calendar = ICalGLib.Component.new_from_string(text)
    if calendar is None:
        print(json.dumps({"errors": ["libical could not parse the body"], "events": []}))
        return
    errors = []
    if calendar.isa() != ICalGLib.ComponentKind.VCALENDAR_COMPONENT:
        errors.append(f"top component is {name_of(calendar)}")
    if calendar.count_components(ICalGLib.ComponentKind.ANY_COMPONENT) == 0:
        errors.append("a calendar with no component")
    errors_in(calendar, errors)
    calendar.check_restrictions()
    errors_in(calendar, errors)
    events = []
    child = calendar.get_first_component(ICalGLib.ComponentKind.VEVENT_COMPONENT)
    while child is not None:
        events.append(
            {
                "uid": child.get_uid(),
                "summary": child.get_summary(),
                "location": child.get_location(),
                "start_utc": utc(child.get_dtstart()),
                "end_utc": utc(child.get_dtend()),
                "sequence": child.get_sequence(),
                "status": status_of(child),
            }
        )
        child = calendar.get_next_component(ICalGLib.ComponentKind.VEVENT_COMPONENT)
    method = calendar.get_method()
    print(json.dumps({"errors": errors, "events": events, "method": method.value_nick}))


main()
