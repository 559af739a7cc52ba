"""The full-text search index of a store version: SQLite FTS5 (trigram tokenizer) over the documents' titles and measures.

`write(version, entries)` runs after the version's graph is loaded and writes ``search.sqlite``
inside the version directory, so the index switches in and out with the graph it was
read from (a failed build removes the directory, and the served index stays as it was).
A build's workers read each document's entries from its rendered quads as they render it
(`read_entries` over the store in memory its shapes are checked in: its own graph, the entities it
emits and the context it refers to),
so the build does not read 160,000 measures back from the store on disk (136 s of a
10,000-document build, I/O bound); without entries, `write` reads them from the version.
Every row is a document title or a measure's text, with its facets (province, document
type, year, policy instrument, recipient type, industry) as labels. The indexed text is
folded to simplified script with OpenCC (`graph_build.text.script`), one character for
one, so a query in either script finds both and a match's offsets are the original's.

`patch(version, base, documents)` does the same for a version patched from `base`
(store/incremental.py): it copies the base's index and replaces only the entries of the
given documents (changed, added or removed), so a rebuild after one change reads one
document's entries, not the corpus's.

`search(path, text, filters)` answers a query: every whitespace-separated term must
occur (terms of three or more characters through the trigram index, shorter ones by LIKE
on the same table), the selected facet values narrow the hits, and the facet counts are
counted over the hits before paging.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from pyoxigraph import Store

from graph_build.text.script import fold, to_simplified

INDEX_FILE = "search.sqlite"
FACETS = {  # facet name → (Chinese, English) heading, in the order a page shows them
    "province": ("省份", "Province"),
    "type": ("文件类型", "Document type"),
    "year": ("年份", "Year"),
    "instrument": ("政策工具", "Policy instrument"),
    "recipient": ("支持对象", "Recipient type"),
    "industry": ("产业", "Industry"),
}
PAGE_SIZE = 20
SNIPPET_WIDTH = 60  # characters of context either side of the first match

PREFIXES = """PREFIX eli: <http://data.europa.eu/eli/ontology#>
PREFIX gx: <https://w3id.org/gaoxin-kg/ontology#>
PREFIX oa: <http://www.w3.org/ns/oa#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
"""
ONLY = "{only}"  # where a query takes the VALUES clause that narrows it to some documents (empty: all of them)
DOCUMENTS = PREFIXES + """
SELECT ?document (SAMPLE(?title) AS ?title) (SAMPLE(?number) AS ?number) (SAMPLE(?date) AS ?date) WHERE {
  {only}
  ?document a eli:LegalResource ; eli:is_realized_by ?expression .
  OPTIONAL { ?document eli:title ?title }
  OPTIONAL { ?document eli:id_local ?number }
  OPTIONAL { ?document eli:date_document|eli:date_publication ?date }
} GROUP BY ?document
"""
MEASURES = PREFIXES + """
SELECT ?measure ?document ?path ?title ?text WHERE {
  {only}
  ?measure a gx:Measure ; eli:is_part_of ?document ; gx:path ?path ; gx:evidence/oa:hasSelector/oa:exact ?text .
  OPTIONAL { ?measure eli:title ?title }
}
"""
# (subject kind, facet, the pattern from ?subject to ?value); labels are read separately.
FACET_PATTERNS = [
    ("document", "province", "?subject eli:jurisdiction ?value"),
    ("document", "type", "?subject eli:type_document ?value"),
    ("measure", "instrument", "?subject gx:policyInstrument ?value"),
    ("measure", "recipient", "?subject gx:providesIncentive/gx:recipientType ?value"),
    ("measure", "industry", "?subject gx:prioritisesIndustry ?value"),
]
LABELS = PREFIXES + """
SELECT ?value ?label WHERE { ?value skos:prefLabel ?label FILTER(langMatches(lang(?label), "zh")) }
"""
SCHEMA = """
CREATE TABLE entry (id INTEGER PRIMARY KEY, kind TEXT NOT NULL, iri TEXT NOT NULL, document TEXT NOT NULL,
                    document_title TEXT NOT NULL, heading TEXT, path TEXT, text TEXT NOT NULL);
