"""The administrative assistant's desk: documents (see ``officekit.plugins.assistant``)."""
