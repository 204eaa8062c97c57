"""Fit the knowledge-base search's calibration from the knowledge bases themselves.

The confidence of a match is a probability fitted on data, not guessed. The
data is a **calibration set generated from the knowledge bases** (never from an
evaluation set): for each entry, questions made the way callers vary a
question (some of its words only, its keywords recombined, words the knowledge
base does not know around them, filler, a misspelt word now and then), labelled
with that entry; and off-topic questions (plain ones, and ones that share a
single word with the knowledge base), labelled "none". Each is searched, and
the match's raw measures are kept with whether its best entry (or its best two)
was the right one. Two logistic regressions are fitted on them
([`fit_logistic`][officekit.plugins.reception.matching.fit_logistic]).

The decision is then set from the fit: the **threshold** is the probability at
which answering costs no more than escalating when a wrong answer costs
`WRONG_COST` times an escalation (``1 - 1 / WRONG_COST``); the **margin** is the
separation that makes the least costly decisions on the calibration set (an
offer that contains the right entry costs half an escalation).

Refit after changing the knowledge bases' shape a lot (or the matching), from
the repository root::

    python -m officekit.plugins.reception.calibrate            # prints the fit
    python -m officekit.plugins.reception.calibrate --write    # and writes calibration.json

A profile keeps its own ``questions.threshold``; the shipped profiles use the
threshold this fit recommends.
"""

from __future__ import annotations

import argparse
import random
import sys
from collections.abc import Iterable, Sequence

from officekit.plugins.reception.matching import (
    CALIBRATION_FILE,
    Calibration,
    fit_logistic,
    meaningful_words,
)
from officekit.plugins.reception.questions import KnowledgeBase, Match, decide

__all__ = [
    "MARGINS",
    "WRONG_COST",
    "calibration_questions",
    "fit",
    "main",
    "searched_questions",
    "shipped_knowledge_bases",
]

WRONG_COST = 20.0
"""How many escalations one wrong answer is worth (it sets the threshold: 1 - 1/20 = 0.95)."""

MARGINS = tuple(round(0.02 * i, 2) for i in range(21))
"""The margins tried (0 to 0.4)."""

_TEMPLATES = (
    "{x}",
    "{x}?",
    "hi, {x}?",
    "hello, quick question about {x}",
    "can you tell me about {x}",
    "I wanted to ask about {x}",
    "{x} please",
    "um, {x}",
    "I'm calling about {x}",
    "what about {x}?",
    "is it possible to ask about {x}",
    "sorry to bother you, {x}",
)

_NOISE = (
    "tomorrow", "today", "next week", "for my son", "for my daughter", "my husband", "my wife",
    "my mum", "my dad", "this morning", "asap", "urgently", "the other day", "last week",
    "on Monday", "this afternoon", "for the family", "as soon as possible", "right now",
    "for work", "again", "the usual", "my neighbour", "first time", "this year",
)  # fmt: skip

_OFF_TOPIC = (
    "what's the capital of Peru?", "who won the football last night?",
    "is it going to rain this weekend?", "how tall is Mount Everest?",
    "can you recommend a good plumber?", "what's a good recipe for lasagne?",
    "do you know a cheap hotel nearby?", "what's the score in the cricket?",
    "how do I get a new passport?", "where can I buy a second-hand bicycle?",
    "can you order me a taxi to the airport?", "what is the meaning of life?",
    "my cat keeps sneezing, what should I do?", "which bus goes to the beach?",
    "is the swimming pool open today?", "can you lend me a fiver?",
    "do you sell lottery tickets?", "I'd like to order a pizza",
    "what time does the supermarket shut?", "who is the prime minister?",
    "can you fix my laptop?", "my washing machine is leaking everywhere",
    "do you know any good guitar teachers?", "how much is a train ticket to London?",
    "where's the nearest cash machine?", "can I leave my dog here for an hour?",
    "tell me a joke", "are you a robot?", "what's your favourite colour?",
    "I think my neighbour's tree is on my land", "how do I unblock a sink?",
    "the streetlight outside my house is broken", "when is the next full moon?",
    "can you translate this letter from Polish?", "I lost my wallet on the bus",
    "my internet is down again", "who sings that song on the radio?",
    "I want to adopt a kitten", "what's the exchange rate for euros?",
    "can you water my plants while I'm away?",
)  # fmt: skip

