"""Units that are probably one unit under two names (市发展改革局 / 市发展和改革局, 市建设局 /
市住房和城乡建设局, 县卫计局 / 县卫健局): offered to the user for merging, never merged by the
program (PRODUCT §3: aliases are merged by the user, never guessed). Pure functions, no I/O."""

from __future__ import annotations

import re
from collections.abc import Iterable

# Long and short forms of the same department (the reforms renamed many: 卫计 → 卫健, 建设 → 住建).
_SAME = [
    ("住房和城乡建设", "建设"), ("住房城乡建设", "建设"), ("住建", "建设"), ("城乡建设", "建设"),
    ("发展和改革", "发改"), ("发展改革", "发改"),
    ("人力资源和社会保障", "人社"), ("人力资源社会保障", "人社"), ("人力社保", "人社"),
    ("卫生和计划生育", "卫健"), ("卫生计生", "卫健"), ("卫生健康", "卫健"), ("卫计", "卫健"),
    ("市场监督管理", "市场监管"),
    ("自然资源和规划", "自然资源"),
    ("生态环境", "环保"), ("环境保护", "环保"),
    ("工业和信息化", "工信"), ("经济和信息化", "经信"),
    ("文化广电和旅游", "文旅"), ("文化广电旅游", "文旅"), ("文化和旅游", "文旅"),
    ("农业农村", "农业"), ("交通运输", "交通"), ("退役军人事务", "退役军人"), ("医疗保障", "医保"),
    ("应急管理", "应急"), ("人民政府办公室", "政府办"), ("政府办公室", "政府办"), ("人民政府", "政府"),
    ("教育体育", "教体"), ("科学技术", "科技"), ("老龄工作委员会办公室", "老龄办"),
]
_SUFFIX = re.compile(r"(?:委员会|局|委|厅)$")


def name_key(name: str) -> str:
    """What two names of one unit have in common: long forms shortened, 和 and spaces dropped,
    the closing 局/委/委员会 left off (市卫生健康委 and 市卫健局 give the same key)."""
    key = re.sub(r"\s+", "", name)
    for long, short in _SAME:
        key = key.replace(long, short)
    key = key.replace("和", "")
    stem = _SUFFIX.sub("", key)
    return stem if len(stem) >= 3 else key  # 县委 stays 县委, not 县


def similar_units(units: Iterable[tuple[int, str, Iterable[str]]]) -> list[tuple[int, int]]:
    """Pairs of unit ids (lower id first) whose names or aliases have the same key, in id order.
    ``units``: (id, name, aliases)."""
    by_key: dict[str, list[int]] = {}
    for unit_id, name, aliases in units:
        for key in {name_key(n) for n in (name, *aliases)}:
            ids = by_key.setdefault(key, [])
            if unit_id not in ids:
                ids.append(unit_id)
    pairs = {(a, b) for ids in by_key.values() for i, a in enumerate(sorted(ids)) for b in sorted(ids)[i + 1:]}
    return sorted(pairs)
