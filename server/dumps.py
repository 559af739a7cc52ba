"""Whole-graph downloads and the dataset description.

    /dumps/                    the dumps of the current store version, with size and SHA-256
    /dumps/gaoxin-kg.nq.gz     N-Quads, gzip        /dumps/gaoxin-kg.trig.gz   TriG, gzip
    /dumps/<name>.sha256       the checksum line (`sha256sum -c` reads it)
    /.well-known/void          VoID + DCAT description: Turtle, or N-Triples / JSON-LD by Accept, suffix-free ?format=

Each dump is made once per store version and kept in ``<store>.dumps/<version>/``
(see `server.dump_files`; ``DUMPS_DIR`` in the configuration moves it; a read-only
store folder makes them in a temporary folder instead). Only the
fixed names above are served: a request names a dict key, never a path, so no
other file can be reached.

A server reading a remote endpoint (``ENDPOINT``) makes no dumps: ``/dumps/...`` answers
501 saying where to get the graph instead, and the VoID description (its counts kept
in memory per build) lists no dump.
"""

from __future__ import annotations

import base64
from pathlib import Path

from flask import Blueprint, Response, current_app, render_template, request, send_file, url_for

from . import errors, graph, void
from .dump_files import DUMPS, DumpFile, all_dumps, dump, files_directory
from .negotiation import choose
from .resource_formats import VOID_FORMATS, write_rdf

blueprint = Blueprint("dumps", __name__)
errors.register(blueprint)
REMOTE_DUMPS = (
    "此服务器从远程 SPARQL 端点读取图谱，不提供整图下载。 This server reads the graph from a remote SPARQL endpoint and makes no dumps: "
    "download them where the graph was built (`gaoxin-kg export --format nq --gzip`), or use the engine's own export."
)


def version_files() -> Path | None:
    """Return the directory of the current version's derived files, or None when a remote endpoint serves the graph."""
    snapshot = graph.current()
    if snapshot.remote:
        return None
    ready = (*DUMPS, *(name + ".sha256" for name in DUMPS), void.STATS_FILE)  # made before: readable in a read-only folder
    return files_directory(current_app.config["STORE"], current_app.config.get("DUMPS_DIR"), snapshot, ready)


def local_files() -> Path:
    """Return the directory of the current version's dumps, or answer 501 for a remote endpoint."""
    directory = version_files()
    if directory is None:
        raise errors.Problem(501, REMOTE_DUMPS)
    return directory


@blueprint.get("/dumps/")
def index() -> str:
    """List the dumps of the current version with size and SHA-256."""
    directory = local_files()
    quads = void.stats(graph.current(), directory).triples
    return render_template("dumps.html", dumps=all_dumps(directory), version=graph.current().version_id, quads=quads)


@blueprint.get("/dumps/<name>")
def download(name: str) -> Response:
    """Stream one dump file, or its checksum line."""
    spec = DUMPS.get(name.removesuffix(".sha256"))
    if spec is None:
        raise errors.Problem(404, f"no dump named {name!r}; offered: {', '.join(DUMPS)}")
    made = dump(local_files(), spec)
    if name.endswith(".sha256"):
        return Response(f"{made.sha256}  {spec.name}\n", mimetype="text/plain")
    response = send_file(made.path, mimetype="application/gzip", as_attachment=True, download_name=spec.name, etag=made.sha256)
    response.headers["Repr-Digest"] = f"sha-256=:{base64.b64encode(bytes.fromhex(made.sha256)).decode()}:"
    return response


@blueprint.get("/.well-known/void")
def void_description() -> Response:
    """Describe the dataset in VoID and DCAT, with counts, partitions, endpoint and dumps."""
    form = choose(VOID_FORMATS)
    directory = version_files()
    links = void.Links(
        dataset=url_for("dumps.void_description", _external=True) + "#dataset",
        sparql=request.host_url + "sparql",
        dumps_page=url_for("dumps.index", _external=True),
        dumps=[(d, dump_url(d)) for d in (all_dumps(directory) if directory else [])],
    )
    quads = void.description(void.stats(graph.current(), directory), links, current_app.config["BASE_IRI"] + "id/")
    response = Response(write_rdf(quads, form, void.VOID_PREFIXES), mimetype=form.media_type)
    response.vary.add("Accept")
    return response


def dump_url(made: DumpFile) -> str:
    return url_for("dumps.download", name=made.spec.name, _external=True)