_OFF_NOUNS = (
    "a giraffe", "a hot tub", "concert tickets", "a wedding cake", "fishing bait",
    "a kayak", "tarot cards", "a bouncy castle", "guitar strings", "a snooker table",
    "a tattoo", "my horoscope", "a karaoke machine", "a llama", "bitcoin", "a yacht",
    "salsa lessons", "a drone", "scuba gear", "fireworks", "a hamster", "a trampoline",
    "a tuxedo", "the lottery", "a sofa", "my car's MOT", "a haircut", "a dog groomer",
)  # fmt: skip


def _typo(word: str, rng: random.Random) -> str:
    """Delete, double or swap one letter after the first (a typical slip of the finger)."""
    if len(word) < 5:
        return word
    i = rng.randrange(1, len(word) - 1)
    kind = rng.choice(("delete", "double", "swap"))
    if kind == "delete":
        return word[:i] + word[i + 1 :]
    if kind == "double":
        return word[:i] + word[i] + word[i:]
    return word[:i] + word[i + 1] + word[i] + word[i + 2 :]


_ASIDES = (
    "problem", "issue", "sorted", "somebody", "place", "thing", "form", "letter", "online",
    "system", "staff", "quickly", "properly", "honestly", "basically", "literally", "worried",
    "confused", "struggling", "trying", "ages", "already", "still", "whole", "new", "old",
)  # fmt: skip


def _positive(words: list[str], rng: random.Random) -> str:
    if rng.random() < 0.6:
        words = [*words, *rng.sample(_NOISE, k=rng.choice((1, 1, 2)))]
        rng.shuffle(words)
    if rng.random() < 0.3:
        words = [*words, rng.choice(_ASIDES)]
    if rng.random() < 0.15 and words:
        longest = max(range(len(words)), key=lambda i: len(words[i]))
        words[longest] = _typo(words[longest], rng)
    return rng.choice(_TEMPLATES).format(x=" ".join(words))


def calibration_questions(
    kb: KnowledgeBase, rng: random.Random, *, per_entry: int = 24, off_topic: float = 0.3
) -> list[tuple[str, str | None]]:
    """Generate a calibration set from a knowledge base: ``(question, entry id or None)``.

    Args:
        kb: The knowledge base.
        rng: The random generator (seed it for a repeatable fit).
        per_entry: How many questions to make from each entry.
        off_topic: The share of off-topic questions to add (labelled None).
    """
    made: list[tuple[str, str | None]] = []
    vocabulary = sorted(
        {
            w
            for entry in kb
            for text in (entry.question, *entry.keywords)
            for w in meaningful_words(text)
        }
    )
    for entry in kb:
        content = meaningful_words(entry.question)
        keywords = [k for k in entry.keywords if meaningful_words(k)]
        for _ in range(per_entry):
            pick = rng.random()
            if pick < 0.4 and content:
                k = rng.randint(1, len(content))
                chosen = sorted(rng.sample(range(len(content)), k))
                words = [content[i] for i in chosen]
            elif keywords:
                words = [*rng.sample(keywords, k=min(len(keywords), rng.choice((1, 1, 2))))]
                if content and rng.random() < 0.4:
                    words.append(rng.choice(content))
            else:
                words = list(content)
            made.append((_positive(words, rng), entry.id))
    negatives = round(len(made) * off_topic / (1 - off_topic)) if made else 0
    for i in range(negatives):
        if i % 2 == 0 or not vocabulary:
            made.append((rng.choice(_OFF_TOPIC), None))
        else:
            word = rng.choice(vocabulary)
            noun = rng.choice(_OFF_NOUNS)
            text = rng.choice(
                (f"can I {word} {noun}", f"{word} for {noun}?", f"do you do {noun} {word}",
                 f"{noun} {word}", f"where can I get {noun}, {word}")
            )  # fmt: skip
            made.append((text, None))
    return made


def shipped_knowledge_bases() -> list[KnowledgeBase]:
    """The knowledge bases of the shipped sector profiles."""
    from officekit.core.profile import load_profile, shipped_profiles_dir

    kbs = []
    for folder in sorted(shipped_profiles_dir().iterdir()):
        if (folder / "profile.toml").is_file():
            kb = KnowledgeBase.for_profile(load_profile(folder.name))
            if len(kb):
                kbs.append(kb)
    return kbs


def _cost(match: Match | None, expected: str | None, threshold: float, margin: float) -> float:
    decision = decide(match, threshold, margin)
    ids = [e.id for e in decision.entries]
    if decision.outcome == "escalated":
        return 0.0 if expected is None else 1.0
    if expected in ids:
        return 0.0 if decision.outcome == "answered" else 0.5
    return WRONG_COST


def _without(kb: KnowledgeBase, entry_id: str) -> KnowledgeBase:
    """The knowledge base without one entry (its questions then have no answer in it)."""
    return KnowledgeBase(
        [e for e in kb if e.id != entry_id], synonyms=kb.synonyms, calibration=kb.calibration
    )


