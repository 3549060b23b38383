"""Judging (issue 15): milestones per target year, lights of every kind, on time or late, extensions,
closing on review (claim → 销号 / 退回) with undo, the v3 → v4 upgrade, and the JSON dump's keys."""

from __future__ import annotations

import json
import sqlite3
from datetime import date

import pytest

from models import judging
from models.judging import GREEN, RED, YELLOW, TargetFact, TaskFacts, judge
from conftest import connect_ledger

# every test here that makes a ledger runs on a file and on a server (tests/conftest.py)
pytestmark = pytest.mark.both_engines

MINQING = "闽清县老龄工作领导小组"
D = date.fromisoformat


# ---------------------------------------------------------------- pure judgements


def test_milestones_one_per_target_year():
    targets = (TargetFact(2018, "85%", "86%"), TargetFact(2019, "88%"), TargetFact(2020, "90%"))
    j = judge(TaskFacts("推进中", targets=targets), D("2020-01-15"))
    assert [(m.year, m.due, m.state) for m in j.milestones] == [
        (2018, D("2018-12-31"), "已完成"), (2019, D("2019-12-31"), "未报"), (2020, D("2020-12-31"), "未到期")]
    assert j.light == RED and j.overdue and "2019年目标未报完成值" in j.reasons
    assert j.due == D("2020-12-31")  # due at its last year's end
    # recorded as not met is overdue too; every year reported and not yet at the end: on track
    j = judge(TaskFacts("推进中", targets=(TargetFact(2019, "88%", "未完成"),)), D("2020-01-15"))
    assert j.light == RED and j.reasons[-1] == "2019年目标未完成"
    j = judge(TaskFacts("推进中", targets=(TargetFact(2019, "88%", "89%"), TargetFact(2020, "90%"))), D("2020-01-15"))
    assert j.light == GREEN and not j.overdue


@pytest.mark.parametrize("facts,today,light,reason", [
    (TaskFacts("推进中", due=D("2023-06-30")), "2023-07-01", RED, "逾期1天"),
    (TaskFacts("推进中", due=D("2023-07-05")), "2023-07-01", YELLOW, "4天内到期"),
    (TaskFacts("推进中", due=D("2023-07-01")), "2023-07-01", YELLOW, "今天到期"),
    (TaskFacts("推进中", due=D("2023-12-31"), reported=False), "2023-07-01", YELLOW, "本轮未报送"),
    (TaskFacts("推进中", due=D("2023-12-31"), start=D("2023-01-01"), percent=20), "2023-07-01", YELLOW,
     "落后序时进度（已报20%，应达50%）"),
    (TaskFacts("推进中", due=D("2023-12-31"), start=D("2023-01-01"), percent=60), "2023-07-01", GREEN, None),
    (TaskFacts("未启动", due=None), "2023-07-01", GREEN, None),
    (TaskFacts("已完成", due=D("2023-06-30"), done_on=D("2023-06-20")), "2023-07-01", GREEN, None),
    (TaskFacts("已完成", due=D("2023-06-30"), done_on=D("2023-06-20"), closing="claimed"), "2023-07-01", YELLOW,
     "待销号"),
    (TaskFacts("已完成", due=D("2023-06-30"), done_on=D("2023-07-01"), closing="claimed",
               claimed_done_on=D("2023-07-01")), "2023-07-01", RED, "逾期1天"),
])
def test_lights_of_every_kind(facts, today, light, reason):
    j = judge(facts, D(today))
    assert j.light == light
    assert (j.reasons[-1] if j.reasons else None) == reason
    assert j.label.startswith(light)  # the word is always there, not colour alone


def test_on_time_or_late_by_completion_date_and_extension():
    on_time = judge(TaskFacts("已完成", due=D("2023-06-30"), done_on=D("2023-06-30")), D("2023-07-10"))
    late = judge(TaskFacts("已完成", due=D("2023-06-30"), done_on=D("2023-07-03")), D("2023-07-10"))
    assert (on_time.state, on_time.on_time) == ("按时完成", True)
    assert (late.state, late.on_time, late.reasons) == ("逾期完成", False, ["逾期3天完成"])
    extended = judge(TaskFacts("已完成", due=D("2023-06-30"), done_on=D("2023-07-03"),
                               extended_due=D("2023-07-31")), D("2023-07-10"))
    assert extended.on_time and extended.original_due == D("2023-06-30") and extended.due == D("2023-07-31")
    # a group that does not review: a claim is simply done
    assert judge(TaskFacts("已完成", due=D("2023-06-30"), done_on=D("2023-06-01"), closing="claimed"),
                 D("2023-07-10"), review=False).done


