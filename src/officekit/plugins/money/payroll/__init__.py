"""The money desk: payroll (see ``officekit.plugins.money``)."""