def searched_questions(
    kbs: Iterable[KnowledgeBase], *, seed: int = 12, per_entry: int = 24
) -> list[tuple[Match | None, str | None]]:
    """Generate the calibration set and search it: ``(match, expected entry id or None)``.

    Three kinds of question: questions made from an entry, searched in its
    knowledge base (labelled with the entry); the same kind of questions made
    from an entry but searched in its knowledge base *without* that entry, so
    that nothing answers them although they use the knowledge base's words
    (labelled None: the questions about something the office does that its
    knowledge base does not cover); and off-topic questions (labelled None).
    """
    rng = random.Random(seed)
    searched: list[tuple[Match | None, str | None]] = []
    for kb in kbs:
        for question, expected in calibration_questions(kb, rng, per_entry=per_entry):
            searched.append((kb.search(question), expected))
        for entry in kb:
            alone = KnowledgeBase([entry], synonyms=kb.synonyms, calibration=kb.calibration)
            missing = _without(kb, entry.id)
            made = calibration_questions(alone, rng, per_entry=per_entry, off_topic=0.0)
            for question, _ in made:
                searched.append((missing.search(question), None))
    return searched


def fit(kbs: Iterable[KnowledgeBase], *, seed: int = 12, per_entry: int = 24) -> Calibration:
    """Fit a calibration on questions generated from ``kbs`` (see the module's documentation).

    Args:
        kbs: The knowledge bases to generate the calibration set from.
        seed: The random seed.
        per_entry: How many questions to make from each entry.
    """
    searched = searched_questions(kbs, seed=seed, per_entry=per_entry)
    answer_rows: list[tuple[Sequence[float], bool]] = []
    offer_rows: list[tuple[Sequence[float], bool]] = []
    for match, expected in searched:
        if match is None or match.exact:
            continue
        features = (match.coverage, match.key_coverage, match.evidence, match.separation)
        answer_rows.append((features, match.entry.id == expected))
        if match.runner_up is not None:
            pair = (match.entry.id, match.runner_up.id)
            pair_features = (
                match.pair_coverage,
                match.pair_key_coverage,
                match.pair_evidence,
                match.pair_separation,
            )
            offer_rows.append((pair_features, expected in pair))
    answer = fit_logistic(answer_rows)
    offer = fit_logistic(offer_rows)
    threshold = round(1 - 1 / WRONG_COST, 4)
    fitted = Calibration(answer, offer, threshold, 0.0)
    rescored = [(_rescore(m, fitted), expected) for m, expected in searched]
    costs = {
        margin: sum(_cost(m, expected, threshold, margin) for m, expected in rescored)
        for margin in MARGINS
    }
    margin = min(MARGINS, key=lambda m: (costs[m], m))
    notes = (
        f"fitted by officekit.plugins.reception.calibrate (seed {seed}, {per_entry} questions "
        f"an entry) on {len(answer_rows)} generated questions"
        f" ({sum(1 for _, e in searched if e is None)} with no answer); "
        f"threshold 1 - 1/{WRONG_COST:g}; margin of least cost"
    )
    return Calibration(answer, offer, threshold, margin, notes)


def _rescore(match: Match | None, calibration: Calibration) -> Match | None:
    """The same match, its confidences recomputed with another calibration."""
    if match is None or match.exact:
        return match
    import attrs

    confidence = calibration.p_answer(
        match.coverage, match.key_coverage, match.evidence, match.separation
    )
    pair = (
        max(
            confidence,
            calibration.p_offer(
                match.pair_coverage,
                match.pair_key_coverage,
                match.pair_evidence,
                match.pair_separation,
            ),
        )
        if match.runner_up is not None
        else 0.0
    )
    return attrs.evolve(match, confidence=confidence, pair_confidence=pair)


def main(argv: list[str] | None = None) -> int:
    """Fit on the shipped knowledge bases; print the fit, and write it with ``--write``."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--per-entry", type=int, default=24)
    parser.add_argument("--write", action="store_true", help=f"write {CALIBRATION_FILE.name}")
    args = parser.parse_args(argv)
    calibration = fit(shipped_knowledge_bases(), seed=args.seed, per_entry=args.per_entry)
    print(f"answer: {calibration.answer}")
    print(f"offer:  {calibration.offer}")
    print(f"threshold {calibration.threshold}, margin {calibration.margin}")
    print(calibration.notes)
    if args.write:
        calibration.dump(CALIBRATION_FILE)
        print(f"written to {CALIBRATION_FILE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
