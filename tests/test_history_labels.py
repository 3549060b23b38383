"""Every operation the program records has a Chinese name in the history (操作记录), and every
field a change can touch has a Chinese label: the 办结审核 switch, the 考评权重, a 佐证材料 renamed
are told in words in the window's history and in the exported trail, never by an operation's code
name ("set_judging") or a summary standing in for the change. A new operation or column without
its words fails here (the same for tables: tests/test_history_names.py)."""

from __future__ import annotations

import ast
import re
from datetime import date
from pathlib import Path

import openpyxl
from conftest import ROOT, run_cli

from models import audit, closing, evidence, operations as ops
from models.schema_check import expected_columns
from models.store import connect

WRITERS = ("change", "plain_change")  # models.changes.change, models.plain_change.plain_change
GROUP = "养老工作领导小组"


def _recorded_actions() -> tuple[set[str], list[str]]:
    """The action names the code records (``change(db, "tick")``, ``plain_change(path, "x")``,
    ``write_history(…, action="import")``), and the places that pass one that is not written out."""
    found: set[str] = set()
    unreadable: list[str] = []
    for folder in ("models", "importers", "exporters", "tui", "taizhang"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if not isinstance(node, ast.Call):
                    continue
                name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", None)
                action = None
                if name in WRITERS and len(node.args) >= 2:
                    action = node.args[1]
                elif name in (*WRITERS, "write_history"):
                    action = next((k.value for k in node.keywords if k.arg == "action"), None)
                if action is None:
                    continue
                if isinstance(action, ast.Constant) and isinstance(action.value, str):
                    found.add(action.value)
                elif path.name not in ("changes.py", "plain_change.py"):  # the writers pass theirs on
                    unreadable.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    return found, unreadable


def test_every_recorded_operation_has_a_chinese_name():
    actions, unreadable = _recorded_actions()
    assert unreadable == [], f"an action name not written out where it is recorded: {unreadable}"
    assert len(actions) > 40 and {"tick", "import", "undo", "redo", "set_judging", "rename_evidence"} <= actions
    missing = sorted(actions - set(audit.ACTION_LABELS))
    assert missing == [], f"operations without a Chinese name in audit.ACTION_LABELS: {missing}"
    for action, label in audit.ACTION_LABELS.items():
        assert label and not re.search(r"[A-Za-z_]", label), (action, label)


def test_every_column_a_change_can_touch_has_a_chinese_label():
    for table, columns in sorted(expected_columns().items()):
        if table in audit.UNTOLD_TABLES:
            continue
        labelled = set(audit.FIELD_LABELS.get(table, {}))
        unshown = audit.UNSHOWN_FIELDS.get(table, frozenset())
        assert not labelled & unshown, (table, labelled & unshown)
        missing = sorted(set(columns) - labelled - unshown)
        assert missing == [], f"columns of {table} with neither a label nor a reason to be unshown: {missing}"
    for table, labels in audit.FIELD_LABELS.items():
        for column, label in labels.items():
            assert label and not re.search(r"[A-Za-z_]", label), (table, column, label)


def _settings_and_evidence(db, tmp_path: Path) -> int:
    group = ops.create_group(db, GROUP)
    task = ops.add_task(db, group, "建立高龄津贴制度", due=date(2023, 6, 30))
    ops.assign(db, task, "县民政局", person="张三")
    photo = tmp_path / "照片.jpg"
    photo.write_bytes(b"\xff\xd8" + b"x" * 200)
    evidence.attach(db, task, [photo], unit="县民政局")
    conn = connect(db.target)
    try:
        evidence_id = conn.execute("SELECT id FROM evidence").fetchone()[0]
    finally:
        conn.close()
    evidence.rename_evidence(db, evidence_id, "验收照片.jpg")
    closing.set_judging(db, group, False, {"done": 50})
    closing.set_review(db, group, True)
    closing.set_next_steps(db, group, "加快推进项目建设")
    return group


EXPECTED = [
    "添加佐证材料｜建立高龄津贴制度｜新增佐证材料：照片.jpg（县民政局）",
    "佐证材料改名｜建立高龄津贴制度｜佐证材料 文件名：照片.jpg → 验收照片.jpg",
    "修改办结审核和考评权重｜",
    "办结审核：开启（须经办公室销号） → 关闭（报已完成即办结）",
    "考评权重：默认（完成率 40，按时完成率 30，按时报送率 30，每项逾期扣分 5） → 完成率 50，按时完成率 30，按时报送率 30，每项逾期扣分 5",
    "设置办结审核｜",
    "办结审核：关闭（报已完成即办结） → 开启（须经办公室销号）",
    "修改下步工作要求｜",
    "下步工作要求：（默认的下步工作要求） → 加快推进项目建设",
]


def test_settings_and_evidence_changes_are_told_in_words_in_the_history_and_its_export(tmp_path):
    path = tmp_path / "t.db"
    from models.db import Database

    db = Database(path)
    try:
        group = _settings_and_evidence(db, tmp_path)
    finally:
        db.close()
    conn = connect(path)
    try:
        shown = audit.entries(conn, audit.Scope(group_id=group), limit=100)  # what the window's history lists
    finally:
        conn.close()
    lines = "\n".join(f"{e.label}｜{e.what}｜" + " / ".join(e.changes) for e in shown)
    for line in EXPECTED:
        assert line in lines, f"{line}\n---\n{lines}"
    assert not re.search(r"set_|_evidence|review_closing|assessment_weights|next_steps", lines), lines

    out = tmp_path / "history.xlsx"  # the trail exported from the command line, read back
    done = run_cli("--db", str(path), "export", "--group", GROUP, "--kind", "history", str(out))
    assert done.returncode == 0, done.stderr
    cells = "\n".join(str(c).replace("\n", "")  # a narrow column's label is broken into lines
                      for row in openpyxl.load_workbook(out).active.iter_rows(values_only=True)
                      for c in row if c is not None)
    for line in EXPECTED:
        for part in line.split("｜"):
            if part:
                assert part in cells, part
    assert not re.search(r"set_|_evidence|review_closing|assessment_weights|next_steps", cells)