def test_a_done_task_with_a_missed_years_target_is_on_time_by_its_date_and_says_so():
    """The issue: done tasks are 按时完成 or 逾期完成 by their completion date. A past year's target
    never reported (or not met) does not make a done task late, but it is named in its reasons and
    listed as a missed target — it is not silently forgotten."""
    targets = (TargetFact(2018, "85%"), TargetFact(2019, "88%", "未完成"), TargetFact(2020, "90%", "91%"))
    j = judge(TaskFacts("已完成", targets=targets, done_on=D("2020-11-30")), D("2021-03-01"))
    assert (j.state, j.on_time, j.light, j.overdue) == ("按时完成", True, GREEN, False)
    assert j.reasons == ["2018年目标未报完成值", "2019年目标未完成"]
    assert [m.year for m in j.missed_targets] == [2018, 2019]
    late = judge(TaskFacts("已完成", targets=targets, done_on=D("2021-01-05")), D("2021-03-01"))
    assert late.state == "逾期完成" and late.reasons == ["逾期5天完成", "2018年目标未报完成值", "2019年目标未完成"]
    clean = judge(TaskFacts("已完成", targets=targets[2:], done_on=D("2020-11-30")), D("2021-03-01"))
    assert clean.reasons == [] and clean.missed_targets == []
    # an open task's missed targets are its overdue reasons, not "missed targets of a done task"
    assert judge(TaskFacts("推进中", targets=targets), D("2021-03-01")).missed_targets == []


def test_the_assessment_counts_a_units_done_tasks_missed_targets(demo, monkeypatch):
    from exporters.assessment import unit_scores
    from models import store
    from models.db import Database
    from models.judged import group_id_of
    from models.operations import tick

    monkeypatch.setenv("TAIZHANG_TODAY", "2019-06-30")
    conn = store.connect(demo)
    g = _group(conn)
    # a task whose 2018 target was never reported, its lead unit's only such one
    task = next(t for t in g.tasks if t.lead and any(m.state == "未报" for m in t.judgement.milestones)
                and t.judgement.due and t.judgement.due >= date(2019, 6, 30))
    unit = task.lead[0]
    conn.close()
    db = Database(demo)
    try:
        tick(db, task.id, on=date(2019, 6, 1))
    finally:
        db.close()
    conn = store.connect(demo)
    try:
        g = _group(conn)
        done = next(t for t in g.tasks if t.id == task.id)
        assert done.judgement.state == "按时完成" and "2018年目标未报完成值" in done.judgement.reasons
        scores = {u.unit: u for u in unit_scores(conn, group_id_of(conn, MINQING), date(2019, 6, 30))}
    finally:
        conn.close()
    want = sum(len(t.judgement.missed_targets) for t in g.tasks if unit in t.lead)
    assert scores[unit].missed_targets == want >= 1
    assert all(u.missed_targets == 0 for name, u in scores.items() if name != unit
               and not any(t.judgement.missed_targets for t in g.tasks if name in t.lead))


def test_counts_and_score_formula():
    js = [judge(TaskFacts("已完成", due=D("2023-06-30"), done_on=D("2023-06-01")), D("2023-07-10")),
          judge(TaskFacts("推进中", due=D("2023-06-30")), D("2023-07-10")),
          judge(TaskFacts("未启动", due=D("2023-12-30"), extended_due=D("2024-01-30")), D("2023-07-10"))]
    c = judging.count(js)
    assert (c.total, c.done, c.on_time, c.in_progress, c.not_started, c.overdue, c.extended) == (3, 1, 1, 1, 1, 1, 1)
    assert c.lights == {RED: 1, YELLOW: 0, GREEN: 2}
    a = judging.UnitScore("甲", led=4, co=1, done=2, on_time=1, overdue=1, rounds_owed=2, rounds_on_time=2)
    b = judging.UnitScore("乙", led=2, co=0, done=2, on_time=2, overdue=0, rounds_owed=2, rounds_on_time=1)
    ranked = judging.rank([a, b])
    # 甲: 0.5×40 + 0.5×30 + 1×30 − 1×5 = 60; 乙: 1×40 + 1×30 + 0.5×30 = 85
    assert [(u.unit, u.score, u.rank) for u in ranked] == [("乙", 85.0, 1), ("甲", 60.0, 2)]
    assert judging.score(a, {"overdue_penalty": 0}) == 65.0
    # a unit leading no task (it only co-operates) is not scored on completion nor ranked ahead of
    # the units doing the work: listed last, 无牵头任务, however well it reported
    c_ = judging.UnitScore("丙", led=0, co=3, done=0, on_time=0, overdue=0, rounds_owed=2, rounds_on_time=2)
    d_ = judging.UnitScore("丁", led=0, co=1, done=0, on_time=0, overdue=0, rounds_owed=2, rounds_on_time=0)
    ranked = judging.rank([c_, a, d_, b])
    assert [(u.unit, u.score, u.rank) for u in ranked] == [("乙", 85.0, 1), ("甲", 60.0, 2), ("丙", None, None),
                                                            ("丁", None, None)]
    assert judging.score(c_) is None and (c_.rank_text, c_.score_text, c_.done_rate_text) == ("—", "无牵头任务", "—")


