"""Document templates: sandboxed Jinja2, strict about missing fields.

Templates are rendered by a Jinja2
[`SandboxedEnvironment`](https://jinja.palletsprojects.com/en/3.1.x/sandbox/)
with ``StrictUndefined``: a template cannot reach Python internals, and a field
it uses that the caller did not give is an error, never an empty gap in a letter
sent out. Before rendering, the template's syntax tree is searched for every field
it uses (``appointment.time``, ``record.name``), so that all the missing ones are
named at once. HTML templates are autoescaped. A template may include or extend
only the office's other registered templates of its format: there is no loader
onto the file system.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

import attrs
import jinja2
from jinja2 import nodes
from jinja2.sandbox import SandboxedEnvironment

from officekit.errors import NotFoundError, PluginError, Problem, ValidationError

__all__ = [
    "FORMATS",
    "DocumentTemplate",
    "RenderedDocument",
    "TemplateSet",
    "compile_problem",
    "missing_fields",
]

FORMATS = ("text", "html")
"""The formats of a template: plain ``text`` and autoescaped ``html``."""

_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
_FIELD = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
MAX_SOURCE = 200_000
"""The most characters a template may have."""


def _check_template(instance: DocumentTemplate, attribute: Any, value: Any) -> None:
    del attribute
    if not isinstance(instance.name, str) or not _NAME.match(instance.name):
        raise PluginError(
            f"a template's name is a lower-case identifier such as 'letter', got {instance.name!r}"
        )
    if instance.format not in FORMATS:
        raise PluginError(
            f"template {instance.name}: format is one of {', '.join(FORMATS)}, "
            f"got {instance.format!r}"
        )
    if not isinstance(instance.source, str) or len(instance.source) > MAX_SOURCE:
        raise PluginError(
            f"template {instance.name}: its source is a string of at most {MAX_SOURCE} characters"
        )


@attrs.frozen
class DocumentTemplate:
    """A template of a document, as a profile folder or a plugin gives it.

    Attributes:
        name: Its name (``appointment_confirmation``), a lower-case identifier.
        source: Its Jinja2 source.
        format: ``text`` or ``html`` (autoescaped).
        origin: Where it came from: a file, or a plugin's name (for messages).
    """

    name: str
    source: str
    format: str = attrs.field(default="text", validator=_check_template)
    origin: str = ""


@attrs.frozen
class RenderedDocument:
    """A document produced from a template.

    Attributes:
        name: The template's name.
        format: ``text`` or ``html``.
        text: The document.
    """

    name: str
    format: str
    text: str


def _environment(fmt: str, loader: jinja2.BaseLoader | None = None) -> SandboxedEnvironment:
    return SandboxedEnvironment(
        undefined=jinja2.StrictUndefined,
        autoescape=fmt == "html",
        loader=loader,
        keep_trailing_newline=True,
        auto_reload=False,
    )


_CHECKERS = {fmt: _environment(fmt) for fmt in FORMATS}


def compile_problem(source: str, fmt: str, where: str) -> Problem | None:
    """Compile a template's source: the problem (naming ``where`` and the line), or None."""
    try:
        _CHECKERS[fmt].parse(source)
    except jinja2.TemplateSyntaxError as exc:
        return Problem(f"{where}: line {exc.lineno}", f"template syntax error: {exc.message}")
    return None


# -- the fields a template uses ------------------------------------------------------------


def _path_of(node: nodes.Node) -> tuple[str, ...] | None:
    """``appointment.time`` for ``Getattr(Name('appointment'), 'time')``; None if not a path."""
    parts: list[str] = []
    while True:
        if isinstance(node, nodes.Getattr):
            parts.append(node.attr)
            node = node.node
        elif isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const):
            if not isinstance(node.arg.value, str):
                return None
            parts.append(node.arg.value)
            node = node.node
        elif isinstance(node, nodes.Name) and node.ctx == "load":
            parts.append(node.name)
            return tuple(reversed(parts))
        else:
            return None


def _uses(ast: nodes.Template, roots: set[str]) -> Iterator[tuple[str, ...]]:
    """The longest field paths the template reads from ``roots``, in order of appearance.

    A path the template tests with ``is defined`` (or ``is undefined``) or gives a
    ``default`` is optional wherever it is used, and so is everything under it.
    """
    optional: set[tuple[str, ...]] = set()
    for test in ast.find_all(nodes.Test):
        if test.name in ("defined", "undefined"):
            path = _path_of(test.node)
            if path is not None:
                optional.add(path)
    for flt in ast.find_all(nodes.Filter):
        if flt.name in ("default", "d") and flt.node is not None:
            path = _path_of(flt.node)
            if path is not None:
                optional.add(path)
    inner: set[int] = set()
    for node in ast.find_all((nodes.Getattr, nodes.Getitem)):
        assert isinstance(node, nodes.Getattr | nodes.Getitem)
        inner.add(id(node.node))
    for node in ast.find_all((nodes.Getattr, nodes.Getitem, nodes.Name)):
        if id(node) in inner:
            continue
        path = _path_of(node)
        if path is None or path[0] not in roots:
            continue
        if any(path[: len(o)] == o for o in optional):
            continue
        yield path


