"""The bulletin (通报), the chase letters (督办通知) and the assessment workbook (issue 15), made by the
command line on the demo at a fixed date and read back: the GB/T 9704 page (margins, fonts, sizes,
line spacing, indent, the page-number field odd right / even left) and every figure against the
ledger's judgement."""

from __future__ import annotations

import re
import zipfile
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt

from tests.conftest import run_cli
from conftest import connect_ledger

# every test here that makes a ledger runs on a file and on a server (tests/conftest.py)
pytestmark = pytest.mark.both_engines

MINQING = "闽清县老龄工作领导小组"
ON = "2019-06-30"


def _east_asia(run) -> str | None:
    fonts = run._element.rPr.find(qn("w:rFonts"))
    return fonts.get(qn("w:eastAsia")) if fonts is not None else None


def _judged(demo: Path, monkeypatch):
    from models import store
    from models.judged import group_id_of, read_group

    monkeypatch.setenv("TAIZHANG_TODAY", ON)
    conn = store.connect(demo)
    try:
        return read_group(conn, group_id_of(conn, MINQING), date.fromisoformat(ON))
    finally:
        conn.close()


def _claim_and_confirm(demo: Path, monkeypatch):
    """Some variety: one task done on time, one late, one claimed, one extended."""
    from models.closing import claim_done, confirm_closing, grant_extension
    from models.db import Database
    from models.operations import tick

    g = _judged(demo, monkeypatch)
    ids = [t.id for t in g.tasks]
    db = Database(demo)
    try:
        claim_done(db, ids[0], date(2019, 6, 1))
        confirm_closing(db, ids[0])
        claim_done(db, ids[1], date(2019, 6, 20))
        grant_extension(db, ids[2], date(2021, 6, 30), "资金未到位", approved_on=date(2019, 6, 10))
        tick(db, ids[3])
    finally:
        db.close()


def test_bulletin_page_styles_and_every_figure(demo, tmp_path, monkeypatch):
    _claim_and_confirm(demo, monkeypatch)
    out = tmp_path / "通报.docx"
    r = run_cli("--db", str(demo), "export", str(out), "--kind", "bulletin", "--group", MINQING,
                env={"TAIZHANG_TODAY": ON})
    assert r.returncode == 0, r.stderr
    assert "已导出" in r.stdout
    doc = Document(str(out))
    s = doc.sections[0]
    def mm(*values):
        return tuple(round(v.mm, 1) for v in values)

    assert mm(s.page_width, s.page_height) == (210, 297)
    assert mm(s.top_margin, s.bottom_margin, s.left_margin, s.right_margin) == (37, 35, 28, 26)
    paras = [p for p in doc.paragraphs if p.text.strip()]
    title = paras[0]
    assert title.text == "关于闽清县老龄工作重点任务推进情况的通报"
    assert title.alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert {(_east_asia(r), r.font.size) for r in title.runs} == {("方正小标宋简体", Pt(22))}
    body = [p for p in paras if p.text.startswith("截至")][0]
    assert {(_east_asia(r), r.font.size) for r in body.runs} == {("仿宋_GB2312", Pt(16))}
    assert body.paragraph_format.first_line_indent == Pt(32)
    normal = doc.styles["Normal"].paragraph_format
    assert Pt(28) <= normal.line_spacing <= Pt(29)
    h1 = [p for p in paras if re.match(r"^[一二三四]、", p.text)]
    assert [p.text for p in h1] == ["一、总体情况", "二、工作开展较好的单位", "三、存在的问题", "四、下步工作要求"]
    assert all(_east_asia(p.runs[0]) == "黑体" for p in h1)
    h2 = [p for p in paras if p.text.startswith("（一）")]
    assert h2 and _east_asia(h2[0].runs[0]) == "楷体_GB2312" and _east_asia(h2[0].runs[1]) == "仿宋_GB2312"
    # page numbers: a PAGE field between dashes, 宋体 14 pt, odd pages right and even pages left
    assert doc.settings.odd_and_even_pages_header_footer
    for footer, align in ((s.footer, WD_ALIGN_PARAGRAPH.RIGHT), (s.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT)):
        p = footer.paragraphs[0]
        assert p.alignment == align
        xml = p._element.xml
        assert "PAGE" in "".join(t.text for t in p._element.iter(qn("w:instrText")))
        assert 'w:fldCharType="begin"' in xml and 'w:fldCharType="end"' in xml
        assert p.text.startswith("— ") and p.text.endswith(" —")
        assert {(_east_asia(r), r.font.size) for r in p.runs} == {("宋体", Pt(14))}

    # every figure equals the ledger's judgement
    g = _judged(demo, monkeypatch)
    c = g.counts()
    text = "\n".join(p.text for p in doc.paragraphs)
    assert c.done == 2 and c.on_time == 2 and c.pending == 1 and c.extended == 1
    assert (f"截至2019年6月30日，全县{c.total}项重点任务已办结{c.done}项，占{c.done * 100 / c.total:.1f}%；"
            f"已报完成待销号{c.pending}项；推进中{c.in_progress}项；未启动{c.not_started}项。") in text
    units_behind = {u for t in g.tasks if t.judgement.overdue for u in t.lead}
    assert f"逾期{c.overdue}项，涉及{len(units_behind)}个单位。经批准延期{c.extended}项。" in text
    assert f"已办结的{c.done}项任务中，按时完成{c.on_time}项，逾期完成{c.late}项。" in text
    for unit, tasks in g.by_unit().items():
        overdue = [t for t in tasks if t.judgement.overdue]
        if overdue:
            assert f"{unit}牵头的{len(overdue)}项任务逾期：" in text
    assert "下步工作要求" in text and "附件：各单位任务完成情况统计表" in text
    # the attachment table: one row per lead unit and a total row
    table = doc.tables[0]
    rows = [[cell.text for cell in row.cells] for row in table.rows]
    assert rows[0][:3] == ["序号", "牵头单位", "牵头任务"]
    by_unit = g.by_unit()
    assert [r[1] for r in rows[1:-1]] == list(by_unit)
    for r in rows[1:-1]:
        uc = g.counts(by_unit[r[1]])
        assert r[2:8] == [str(uc.total), str(uc.done), str(uc.on_time), str(uc.in_progress + uc.pending),
                          str(uc.not_started), str(uc.overdue)]
    assert rows[-1][1:8] == ["合计", str(c.total), str(c.done), str(c.on_time), str(c.in_progress + c.pending),
                             str(c.not_started), str(c.overdue)]


