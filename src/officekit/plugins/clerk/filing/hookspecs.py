"""The hook the clerk's filing brings, for other plugins to implement.

Added to every office's plugin manager by the clerk plugin's ``officekit_addhooks``
(through ``officekit.plugins.clerk.filing.part.hookspecs``); implement it with
``@officekit.hookimpl`` like the kernel's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from officekit.hookspecs import hookspec

if TYPE_CHECKING:
    from officekit.core.office import Office

__all__ = ["officekit_classify_document"]


@hookspec(firstresult=True)
def officekit_classify_document(
    office: Office, title: str, text: str | None, sender: str | None, suggested: str | None
) -> str | None:
    """Decide a document's category when it is filed without one.

    ``firstresult``: one category must win, so the first plugin that returns a
    category ends the call; return None to let the next plugin, and finally the
    profile's classification rules (their suggestion is ``suggested``), decide.

    Args:
        office: The office.
        title: The document's title.
        text: Its text (an electronic document's, extracted, or the text given), if any.
        sender: Who sent it, as given, if anyone.
        suggested: The category the profile's rules suggest, or None.

    It is called before the ``filing.file`` operation's transaction: it must not
    write to the store. A category that is not one of the profile's is a
    PluginError. The event records ``classified_by: "plugin"``.

    Returns:
        A category's key, or None.
    """
