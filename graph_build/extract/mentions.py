"""Find departments, zones, industries, targets and numeric provisions in one measure.

Every finder reads the whole analysis text of a document (simplified script,
full-width ASCII folded to half-width, so "," ";" ":" "(" ")" "%" are ASCII while
、 。 “” 《》 stay) and looks only inside one segment; every span it returns is a
whole-text span. The rules target the common language of Chinese provincial
policy documents on 高新区, not the wording of one province.

Decisions worth knowing:

* Generic bodies in a responsibility list (各高新区管委会, 有关州、市人民政府,
  省直有关部门, 各市、县政府, …成员单位) are skipped, not flagged.
* Everything listed in a responsibility clause is "responsible", 牵头 and 配合 alike.
* 省政府/省人民政府 are never actors: they are the issuer of these documents.
* A list followed by 的 ("在生物医药、资源开发、软件服务等领域的技术合作") names
  areas of something else (cooperation), not priority industries: skipped.
* A range "确定2-3个主导产业" gives two targets, ">=" 2 and "<=" 3.
* A money target ("营业收入突破2万亿元") is a Target valued in yuan, unit "元";
  a number in a clause that grants money (给予, 补助, 奖励, 最高 …) is never a target.
* 万/亿 multiply the value ("1.5万家" is 15000 家); a count target (家, 个, 项 …)
  gets 数量 appended to its indicator unless it already names a count or a ratio.
* A zone's place name is the text before 高新区 after the last lead word (推动, 支持,
  在 …), rejected when it holds a character of a verb or modifier (_NOT_PLACE); so an
  unusual lead-in may lose a zone, but a verb is not taken for a place.
* An industry's span leaves out a trailing 产业 ("电子信息产业" → 电子信息); the
  last item of a list is split at 和/以及 ("高端装备和新材料").
"""

from __future__ import annotations

from graph_build.extract.departments import find_departments
from graph_build.extract.quantities import find_provisions, find_targets
from graph_build.extract.zones import find_industries, find_zones

__all__ = ["find_departments", "find_industries", "find_provisions", "find_targets", "find_zones"]
