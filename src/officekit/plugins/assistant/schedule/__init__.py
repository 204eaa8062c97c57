"""The administrative assistant's desk: the schedule (see ``officekit.plugins.assistant``)."""
