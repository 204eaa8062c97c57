"""The hooks the documents part of the assistant's desk brings, for other plugins to implement.

Added to every office's plugin manager by the assistant plugin's ``officekit_addhooks``;
implement them with ``@officekit.hookimpl`` like the kernel's hooks.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from officekit.hookspecs import hookspec

if TYPE_CHECKING:
    from officekit.core.office import Office
    from officekit.plugins.assistant.documents.templates import DocumentTemplate

__all__ = ["officekit_register_templates", "officekit_render_document"]


@hookspec
def officekit_register_templates(office: Office) -> list[DocumentTemplate]:  # type: ignore[empty-body]
    """Add document templates, or replace the profile's.

    Called once per office, the first time it renders a document. A template
    replaces one of the same name and format from the profile's folders (base's,
    then the sector's); among plugins, the one loaded later wins (the built-ins
    first, then installed plugins, then the profile's ``plugin.py``).

    A template with a syntax error is a
    [`PluginError`][officekit.errors.PluginError] naming it, when it is first used.

    Args:
        office: The office whose templates these are.

    Returns:
        A list of
        [`DocumentTemplate`][officekit.plugins.assistant.documents.templates.DocumentTemplate].
    """


@hookspec(firstresult=True)
def officekit_render_document(
    office: Office, name: str, fields: Mapping[str, Any], format: str
) -> str | None:
    """Render a document yourself instead of its template (a letterhead service, say).

    ``firstresult``: one rendering must win, so the first plugin that returns a
    string ends the call; return None to let the next plugin, and finally the
    office's templates, render it.

    Called by ``office.documents.render`` and ``desk.documents.render`` before
    the templates are looked up, so a plugin may produce a document that has no
    template. Raise a [`ValidationError`][officekit.errors.ValidationError] naming
    a missing field; it passes through to the caller.

    Args:
        office: The office.
        name: The template's name (``appointment_confirmation``).
        fields: The fields to fill it with.
        format: ``text`` or ``html``.

    Returns:
        The document's text, or None.
    """