CREATE TABLE facet (entry INTEGER NOT NULL, facet TEXT NOT NULL, value TEXT NOT NULL, label TEXT NOT NULL);
CREATE INDEX facet_by_value ON facet (facet, value, entry);
CREATE VIRTUAL TABLE entry_text USING fts5(folded, tokenize = 'trigram');
"""


@dataclass(frozen=True)
class Entry:
    """One searchable text: a document's title or one measure, with the IRIs of its facet values."""

    kind: str  # "document" or "measure"
    iri: str
    document: str
    document_title: str
    heading: str | None
    path: str | None
    text: str
    facets: tuple[tuple[str, str], ...]  # (facet, value IRI or year)


@dataclass(frozen=True)
class Hit:
    """A matching entry, with the text around its first match split into before, match, after."""

    kind: str
    iri: str
    document: str
    document_title: str
    heading: str | None
    path: str | None
    snippet: tuple[str, str, str]


@dataclass(frozen=True)
class FacetValue:
    facet: str
    value: str
    label: str
    count: int
    selected: bool


@dataclass(frozen=True)
class Results:
    total: int
    hits: list[Hit]
    facets: dict[str, list[FacetValue]]


class SearchUnavailable(RuntimeError):
    """A version without a search index (built before the index existed, or served from a remote endpoint)."""


# -- writing ------------------------------------------------------------------------------


def fold_text(text: str) -> str:
    """Fold a text for matching: simplified script, half-width ASCII, lower case, one character for one.

    >>> fold_text("雲南省高新區ＡＢ")
    '云南省高新区ab'
    """
    folded = to_simplified(fold(text)).lower()
    return folded if len(folded) == len(text) else text.lower()


def write(version: Path, entries: Iterable[Entry] | None = None) -> int:
    """Write the search index of a loaded store version into it, from the given entries or else from the version; return
    the number of entries. Facet labels are read from the version."""
    store = Store.read_only(str(version))
    entries = read_entries(store) if entries is None else entries
    labels = read_labels(store)
    del store
    target = version / INDEX_FILE
    target.unlink(missing_ok=True)
    with sqlite3.connect(target) as connection:
        connection.executescript(SCHEMA)
        count = insert(connection, entries, labels, 1)
    connection.close()
    return count


