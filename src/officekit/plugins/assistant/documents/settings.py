"""The ``[documents]`` profile section: template folders, incoming kinds, deadlines, forwarding.

A [`ProfileSection`][officekit.ProfileSection] of the assistant's desk. Each
profile of an ``extends`` chain names its own folder of templates under
``[documents.template_folders]`` (a table, so that the folders of the whole chain
add up: base first, the most derived profile last, and a later folder's template
of the same name wins). Every template in them is compiled when the profile is
validated: a syntax error is a problem naming the file and the line.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

import attrs

from officekit.core.extensions import ProfileSection, SectionContext
from officekit.core.validate import unknown_name
from officekit.errors import Problem

__all__ = [
    "DOCUMENTS",
    "MAX_REVIEW_HOURS",
    "SUFFIXES",
    "DocumentKind",
    "DocumentsSettings",
    "template_files",
]

MAX_REVIEW_HOURS = 24 * 90
"""The longest review deadline a kind may have, in hours (90 days)."""

_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


@attrs.frozen
class DocumentKind:
    """A kind of incoming document the office processes.

    Attributes:
        description: What it is, in a line.
        review_hours: Hours after its receipt by which it must be dealt with (reviewed
            and then filed, forwarded or returned); still open later, it is overdue.
            None: the section's ``review_hours``.
        filing_category: The filing desk's category it is filed under; None: the
            filing desk's classification rules decide.
    """

    description: str
    review_hours: int | None = None
    filing_category: str | None = None


def _default_kinds() -> dict[str, DocumentKind]:
    return {"letter": DocumentKind("An incoming letter.")}


@attrs.frozen
class DocumentsSettings:
    """Where the office's templates are, and how its incoming documents are processed.

    Attributes:
        template_folders: Folders of templates, by a name of your choice (usually the
            profile's), each relative to the profile file that names it; validation
            makes them absolute. Base's come first; a later folder's template of the
            same name replaces an earlier one.
        kinds: The incoming document kinds, by key.
        review_hours: Hours after receipt by which an incoming document must be dealt
            with, unless its kind says otherwise.
        forward_to: The departments documents may be forwarded to; empty: any
            department of the profile.
    """

    template_folders: Mapping[str, str] = attrs.field(factory=dict)
    kinds: Mapping[str, DocumentKind] = attrs.field(factory=_default_kinds)
    review_hours: int = 48
    forward_to: tuple[str, ...] = ()

    def hours_for(self, kind: str) -> int:
        """The review deadline of ``kind``, in hours."""
        own = self.kinds[kind].review_hours
        return self.review_hours if own is None else own


SUFFIXES = {".txt": "text", ".html": "html"}
"""A template file's format, by its suffix."""


def template_files(folder: Path) -> list[tuple[str, str, Path]]:
    """The templates of a folder: ``(name, format, path)`` for each ``*.txt`` and ``*.html``.

    Sorted by file name; files with other suffixes are ignored.
    """
    found = []
    for path in sorted(folder.iterdir()):
        fmt = SUFFIXES.get(path.suffix)
        if fmt is not None and path.is_file():
            found.append((path.stem, fmt, path))
    return found


def _check_templates(folder: Path, ctx: SectionContext) -> None:
    from officekit.plugins.assistant.documents.templates import compile_problem

    for name, fmt, path in template_files(folder):
        if not _NAME.match(name):
            ctx.report(
                Problem(
                    str(path),
                    "a template's file name is a lower-case identifier and .txt or .html, "
                    f"such as 'letter.txt', got {path.name!r}",
                )
            )
            continue
        try:
            source = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            ctx.report(Problem(str(path), "not UTF-8 text (a template is written in UTF-8)"))
            continue
        except OSError as exc:
            ctx.report(Problem(str(path), f"cannot read: {exc.strerror}"))
            continue
        problem = compile_problem(source, fmt, str(path))
        if problem is not None:
            ctx.report(problem)


def _check(settings: DocumentsSettings, ctx: SectionContext) -> DocumentsSettings:
    folders: dict[str, str] = {}
    for key, value in settings.template_folders.items():
        if not _NAME.match(key):
            ctx.problem(["template_folders", key], "a folder's key is a lower-case identifier")
            continue
        named_in = ctx.file_of(["template_folders", key])
        folder = Path(value)
        if not folder.is_absolute() and named_in is not None:
            folder = named_in.parent / folder
        if not folder.is_dir():
            ctx.problem(["template_folders", key], f"no folder {str(folder)!r}")
            continue
        folders[key] = str(folder.resolve())
        _check_templates(folder, ctx)
    if not settings.kinds:
        ctx.problem(["kinds"], "name at least one kind of incoming document")
    for key, kind in settings.kinds.items():
        if not _NAME.match(key):
            ctx.problem(["kinds", key], "a kind's key is a lower-case identifier")
        if kind.review_hours is not None and not 1 <= kind.review_hours <= MAX_REVIEW_HOURS:
            ctx.problem(
                ["kinds", key, "review_hours"],
                f"expected a number of hours from 1 to {MAX_REVIEW_HOURS}, got {kind.review_hours}",
            )
        if kind.filing_category is not None and not _NAME.match(kind.filing_category):
            ctx.problem(
                ["kinds", key, "filing_category"],
                f"expected the key of a [filing] category, got {kind.filing_category!r}",
            )
    if not 1 <= settings.review_hours <= MAX_REVIEW_HOURS:
        ctx.problem(
            ["review_hours"],
            f"expected a number of hours from 1 to {MAX_REVIEW_HOURS}, got {settings.review_hours}",
        )
    departments = ctx.profile.departments
    for i, name in enumerate(settings.forward_to):
        if name not in departments:
            ctx.problem([f"forward_to[{i}]"], unknown_name("department", name, departments))
    _check_filers(ctx)
    return attrs.evolve(settings, template_folders=folders)


FILING_PLUGIN = "officekit.plugins.clerk"
"""The plugin whose filing desk ``documents.file`` files with (where it runs)."""


def _lowest(ctx: SectionContext, role: str, operation: str) -> int | None:
    """The lowest level (its index) at which ``role`` may perform ``operation``; None: never."""
    profile = ctx.profile
    order = {level.name: i for i, level in enumerate(profile.levels)}
    found = [
        order.get(profile.responsibilities[key].min_level, len(order))
        for key in profile.roles[role].responsibilities
        if key in profile.responsibilities and operation in profile.responsibilities[key].operations
    ]
    return min(found) if found else None


def _check_filers(ctx: SectionContext) -> None:
    """Every role that may ``documents.file`` may ``filing.file`` too, where the filing desk runs.

    Else each ``documents.file`` by that role is refused by the filing desk. Checked
    at the lowest level the role files incoming documents at.
    """
    profile = ctx.profile
    if FILING_PLUGIN in profile.plugins.disable:
        return
    levels = [level.name for level in profile.levels]
    for name in profile.roles:
        files_incoming = _lowest(ctx, name, "documents.file")
        if files_incoming is None:
            continue
        files = _lowest(ctx, name, "filing.file")
        if files is None:
            what = (
                "may file incoming documents (documents.file) but not file at the filing "
                "desk (filing.file), which documents.file does: give it a responsibility "
                "covering filing.file (such as 'filing')"
            )
        elif files > files_incoming:
            what = (
                f"files incoming documents (documents.file) from level "
                f"{levels[files_incoming]!r} but may file at the filing desk (filing.file) "
                f"only from {levels[files]!r}, which documents.file does"
            )
        else:
            continue
        ctx.report(Problem(f"roles.{name}.responsibilities", what))


DOCUMENTS: ProfileSection[DocumentsSettings] = ProfileSection(
    "documents",
    DocumentsSettings,
    DocumentsSettings,
    _check,
    "The office's document templates, and the processing queue of its incoming documents.",
)
"""The ``[documents]`` section, typed: ``profile.section(DOCUMENTS)``."""
