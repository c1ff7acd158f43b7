// Parse an iCalendar body from stdin with ical.js; print what it read as JSON.
// Run by tests/strict_parsers.py. Every zone comes from the body's own VTIMEZONEs.
import ICAL from "ical.js";

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const text = Buffer.concat(chunks).toString("utf-8");
const errors = [];
const warnings = [];
const originalWarn = console.warn;
console.warn = (...args) => warnings.push(args.join(" "));
let events = [];
let method = null;
try {
  const calendar = new ICAL.Component(ICAL.parse(text));
  if (calendar.name !== "vcalendar") errors.push(`top component is ${calendar.name}`);
  if (calendar.getAllSubcomponents().length === 0) errors.push("a calendar with no component");
  for (const zone of calendar.getAllSubcomponents("vtimezone")) {
    ICAL.TimezoneService.register(zone);
  }
  method = calendar.getFirstPropertyValue("method");
  events = calendar.getAllSubcomponents("vevent").map((component) => {
    const event = new ICAL.Event(component);
    const utc = (time) => time.convertToZone(ICAL.Timezone.utcTimezone).toICALString();
    if (event.startDate.zone === ICAL.Timezone.localTimezone) errors.push("a floating time");
    return {
      uid: event.uid,
      summary: event.summary,
      location: event.location,
      start_utc: utc(event.startDate),
      end_utc: utc(event.endDate),
      sequence: event.sequence,
      status: component.getFirstPropertyValue("status"),
    };
  });
} catch (error) {
  errors.push(String(error));
}
console.warn = originalWarn;
process.stdout.write(JSON.stringify({ errors, warnings, events, method }));
