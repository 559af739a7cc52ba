"""Place a work in its jurisdiction: the city or county whose bodies issued it, and its province through it.

A 公文 names its issuing level at the start of the issuer or the title
(西安市人民政府办公厅…, 深圳市人民代表大会常务委员会, 苏州国家高新技术产业开发区条例);
a zone's own document names the zone (2017年合肥高新区…), which lies in a
division. The divisions are the whole GB/T 2260 table (data/reference/divisions.csv),
resolved within the province the identify stage found, if any, so that 鼓楼 and
朝阳 are not taken for another province's. A national document (国务院 …) stays the
country's; a work no rule places keeps its jurisdiction unknown, never a guessed province.
"""

from __future__ import annotations

import re
from dataclasses import replace

from graph_build import iris, reference
from graph_build.records import Expression, Identity, Work
from graph_build.text.group import merged

# A zone named in a title: 合肥高新区, 苏州国家高新技术产业开发区, 江阴高新技术产业开发区 (the place is the words before it).
ZONE_IN_TITLE = re.compile(r"([\u4e00-\u9fff]{2,10}?)(?:国家)?(?:高新区|高新技术产业开发区|高新技术产业园区)")


# The body's opening, where a zone's own document names the zone ("根据沈阳高新区…", "(一)西安高新区"):
# a zone there places a document that no issuer, title or 文号 places.
OPENING = 300
# A zone with its district in brackets: "高新区(滨江)经信局" (杭州高新区(滨江)).
ZONE_WITH_DISTRICT = re.compile(r"(?:高新区|高新技术产业开发区)\(([\u4e00-\u9fff]{2,4})\)")
# An addressee line naming city governments: "咸阳市、延安市人民政府,省科技厅:".
ADDRESSED = re.compile(r"^\s*([\u4e00-\u9fff]{2,6}市)[、\u4e00-\u9fff]{0,30}人民政府[^\n:]{0,30}:\s*$", re.M)


def place(work: Work) -> Work:
    """Give every identity of a work the division it was issued in, and its province when none was found; rename the work if its province changed."""
    identities = tuple(locate(identity, expression) for identity, expression in zip(work.identities, work.expressions, strict=True))
    if identities == work.identities:
        return work
    before, after = merged(work.identities), merged(identities)
    slug = work.slug if before.province_code == after.province_code else iris.work_slug(after, work.primary)
    return replace(work, slug=slug, identities=identities)


def locate(identity: Identity, expression: Expression) -> Identity:
    """Find the division an identity's issuer, title or zone names; keep the identity as it is when none or when it is national."""
    if identity.national or identity.division_code:
        return identity
    found = division_of(identity, expression)
    if found is None:
        return with_zones_province(identity)
    division, evidence = found
    if identity.province_code is None:
        province = reference.by_code(division.province_code)
        return replace(identity, division_code=division.code, division_evidence=evidence, province_code=province.code,
                       province_evidence=f"{evidence}, which lies in {province.name}")
    return replace(identity, division_code=division.code, division_evidence=evidence)


def with_zones_province(identity: Identity) -> Identity:
    """Give an identity with no province the province whose zones its title is about, if any."""
    if identity.province_code is not None or (province := province_of_zones(identity)) is None:
        return identity
    return replace(identity, province_code=province.code, province_evidence=f"the title is about the zones of {province.name}")


def division_of(identity: Identity, expression: Expression) -> tuple[reference.Division, str] | None:
    """Return the division the issuer or the title opens with, else the one a zone of the title lies in, with the reason."""
    province, view = identity.province_code, expression.clean.view
    for label, span in (("the issuer", identity.issuer), ("the title", identity.title)):
        if span is not None and (division := reference.division_at_start(view[span.start : span.end], province)):
            return division, f"{label} names {division.name}"
    if province is not None:  # a provincial document names zones it rules on (同意…高新区更名): they are not its issuer
        return None
    for match in ZONE_IN_TITLE.finditer(identity.title_text or ""):
        if division := zone_place(match.group(1), province):
            return division, f"the title names a zone of {division.name}"
    if identity.addressee is None and (division := addressed_division(view, expression.clean.body_start)):
        return division, f"the document is addressed to {division.name}'s government, so it is its province's"
    opening = view[expression.clean.body_start : expression.clean.body_start + OPENING]
    for match in [*ZONE_WITH_DISTRICT.finditer(opening), *ZONE_IN_TITLE.finditer(opening)]:
        if division := zone_place(match.group(1), province):
            return division, f"the opening of the body names a zone of {division.name}"
    return None


def addressed_division(view: str, start: int) -> reference.Division | None:
    """Find the prefecture a document is addressed to ("咸阳市、延安市人民政府,省科技厅:"), within the body's opening."""
    match = ADDRESSED.search(view, start, start + OPENING)
    return reference.division_at_start(match.group(1), None) if match else None


def province_of_zones(identity: Identity) -> reference.Province | None:
    """Find the province whose zones a title without issuer is about (关于促进广西高新技术产业开发区…的若干措施 → 广西).

    >>> from graph_build.records import Identity
    >>> province_of_zones(Identity(title_text="关于促进广西高新技术产业开发区高质量发展的若干措施")).short_name
    '广西'
    """
    for match in ZONE_IN_TITLE.finditer(identity.title_text or ""):
        words = match.group(1)
        if found := next((p for p in reference.provinces() if words.endswith((p.name, p.short_name))), None):
            return found
    return None


def zone_place(words: str, province_code: str | None) -> reference.Division | None:
    """Find the division that the words before a zone's type end with (2017年合肥 → 合肥市).

    >>> zone_place("2017年合肥", None).name
    '合肥市'
    """
    for start in range(len(words) - 1):
        if division := reference.division_named(words[start:], province_code):
            return division
        if province_code is None and (division := reference.prefecture_named(words[start:])):
            return division
    return None
