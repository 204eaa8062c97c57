"""One test per hook in officekit.hookspecs (``test_hook_<name>``), plus loading errors.

Plugins here are plain objects with ``@hookimpl`` methods, passed with
``Office.open(..., plugins=[...])``. ``tests/test_docs.py`` checks that every
hook has its ``test_hook_<name>`` in this directory.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from officekit import (
    Event,
    ManualClock,
    Office,
    Operation,
    OperationContext,
    PermissionDenied,
    PluginError,
    ProfileError,
    StaffMember,
    ValidationError,
    hookimpl,
)
from officekit.plugins.reception.questions import Answer

OpenOffice = Callable[..., Office]

SIGN_IN = Operation("visitors.sign_in", "Sign a visitor in at reception.")

CLINIC_PROFILE = """\
extends = "medical"
name = "clinic"

[responsibilities.visitors]
description = "Greet visitors and sign them in."
operations = ["visitors.sign_in"]
min_level = "trainee"

[roles.greeter]
title = "Greeter"
responsibilities = ["visitors"]
"""


class Visitors:
    """A plugin that adds the ``visitors.sign_in`` operation."""

    @hookimpl
    def officekit_register_operations(self) -> list[Operation]:
        return [SIGN_IN]


class Recorder:
    """A plugin that records every call of the hooks it implements."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def named(self, hook: str) -> list[dict[str, Any]]:
        return [kwargs for name, kwargs in self.calls if name == hook]


def _clinic(tmp_path: Path) -> Path:
    folder = tmp_path / "clinic"
    folder.mkdir()
    (folder / "profile.toml").write_text(CLINIC_PROFILE, encoding="utf-8")
    return folder


def _refused_by_profile(office: Office) -> tuple[StaffMember, Operation]:
    """A trainee receptionist asking for the audit check, which the profile refuses."""
    trainee = office.staff.hire("Tom Walsh", roles=["receptionist"])
    operation = office.operations["audit.verify"]
    assert not office.kernel.decide(trainee, operation).allowed, "precondition: profile refuses"
    return trainee, operation


# -- officekit_register_operations ----------------------------------------------


def test_hook_register_operations(open_office: OpenOffice, tmp_path: Path) -> None:
    clinic = _clinic(tmp_path)
    office = open_office(clinic, plugins=[Visitors()])
    assert office.operations["visitors.sign_in"] == SIGN_IN
    # The built-in kernel plugin's operations are still there.
    assert {"desk.note", "audit.verify"} <= set(office.operations)

    greeter = office.staff.hire("Grace Kim", roles=["greeter"])
    with office.desk(greeter) as desk:
        assert desk.can("visitors.sign_in").responsibility == "visitors"
        _, event = desk.perform("visitors.sign_in", subject="Mr Rossi", detail={"badge": "V-12"})
    assert (event.operation, event.subject, event.outcome) == ("visitors.sign_in", "Mr Rossi", "ok")
    assert office.events(operation="visitors.") == [event]


def test_hook_register_operations_is_needed_by_a_profile_that_grants_them(
    sqlite_url: str, clock: ManualClock, tmp_path: Path
) -> None:
    with pytest.raises(ProfileError) as info:
        Office.open(sqlite_url, profile=_clinic(tmp_path), clock=clock)
    assert "no operation named 'visitors.sign_in'" in str(info.value)
    assert "responsibilities.visitors.operations[0]" in str(info.value)


@pytest.mark.parametrize(
    ("returned", "message"),
    [
        (["visitors.sign_in"], "must return Operation objects"),
        ([SIGN_IN, Operation("visitors.sign_in", "Something else.")], "registered twice"),
    ],
)
def test_hook_register_operations_bad_answers_are_plugin_errors(
    sqlite_url: str, clock: ManualClock, returned: list[Any], message: str
) -> None:
    class Bad:
        @hookimpl
        def officekit_register_operations(self) -> list[Any]:
            return returned

    with pytest.raises(PluginError, match=message):
        Office.open(sqlite_url, profile="medical", clock=clock, plugins=[Bad()])


