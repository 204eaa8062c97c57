"""What the receptionist's desk adds to the front-office analysis: calls, messages, visitors.

Registered through ``officekit_register_metrics`` (see ``docs/reference/metrics.md``).
Every figure is a ratio of tallies of this desk's own events, credited to the
event's actor. (An answered ``calls.hang_up``, recorded by the office, names who
handled the call in ``handled_by``; no metric reads it yet.)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from officekit.plugins.reviews.metrics import Metric, Tally

if TYPE_CHECKING:
    from officekit.core.profile import Profile

__all__ = ["metrics"]

ENDED_AT_DESK = ("calls.complete", "calls.transfer", "calls.take_message")
"""The operations that end a call the desk handled (a hang-up is the caller's doing)."""
MESSAGES_FOR_OTHERS = ("calls.take_message", "messages.take", "messages.deliver")
"""Taking a message for a colleague, and delivering one to them."""
FRONT_DESK_WORK = ("calls.answer", "visitors.check_in")
"""The work whose events say whether it was ``cover``."""


def _front_desk(profile: Profile, roles: Sequence[str]) -> bool:
    """Whether answering calls is the usual duty of someone with ``roles``."""
    from officekit.plugins.reception.routing import covering

    return not covering(profile, roles)


def _covers(profile: Profile, roles: Sequence[str]) -> bool:
    """Whether front-desk work by someone with ``roles`` is cover (the cover metric applies)."""
    from officekit.plugins.reception.routing import covering

    return covering(profile, roles)


def metrics() -> list[Metric]:
    """The desk's metrics: efficiency, professionalism, organisation, accuracy, teamwork."""
    answered = Tally("calls.answer")
    return [
        Metric(
            key="calls.handling_time",
            dimension="efficiency",
            title="Call handling time",
            unit="s",
            of=Tally(ENDED_AT_DESK, value="handled_seconds"),
            per=Tally(ENDED_AT_DESK),
            better="lower",
            target=240.0,
            formula=(
                "sum of handled_seconds (answer to end, hold included) / calls the desk "
                "ended (completed, transferred or a message taken)"
            ),
        ),
        Metric(
            key="calls.speed_of_answer",
            dimension="efficiency",
            title="Speed of answer",
            unit="s",
            of=Tally("calls.answer", value="waited_seconds"),
            per=answered,
            better="lower",
            target=20.0,
            formula="sum of waited_seconds (arrival to answer) / calls answered",
        ),
        Metric(
            key="calls.service_level",
            dimension="efficiency",
            title="Answered calls within the service level",
            unit="%",
            of=Tally("calls.answer", where={"within_service_level": True}),
            per=answered,
            better="higher",
            target=80.0,
            scale=100.0,
            formula=("100 * calls answered within [phones] service_level_seconds / calls answered"),
        ),
        Metric(
            key="calls.throughput",
            dimension="efficiency",
            title="Calls answered against one's share",
            unit="x",
            of=answered,
            per="offered",
            offered=Tally("calls.receive"),
            # The front desk's work: someone who answers only to cover is counted by
            # front_desk.cover, not against the receptionists' share.
            applies=_front_desk,
            better="higher",
            target=1.0,
            min_count=5.0,
            formula=(
                "calls answered / one's fair share of the calls that arrived while on "
                "shift (each hour's calls split among those on shift who "
                "answer calls, by their time on shift in it)"
            ),
        ),
        Metric(
            key="visitors.waiting_time",
            dimension="professionalism",
            title="Visitor waiting time",
            unit="s",
            of=Tally("visitors.receive", value="waited_seconds"),
            per=Tally("visitors.receive"),
            better="lower",
            target=300.0,
            formula=(
                "sum of waited_seconds (check-in to being received by the host) / visitors received"
            ),
        ),
        Metric(
            key="messages.delivered_late",
            dimension="organisation",
            title="Messages delivered late",
            unit="%",
            of=Tally("messages.deliver", where={"overdue": True}),
            per=Tally("messages.deliver"),
            better="lower",
            target=5.0,
            min_count=20,  # a share near its target needs enough events to tell
            scale=100.0,
            formula="100 * messages delivered after their due time / messages delivered",
        ),
        Metric(
            key="messages.acknowledged_late",
            dimension="organisation",
            title="Messages acknowledged late",
            unit="%",
            of=Tally("messages.acknowledge", where={"overdue": True}),
            per=Tally("messages.acknowledge"),
            better="lower",
            target=10.0,
            min_count=10,  # a share near its target needs enough events to tell
            scale=100.0,
            formula=(
                "100 * messages acknowledged (by their recipient) after their due time / "
                "messages acknowledged"
            ),
        ),
        Metric(
            key="calls.misroutes",
            dimension="accuracy",
            title="Misrouted transfers",
            unit="%",
            of=Tally("calls.transfer", where={"misrouted": True}),
            per=Tally("calls.transfer"),
            better="lower",
            target=5.0,
            scale=100.0,
            formula=("100 * transfers to another department than routing chose / transfers"),
            breakdown="routed_to",
        ),
        Metric(
            key="messages.for_colleagues",
            dimension="teamwork",
            title="Messages taken and delivered for colleagues",
            unit="/h",
            of=Tally(MESSAGES_FOR_OTHERS),
            per="hours",
            better="higher",
            target=1.0,
            min_count=1.0,
            formula="(messages taken, on a call or not, + messages delivered) / hours on shift",
        ),
        Metric(
            key="front_desk.cover",
            dimension="teamwork",
            title="Cover of the front desk",
            unit="/h",
            of=Tally(FRONT_DESK_WORK, where={"cover": True}),
            per="hours",
            # Only those for whom front-desk work is cover: a receptionist does not cover.
            applies=_covers,
            better="higher",
            target=0.5,
            min_count=1.0,
            weight=0.5,
            formula=(
                "(calls answered + visitors checked in by someone none of whose roles "
                "belongs to a department the phones serve) / hours on shift"
            ),
        ),
    ]
