"""Whole-graph downloads and the dataset description.

    /dumps/                    the dumps of the current store version, with size and SHA-256
    /dumps/gaoxin-kg.nq.gz     N-Quads, gzip        /dumps/gaoxin-kg.trig.gz   TriG, gzip
    /dumps/<name>.sha256       the checksum line (`sha256sum -c` reads it)
    /.well-known/void          VoID + DCAT description: Turtle, or N-Triples / JSON-LD by Accept, suffix-free ?format=

Each dump is made once per store version and kept in ``<store>.dumps/<version>/``
(see `server.dump_files`; ``DUMPS_DIR`` in the configuration moves it). Only the
fixed names above are served: a request names a dict key, never a path, so no
other file can be reached.

A server reading a remote endpoint (``ENDPOINT``) makes no dumps: ``/dumps/...`` answers
501 saying where to get the graph instead, and the VoID description (its counts kept
in memory per build) lists no dump.
"""

from __future__ import annotations

import base64
from pathlib import Path

from flask import Blueprint, Response, abort, current_app, render_template, request, send_file, url_for

from . import graph, void
from .dump_files import DUMPS, DumpFile, all_dumps, dump, dumps_root, version_directory
from .graph import Snapshot
from .resource_formats import choose, requested_name, write_rdf

blueprint = Blueprint("dumps", __name__)
VOID_FORMATS = ("ttl", "nt", "jsonld")


REMOTE_DUMPS = (
    "此服务器从远程 SPARQL 端点读取图谱，不提供整图下载。 This server reads the graph from a remote SPARQL endpoint and makes no dumps: "
    "download them where the graph was built (`gaoxin-kg export --format nq --gzip`), or use the engine's own export."
)


def directory_and_snapshot() -> tuple[Path, Snapshot]:
    """Return the current snapshot and the directory of its derived files."""
    snapshot = graph.current()
    if snapshot.remote:
        abort(Response(render_template("queries_error.html", status=501, title="未提供 Not implemented", message=REMOTE_DUMPS), 501))
    root = dumps_root(current_app.config["STORE"], current_app.config.get("DUMPS_DIR"))
    return version_directory(root, snapshot), snapshot


@blueprint.get("/dumps/")
def index() -> str:
    """List the dumps of the current version with size and SHA-256."""
    directory, snapshot = directory_and_snapshot()
    return render_template("dumps.html", dumps=all_dumps(directory, snapshot), version=snapshot.version_id, quads=len(snapshot.store))


@blueprint.get("/dumps/<name>")
def download(name: str) -> Response:
    """Stream one dump file, or its checksum line."""
    spec = DUMPS.get(name.removesuffix(".sha256"))
    if spec is None:
        abort(404)
    directory, snapshot = directory_and_snapshot()
    made = dump(directory, snapshot, spec)
    if name.endswith(".sha256"):
        return Response(f"{made.sha256}  {spec.name}\n", mimetype="text/plain")
    response = send_file(made.path, mimetype="application/gzip", as_attachment=True, download_name=spec.name, etag=made.sha256)
    response.headers["Repr-Digest"] = f"sha-256=:{base64.b64encode(bytes.fromhex(made.sha256)).decode()}:"
    return response


@blueprint.get("/.well-known/void")
def void_description() -> Response:
    """Describe the dataset in VoID and DCAT, with counts, partitions, endpoint and dumps."""
    form = choose(VOID_FORMATS, None, requested_name(request.args), request.accept_mimetypes)
    stats, dumps = remote_stats() if graph.current().remote else local_stats()
    links = void.Links(
        dataset=url_for("dumps.void_description", _external=True) + "#dataset",
        sparql=request.host_url + "sparql",
        dumps_page=url_for("dumps.index", _external=True),
        dumps=[(d, dump_url(d)) for d in dumps],
    )
    quads = void.description(stats, links, current_app.config["BASE_IRI"] + "id/")
    response = Response(write_rdf(quads, form, void.VOID_PREFIXES), mimetype=form.media_type)
    response.vary.add("Accept")
    return response


def local_stats() -> tuple[void.Stats, list[DumpFile]]:
    """Return the counts of the current store version and its dumps, both made once and kept on disk."""
    directory, snapshot = directory_and_snapshot()
    return void.stats(directory, snapshot), all_dumps(directory, snapshot)


def remote_stats() -> tuple[void.Stats, list[DumpFile]]:
    """Return the counts of the remote endpoint's build, counted once per build and kept in memory; no dumps."""
    snapshot = graph.current()
    cached = current_app.extensions.get("gaoxin_remote_void")
    if cached is None or cached[0] != snapshot.version_id:
        cached = (snapshot.version_id, void.compute_stats(snapshot.store))  # type: ignore[arg-type]  # a RemoteStore reads like a Store
        current_app.extensions["gaoxin_remote_void"] = cached
    return cached[1], []


def dump_url(made: DumpFile) -> str:
    return url_for("dumps.download", name=made.spec.name, _external=True)
