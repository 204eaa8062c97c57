"""The clerk's desk: records (see ``officekit.plugins.clerk``)."""