# ---------------------------------------------------------------- the demo, judged


def _group(conn: sqlite3.Connection, name: str = MINQING):
    from models.judged import group_id_of, read_group
    from models.clock import today

    return read_group(conn, group_id_of(conn, name), today())


def test_per_year_overdue_in_minqing(demo, monkeypatch):
    from models import store

    monkeypatch.setenv("TAIZHANG_TODAY", "2019-06-30")
    conn = store.connect(demo)
    g = _group(conn)
    with_targets = [t for t in g.tasks if t.targets]
    assert with_targets and all(t.judgement.due is not None for t in g.tasks if t.targets)
    red = [t for t in g.tasks if t.light == RED]
    assert len(red) == g.counts().overdue == g.counts().lights[RED] > 0
    assert all("2018年目标未报完成值" in t.judgement.reasons for t in red if not t.deadline)
    monkeypatch.setenv("TAIZHANG_TODAY", "2020-01-15")
    g = _group(conn)
    assert any("2019年目标未报完成值" in t.judgement.reasons for t in g.tasks)
    monkeypatch.setenv("TAIZHANG_TODAY", "2018-06-30")  # before any year's end: nothing overdue yet
    assert _group(conn).counts().overdue == 0
    conn.close()


def test_extension_claim_confirm_return_and_undo(demo, monkeypatch):
    from models import store
    from models.closing import claim_done, confirm_closing, grant_extension, return_closing
    from models.db import Database
    from models.operations import OperationError, undo

    monkeypatch.setenv("TAIZHANG_TODAY", "2019-06-30")
    conn = store.connect(demo)
    db = Database(demo)
    first, second = [t for t in _group(conn).tasks if t.light == RED][:2]
    # an extension moves a task from 红 to 绿; the original due is kept
    with pytest.raises(OperationError, match="延期理由"):
        grant_extension(db, first.id, D("2021-12-31"), "  ")
    with pytest.raises(OperationError, match="应晚于"):
        grant_extension(db, first.id, D("2020-06-30"), "资金未到位")
    grant_extension(db, first.id, D("2021-12-31"), "资金未到位", approved_on=D("2019-06-20"))
    t = next(x for x in _group(conn).tasks if x.id == first.id)
    # the 2018 milestone is judged against the extended date, so nothing is due before 2021's end
    assert t.light == GREEN, t.judgement.reasons
    assert (t.judgement.original_due, t.judgement.due, t.judgement.extended) == (D("2020-12-31"), D("2021-12-31"), True)
    assert _group(conn).counts().extended == 1
    # claim → 待销号 (黄) → 销号 (done, on time from the confirmed date)
    claim_done(db, second.id, D("2019-06-28"))
    t = next(x for x in _group(conn).tasks if x.id == second.id)
    assert (t.closing_state, t.judgement.state, t.light) == ("claimed", "待销号", YELLOW)
    assert not t.judgement.done and _group(conn).counts().pending == 1
    confirm_closing(db, second.id)
    t = next(x for x in _group(conn).tasks if x.id == second.id)
    assert (t.closing_state, t.judgement.state, t.light, t.done_on) == ("confirmed", "按时完成", GREEN, D("2019-06-28"))
    with pytest.raises(OperationError, match="已于 2019-06-30 销号"):
        confirm_closing(db, second.id)
    assert undo(db).startswith("任务")  # the 销号 undone: a claim again
    assert next(x for x in _group(conn).tasks if x.id == second.id).closing_state == "claimed"
    # claim → 退回 with a reason: open again, the reason kept for the next form
    with pytest.raises(OperationError, match="退回理由"):
        return_closing(db, second.id, "")
    return_closing(db, second.id, "缺少验收材料")
    t = next(x for x in _group(conn).tasks if x.id == second.id)
    assert (t.status, t.done_on, t.closing_state, t.returned_reason) == ("推进中", None, "returned", "缺少验收材料")
    assert t.light == RED
    with pytest.raises(OperationError, match="没有报已完成"):
        confirm_closing(db, second.id)
    undo(db)
    assert next(x for x in _group(conn).tasks if x.id == second.id).closing_state == "claimed"
    db.close()
    conn.close()


