"""``officekit review``: the front-office analysis from the command line.

* ``officekit review --from DATE --to DATE [--format table|json|html] [--output FILE]``
  analyses the period, saves the review and prints it (or writes it to FILE).
  Without ``--as`` it is the office's own analysis (whoever can open the store
  reads it all, as with the library); with ``--as`` the member of staff's
  permissions apply (``reviews.analyze``, and what they may see).
* ``officekit review explain PERSON METRIC --from --to``: a figure down to its events.
* ``officekit review decide REVIEW_ID PERSON ACTION --as MANAGER``: record a decision.
* ``officekit review feedback SUBJECT SCORE --as NAME``: record a customer's feedback.
* ``officekit review history``: the saved reviews.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from officekit.cli import (
    DEFAULT_URL,
    AsOption,
    DbOption,
    FormatOption,
    KeyOption,
    ProfileOption,
    check_format,
    day,
    fail,
    open_office,
    out,
    safe,
    staff_member,
)

if TYPE_CHECKING:
    from officekit.plugins.reviews.review import Review

__all__ = ["register", "review_app"]

review_app = typer.Typer(
    help="The front-office analysis: scores, findings, promotions; explain, decide, feedback.",
    invoke_without_command=True,
)

FORMATS = ("table", "json", "html")

FromOption = Annotated[
    str | None, typer.Option("--from", help="First day of the period, YYYY-MM-DD.")
]
ToOption = Annotated[
    str | None, typer.Option("--to", help="Last day of the period (inclusive), YYYY-MM-DD.")
]


def register(app: typer.Typer) -> None:
    """Add ``officekit review`` to ``app``."""
    app.add_typer(review_app, name="review")


def _score(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}"


def table_lines(review: Review) -> list[str]:
    """The review as lines of plain text: the office, each person, the findings."""
    keys = [key for key, _, _ in review.dimensions]
    heads = [title[:5] for _, title, _ in review.dimensions]
    width = max([len("Office"), *(len(p.name) for p in review.people)]) + 2
    lines = [
        f"Front-office review of {review.office_name} ({review.profile}), "
        f"{review.start} to {review.end}"
        + ("" if review.review_id is None else f", review {review.review_id}"),
        "",
        f"{'':{width}}{'hours':>7} {'overall':>8} "
        + " ".join(f"{h:>6}" for h in heads)
        + "  recommendation",
    ]
    office = review.office
    lines.append(
        f"{'Office':{width}}{'':>7} {_score(office.overall):>8} "
        + " ".join(f"{_score(office.dimensions.get(k)):>6}" for k in keys)
    )
    for p in review.people:
        rec = p.recommendation.action.replace("_", " ")
        if p.decision is not None:
            rec += f" (decided: {p.decision.action})"
        lines.append(
            f"{p.name:{width}}{p.hours:>7.1f} {_score(p.scores.overall):>8} "
            + " ".join(f"{_score(p.scores.dimensions.get(k)):>6}" for k in keys)
            + f"  {rec}"
        )
    lines.append("")
    lines.append("Metrics (office): value / target, scored; '-' is too little data")
    for m in review.metrics:
        r = review.office.metrics[m.key]
        value = "-" if r.value is None else f"{r.value:.1f}"
        lines.append(
            f"  {m.key:32} {value:>9} / {m.target:<7g}{m.unit:4} {_score(r.score):>4}"
            + ("" if r.enough else "  (too little data)")
        )
    if review.findings:
        lines.append("")
        lines.append("Findings:")
        names = {p.staff_id: p.name for p in review.people}
        for f in review.findings:
            who = "office" if f.staff_id is None else names.get(f.staff_id, str(f.staff_id))
            lines.append(f"  [{f.severity}] ({who}) {f.text}")
    return lines


@review_app.callback()
def review_main(
    ctx: typer.Context,
    start: FromOption = None,
    end: ToOption = None,
    fmt: Annotated[
        str, typer.Option("--format", help="Output format: table, json or html.")
    ] = "table",
    output: Annotated[
        str | None, typer.Option("--output", help="Write the report to this file instead.")
    ] = None,
    who: Annotated[
        str | None,
        typer.Option(
            "--as",
            "--staff",
            help="Analyse as this member of staff (their permissions apply).",
            show_default=False,
        ),
    ] = None,
    db: DbOption = DEFAULT_URL,
    key: KeyOption = None,
    profile: ProfileOption = None,
) -> None:
    """Analyse a period (office days, both inclusive), save the review and print it."""
    if ctx.invoked_subcommand is not None:
        return
    if fmt not in FORMATS:
        fail(f"--format must be one of {', '.join(FORMATS)}, got {fmt!r}", 2)
    if start is None or end is None:
        fail("--from and --to are needed: the period's first and last days, YYYY-MM-DD", 2)
    first, last = day(start, "--from"), day(end, "--to")
    if last < first:
        fail(f"--to {last} is before --from {first}", 2)
    if output is not None:
        _check_output(output)  # before the review is saved: a bad path changes nothing
    with open_office(db, key, profile) as office:
        if who is None:
            review = office.reviews.analyze(first, last, save=True)
        else:
            member = staff_member(office, who)
            with office.desk(member) as desk:
                review = desk.reviews.analyze(first, last)
    _emit(review, fmt, output)


def _check_output(output: str) -> None:
    """Refuse an ``--output`` path that cannot be written, before anything is done."""
    path = Path(output)
    folder = path.parent
    if path.is_dir():
        fail(f"--output: cannot write {output!r}: it is a folder", 2)
    if not folder.is_dir():
        fail(f"--output: cannot write {output!r}: no folder {str(folder)!r}", 2)
    if not os.access(path if path.exists() else folder, os.W_OK):
        fail(f"--output: cannot write {output!r}: permission denied", 2)


def _emit(review: Review, fmt: str, output: str | None) -> None:
    if fmt == "json":
        text = json.dumps(review.to_json(), indent=2, ensure_ascii=False) + "\n"
    elif fmt == "html":
        from officekit.plugins.reviews.html import render_html

        text = render_html(review)
    else:
        text = "\n".join(table_lines(review)) + "\n"
    if output is not None:
        try:
            Path(output).write_text(text, encoding="utf-8")
        except OSError as exc:
            fail(f"--output: cannot write {output!r}: {exc.strerror}", 1)
        out.print(safe(f"wrote the {fmt} report to {output}"))
    elif fmt == "json":
        out.print_json(text)
    elif fmt == "html":
        typer.echo(text, nl=False)
    else:
        for line in text.splitlines():
            out.print(safe(line))


@review_app.command("explain")
def review_explain(
    person: Annotated[
        str, typer.Argument(help="A staff id or exact name; 'office' for the office.")
    ],
    metric: Annotated[str, typer.Argument(help="The metric's key, such as calls.handling_time.")],
    start: FromOption = None,
    end: ToOption = None,
    limit: Annotated[int, typer.Option("--limit", min=0, max=10000, help="Events to list.")] = 50,
    who: Annotated[
        str | None,
        typer.Option(
            "--as", "--staff", help="Explain as this member of staff.", show_default=False
        ),
    ] = None,
    db: DbOption = DEFAULT_URL,
    key: KeyOption = None,
    profile: ProfileOption = None,
    fmt: FormatOption = "text",
) -> None:
    """Explain a person's (or the office's) figure down to the events behind it."""
    check_format(fmt)
    if start is None or end is None:
        fail("--from and --to are needed: the period's first and last days, YYYY-MM-DD", 2)
    first, last = day(start, "--from"), day(end, "--to")
    if last < first:
        fail(f"--to {last} is before --from {first}", 2)
    with open_office(db, key, profile) as office:
        target: Any = (
            None if person.strip().lower() == "office" else staff_member(office, person, "PERSON")
        )
        if who is None:
            exp = office.reviews.explain(target, metric, first, last, limit=limit)
        else:
            with office.desk(staff_member(office, who)) as desk:
                exp = desk.reviews.explain(target, metric, first, last, limit=limit)
        name = "the office" if target is None else target.name
    if fmt == "json":
        out.print_json(
            json.dumps(
                {
                    "metric": exp.metric,
                    "staff_id": exp.staff_id,
                    "from": exp.start.isoformat(),
                    "to": exp.end.isoformat(),
                    "formula": exp.formula,
                    "of": exp.of,
                    "per": exp.per,
                    "value": exp.result.value,
                    "score": exp.result.score,
                    "enough": exp.result.enough,
                    "target": exp.target,
                    "events": [
                        {
                            "seq": e.seq,
                            "occurred_at": e.occurred_at.isoformat(),
                            "operation": e.operation,
                            "subject": e.subject,
                            "counts_in": e.counts_in,
                            "value": e.value,
                        }
                        for e in exp.events
                    ],
                    "more": exp.more,
                }
            )
        )
        return
    r = exp.result
    value = "no data" if r.value is None else f"{r.value:.2f}"
    out.print(safe(f"{exp.title} ({exp.metric}) of {name}, {exp.start} to {exp.end}"))
    out.print(safe(f"  formula: {exp.formula}"))
    out.print(
        safe(
            f"  numerator {exp.of:g}, denominator {exp.per:g}: value {value}, target {exp.target:g}"
        )
    )
    out.print(safe("  score: " + ("too little data" if r.score is None else f"{r.score:.1f}")))
    out.print(safe(f"  events ({len(exp.events)} listed, {exp.more} more):"))
    for e in exp.events:
        extra = "" if e.value is None or e.value == 1 else f" value {e.value:g}"
        out.print(
            safe(
                f"    #{e.seq} {e.occurred_at:%Y-%m-%d %H:%M:%S} {e.operation}"
                f" {e.subject or ''} [{e.counts_in}]{extra}"
            )
        )


@review_app.command("decide")
def review_decide(
    review_id: Annotated[int, typer.Argument(help="The saved review's id.")],
    person: Annotated[str, typer.Argument(help="A staff id or exact name.")],
    action: Annotated[str, typer.Argument(help="promote, raise or none.")],
    who: AsOption,
    note: Annotated[str | None, typer.Option("--note", help="Why, in your words.")] = None,
    amount: Annotated[
        str | None, typer.Option("--amount", help="A raise's amount, such as 1200.00.")
    ] = None,
    db: DbOption = DEFAULT_URL,
    key: KeyOption = None,
    profile: ProfileOption = None,
) -> None:
    """Record the promotion or raise decision for a person on a saved review."""
    with open_office(db, key, profile) as office:
        member = staff_member(office, who)
        target = staff_member(office, person, "PERSON")
        with office.desk(member) as desk:
            decision = desk.reviews.decide(review_id, target, action, note=note, amount=amount)
    out.print(safe(f"recorded: {decision.action} for {target.name} on review {review_id}"))


@review_app.command("feedback")
def review_feedback(
    subject: Annotated[
        str, typer.Argument(help="What it is about: call:12, visit:3, appointment:UID.")
    ],
    score: Annotated[int, typer.Argument(help="1 (very poor) to 5 (excellent).")],
    who: AsOption,
    comment: Annotated[str | None, typer.Option("--comment", help="The customer's words.")] = None,
    complaint: Annotated[
        bool | None, typer.Option("--complaint/--no-complaint", help="Whether it is a complaint.")
    ] = None,
    db: DbOption = DEFAULT_URL,
    key: KeyOption = None,
    profile: ProfileOption = None,
) -> None:
    """Record a customer's feedback after a call, visit or appointment."""
    with open_office(db, key, profile) as office:
        member = staff_member(office, who)
        with office.desk(member) as desk:
            feedback_id = desk.reviews.feedback(
                subject, score, comment=comment, complaint=complaint
            )
    out.print(safe(f"recorded feedback {feedback_id} on {subject}"))


@review_app.command("history")
def review_history(
    db: DbOption = DEFAULT_URL,
    key: KeyOption = None,
    profile: ProfileOption = None,
    fmt: FormatOption = "text",
) -> None:
    """List the office's saved reviews, latest period first."""
    check_format(fmt)
    with open_office(db, key, profile) as office:
        rows = office.reviews.history()
    if fmt == "json":
        out.print_json(
            json.dumps(
                [
                    {
                        "review_id": r.review_id,
                        "from": r.start.isoformat(),
                        "to": r.end.isoformat(),
                        "created_at": r.created_at.isoformat(),
                        "overall": r.overall,
                    }
                    for r in rows
                ]
            )
        )
        return
    if not rows:
        out.print("no saved reviews")
    for r in rows:
        out.print(safe(f"{r.review_id:>4}  {r.start} to {r.end}  overall {_score(r.overall)}"))