def test_bulletin_names_units_not_reported_and_uses_the_groups_text(demo, tmp_path, monkeypatch):
    from models.closing import set_next_steps
    from models.db import Database
    from models.judged import group_id_of
    from models import store

    r = run_cli("--db", str(demo), "round", "open", "2019年6月", "--group", MINQING, "--due", "2019-06-25",
                env={"TAIZHANG_TODAY": "2019-06-01"})
    assert r.returncode == 0, r.stderr
    conn = store.connect(demo)
    gid = group_id_of(conn, MINQING)
    conn.close()
    db = Database(demo)
    set_next_steps(db, gid, "一要压实责任。\n二要按时报送。")
    db.close()
    out = tmp_path / "b.docx"
    r = run_cli("--db", str(demo), "export", str(out), "--kind", "bulletin", "--group", MINQING,
                env={"TAIZHANG_TODAY": ON})
    assert r.returncode == 0, r.stderr
    text = "\n".join(p.text for p in Document(str(out)).paragraphs)
    g = _judged(demo, monkeypatch)
    assert g.not_reported
    assert (f"2019年6月报送中，{'、'.join(g.not_reported)}{len(g.not_reported)}个单位截至2019年6月30日未报送工作进展。"
            in text)
    assert "一要压实责任。\n二要按时报送。" in text
    assert text.splitlines()[1].startswith("关于2019年6月")


def test_bulletin_names_units_that_reported_late(demo, tmp_path, monkeypatch):
    """A unit whose form came after the round's due date is named as 未按时报送 (the round's 逾期报送),
    as many as the ledger's 报送情况 counts; one not reported at all stays in its own sentence."""
    from models import rounds, store
    from models.db import Database
    from models.judged import group_id_of
    from models.report_records import EntryIn, ReportIn
    from models.round_status import LATE, current_round, unit_states

    r = run_cli("--db", str(demo), "round", "open", "2019年6月", "--group", MINQING, "--due", "2019-06-25",
                env={"TAIZHANG_TODAY": "2019-06-01"})
    assert r.returncode == 0, r.stderr
    g = _judged(demo, monkeypatch)
    lead = g.by_unit()
    late_units = list(lead)[:2]
    conn = store.connect(demo)
    units = dict(conn.execute("SELECT name, id FROM unit"))
    round_id = current_round(conn, group_id_of(conn, MINQING)).id
    conn.close()
    db = Database(demo)
    try:
        rounds.record_reports(db, [ReportIn(round_id, units[u], f"{u}.xlsx", date(2019, 6, 28), [
            EntryIn(t.id, "lead", "推进中", "正在推进", None, "", "") for t in lead[u]]) for u in late_units])
    finally:
        db.close()
    conn = store.connect(demo)
    ledger_late = [s.unit for s in unit_states(conn, current_round(conn, group_id_of(conn, MINQING)))
                   if s.state == LATE]
    conn.close()
    assert sorted(ledger_late) == sorted(late_units)
    out = tmp_path / "b.docx"
    r = run_cli("--db", str(demo), "export", str(out), "--kind", "bulletin", "--group", MINQING,
                env={"TAIZHANG_TODAY": ON})
    assert r.returncode == 0, r.stderr
    text = "\n".join(p.text for p in Document(str(out)).paragraphs)
    g = _judged(demo, monkeypatch)
    assert sorted(g.late) == sorted(ledger_late) and not set(g.late) & set(g.not_reported)
    assert (f"{'、'.join(g.late)}等{len(g.late)}个单位未按时报送（报送期限2019年6月25日）。" in text), text
    assert f"{'、'.join(g.not_reported)}{len(g.not_reported)}个单位截至2019年6月30日未报送工作进展。另有" in text


