"""JSON corpora -> LabelledText. Pure module.

- `cluener`: JSON lines, `label` = {type: {mention: [[start, end_inclusive], ...]}} (CLUENER2020).
- `duie`: JSON lines, `spo_list` of {subject, predicate, object: {"@value": ...}} (DuIE 2.0);
  the extra slots of complex predicates (inWork, onDate) are left out.
- `duee`: JSON lines, `event_list` of {event_type, trigger, arguments: [{role, argument}]} (DuEE 1.0).
- `phee`: JSON lines, `context` and `annotations[0].events` with `Trigger` and argument fields
  holding `text` lists, sub-arguments nested (PHEE); a role is `Subject` or `Subject.Age`.
- `conll04`: one JSON array of {tokens, tags (BILOU), relations: [{head, tail, type}]} whose
  head/tail index the entities in order of appearance (the SpERT split in BILOU tags).
- `dygie`: JSON lines, `sentences` (token lists), `ner` [[start, end_inclusive, type]], and
  `relations` [[h_start, h_end, t_start, t_end, type]] on document token indices (WebNLG).
- `wikievents`: one JSON object of documents (`doctext`, `templates` of events with
  `incident_type`, `Human_Trig` and one key per role listing coreferent mentions [text, offset]);
  each document is cut into sentences, an event kept with the sentence of its trigger, an
  argument with its first mention in that sentence.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from yayi_batch.chunk.split import split_sentences
from yayi_batch.labelled.records import CorpusFormatError, Event, LabelledText, Mention, ReadStats, Relation
from yayi_batch.labelled.tags import tags_to_spans, token_offsets
from yayi_batch.schema import Lang


def _json_lines(path: Path) -> Iterator[tuple[int, dict]]:
    with open(path, encoding="utf-8-sig") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as e:
                raise CorpusFormatError(f"{path}:{lineno}: not a JSON line ({e.msg})") from None
            if not isinstance(row, dict):
                raise CorpusFormatError(f"{path}:{lineno}: expected a JSON object, got {type(row).__name__}")
            yield lineno, row


def _field(row: dict, key: str, where: str) -> Any:
    if key not in row:
        raise CorpusFormatError(f"{where}: no {key!r} field (fields: {', '.join(sorted(row))})")
    return row[key]


def read_cluener(path: Path, *, source: str, lang: Lang, stats: ReadStats) -> Iterator[LabelledText]:
    for n, (lineno, row) in enumerate(_json_lines(path)):
        where = f"{path}:{lineno}"
        text = _field(row, "text", where)
        mentions = []
        for typ, by_text in (row.get("label") or {}).items():
            for mention, spans in by_text.items():
                for start, end in spans:
                    if text[start : end + 1] != mention:
                        raise CorpusFormatError(f"{where}: {mention!r} is not text[{start}:{end + 1}]")
                    mentions.append(Mention(typ, mention, start, end + 1))
        mentions.sort(key=lambda m: (m.start, m.end))
        yield stats.count(LabelledText(f"{source}:{n}", source, lang, text, tuple(mentions)))


def read_duie(path: Path, *, source: str, lang: Lang, stats: ReadStats) -> Iterator[LabelledText]:
    for n, (lineno, row) in enumerate(_json_lines(path)):
        where = f"{path}:{lineno}"
        text = _field(row, "text", where)
        relations = []
        for spo in _field(row, "spo_list", where):
            obj = spo.get("object")
            tail = obj.get("@value") if isinstance(obj, dict) else obj
            if not spo.get("subject") or not tail or not spo.get("predicate"):
                raise CorpusFormatError(f"{where}: a triple without subject, predicate or object: {spo}")
            rel = Relation(spo["predicate"], spo["subject"], tail)
            if rel not in relations:
                relations.append(rel)
        yield stats.count(LabelledText(f"{source}:{n}", source, lang, text, None, tuple(relations)))


def read_duee(path: Path, *, source: str, lang: Lang, stats: ReadStats) -> Iterator[LabelledText]:
    for n, (lineno, row) in enumerate(_json_lines(path)):
        where = f"{path}:{lineno}"
        text = _field(row, "text", where)
        events = []
        for ev in row.get("event_list") or []:
            args = tuple((a["role"], a["argument"]) for a in ev.get("arguments") or [] if a.get("argument"))
            events.append(Event(_field(ev, "trigger", where), _field(ev, "event_type", where), args))
        yield stats.count(LabelledText(f"{source}:{row.get('id', n)}", source, lang, text, None, None, tuple(events)))


def _phee_texts(value: dict, role: str, where: str, stats: ReadStats) -> Iterator[tuple[str, str]]:
    """(role, text) of one argument field and its sub-arguments."""
    for parts in value.get("text") or []:
        if len(parts) != 1:
            stats.skipped["discontinuous argument"] += 1
            continue
        yield role, parts[0]
    for sub, sub_value in value.items():
        if isinstance(sub_value, dict) and "text" in sub_value:
            yield from _phee_texts(sub_value, f"{role}.{sub}", where, stats)


def read_phee(path: Path, *, source: str, lang: Lang, stats: ReadStats) -> Iterator[LabelledText]:
    for lineno, row in _json_lines(path):
        where = f"{path}:{lineno}"
        text = _field(row, "context", where)
        events = []
        for ann in (row.get("annotations") or [])[:1]:
            for ev in ann.get("events") or []:
                triggers = [p[0] for p in ev.get("Trigger", {}).get("text") or [] if len(p) == 1]
                if not triggers:
                    stats.skipped["event without a contiguous trigger"] += 1
                    continue
                args = []
                for role, value in ev.items():
                    if role not in {"Trigger", "event_id", "event_type"} and isinstance(value, dict):
                        args += list(_phee_texts(value, role, where, stats))
                events.append(Event(triggers[0], _field(ev, "event_type", where), tuple(args)))
        yield stats.count(LabelledText(f"{source}:{row.get('id', lineno)}", source, lang, text, None, None, tuple(events)))


def read_conll04(path: Path, *, source: str, lang: Lang, stats: ReadStats) -> Iterator[LabelledText]:
    try:
        rows = json.loads(path.read_text(encoding="utf-8-sig"))
    except json.JSONDecodeError as e:
        raise CorpusFormatError(f"{path}: not JSON ({e.msg} at line {e.lineno})") from None
    if not isinstance(rows, list):
        raise CorpusFormatError(f"{path}: expected a JSON array of sentences")
    for n, row in enumerate(rows):
        where = f"{path}: item {n}"
        tokens, tags = _field(row, "tokens", where), _field(row, "tags", where)
        if len(tokens) != len(tags):
            raise CorpusFormatError(f"{where}: {len(tokens)} tokens but {len(tags)} tags")
        text = " ".join(tokens)
        offsets = token_offsets(tokens, " ")
        try:
            spans = tags_to_spans(tags)
        except ValueError as e:
            raise CorpusFormatError(f"{where}: {e}") from None
        mentions = tuple(Mention(t, text[offsets[a][0] : offsets[b - 1][1]], offsets[a][0], offsets[b - 1][1]) for a, b, t in spans)
        relations = []
        for r in row.get("relations") or []:
            if not (0 <= r["head"] < len(mentions) and 0 <= r["tail"] < len(mentions)):
                raise CorpusFormatError(f"{where}: relation {r} names an entity that is not there ({len(mentions)} entities)")
            relations.append(Relation(r["type"], mentions[r["head"]].text, mentions[r["tail"]].text))
        yield stats.count(LabelledText(f"{source}:{row.get('orig_id', n)}", source, lang, text, mentions, tuple(relations)))


def _token_span(text: str, offsets: list[tuple[int, int]], a: int, b: int, where: str) -> str:
    """The text of tokens a..b (inclusive)."""
    if not 0 <= a <= b < len(offsets):
        raise CorpusFormatError(f"{where}: token span [{a}, {b}] outside {len(offsets)} tokens")
    return text[offsets[a][0] : offsets[b][1]]


def _sentence_of(sentences: list[tuple[int, int]], offset: int, mention: str) -> int:
    """The sentence holding the whole mention (-1 when a sentence cut goes through it)."""
    return next((i for i, (a, b) in enumerate(sentences) if a <= offset and offset + len(mention) <= b), -1)


def read_dygie(path: Path, *, source: str, lang: Lang, stats: ReadStats) -> Iterator[LabelledText]:
    for n, (lineno, row) in enumerate(_json_lines(path)):
        where = f"{path}:{lineno}"
        tokens = [t for sentence in _field(row, "sentences", where) for t in sentence]
        text = " ".join(tokens)
        offsets = token_offsets(tokens, " ")

        relations = [
            Relation(r[4], _token_span(text, offsets, r[0], r[1], where), _token_span(text, offsets, r[2], r[3], where))
            for sentence in row.get("relations") or []
            for r in sentence
        ]
        yield stats.count(LabelledText(f"{source}:{n}", source, lang, text, None, tuple(relations)))


def read_wikievents(path: Path, *, source: str, lang: Lang, stats: ReadStats) -> Iterator[LabelledText]:
    try:
        docs = json.loads(path.read_text(encoding="utf-8-sig"))
    except json.JSONDecodeError as e:
        raise CorpusFormatError(f"{path}: not JSON ({e.msg} at line {e.lineno})") from None
    for doc_id, doc in docs.items():
        where = f"{path}: document {doc_id}"
        text = _field(doc, "doctext", where)
        sentences = split_sentences(text)
        by_sentence: dict[int, list[Event]] = {}

        for tpl in _field(doc, "templates", where):
            trig = (tpl.get("Human_Trig") or [[]])[0]
            if not trig:
                stats.skipped["event without a trigger"] += 1
                continue
            trigger, at = trig[0]
            i = _sentence_of(sentences, at, trigger)
            if i < 0:
                stats.skipped["trigger cut by a sentence boundary"] += 1
                continue
            args = []
            for role, entities in tpl.items():
                if role in {"incident_type", "Human_Trig"}:
                    continue
                for mentions in entities:
                    inside = [m for m, off in mentions if _sentence_of(sentences, off, m) == i]
                    if inside:
                        args.append((role, inside[0]))
                    else:
                        stats.skipped["argument outside its trigger's sentence"] += 1
            by_sentence.setdefault(i, []).append(Event(trigger, tpl["incident_type"], tuple(args)))
        for i, (a, b) in enumerate(sentences):
            sentence = text[a:b]
            if sentence.strip():
                yield stats.count(
                    LabelledText(
                        f"{source}:{doc_id}:{i}",
                        source,
                        lang,
                        sentence,
                        None,
                        None,
                        tuple(by_sentence.get(i, ())),
                        group=f"{source}#{doc_id}",
                    )
                )