# -- officekit_office_opened --------------------------------------------------------


def test_hook_office_opened(open_office: OpenOffice) -> None:
    class Opened(Recorder):
        @hookimpl
        def officekit_office_opened(self, office: Office) -> None:
            self.calls.append(("opened", {"office": office, "operations": set(office.operations)}))

    class NoArguments(Recorder):
        # An implementation may take fewer arguments than the spec: here, none.
        @hookimpl
        def officekit_office_opened(self) -> None:
            self.calls.append(("opened", {}))

    opened, bare = Opened(), NoArguments()
    office = open_office("medical", plugins=[opened, bare])
    (call,) = opened.named("opened")
    assert call["office"] is office
    assert "desk.note" in call["operations"]
    assert bare.calls == [("opened", {})]


# -- staff ------------------------------------------------------------------------


def test_hook_staff_hired(open_office: OpenOffice) -> None:
    class Hired(Recorder):
        @hookimpl
        def officekit_staff_hired(self, office: Office, member: StaffMember) -> None:
            # Called after commit: the hire's event is already in the log.
            logged = office.events(operation="staff.hire")
            self.calls.append(("hired", {"member": member, "logged": logged}))

    plugin = Hired()
    office = open_office("medical", plugins=[plugin])
    anna = office.staff.hire("Anna Conti", roles=["receptionist"], experience_years=4)
    (call,) = plugin.named("hired")
    assert call["member"] == anna
    assert call["member"].level == "senior"
    assert [e.subject for e in call["logged"]] == ["Anna Conti"]


def test_hook_staff_roles_changed(open_office: OpenOffice) -> None:
    class Changed(Recorder):
        @hookimpl
        def officekit_staff_roles_changed(
            self, member: StaffMember, previous: tuple[str, ...]
        ) -> None:
            self.calls.append(("changed", {"member": member, "previous": previous}))

    plugin = Changed()
    office = open_office("medical", plugins=[plugin])
    sam = office.staff.hire("Sam Novak", roles=["receptionist"])
    updated = office.staff.change_roles(sam, ["clerk", "receptionist"])
    assert plugin.named("changed") == [{"member": updated, "previous": ("receptionist",)}]
    assert updated.roles == ("clerk", "receptionist")

    # A refused change is not announced.
    with pytest.raises(ValidationError):
        office.staff.change_roles(sam, ["astronaut"])
    assert len(plugin.named("changed")) == 1


def test_hook_staff_left(open_office: OpenOffice, clock: ManualClock) -> None:
    class Left(Recorder):
        @hookimpl
        def officekit_staff_left(self, office: Office, member: StaffMember) -> None:
            self.calls.append(("left", {"member": member, "active": office.staff.list()}))

    plugin = Left()
    office = open_office("medical", plugins=[plugin])
    rosa = office.staff.hire("Rosa Silva", roles=["clerk"])
    clock.advance(days=90)
    gone = office.staff.leave(rosa)
    (call,) = plugin.named("left")
    assert call["member"] == gone
    assert call["member"].left_at == clock.now()
    assert not call["member"].active
    assert call["active"] == []


# -- officekit_check_permission ----------------------------------------------------


class RefuseNotes(Recorder):
    """Refuses ``desk.note`` about the subject ``"private"``; agrees to the rest."""

    @hookimpl
    def officekit_check_permission(
        self, actor: StaffMember, operation: Operation, subject: str | None
    ) -> str | None:
        self.calls.append(("check", {"actor": actor, "operation": operation.name}))
        if operation.name == "desk.note" and subject == "private":
            return "notes about private matters go in the locked register"
        return None