def test_group_without_review_has_no_claims(demo):
    from models import store
    from models.closing import claim_done, set_review
    from models.db import Database
    from models.judged import group_id_of

    conn = store.connect(demo)
    db = Database(demo)
    gid = group_id_of(conn, MINQING)
    set_review(db, gid, False)
    task = _group(conn).tasks[0]
    claim_done(db, task.id, D("2023-06-01"))
    t = _group(conn).tasks[0]
    assert t.judgement.done and t.closing_state is None and t.light == GREEN
    db.close()
    conn.close()


@pytest.mark.file_only("a ledger file of version 6; server ledgers begin later")
def test_upgrade_from_version_6(db_path):
    from models.db import Database

    Database(db_path).close()
    conn = sqlite3.connect(db_path)
    for (trigger,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall():
        conn.execute(f"DROP TRIGGER {trigger}")  # the 总览 figures' (version 10), with their tables
    for table in ("task_figure", "task_figure_pause"):
        conn.execute(f"DROP TABLE {table}")
    for table in ("evidence", "import_tombstone", "evidence_content", "round_unit_figure", "extension", "task_closing",
                  "chase_record"):  # evidence: version 8, import_tombstone: 9, evidence_content: 11, round_unit_figure: 12
        conn.execute(f"DROP TABLE {table}")
    for column in ("review_closing", "next_steps", "assessment_weights"):
        conn.execute(f"ALTER TABLE work_group DROP COLUMN {column}")
    conn.execute("INSERT INTO work_group (id, name, created_at) VALUES (1, '甲组', '2023-01-01 09:00:00')")
    conn.execute("PRAGMA user_version = 6")
    conn.commit()
    conn.close()
    db = Database(db_path)
    db.close()
    conn = sqlite3.connect(db_path)
    from models.migrations import CURRENT_VERSION

    assert conn.execute("PRAGMA user_version").fetchone()[0] == CURRENT_VERSION
    assert conn.execute("SELECT review_closing, next_steps FROM work_group").fetchone() == (1, None)
    assert conn.execute("SELECT count(*) FROM task_closing").fetchone() == (0,)
    conn.close()


def test_dump_has_light_milestones_extensions_closing_and_chases(demo, tmp_path, monkeypatch):
    from models.closing import grant_extension
    from models.db import Database
    from models import store
    from exporters.json_dump import write_dump

    monkeypatch.setenv("TAIZHANG_TODAY", "2019-06-30")
    conn = store.connect(demo)
    task = _group(conn).tasks[0]
    db = Database(demo)
    grant_extension(db, task.id, D("2021-06-30"), "政策调整")
    write_dump(db, tmp_path / "d.json", group=MINQING)
    db.close()
    conn.close()
    g = json.loads((tmp_path / "d.json").read_text(encoding="utf-8"))["groups"][0]
    t = next(x for x in g["tasks"] if x["id"] == task.id)
    assert t["light"] == "绿"
    assert t["extensions"][0]["new_due"] == "2021-06-30" and t["extensions"][0]["reason"] == "政策调整"
    assert [m["year"] for m in t["milestones"]] == [x["year"] for x in t["targets"]]
    assert t["closing"] == {"state": None, "claimed_on": None, "confirmed_on": None, "returned": None}
    other = g["tasks"][1]
    assert other["light"] == "红" and other["milestones"][0]["state"] == "未报"
    assert g["chases"] == [] and g["review_closing"] is True


def test_returned_reason_goes_into_the_next_rounds_form(demo, tmp_path):
    import openpyxl

    from models import store
    from models.closing import claim_done, return_closing
    from models.db import Database
    from tests.conftest import run_cli

    conn = store.connect(demo)
    task = _group(conn).tasks[0]
    conn.close()
    db = Database(demo)
    claim_done(db, task.id, D("2023-06-20"))
    return_closing(db, task.id, "缺少验收材料")
    db.close()
    assert run_cli("--db", str(demo), "round", "open", "2023年7月", "--group", MINQING).returncode == 0
    out = tmp_path / "forms"
    r = run_cli("--db", str(demo), "export", str(out), "--kind", "forms", "--group", MINQING)
    assert r.returncode == 0, r.stderr
    lead_form = next(p for p in out.glob("*.xlsx") if task.lead[0] in p.name)
    cells = [str(c.value) for row in openpyxl.load_workbook(lead_form).active.iter_rows() for c in row if c.value]
    assert "7月1日：已完成申报被退回：缺少验收材料" in cells


def test_a_lead_units_done_in_a_returned_form_is_a_claim_until_confirmed(demo):
    from models import store
    from models.closing import confirm_closing, return_closing
    from models.db import Database
    from models.report_records import EntryIn, ReportIn
    from models.rounds import open_round, record_reports

    conn = store.connect(demo)
    g = _group(conn)
    task = g.tasks[0]
    unit_id = conn.execute("SELECT id FROM unit WHERE name = :n", {"n": task.lead[0]}).fetchone()[0]
    db = Database(demo)
    round_id = open_round(db, g.group_id, "2023年6月", due=D("2023-07-05"))
    record_reports(db, [ReportIn(round_id, unit_id, "表.xlsx", D("2023-06-30"),
                                 [EntryIn(task.id, status="已完成", text="已全部完成", done_on=D("2023-06-28"))])])
    t = next(x for x in _group(conn).tasks if x.id == task.id)
    assert (t.status, t.closing_state, t.judgement.state, t.judgement.done) == ("已完成", "claimed", "待销号", False)
    return_closing(db, task.id, "数据不实")
    assert next(x for x in _group(conn).tasks if x.id == task.id).closing_state == "returned"
    # the unit's corrected form claims it again: a new claim, waiting for 销号
    record_reports(db, [ReportIn(round_id, unit_id, "表2.xlsx", D("2023-07-01"),
                                 [EntryIn(task.id, status="已完成", text="已补齐材料", done_on=D("2023-06-30"))])])
    t = next(x for x in _group(conn).tasks if x.id == task.id)
    assert (t.status, t.closing_state) == ("已完成", "claimed")
    confirm_closing(db, task.id)
    t = next(x for x in _group(conn).tasks if x.id == task.id)
    assert t.judgement.done and t.closing_state == "confirmed" and t.done_on == D("2023-06-30")
    db.close()
    conn.close()


def test_the_overview_lists_the_overdue_tasks_it_counts(demo):
    """总览's 逾期 count, its list of overdue tasks and its units' figures come from one judgement: in
    闽清 on 2019-06-30 the tasks overdue only by a missed 2018 target (no due date of their own) are
    listed, not just counted."""
    from models import store
    from tui import data

    conn = store.connect(demo)
    try:
        group = next(g for g in data.groups(conn) if g.name == MINQING)
        ov = data.overview(conn, group, date(2019, 6, 30))
        from models.judged import group_id_of, read_group

        judged = {t.id: t.judgement for t in read_group(conn, group_id_of(conn, MINQING), date(2019, 6, 30)).tasks}
    finally:
        conn.close()
    overdue = sorted(i for i, j in judged.items() if j.overdue)
    assert ov.counts["逾期"] == len(overdue) == 23
    assert sorted(b.id for b in ov.overdue) == overdue
    # each listed with the day it fell overdue: its own due date when that is past, else the missed
    # target's date (2018-12-31 here, not the 2020 deadline still ahead), the longest overdue first
    for b in ov.overdue:
        j = judged[b.id]
        missed = [m.due for m in j.milestones if m.missed]
        assert b.due == (j.due if j.due is not None and j.due < date(2019, 6, 30) else min(missed))
    assert any(b.due == date(2018, 12, 31) for b in ov.overdue)
    assert [b.due for b in ov.overdue] == sorted(b.due for b in ov.overdue)
    assert sum(ov.judged_overdue.values()) >= len(overdue)  # each overdue task counts for its lead unit(s)
