"""The money desk: payments (see ``officekit.plugins.money``)."""