def test_hook_check_permission(open_office: OpenOffice) -> None:
    plugin = RefuseNotes()
    office = open_office("medical", plugins=[plugin])
    anna = office.staff.hire("Anna Conti", roles=["receptionist"])
    before = len(office.events())
    with office.desk(anna) as desk:
        assert desk.can("desk.note").allowed  # the plugin agrees: None
        assert desk.note("Toner is low").outcome == "ok"
        with pytest.raises(PermissionDenied) as info:
            desk.note("About Mr Rossi", subject="private")
    assert info.value.reason == "notes about private matters go in the locked register"
    assert plugin.named("check")[-1] == {"actor": anna, "operation": "desk.note"}

    (denied,) = office.events(outcome="denied")
    assert denied.operation == "desk.note"
    assert denied.actor_id == anna.id
    assert denied.subject == "private"
    assert denied.detail == {
        "reason": "notes about private matters go in the locked register",
        "decided_by": "plugin",
    }
    assert [e.outcome for e in office.events()[before:]] == ["ok", "denied"]
    assert office.verify_audit().ok


def test_hook_check_permission_is_not_asked_when_the_profile_refuses(
    open_office: OpenOffice,
) -> None:
    class AlwaysRefuse(Recorder):
        @hookimpl
        def officekit_check_permission(self, operation: Operation) -> str:
            self.calls.append(("check", {"operation": operation.name}))
            return "the plugin says no"

    plugin = AlwaysRefuse()
    office = open_office("medical", plugins=[plugin])
    trainee, operation = _refused_by_profile(office)
    profile_decision = office.kernel.decide(trainee, operation)
    with office.desk(trainee) as desk:
        assert desk.can("audit.verify") == profile_decision
        with pytest.raises(PermissionDenied) as info:
            desk.verify_audit()
    assert plugin.named("check") == []
    assert info.value.reason == profile_decision.reason
    (denied,) = office.events(outcome="denied")
    assert denied.detail == {"reason": profile_decision.reason, "decided_by": "profile"}


def test_hook_check_permission_cannot_loosen(open_office: OpenOffice) -> None:
    class AlwaysAgree:
        @hookimpl
        def officekit_check_permission(self) -> None:
            return None

    office = open_office("medical", plugins=[AlwaysAgree()])
    trainee, _ = _refused_by_profile(office)
    with office.desk(trainee) as desk:
        decision = desk.can("audit.verify")
        assert not decision.allowed and decision.decided_by == "profile"
        with pytest.raises(PermissionDenied):
            desk.verify_audit()
    assert [e.operation for e in office.events(outcome="denied")] == ["audit.verify"]


def test_hook_check_permission_every_plugin_is_asked(open_office: OpenOffice) -> None:
    class Refuse:
        def __init__(self, reason: str) -> None:
            self.reason = reason

        @hookimpl
        def officekit_check_permission(self) -> str:
            return self.reason

    office = open_office(
        "medical", plugins=[RefuseNotes(), Refuse("first reason"), Refuse("second reason")]
    )
    anna = office.staff.hire("Anna Conti", roles=["receptionist"])
    with office.desk(anna) as desk, pytest.raises(PermissionDenied) as info:
        desk.start_shift()
    assert set(info.value.reason.split("; ")) == {"first reason", "second reason"}


# -- operations ------------------------------------------------------------------


def test_hook_before_operation(open_office: OpenOffice) -> None:
    class NoShouting(Recorder):
        @hookimpl
        def officekit_before_operation(self, office: Office, context: OperationContext) -> None:
            self.calls.append(("before", {"context": context, "events": len(office.events())}))
            if context.operation == "desk.note" and context.detail["text"].isupper():
                raise ValidationError("please do not shout in the log", where="text")

    plugin = NoShouting()
    office = open_office("medical", plugins=[plugin])
    anna = office.staff.hire("Anna Conti", roles=["receptionist"])
    count = len(office.events())
    with office.desk(anna) as desk:
        with pytest.raises(ValidationError, match="please do not shout"):
            desk.note("PRINTER OUT OF TONER", subject="printer")
        assert len(office.events()) == count  # nothing written, not even a refusal
        desk.note("Printer out of toner", subject="printer")

    stopped, done = (call["context"] for call in plugin.named("before"))
    assert stopped == OperationContext(
        "desk.note", anna.id, "Anna Conti", "printer", {"text": "PRINTER OUT OF TONER"}
    )
    assert done.detail == {"text": "Printer out of toner"}
    # Called after authorisation, before the transaction: its event is not there yet.
    assert [call["events"] for call in plugin.named("before")] == [count, count]
    assert len(office.events()) == count + 1