_MISSING = object()


def _lookup(fields: Mapping[str, Any], path: tuple[str, ...]) -> Any:
    value: Any = fields
    for part in path:
        if isinstance(value, Mapping):
            value = value.get(part, _MISSING)
        else:
            value = getattr(value, part, _MISSING) if not part.startswith("_") else _MISSING
        if value is _MISSING or value is None:
            return _MISSING
    return value


def missing_fields(
    ast: nodes.Template, fields: Mapping[str, Any], undeclared: set[str]
) -> list[str]:
    """The dotted fields a template uses that ``fields`` lacks (None and blank count as missing).

    Args:
        ast: The template's syntax tree.
        fields: What the caller gives.
        undeclared: The names the template reads and does not set itself
            (``jinja2.meta.find_undeclared_variables``).
    """
    missing: list[str] = []
    for path in _uses(ast, undeclared):
        dotted = ".".join(path)
        value = _lookup(fields, path)
        blank = value is _MISSING or (isinstance(value, str) and not value.strip())
        if blank and dotted not in missing:
            missing.append(dotted)
    return missing


def check_fields(fields: object) -> dict[str, Any]:
    """Return ``fields`` as a dict if it maps field names to values, else raise ValidationError."""
    if not isinstance(fields, Mapping):
        raise ValidationError(
            f"expected a mapping of field names to values, got {fields!r:.80}", where="fields"
        )
    problems = [
        Problem(f"fields[{key!r:.40}]", "a field's name is an identifier such as 'name'")
        for key in fields
        if not isinstance(key, str) or not _FIELD.match(key)
    ]
    if problems:
        raise ValidationError(problems)
    return dict(fields)


class TemplateSet:
    """The office's templates, by format and name, compiled once.

    Args:
        templates: The templates in order of precedence, lowest first: a later one
            of the same name and format replaces an earlier one.
    """

    def __init__(self, templates: list[DocumentTemplate]) -> None:
        chosen: dict[tuple[str, str], DocumentTemplate] = {}
        for template in templates:
            chosen[(template.format, template.name)] = template
        self.templates: dict[tuple[str, str], DocumentTemplate] = dict(sorted(chosen.items()))
        self._envs = {
            fmt: _environment(fmt, jinja2.FunctionLoader(self._loader(fmt))) for fmt in FORMATS
        }
        self._compiled: dict[tuple[str, str], tuple[jinja2.Template, nodes.Template, set[str]]] = {}

    def _loader(self, fmt: str) -> Any:
        def load(name: str) -> str | None:
            found = self.templates.get((fmt, name))
            return None if found is None else found.source

        return load

    def names(self, fmt: str | None = None) -> list[str]:
        """The names of the templates (of one format), sorted."""
        return sorted({n for f, n in self.templates if fmt is None or f == fmt})

    def get(self, name: str, fmt: str) -> DocumentTemplate:
        """The template ``name`` in format ``fmt``.

        Raises:
            NotFoundError: No such template.
        """
        found = self.templates.get((fmt, name))
        if found is None:
            known = ", ".join(self.names(fmt)) or "none"
            raise NotFoundError(f"no {fmt} template {name!r} in this office (there are: {known})")
        return found

    def _compile(self, name: str, fmt: str) -> tuple[jinja2.Template, nodes.Template, set[str]]:
        key = (fmt, name)
        if key not in self._compiled:
            template = self.get(name, fmt)
            env = self._envs[fmt]
            try:
                ast = env.parse(template.source)
                compiled = env.from_string(ast)
            except jinja2.TemplateSyntaxError as exc:
                raise PluginError(
                    f"template {name} ({template.origin or 'a plugin'}): line {exc.lineno}: "
                    f"template syntax error: {exc.message}"
                ) from None
            from jinja2 import meta

            undeclared = set(meta.find_undeclared_variables(ast)) - set(env.globals)
            self._compiled[key] = (compiled, ast, undeclared)
        return self._compiled[key]

    def render(self, name: str, fields: Mapping[str, Any], fmt: str) -> RenderedDocument:
        """Render a template with ``fields``.

        Raises:
            NotFoundError: No such template.
            ValidationError: Fields the template uses are missing (all of them named,
                ``template <name>: field '<path>' is missing``), or it failed on a value.
        """
        compiled, ast, undeclared = self._compile(name, fmt)
        missing = missing_fields(ast, fields, undeclared)
        if missing:
            raise ValidationError(
                [Problem(f"template {name}", f"field {path!r} is missing") for path in missing]
            )
        try:
            text = compiled.render(dict(fields))
        except jinja2.UndefinedError as exc:
            raise ValidationError(
                f"a field is missing: {exc.message}", where=f"template {name}"
            ) from None
        except jinja2.exceptions.SecurityError as exc:
            raise ValidationError(f"the sandbox refused: {exc}", where=f"template {name}") from None
        except jinja2.TemplateError as exc:
            raise ValidationError(f"{exc.message}", where=f"template {name}") from None
        except (TypeError, ValueError, ArithmeticError, LookupError, AttributeError) as exc:
            raise ValidationError(
                f"it could not use a field's value: {exc}", where=f"template {name}"
            ) from None
        return RenderedDocument(name, fmt, text)