def patch(version: Path, base: Path, documents: Iterable[str], entries: Iterable[Entry] | None = None) -> int:
    """Write the search index of a version patched from `base`: the base's index with the given documents' entries replaced; return how many were written.

    `documents` are the IRIs of the documents whose graphs the patch removed or loaded; `entries` those of the loaded
    ones (else read from the version). Every entry of a document is read from its own graph (its title, measures and
    facet values; the measures name their document), so the entries of the other documents are those a full read of
    the new version gives. The one thing shared is the facet values'
    labels (reference and scheme graphs): they are read whole (a few thousand) and every row whose label changed is
    rewritten. Entries get new ids after the base's; hits are ordered by what they hold, not by id (`matching_ids`), so
    a search gives the same hits in the same order as in a fresh index. Without a base index, the index is written whole.
    """
    source = base / INDEX_FILE
    if not source.is_file():
        return write(version)  # nothing to patch: every entry read from the version
    documents = sorted(set(documents))
    store = Store.read_only(str(version))
    if entries is None:
        entries = list(read_entries(store, documents)) if documents else []
    labels = read_labels(store)
    del store
    target = version / INDEX_FILE
    shutil.copyfile(source, target)
    with sqlite3.connect(target) as connection:
        gone = [row[0] for row in connection.execute("SELECT id FROM entry WHERE document IN (SELECT value FROM json_each(?))", (json.dumps(documents),))]
        for table, column in (("entry", "id"), ("entry_text", "rowid"), ("facet", "entry")):
            connection.execute(f"DELETE FROM {table} WHERE {column} IN (SELECT value FROM json_each(?))", (json.dumps(gone),))
        labelled = connection.execute("SELECT DISTINCT value, label FROM facet").fetchall()
        relabelled = [(labels.get(value, value), value) for value, label in labelled if labels.get(value, value) != label]
        connection.executemany("UPDATE facet SET label = ? WHERE value = ?", relabelled)
        count = insert(connection, entries, labels, connection.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM entry").fetchone()[0])
    connection.close()
    return count


def only(variable: str, documents: list[str] | None) -> str:
    """Return the VALUES clause narrowing a query to some documents, or nothing for all.

    >>> only("?document", ["https://w3id.org/gaoxin-kg/id/doc/a"])
    'VALUES ?document { <https://w3id.org/gaoxin-kg/id/doc/a> }'
    """
    return "" if documents is None else f"VALUES {variable} {{ {' '.join(f'<{iri}>' for iri in documents)} }}"


def read_entries(store: Store, documents: list[str] | None = None) -> Iterable[Entry]:
    """Read the documents (all, or those IRIs) and their measures from a store, with their facet values."""
    narrowed = only("?document", documents)
    values = facet_values(store, documents)
    found = {row["document"].value: row for row in query(store, DOCUMENTS.replace(ONLY, narrowed))}
    titles = {iri: title_of(row) for iri, row in found.items()}
    for iri, row in found.items():
        yield Entry("document", iri, iri, titles[iri], None, None, titles[iri], document_facets(row, values[iri]))
    for row in query(store, MEASURES.replace(ONLY, narrowed)):
        document = row["document"].value
        if document not in found:
            continue
        heading = row["title"].value if row["title"] is not None else None
        facets = document_facets(found[document], values[document]) + tuple(values[row["measure"].value])
        yield Entry("measure", row["measure"].value, document, titles[document], heading, row["path"].value, row["text"].value, facets)


def title_of(row: Mapping) -> str:
    """Name a document by its title, else its 文号, else the last segment of its IRI (some scraped pages have no title line)."""
    for key in ("title", "number"):
        if row[key] is not None:
            return row[key].value
    return row["document"].value.rsplit("/", 1)[-1]


def document_facets(row: Mapping, values: list[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    year = (("year", row["date"].value[:4]),) if row["date"] is not None else ()
    return tuple(values) + year


def facet_values(store: Store, documents: list[str] | None = None) -> dict[str, list[tuple[str, str]]]:
    """Map each document and measure IRI (of the given documents only, if given) to its (facet, value IRI) pairs."""
    found: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for kind, facet, pattern in FACET_PATTERNS:
        narrowed = only("?subject", documents) if kind == "document" else f"{only('?document', documents)} ?subject eli:is_part_of ?document ."
        where = pattern if documents is None else f"{narrowed} {pattern}"
        for row in query(store, PREFIXES + f"SELECT DISTINCT ?subject ?value WHERE {{ {where} }}"):
            found[row["subject"].value].append((facet, row["value"].value))
    return found


def read_labels(store: Store) -> dict[str, str]:
    """Map concept IRIs to their Chinese label (the simplified one where there are several)."""
    labels: dict[str, str] = {}
    for row in query(store, LABELS):
        if row["value"].value not in labels or row["label"].language == "zh-hans":
            labels[row["value"].value] = row["label"].value
    return labels


def query(store: Store, sparql: str) -> Iterable:
    return store.query(sparql, use_default_graph_as_union=True)


def insert(connection: sqlite3.Connection, entries: Iterable[Entry], labels: Mapping[str, str], first: int) -> int:
    """Insert the entries with ids from `first` on: the entry, its folded text, its facet rows with their labels; return how many."""
    number = first - 1
    for number, entry in enumerate(entries, start=first):
        connection.execute(
            "INSERT INTO entry VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (number, entry.kind, entry.iri, entry.document, entry.document_title, entry.heading, entry.path, entry.text),
        )
        connection.execute("INSERT INTO entry_text (rowid, folded) VALUES (?, ?)", (number, fold_text(entry.text)))
        rows = {(number, facet, value, labels.get(value, value)) for facet, value in entry.facets}
        connection.executemany("INSERT INTO facet VALUES (?, ?, ?, ?)", sorted(rows))
    return number - first + 1


# -- reading ------------------------------------------------------------------------------


def open_index(version: Path) -> sqlite3.Connection:
    """Open a version's index read-only, or raise SearchUnavailable."""
    path = version / INDEX_FILE
    if not path.is_file():
        raise SearchUnavailable(f"{version}: this graph version has no search index; rebuild it with `gaoxin-kg build`")
    return sqlite3.connect(f"{path.as_uri()}?mode=ro&immutable=1", uri=True)


def terms_of(text: str) -> list[str]:
    """Split a query into folded terms.

    >>> terms_of("  國家重點實驗室  补助 ")
    ['国家重点实验室', '补助']
    """
    return [fold_text(term) for term in text.split()]


def search(version: Path, text: str, filters: Mapping[str, list[str]], page: int = 1) -> Results:
    """Find the entries containing every term of `text` and carrying every selected facet value."""
    terms = terms_of(text)
    with open_index(version) as connection:
        matched = matching_ids(connection, terms)
        selected = narrowed(connection, matched, filters)
        facets = facet_counts(connection, selected, filters)
        start = (max(page, 1) - 1) * PAGE_SIZE
        hits = [hit(connection, entry, terms) for entry in selected[start : start + PAGE_SIZE]]
    connection.close()
    return Results(len(selected), hits, facets)


def matching_ids(connection: sqlite3.Connection, terms: list[str]) -> list[int]:
    """Return the ids of the entries containing every term, best first: bm25 over the long terms, then documents before
    measures, by document IRI and path (the same order in a fresh index and a patched one, whose new entries come last)."""
    long = [term for term in terms if len(term) >= 3]
    short = [term for term in terms if len(term) < 3]
    where, parameters = [], []
    if long:
        where.append("entry_text MATCH ?")
        parameters.append(" ".join('"' + term.replace('"', '""') + '"' for term in long))
    for term in short:
        where.append("folded LIKE ? ESCAPE '\\'")
        parameters.append("%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%")
    condition = " AND ".join(where) or "1"
    order = ("bm25(entry_text), " if long else "") + "entry.kind, entry.document, entry.path, entry.iri"
    found = f"SELECT entry_text.rowid FROM entry_text JOIN entry ON entry.id = entry_text.rowid WHERE {condition} ORDER BY {order}"
    return [row[0] for row in connection.execute(found, parameters)]


def narrowed(connection: sqlite3.Connection, ids: list[int], filters: Mapping[str, list[str]]) -> list[int]:
    """Keep the entries that carry every selected facet value, in their order."""
    keep = set(ids)
    for facet, values in filters.items():
        for value in values:
            rows = connection.execute("SELECT entry FROM facet WHERE facet = ? AND value = ?", (facet, value))
            keep &= {row[0] for row in rows}
    return [entry for entry in ids if entry in keep]


def facet_counts(connection: sqlite3.Connection, ids: list[int], filters: Mapping[str, list[str]]) -> dict[str, list[FacetValue]]:
    """Count the facet values over the given entries (in SQL), most frequent first."""
    rows = connection.execute(
        "SELECT facet, value, label, COUNT(*) AS n FROM facet WHERE entry IN (SELECT value FROM json_each(?))"
        " GROUP BY facet, value, label ORDER BY n DESC, label",
        (json.dumps(ids),),
    )
    grouped: dict[str, list[FacetValue]] = {name: [] for name in FACETS}
    for facet, value, label, count in rows:
        grouped[facet].append(FacetValue(facet, value, label, count, value in filters.get(facet, [])))
    return grouped


def hit(connection: sqlite3.Connection, entry: int, terms: list[str]) -> Hit:
    """Read one entry and cut its text around the first term found."""
    kind, iri, document, title, heading, path, text = connection.execute(
        "SELECT kind, iri, document, document_title, heading, path, text FROM entry WHERE id = ?", (entry,)
    ).fetchone()
    return Hit(kind, iri, document, title, heading, path, snippet(text, terms))


def snippet(text: str, terms: list[str], width: int = SNIPPET_WIDTH) -> tuple[str, str, str]:
    """Split the text around the first occurrence of a term (found in the folded text, cut from the original).

    >>> snippet("對國家重點實驗室給予1000萬元補助", ["重点实验室"])
    ('對國家', '重點實驗室', '給予1000萬元補助')
    """
    folded = fold_text(text)
    found = [(folded.find(term), len(term)) for term in terms if term and folded.find(term) >= 0]
    if not found:
        return (text[: 2 * width] + ("…" if len(text) > 2 * width else ""), "", "")
    start, length = min(found)
    before = ("…" if start > width else "") + text[max(0, start - width) : start]
    after = text[start + length : start + length + width] + ("…" if start + length + width < len(text) else "")
    return (before, text[start : start + length], after)