def test_hook_after_operation(open_office: OpenOffice, clock: ManualClock) -> None:
    class After(Recorder):
        @hookimpl
        def officekit_after_operation(
            self, office: Office, context: OperationContext, event: Event
        ) -> None:
            # The event is committed: it can be read back from the log.
            read_back = office.events(operation=context.operation, limit=1)
            self.calls.append(("after", {"context": context, "event": event, "read": read_back}))

    plugin = After()
    office = open_office("medical", plugins=[plugin])
    anna = office.staff.hire("Anna Conti", roles=["receptionist"])
    with office.desk(anna) as desk:
        noted = desk.note("Printer out of toner")
        with pytest.raises(ValidationError):
            desk.note("")  # refused by validation: no event, no hook call
    (call,) = plugin.named("after")
    assert call["event"] == noted
    assert call["read"] == [noted]
    assert call["event"].occurred_at == clock.now()
    assert call["context"].operation == "desk.note"
    assert call["context"].actor_id == anna.id
    # Office administration (hiring) is not an operation: after_operation is not called.
    assert [c["event"].operation for c in plugin.named("after")] == ["desk.note"]


def test_hook_after_operation_not_called_for_a_refusal(open_office: OpenOffice) -> None:
    class After(Recorder):
        @hookimpl
        def officekit_after_operation(self, event: Event) -> None:
            self.calls.append(("after", {"event": event}))

    plugin = After()
    office = open_office("medical", plugins=[plugin])
    trainee, _ = _refused_by_profile(office)
    with office.desk(trainee) as desk, pytest.raises(PermissionDenied):
        desk.verify_audit()
    assert plugin.calls == []


# -- officekit_answer_question ----------------------------------------------------

ASKDESK_PROFILE = """\
extends = "base"
name = "askdesk"

[responsibilities.questions]
description = "Answer customers' questions."
operations = ["questions.answer"]
min_level = "trainee"

[roles.receptionist]
title = "Receptionist"
department = "reception"
responsibilities = ["front_office", "questions"]
"""


def test_hook_answer_question(open_office: OpenOffice, tmp_path: Path) -> None:
    class OpeningHours(Recorder):
        @hookimpl
        def officekit_answer_question(self, office: Office, question: str) -> Answer | None:
            self.calls.append(("asked", {"question": question, "events": len(office.events())}))
            if "open" in question:
                return Answer(question, "We open at 09:00.", 1.0, source="plugin:hours")
            return None

    folder = tmp_path / "askdesk"
    folder.mkdir()
    (folder / "profile.toml").write_text(ASKDESK_PROFILE, encoding="utf-8")
    plugin = OpeningHours()
    office = open_office(folder, plugins=[plugin])
    rita = office.staff.hire("Rita Moreau", roles=["receptionist"])
    carl = office.staff.hire("Carl Novak", roles=["clerk"])

    with office.desk(rita) as desk:
        answer = desk.questions.answer("When do you open?")
        # None lets the office answer: here it escalates, with no knowledge base entry.
        unanswered = desk.questions.answer("Where do I park?")
    assert (answer.text, answer.source, answer.escalated) == (
        "We open at 09:00.",
        "plugin:hours",
        False,
    )
    assert unanswered.source != "plugin:hours"
    assert [c["question"] for c in plugin.named("asked")] == [
        "When do you open?",
        "Where do I park?",
    ]
    (first, _) = office.events(operation="questions.")
    assert first.detail["source"] == "plugin:hours"
    assert first.seq == plugin.named("asked")[0]["events"] + 1  # asked before it was recorded

    # Someone the profile does not let answer questions: the plugin is not asked.
    with office.desk(carl) as desk, pytest.raises(PermissionDenied):
        desk.questions.answer("When do you open?")
    assert len(plugin.named("asked")) == 2


