"""Typed calls of the filing hook (see ``hookspecs``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from officekit.core.office import Office

__all__ = ["classify_document"]


def classify_document(
    office: Office, *, title: str, text: str | None, sender: str | None, suggested: str | None
) -> str | None:
    """Ask plugins to classify a document; the first answer wins (None: the rules decide)."""
    result: str | None = office.plugins.call(
        "officekit_classify_document",
        office=office,
        title=title,
        text=text,
        sender=sender,
        suggested=suggested,
    )
    return result
