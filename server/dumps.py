"""Whole-graph downloads and the dataset description.

    /dumps/                    the dumps of the current store version, with size and SHA-256
    /dumps/gaoxin-kg.nq.gz     N-Quads, gzip        /dumps/gaoxin-kg.trig.gz   TriG, gzip
    /dumps/<name>.sha256       the checksum line (`sha256sum -c` reads it)
    /.well-known/void          VoID + DCAT description: Turtle, or N-Triples / JSON-LD by Accept, suffix-free ?format=

Each dump is made once per store version and kept in ``<store>.dumps/<version>/``
(see `server.dump_files`; ``DUMPS_DIR`` in the configuration moves it). Only the
fixed names above are served: a request names a dict key, never a path, so no
other file can be reached.
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


def directory_and_snapshot() -> tuple[Path, Snapshot]:
    """Return the current snapshot and the directory of its derived files."""
    snapshot = graph.current()
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
    directory, snapshot = directory_and_snapshot()
    links = void.Links(
        dataset=url_for("dumps.void_description", _external=True) + "#dataset",
        sparql=request.host_url + "sparql",
        dumps_page=url_for("dumps.index", _external=True),
        dumps=[(d, dump_url(d)) for d in all_dumps(directory, snapshot)],
    )
    quads = void.description(void.stats(directory, snapshot), links, current_app.config["BASE_IRI"] + "id/")
    response = Response(write_rdf(quads, form, void.VOID_PREFIXES), mimetype=form.media_type)
    response.vary.add("Accept")
    return response


def dump_url(made: DumpFile) -> str:
    return url_for("dumps.download", name=made.spec.name, _external=True)
