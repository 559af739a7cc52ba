"""Policy instruments: code every measure with the Rothwell & Zegveld instrument types, by cue words.

Chinese policy-text studies sort the instruments of a policy into supply (供给型),
environment (环境型) and demand (需求型) types after Rothwell & Zegveld (1985),
with fourteen narrower types (资金投入, 人才 … 示范应用). The types, their
definitions and the cue words that code a measure with each are data, in
``data/reference/instruments.yaml``; this module runs those rules over the
measures, keeps every matched word as a span, and describes the scheme in SKOS.
A measure may get several types. A person overrides the rules per measure in an
annotation file's ``instruments:`` list (see annotate.read_annotation).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from importlib import resources

import yaml
from pyoxigraph import Literal, NamedNode, Quad

from graph_build import iris
from graph_build.rdf.terms import en, zh
from graph_build.records import InstrumentCoding, Segment, Span, Work
from graph_build.text.segment import leaves
from graph_build.vocab import RDF_TYPE, dcterms, rdfs, skos

SCHEME = "policy-instrument"
RULES_FILE = "instruments.yaml"
# The closing list of departments "(省科技厅、省财政厅…按照职责分工负责)" names bodies, not instruments (省人力资源社会保障厅 is no talent policy).
RESPONSIBLE = re.compile(r"\([^()]*负责[^()]*\)\s*$")
NUMBER = re.compile(r"^\s*(?:[一二三四五六七八九十]{1,3}、|\([一二三四五六七八九十]{1,3}\)|\d{1,2}[.、](?!\d))")
CUE_EVIDENCE = 1  # cue spans emitted as evidence per coding (the first); every cue word is a plain gx:cueWord, the annotation file keeps all spans


class RulesError(ValueError):
    """A rules file that cannot be used; the message names the file and the rule."""


@dataclass(frozen=True)
class Rule:
    """One cue pattern for one instrument type, with the words that only look like it."""

    id: str
    instrument: str
    pattern: re.Pattern[str]
    exclude: re.Pattern[str] | None = None


@dataclass(frozen=True)
class Concept:
    """A concept of the policy-instrument scheme: a top-level group or one of the fourteen types."""

    label: str
    label_en: str
    definition: str
    definition_en: str
    group: str | None = None  # the label of the broader group; None for a group


@dataclass(frozen=True)
class Scheme:
    """The policy-instrument scheme: groups, types and the rules that code measures with them."""

    label: str
    label_en: str
    source: str
    groups: tuple[Concept, ...]
    instruments: tuple[Concept, ...]
    rules: tuple[Rule, ...]


@cache
def scheme() -> Scheme:
    """Load the instrument scheme and its rules from the shipped rules file."""
    path = resources.files("gaoxin_reference").joinpath(RULES_FILE)
    return parse_scheme(yaml.safe_load(path.read_text(encoding="utf-8")), str(path))


def parse_scheme(data: dict, where: str) -> Scheme:
    """Build the scheme from the plain data of a rules file, naming the file and rule on error."""
    try:
        groups = {g["id"]: concept(g, None) for g in data["groups"]}
        instruments, rules = [], []
        for item in data["instruments"]:
            instruments.append(concept(item, groups[item["group"]].label))
            rules += [rule(r, item["label"]["zh"], where) for r in item["rules"]]
        head = data["scheme"]
        return Scheme(head["label"]["zh"], head["label"]["en"], head["source"], tuple(groups.values()), tuple(instruments), tuple(rules))
    except (KeyError, TypeError) as error:
        raise RulesError(f"{where}: malformed rules file: missing or wrong key {error}") from error


def concept(item: dict, group: str | None) -> Concept:
    """Read one concept (group or type) of the rules file."""
    return Concept(item["label"]["zh"], item["label"]["en"], item["definition"]["zh"], item["definition"]["en"], group)


def rule(item: dict, instrument: str, where: str) -> Rule:
    """Compile one rule, naming it when its pattern is not a valid regular expression."""
    try:
        exclude = re.compile(item["exclude"]) if item.get("exclude") else None
        return Rule(item["id"], instrument, re.compile(item["pattern"]), exclude)
    except re.error as error:
        raise RulesError(f"{where}: rule {item.get('id')!r} of {instrument}: bad pattern: {error}") from error


# ---- coding ---------------------------------------------------------------------


def measure_body(view: str, segment: Segment) -> tuple[int, int]:
    """Return the offsets of a measure's words: after its printed number, before its list of responsible departments.

    >>> text = "(二)吸引人才。给予补助。(省科技厅按照职责分工负责)"
    >>> start, end = measure_body(text, Segment("1", 2, "(二)", None, Span.of(text, 0, len(text))))
    >>> text[start:end]
    '吸引人才。给予补助。'
    """
    start, end = segment.span.start, segment.span.end
    words = view[start:end]
    number = NUMBER.match(words)
    responsible = RESPONSIBLE.search(words)
    return start + (number.end() if number else 0), start + (responsible.start() if responsible else len(words))


def cues(rule_: Rule, view: str, start: int, end: int) -> list[tuple[int, int]]:
    """Find where a rule's cue words stand in view[start:end], leaving out those inside an excluded word."""
    words = view[start:end]
    excluded = [m.span() for m in rule_.exclude.finditer(words)] if rule_.exclude else []
    found = []
    for match in rule_.pattern.finditer(words):
        if not any(s <= match.start() and match.end() <= e for s, e in excluded):
            found.append((start + match.start(), start + match.end()))
    return found