def test_chase_letters_per_unit_and_the_record(demo, tmp_path, monkeypatch):
    out = tmp_path / "督办"
    r = run_cli("--db", str(demo), "export", f"{out}/", "--kind", "chase", "--group", MINQING,
                env={"TAIZHANG_TODAY": ON})
    assert r.returncode == 0, r.stderr
    g = _judged(demo, monkeypatch)
    behind = {u: [t for t in ts if t.judgement.overdue] for u, ts in g.by_unit().items()}
    behind = {u: ts for u, ts in behind.items() if ts}
    files = sorted(out.glob("*.docx"))
    assert len(files) == len(behind) > 0
    for unit, tasks in behind.items():
        doc = Document(str(out / f"{unit}_督办通知_20190630.docx"))
        paras = [p.text for p in doc.paragraphs if p.text.strip()]
        assert paras[0] == "关于督促加快推进重点任务落实的通知"
        assert paras[1] == f"{unit}："
        assert f"一、逾期未完成的任务（{len(tasks)}项）" in paras
        assert any("2019年7月7日前" in p for p in paras)  # the reply date
        assert round(doc.sections[0].left_margin.mm, 1) == 28
    conn = connect_ledger(demo)
    rows = conn.execute('SELECT u.name, c."on", c.reply_by, c.task_ids FROM chase_record c '
                        "JOIN unit u ON u.id = c.unit_id ORDER BY c.id").fetchall()
    summary = conn.execute("SELECT summary FROM history ORDER BY id DESC LIMIT 1").fetchone()[0]
    conn.close()
    assert {r[0] for r in rows} == set(behind)
    assert all(r[1] == ON and r[2] == "2019-07-07" for r in rows)
    assert summary == f"{MINQING}：向 {len(behind)} 个单位发出督办通知"
    # the next bulletin says who was chased
    b = tmp_path / "b.docx"
    assert run_cli("--db", str(demo), "export", str(b), "--kind", "bulletin", "--group", MINQING,
                   env={"TAIZHANG_TODAY": ON}).returncode == 0
    assert "办公室已于6月30日发出督办通知。" in "\n".join(p.text for p in Document(str(b)).paragraphs)


def test_assessment_ranking_formula_and_chart(demo, tmp_path, monkeypatch):
    from models import judging

    _claim_and_confirm(demo, monkeypatch)
    out = tmp_path / "考评.xlsx"
    r = run_cli("--db", str(demo), "export", str(out), "--kind", "assessment", "--group", MINQING,
                env={"TAIZHANG_TODAY": ON})
    assert r.returncode == 0, r.stderr
    ws = openpyxl.load_workbook(out)["考评"]
    assert "得分 = 完成率×40 + 按时完成率×30 + 按时报送率×30 − 逾期项数×5" in ws["A2"].value
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=4) if row[1].value]
    g = _judged(demo, monkeypatch)
    lead, co = g.by_unit(), g.by_unit("co")
    assert "统计期间没有牵头任务的单位（只配合）不计得分、不排名，列在表末，注“无牵头任务”。" in ws["A2"].value
    scores, unscored = [], []
    for rank, unit, led, n_co, done, on_time, overdue, owed, rep, done_rate, *_rates, score in rows:
        c = g.counts(lead.get(unit, []))
        assert (led, n_co, done, on_time, overdue) == (c.total, len(co.get(unit, [])), c.done, c.on_time, c.overdue)
        if not led:  # only co-operating: listed after every ranked unit, not scored
            assert (rank, done_rate, score) == ("—", "无牵头任务", "—")
            unscored.append(unit)
            continue
        assert not unscored, "a unit leading no task is listed before a ranked one"
        want = judging.score(judging.UnitScore(unit, led, n_co, done, on_time, overdue, owed, rep))
        assert score == want
        scores.append((score, rank))
    assert unscored == [u for u in co if u not in lead]
    assert [s for s, _ in scores] == sorted((s for s, _ in scores), reverse=True)
    assert scores[0][1] == 1
    with zipfile.ZipFile(out) as z:
        chart = z.read("xl/charts/chart1.xml").decode()
    assert "<c:barChart>" in chart and "完成率" in chart


@pytest.mark.parametrize("args,code,msg", [
    (("b.xlsx", "--kind", "bulletin"), 2, "应以 .docx 结尾"),
    (("a.docx", "--kind", "assessment"), 2, "应以 .xlsx 结尾"),
    (("x.docx", "--kind", "chase"), 2, "应是一个文件夹"),
])
def test_refusals(demo, tmp_path, args, code, msg):
    r = run_cli("--db", str(demo), "export", str(tmp_path / args[0]), *args[1:], "--group", MINQING)
    assert r.returncode == code and msg in r.stderr and "Traceback" not in r.stderr
