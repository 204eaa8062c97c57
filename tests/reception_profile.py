"""A reception-test profile written to a folder, independent of the shipped sector profiles."""

from __future__ import annotations

from pathlib import Path

RECEPTION_TOML = """
extends = "base"
name = "frontdesk"

[office]
name = "Test Practice"
timezone = "Europe/London"
currency = "GBP"
country = "GB"

[phones]
lines = 4
service_level_seconds = 20
short_abandon_seconds = 5
message_due_hours = 2

[departments.reception]
name = "Reception"
extension = "100"
hours = { mon = "08:00-18:00", tue = "08:00-18:00", wed = "08:00-18:00", thu = "08:00-18:00", fri = "08:00-18:00", sat = "09:00-12:00" }

[departments.appointments]
name = "Appointments"
extension = "110"
hours = { mon = "08:00-18:00", tue = "08:00-18:00", wed = "08:00-18:00", thu = "08:00-18:00", fri = "08:00-18:00" }

[departments.billing]
name = "Billing"
extension = "120"
hours = { mon = "09:00-17:00", tue = "09:00-17:00", wed = "09:00-17:00", thu = "09:00-17:00", fri = "09:00-13:00" }

[departments.nurses]
name = "Nurses"
extension = "130"
hours = { mon = "08:00-18:00", tue = "08:00-18:00", wed = "08:00-18:00", thu = "08:00-18:00", fri = "08:00-18:00" }

[[holidays]]
date = 2026-12-25
name = "Christmas Day"

[[holidays]]
date = 2026-03-04
name = "Billing training day"
departments = ["billing"]

[routing]
default = "reception"
after_hours = "voicemail"

[[routing.rules]]
name = "nurse-line"
lines = ["+44 20 7946 0999"]
department = "nurses"

[[routing.rules]]
name = "appointments"
keywords = ["appointment", "reschedule", "book", "cancel my visit"]
department = "appointments"
after_hours = "answering_service"

[[routing.rules]]
name = "billing"
keywords = ["bill", "invoice", "payment"]
department = "billing"

[[routing.rules]]
name = "known-customers"
known_customer = true
department = "reception"

[[routing.urgent]]
name = "emergency"
keywords = ["chest pain", "not breathing", "unconscious"]
action = "script"
script = "This sounds like an emergency: hang up and call 999 now."

[[routing.urgent]]
name = "test-results"
keywords = ["urgent results"]
action = "flag"
department = "nurses"

[responsibilities.phones]
description = "Answer and handle calls, take and deliver messages"
operations = [
    "calls.answer", "calls.hold", "calls.resume", "calls.transfer",
    "calls.take_message", "calls.complete", "messages.take", "messages.deliver",
]
min_level = "trainee"

[responsibilities.messages]
description = "Acknowledge one's messages"
operations = ["messages.acknowledge"]
min_level = "trainee"

[roles.receptionist]
responsibilities = ["front_office", "phones", "messages"]

[roles.clerk]
department = "billing"
responsibilities = ["front_office", "messages"]
"""


def write_reception_profile(folder: Path, extra: str = "") -> Path:
    """Write the test profile (plus ``extra`` TOML) into ``folder`` and return the folder."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "profile.toml").write_text(RECEPTION_TOML + extra, encoding="utf-8")
    return folder
