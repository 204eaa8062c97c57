"""Built-in plugins.

They are ordinary plugins, registered by dotted name like any other, and can
be blocked by name with ``OFFICEKIT_DISABLE_PLUGINS``: officekit uses its own
plugin API.
"""

DEFAULT_PLUGINS: tuple[str, ...] = (
    "officekit.plugins.kernel",
    "officekit.plugins.reception",
    "officekit.plugins.clerk",
    "officekit.plugins.money",
    "officekit.plugins.assistant",
    "officekit.plugins.reviews",
)
"""Dotted names of the plugins every office loads first (datasette's ``DEFAULT_PLUGINS``).

The kernel reads these names and loads the plugins as it loads any other; it
imports no desk's code itself."""
