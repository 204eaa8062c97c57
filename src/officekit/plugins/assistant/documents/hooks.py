"""Typed calls of the documents hooks (see ``hookspecs``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import attrs

from officekit.errors import PluginError
from officekit.plugins.assistant.documents.templates import DocumentTemplate

if TYPE_CHECKING:
    from officekit.core.office import Office

__all__ = ["register_templates", "render_document"]


def register_templates(office: Office) -> list[DocumentTemplate]:
    """The plugins' templates, in load order (a later one of a name wins)."""
    found: list[DocumentTemplate] = []
    for plugin, template in office.plugins.contributions(
        "officekit_register_templates", DocumentTemplate, office=office
    ):
        found.append(template if template.origin else attrs.evolve(template, origin=plugin))
    return found


def render_document(
    office: Office, name: str, fields: Mapping[str, Any], format: str
) -> str | None:
    """Ask plugins to render a document; the first text wins (None: the templates render it)."""
    result = office.plugins.call(
        "officekit_render_document", office=office, name=name, fields=fields, format=format
    )
    if result is not None and not isinstance(result, str):
        raise PluginError(
            f"officekit_render_document must return the document's text or None, "
            f"got {type(result).__name__}"
        )
    return result