# -- loading and failing plugins ---------------------------------------------------


def test_misspelt_hook_is_refused_at_open(sqlite_url: str, clock: ManualClock) -> None:
    class Misspelt:
        @hookimpl
        def officekit_staff_hried(self, member: StaffMember) -> None:  # sic
            pass

    with pytest.raises(PluginError, match="officekit_staff_hried"):
        Office.open(sqlite_url, profile="medical", clock=clock, plugins=[Misspelt()])


def test_implementation_with_an_unknown_argument_is_a_plugin_error(
    sqlite_url: str, clock: ManualClock
) -> None:
    class ExtraArgument:
        @hookimpl
        def officekit_office_opened(self, office: Office, colour: str) -> None:
            pass

    with pytest.raises(PluginError, match="colour"):
        Office.open(sqlite_url, profile="medical", clock=clock, plugins=[ExtraArgument()])


def test_plugin_exception_becomes_plugin_error(sqlite_url: str, clock: ManualClock) -> None:
    class Broken:
        @hookimpl
        def officekit_before_operation(self, context: OperationContext) -> None:
            raise RuntimeError("the plugin's bug")

    with Office.open(sqlite_url, profile="medical", clock=clock, plugins=[Broken()]) as office:
        anna = office.staff.hire("Anna Conti", roles=["receptionist"])
        count = len(office.events())
        with office.desk(anna) as desk, pytest.raises(PluginError) as info:
            desk.note("Printer out of toner")
        assert "officekit_before_operation" in str(info.value)
        assert isinstance(info.value.__cause__, RuntimeError)
        assert len(office.events()) == count


def test_plugin_failing_after_commit_is_logged_and_the_effect_stands(
    sqlite_url: str, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    class BrokenAfterHire:
        @hookimpl
        def officekit_staff_hired(self) -> None:
            raise KeyError("oops")

    with Office.open(
        sqlite_url, profile="medical", clock=clock, plugins=[BrokenAfterHire()]
    ) as office:
        anna = office.staff.hire("Anna Conti", roles=["receptionist"])  # no error: it is done
        assert anna.name == "Anna Conti"
        assert [m.name for m in office.staff.list()] == ["Anna Conti"]
        assert "failed in officekit_staff_hired (the operation was committed)" in caplog.text
        assert "KeyError" in caplog.text
        assert [e.operation for e in office.events()] == ["staff.hire"]


def test_plugin_failing_in_office_opened_is_a_plugin_error(
    sqlite_url: str, clock: ManualClock
) -> None:
    class BrokenOpen:
        @hookimpl
        def officekit_office_opened(self) -> None:
            raise RuntimeError("cannot start")

    with pytest.raises(PluginError, match="cannot start"):
        Office.open(sqlite_url, profile="medical", clock=clock, plugins=[BrokenOpen()])


def test_one_failing_plugin_does_not_stop_the_others_after_commit(
    sqlite_url: str, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    seen: list[str] = []

    class Failing:
        __name__ = "failing-plugin"

        @hookimpl
        def officekit_staff_hired(self) -> None:
            raise RuntimeError("mail server down")

    class Listening:
        __name__ = "listening-plugin"

        @hookimpl(tryfirst=True)
        def officekit_staff_hired(self, member: StaffMember) -> None:
            seen.append(member.name)

    with Office.open(
        sqlite_url, profile="medical", clock=clock, plugins=[Listening(), Failing()]
    ) as office:
        office.staff.hire("Anna Conti", roles=["receptionist"])
    assert seen == ["Anna Conti"]
    assert "plugin 'failing-plugin' failed in officekit_staff_hired" in caplog.text
