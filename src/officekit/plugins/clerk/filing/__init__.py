"""The clerk's desk: filing (see ``officekit.plugins.clerk``)."""