def code_measure(view: str, source: str, segment: Segment) -> tuple[InstrumentCoding, ...]:
    """Code one measure with every instrument type whose cue words it uses."""
    start, end = measure_body(view, segment)
    by_type: dict[str, tuple[list[str], list[tuple[int, int]]]] = {}
    for rule_ in scheme().rules:
        found = cues(rule_, view, start, end)
        if found:
            rules, spans = by_type.setdefault(rule_.instrument, ([], []))
            rules.append(rule_.id)
            spans += found
    order = [c.label for c in scheme().instruments]
    return tuple(
        InstrumentCoding(segment.path, label, tuple(rules), tuple(Span.of(source, s, e) for s, e in sorted(set(spans))))
        for label, (rules, spans) in sorted(by_type.items(), key=lambda item: order.index(item[0]))
    )


def code_instruments(work: Work, segments: tuple[Segment, ...]) -> tuple[InstrumentCoding, ...]:
    """Code every measure of a work's primary expression."""
    view, source = work.primary.analysis, work.primary.text
    return tuple(coding for measure in leaves(segments) for coding in code_measure(view, source, measure))


def complete(reviewed: tuple[InstrumentCoding, ...], coded: tuple[InstrumentCoding, ...]) -> tuple[InstrumentCoding, ...]:
    """Keep a person's codes for the measures they coded and the rules' codes for every other measure."""
    decided = {c.measure for c in reviewed}
    return (*reviewed, *(c for c in coded if c.measure not in decided))


def uncoded(segments: tuple[Segment, ...], codings: tuple[InstrumentCoding, ...]) -> list[str]:
    """List the paths of the measures no instrument type was found for."""
    coded = {c.measure for c in codings}
    return [m.path for m in leaves(segments) if m.path not in coded]


# ---- RDF ------------------------------------------------------------------------


def concept_iri(label: str) -> NamedNode:
    return NamedNode(iris.concept(SCHEME, label))


def scheme_quads() -> Iterator[Quad]:
    """Describe the policy-instrument scheme in SKOS: three top concepts, fourteen narrower ones."""
    graph, node = NamedNode(iris.REFERENCE_GRAPH), NamedNode(iris.scheme(SCHEME))
    yield Quad(node, dcterms.source, Literal(scheme().source), graph)
    for item in (*scheme().groups, *scheme().instruments):
        concept_node = concept_iri(item.label)
        for predicate, obj in concept_triples(item, node):
            yield Quad(concept_node, predicate, obj, graph)
        if item.group is None:
            yield Quad(node, skos.hasTopConcept, concept_node, graph)
        else:
            yield Quad(concept_iri(item.group), skos.narrower, concept_node, graph)


def concept_triples(item: Concept, scheme_node: NamedNode) -> list[tuple[NamedNode, NamedNode | Literal]]:
    """List what one concept says about itself: type, scheme, labels, definitions, broader group."""
    triples = [(RDF_TYPE, skos.Concept), (skos.inScheme, scheme_node)]
    triples += [(p, label) for label in (zh(item.label), en(item.label_en)) for p in (skos.prefLabel, rdfs.label)]
    triples += [(skos.definition, zh(item.definition)), (skos.definition, en(item.definition_en))]
    triples += [(skos.topConceptOf, scheme_node)] if item.group is None else [(skos.broader, concept_iri(item.group))]
    return triples
