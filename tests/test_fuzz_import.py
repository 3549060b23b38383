"""Fuzzed input (issue 7): random but valid workbooks (.xlsx written by openpyxl and by hand, .xls,
.ods, .docx), CSV files and pasted rosters/duties go through the real importer — ``read_file`` and
the loading step into a real ledger file — and the importer either imports or refuses cleanly:

* a refusal is an ``ImportRefused`` with a Chinese message naming the file, never a catch-all
  ("读取失败：TypeError …") that hides a crash, and the database is unchanged;
* an import loads, and loading the same file again changes nothing;
* nothing hangs: ``TIME_BOX`` (in-process: SIGALRM; the CLI: a subprocess timeout) is minutes, so
  it fails only for a real hang, never for a slow machine (issue 21: no test asserts a time; the
  speed of the importer is measured by ``python -m benchmarks``, and the searches whose time grew
  with the square of a cell are bounded by count in ``test_import_regressions.py``), and the
  command line exits 0 or 1 without a traceback.

The default run is short (CI); ``HYPOTHESIS_PROFILE=long`` (or ``TAIZHANG_FUZZ_SCALE=N``) runs N
times as many examples. Examples that found bugs live on in ``test_import_regressions.py``.
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import zipfile
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
import warm_cli
from conftest import ROOT, SAMPLES, TODAY, connect_ledger, table_rows
from data.builders import write_docx, write_ods
from hypothesis import HealthCheck, event, given, note, settings
from hypothesis import strategies as st

from importers import read_file
from importers.load import load
from importers.records import Duties, ImportRefused, Roster, TaskTable, display_name
from models import store
from models.errors import DatabaseError, OperationError

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGALRM"), reason="the time box needs SIGALRM (POSIX)")

# --- settings ---------------------------------------------------------------------------------------

_PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "")
SCALE = int(os.environ.get("TAIZHANG_FUZZ_SCALE") or (25 if _PROFILE == "long" else 1))
TIME_BOX = 300  # seconds: a hang guard only (reading and loading a small file takes ~0.1 s)


def fuzz(examples: int) -> settings:
    """Settings for one fuzz test: ``examples`` in a default run, SCALE times that in a long one.
    Failing examples are kept under .hypothesis/ (git-ignored) and replayed first next time."""
    return settings(
        max_examples=examples * SCALE,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much,
                               HealthCheck.large_base_example],
        print_blob=True,
    )


# --- the checks ----------------------------------------------------------------------------------

class Hang(KeyboardInterrupt):
    """Raised by the time box. A KeyboardInterrupt, so the importer's own catch-alls (which turn
    every other exception into a refusal) let it through; ``time_box`` turns it into a failure."""


@contextmanager
def time_box(seconds: int = TIME_BOX):
    """Fail when the block hangs: still running after ``seconds`` (the alarm is seen between Python
    bytecodes: a single regular-expression search that runs away is stopped when it returns)."""
    def ring(signum, frame):
        raise Hang

    old = signal.signal(signal.SIGALRM, ring)
    signal.alarm(seconds)
    try:
        yield
    except Hang:
        raise AssertionError(f"more than {seconds} s: the importer hangs") from None
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


# A refusal that is really a crash in disguise: the readers' last-resort handlers.
_CATCH_ALL = re.compile(r"读取失败：\w+|读取[^（]*时出错（\w+）|Traceback|Error:|Exception")
_CJK = re.compile(r"[\u4e00-\u9fff]")


def assert_clean_refusal(exc: ImportRefused, path: Path) -> None:
    message = str(exc)
    assert _CJK.search(message), message
    assert f"「{display_name(path)}」" in message, message
    assert not _CATCH_ALL.search(message), f"a crash turned into a refusal: {message}"


def _gist(exc: Exception) -> str:
    """A refusal's message without file names and numbers, to count kinds of refusal."""
    text = re.sub(r"「[^」]*」|（[^）]*）", "「」", str(exc).split("：", 1)[-1])
    return re.sub(r"[\d,]+", "N", text)[:40]


def integrity(db: Path) -> str:
    conn = connect_ledger(db)
    try:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        conn.close()


_TEMPLATES: dict[str, Path] = {}


def _add_aliases(path: Path) -> None:
    """Units renamed or merged in the ledger keep their other names as aliases."""
    from models.db import Database
    from models.operations import add_alias, create_unit, find_unit

    db = Database(path)
    try:
        for name, alias in (("县委宣传部", "县委宣传部（融媒体中心）"), ("县卫计局", "县卫生健康局")):
            with db.session() as session:
                unit = find_unit(session, name)
                unit_id = unit.id if unit is not None else None
            add_alias(db, unit_id or create_unit(db, name), alias)
    finally:
        db.close()


def template(kind: str) -> Path:
    """A ledger file made once per run: "empty", or "filled" with the seed table and roster in the
    group 领导小组 (so imports into that group exercise updates and the 'no longer present' list)."""
    if kind not in _TEMPLATES:
        folder = Path(tempfile.mkdtemp(prefix="taizhang-fuzz-"))
        path = folder / f"{kind}.db"
        store.connect(path).close()
        if kind == "filled":
            load(path, read_file(SAMPLES / "闽清县老龄事业重点任务分工表.xlsx"), "领导小组")
            load(path, read_file(SAMPLES / "泉港区长寿之乡领导小组成员名单.txt", kind="roster"), "领导小组")
            load(path, read_file(SAMPLES / "泉港区长寿之乡成员单位职责.txt", kind="duties"), "领导小组")
            _add_aliases(path)
        _TEMPLATES[kind] = path
    return _TEMPLATES[kind]


@pytest.fixture(scope="module", autouse=True)
def _remove_templates():
    yield
    for path in _TEMPLATES.values():
        shutil.rmtree(path.parent, ignore_errors=True)
    _TEMPLATES.clear()


def check_import(path: Path, kind: str | None, base: str, group: str, sheet: str | None = None) -> str:
    """The property itself for one file; returns what happened ("refused", "imported …")."""
    folder = path.parent
    db = folder / "ledger.db"
    shutil.copy(template(base), db)
    before = table_rows(db)
    units = [row[1] for row in before["unit"]]  # id, name, created_at
    with time_box():
        try:
            record = read_file(path, kind=kind, sheet=sheet, known_units=units)
        except ImportRefused as exc:
            note(f"refused: {exc}")
            event(f"refused: {_gist(exc)}")
            assert_clean_refusal(exc, path)
            assert table_rows(db) == before
            return "refused"
        check_record(record)
        try:
            dry = load(db, record, group, dry_run=True)
            assert table_rows(db) == before, "a dry run wrote rows"
            report = load(db, record, group)
        except (OperationError, DatabaseError) as exc:  # the CLI shows these as they are
            note(f"load refused: {exc}")
            assert _CJK.search(str(exc)), str(exc)
            assert table_rows(db) == before, "a refused load left rows behind"
            return "load refused"
        counts = ("added", "updated", "unchanged", "missing", "new_units", "group_is_new")
        assert [getattr(dry, k) for k in counts] == [getattr(report, k) for k in counts], "the dry run said otherwise"
        assert integrity(db) == "ok"
        after = table_rows(db)
        again = load(db, read_file(path, kind=kind, sheet=sheet, known_units=units), group)
        assert (again.added, again.updated) == (0, 0), (
            f"importing the same file again changed something: added {again.added}, updated {again.updated}")
        assert table_rows(db) == after, "importing the same file again wrote rows"
    return f"imported {report.kind} {report.added}"


_UNCLEAN = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b\ufeff]|^\s|\s$")


def clean(text: object, *, lines: bool = False) -> bool:
    """A name, unit or task text as the normalisers leave it: a non-empty string, no control or
    zero-width characters, no surrounding spaces (and one line unless ``lines``)."""
    return (isinstance(text, str) and bool(text) and not _UNCLEAN.search(text)
            and (lines or "\n" not in text))


def check_record(record: TaskTable | Roster | Duties) -> None:
    """What a reader returns is plain, complete, cleaned data."""
    if isinstance(record, TaskTable):
        assert record.tasks
        for task in record.tasks:
            assert clean(task.content, lines=True), task
            for ref in task.lead + task.co:
                assert clean(ref.unit), task
                assert ref.person is None or clean(ref.person, lines=True), task
            assert all(clean(p, lines=True) for p in task.unpaired_persons), task
            assert task.due is None or isinstance(task.due, date)
            assert all(isinstance(t.year, int) and isinstance(t.target, str) for t in task.targets)
    elif isinstance(record, Roster):
        assert record.members
        for m in record.members:
            assert clean(m.name) and clean(m.role), m
            assert m.unit is None or clean(m.unit), m
            assert m.title is None or clean(m.title, lines=True), m
    else:
        assert record.duties
        for d in record.duties:
            assert clean(d.unit) and isinstance(d.text, str), d
    for w in record.warnings:
        str(w)


# --- cell values -----------------------------------------------------------------------------------

HEADER_WORDS = [
    "序号", "编号", "序", "重点任务", "工作任务", "具体内容", "任务内容", "具体任务", "具体措施", "工作内容", "主要内容",
    "项目名称", "重点领域", "类别", "领域", "项目", "牵头单位", "主责单位", "牵头部门", "主办单位", "责任单位",
    "配合单位", "协办单位", "参与单位", "配合部门", "完成时限", "时间节点", "完成时间", "时限", "责任人", "联系人",
    "负责人", "备注", "说明", "完成状态", "状态", "完成日期", "进展情况", "联系电话", "年度目标", "指标",
    "2018年", "2019年", "2020年", "2023", 2024, "2021年目标",
    # roster and duties tables
    "姓名", "单位", "职务", "组内职务", "电话", "手机", "成员单位", "职责", "工作职责",
]
TASK_WORDS = HEADER_WORDS[:47]
ROSTER_WORDS = ["序号", "姓名", "单位", "职务", "组内职务", "电话", "手机", "单位职务", "工作单位", "职 务", "姓  名"]
DUTY_WORDS = ["序号", "成员单位", "单位", "职责", "工作职责", "主要职责", "单位名称"]
ODD_HEADERS = [
    "", " ", "合计", "列1", "Unnamed: 3", "*工作任务", "工 作 任 务", "牵头单位\n（盖章）", "完成时限（年月日）",
    "责任单位（牵头单位列前）", "牵头单位责任人", "实际完成时间", "（一）", "注：", "任务", "单位名称", "时间",
    "重点任务（具体内容）", "牵头", "配合", "领导", "工作任务工作任务工作任务工作任务工作任务", "=A1", 0, 1.5,
]
UNITS = [
    "县民政局", "市人力社保局", "县财政局", "区卫健局", "县医保局", "各镇（园区、街道）", "各乡(镇)", "县科技文\n体局",
    "区委宣传部(融媒体中心)", "医保中心\n闽清管理部", "县政府办", "市委老干部局", "南埔镇", "各成员单位",
    "牵头单位：县财政局；配合单位：县卫健局", "县医保局（牵头）", "县统计局（配合）", "县委组织部牵头", "/", "、",
    "县 民 政 局", "县\u00a0民政局", "县民政局\u3000", "（县民政局）", "县民政局）", "（县民政局",
    "县委宣传部", "县委宣传部(融媒体中心)", "县卫计局", "县卫生健康局",
]
PERSONS = ["张三", "刘  琛", "王宇\n李四", "张三 13800000000", "李四（副局长）", "欧阳娜娜", "买买提·艾力", "王 宇 张三",
           "张三、李四、王五", "电话：0591-1234567", "庄一鸣\n\n赵立东"]
DEADLINES = [
    "2023年12月底前", "2023年6月30日", "2024年", "2023-3至4月", "长期坚持", "持续推进", "每年", "2023年起",
    "2023年第三季度", "2023年8月—2024年8月", "2023-2024年", "6月底前", "年底前", "2023.6.30", "20230630",
    "2023年13月", "2023年2月30日", "9999年", "0年", "2023年11月-3月", "十二月", "上半年", "2100年12月31日",
    "1900年", "2023/02/29", "2024/02/29", "第五季度", "2023年0月", "3000-01-01",
]
CONTENTS = [
    "健全完善社会保障体系", "（一）基本养老保险全覆盖", "1.推进医养结合", "一、老有所养", "①建设养老服务中心",
    "加快推进居家和社区养老服务\n体系建设", "（二）老有所医。老年人依靠…", "第一部分 总体要求",
    "一、社会保障体系（牵头单位：市人力社保局）", "注：牵头单位为第一责任单位", "填报单位：某某局",
    "三、", "（一）", "1.", "到 2022年，参保率达到 95% 以上", "Task in English", "   ", "\t",
]
STATUSES = ["已完成", "推进中", "未启动", "√", "×", "是", "完成", "进行中", "部分完成"]


def _no_surrogates(text: str) -> str:
    return text.encode("utf-8", "replace").decode("utf-8")


ANY_TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",)),  # every other code point, controls included
    max_size=40,
)
CJK_TEXT = st.text(alphabet=st.sampled_from(
    "的一是在了不和有大这主中人上为们地个用工时要动国产以我到他会作来分生对于学下级就年阶义发成部民可出能方进"
    "同行面说种过命度革而多子后自社加小机也经力线本电高量长党得实家定深法表着水理化争现所二起政三好十战无农使性"
    "前等反体合斗路图把结第里正新开论之物从当两些还天资事队批如应形想制心样干都向变关点育重其思与间内去因件日利"
    "相由压员气业代全组数果期导平各基或月毛然问比展那它最及外没看治提五解系林者米群头意只明四道马认次文通但条较"
    "克又公孔领军流入接席位情运器并飞原油放立题质指建区验活众很教决特此常石强极土少已根共直团统式转别造切九你取"
    "西持总料连任志观调七么山程百报更见必真保热委手改管处己将修支识病象几先老光专什六型具示复安带每东增则完风回"
    "南广劳轮科北打积车计给节做务被整联步类集号列温装即毫知轴研单色坚据速防史拉世设达尔场织历花受求传口断况采精"
    "金界品判参层止边清至万确究书术状厂须离再目海交权且儿青才证低越际八试规斯近注办布门铁需走议县兵固除般引齿千"
    "胜细影济白格效置推空配刀叶率述今选养德话查差半敌始片施响收华觉备名红续均药标记难存测士身紧液派准斤角降维板"
    "许破述技消底床田势端感往神便贺村构照容非搞亚磨族火段算适讲按值美态黄易彪服早班麦削信排台声该击素张密害侯草"
    "何树肥继右属市严径螺检左页抗苏显苦英快称坏移约巴材省黑武培著河帝仅针怎植京助升王眼她抓含苗副杂普谈围食射源"
    "　 \u00a0\n、，；（）()【】:：·0123456789"), max_size=30)
HUGE_PIECES = st.sampled_from([
    "县民政局、", "推进医养结合。", "a", "\n", "（一）", "张三\n", "：", "1 ", "9", "（牵头单位：", "(", "2023年", '\t"', ',"x',
    "由", "主任由张三", "组长", "局长", "、", " ", "牵头", "）", "12月", "一、", "张 ", "电话"])
HUGE_TEXT = st.builds(lambda a, b, n: ((a + b) * n)[:32767], HUGE_PIECES, st.one_of(st.just(""), HUGE_PIECES),
                      st.integers(1000, 33000))
FORMULAS = st.sampled_from(["=SUM(A1:A2)", "=A1&B1", "=1/0", '="县民政局"', "=TODAY()", "=#REF!", "=NA()"])
NUMBERS = st.one_of(
    st.integers(-10**12, 10**12),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([0, 1, 2023, 2024.0, 45291.0, 45000.5, 1e308, -0.0, 5e-324, 2**53 + 1, 1.0, 3.0]),
)
DATES = st.one_of(
    st.dates(min_value=date(1900, 3, 1), max_value=date(9999, 12, 31)),
    st.datetimes(min_value=datetime(1900, 3, 1), max_value=datetime(9999, 12, 31)),
    st.sampled_from([date(2023, 12, 31), datetime(2023, 6, 30, 0, 0), datetime(2024, 2, 29, 23, 59, 59)]),
)
TIMES = st.one_of(st.times(), st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=3)))


def any_value(*, rich: bool = True) -> st.SearchStrategy:
    """Any value a cell may hold. ``rich`` adds times, formulas and huge text (openpyxl only)."""
    choices = [
        st.sampled_from(CONTENTS + UNITS + PERSONS + DEADLINES + STATUSES + HEADER_WORDS),
        ANY_TEXT, CJK_TEXT, NUMBERS, DATES, st.booleans(), st.none(),
    ]
    if rich:
        choices += [FORMULAS, TIMES, HUGE_TEXT]
    return st.one_of(*choices)


def _by_header(word: object, rich: bool) -> st.SearchStrategy:
    """Values fitting a column of that header (and sometimes anything at all)."""
    text = str(word)
    if "组内职务" in text:
        own = st.sampled_from(ROLE_LABELS + ["", "成员单位"])
    elif "职务" in text:
        own = st.sampled_from(UNIT_TITLES)
    elif any(w in text for w in ("电话", "手机")):
        own = st.one_of(st.sampled_from(["13800000000", "0591-1234567", "无"]), st.integers(10**10, 2 * 10**10))
    elif any(w in text for w in ("单位", "部门", "牵头", "配合", "协办", "参与")) and "人" not in text:
        own = st.one_of(st.sampled_from(UNITS), st.lists(st.sampled_from(UNITS), min_size=1, max_size=4).flatmap(
            lambda us: st.sampled_from(["、", "，", ",", "；", ";", "/", "\n", " "]).map(lambda s: s.join(us))))
    elif any(w in text for w in ("人", "姓名")):
        own = st.sampled_from(PERSONS)
    elif any(w in text for w in ("时限", "时间", "节点", "日期")):
        own = st.one_of(st.sampled_from(DEADLINES), DATES, st.integers(2000, 2100), st.floats(25000, 80000))
    elif any(w in text for w in ("序号", "编号")) or text == "序":
        own = st.one_of(st.integers(0, 200), st.sampled_from(["一", "（一）", "1.", "1、", "①", "二、", "12", "1.0"]))
    elif "状态" in text:
        own = st.sampled_from(STATUSES)
    elif re.search(r"\d{4}", text):
        own = st.one_of(st.sampled_from(["10%", "完成", "50", "建成3个"]), NUMBERS)
    else:
        own = st.one_of(st.sampled_from(CONTENTS), CJK_TEXT)
    return st.one_of(own, own, own, st.just(None), any_value(rich=rich))


# --- sheets ------------------------------------------------------------------------------------------

Merge = tuple[int, int, int, int]


@st.composite
def sheet_spec(draw, *, rich: bool = True, max_rows: int = 14):
    """(rows, merges, hidden_rows, hidden_cols) of one sheet: title rows, a one- or two-row header
    of real header words mixed with odd ones, data rows with heading and note rows among them,
    blank rows and columns, random non-overlapping merges; rows hold None for empty cells."""
    theme = draw(st.sampled_from(["tasks", "tasks", "tasks", "roster", "duties", "mixed"]))
    words = {"tasks": TASK_WORDS, "roster": ROSTER_WORDS, "duties": DUTY_WORDS, "mixed": HEADER_WORDS}[theme]
    headers = draw(st.lists(st.one_of(st.sampled_from(words), st.sampled_from(words), st.sampled_from(words),
                                      st.sampled_from(ODD_HEADERS), ANY_TEXT), min_size=1, max_size=9))
    if theme == "tasks" and draw(st.integers(0, 3)):  # usually a task column somewhere
        headers.insert(draw(st.integers(0, len(headers))), draw(st.sampled_from(["工作任务", "重点任务", "具体内容", "任务内容"])))
    width = len(headers)
    rows: list[list[object]] = []
    merges: list[Merge] = []
    for _ in range(draw(st.integers(0, 3))):  # title rows
        title = draw(st.one_of(st.sampled_from(["附件1", "附件", "XX县2023年老龄工作重点任务分工表", "填报单位：（盖章）",
                                                "2018-2020年任务", "填报日期：2023年7月1日"]), ANY_TEXT))
        rows.append([title] + [None] * (width - 1))
        if width > 1 and draw(st.booleans()):
            merges.append((len(rows) - 1, 0, len(rows) - 1, width - 1))
    header_at = len(rows)
    rows.append(list(headers))
    if draw(st.booleans()):  # a two-row header: a parent over sub-columns, the others merged down
        subs: list[object] = [None] * width
        c = 0
        while c < width:
            span = draw(st.integers(1, max(1, min(3, width - c))))
            if span > 1 and draw(st.booleans()):
                for k in range(span):
                    subs[c + k] = draw(st.one_of(st.sampled_from(["2018年", "2019年", "2020年", 2021, "牵头单位", "配合单位",
                                                                  "责任人", "单位", "目标"]), ANY_TEXT))
                for k in range(1, span):
                    rows[header_at][c + k] = None
                merges.append((header_at, c, header_at, c + span - 1))
            elif draw(st.booleans()):
                merges.append((header_at, c, header_at + 1, c))
            else:
                subs[c] = draw(st.one_of(st.none(), st.sampled_from(HEADER_WORDS)))
            c += span
        rows.append(subs)
    for _ in range(draw(st.integers(0, max_rows))):
        kind = draw(st.sampled_from(["data"] * 6 + ["heading", "heading-merged", "note", "blank", "number-only"]))
        if kind == "data":
            rows.append([draw(_by_header(h, rich)) for h in headers])
        elif kind.startswith("heading"):
            text = draw(st.sampled_from(["一、社会保障体系（牵头单位：市人力社保局）", "（一）老有所养", "二、健康服务",
                                         "第一部分 总体要求", "1.重点项目", "牵头单位：县民政局"]))
            rows.append([text] + [None] * (width - 1))
            if kind == "heading-merged" and width > 1:
                merges.append((len(rows) - 1, 0, len(rows) - 1, draw(st.integers(1, width - 1))))
        elif kind == "note":
            rows.append([draw(st.sampled_from(["注：牵头单位为第一责任单位。", "备注：", "填表人：张三", "说明：无"]))]
                        + [None] * (width - 1))
        elif kind == "number-only":
            rows.append([draw(st.integers(1, 20))] + [None] * (width - 1))
        else:
            rows.append([None] * width)
    # random merges anywhere (values under them are dropped by the writers, as Excel does)
    for _ in range(draw(st.integers(0, 5))):
        top = draw(st.integers(0, len(rows) - 1))
        left = draw(st.integers(0, width - 1))
        bottom = draw(st.integers(top, min(len(rows) - 1 + 2, top + 6)))
        right = draw(st.integers(left, min(width - 1 + 1, left + 3)))
        if (top, left) != (bottom, right):
            merges.append((top, left, bottom, right))
    merges = _disjoint(merges)
    # blank columns and an offset
    for _ in range(draw(st.integers(0, 2))):
        at = draw(st.integers(0, width))
        for row in rows:
            row.insert(at, None)
        merges = [(t, l + (l >= at), b, r + (r >= at)) for t, l, b, r in merges]
        width += 1
    dy, dx = draw(st.integers(0, 3)), draw(st.integers(0, 3))
    rows = [[None] * (width + dx) for _ in range(dy)] + [[None] * dx + row for row in rows]
    merges = [(t + dy, l + dx, b + dy, r + dx) for t, l, b, r in merges]
    total_rows, total_cols = len(rows), width + dx
    hidden_rows = draw(st.lists(st.integers(0, total_rows + 2), max_size=2, unique=True))
    hidden_cols = draw(st.lists(st.integers(0, total_cols), max_size=2, unique=True))
    return rows, merges, hidden_rows, hidden_cols


def _disjoint(merges: list[Merge]) -> list[Merge]:
    """Merges that share no cell (Excel calls a file with overlapping ranges damaged)."""
    taken: set[tuple[int, int]] = set()
    out: list[Merge] = []
    for t, l, b, r in merges:
        cells = {(y, x) for y in range(t, b + 1) for x in range(l, r + 1)}
        if cells & taken:
            continue
        taken |= cells
        out.append((t, l, b, r))
    return out


SHEET_NAME = st.one_of(
    st.sampled_from(["Sheet1", "分工表", "说明", "附件1", "表 1", "Sheet1 (2)", "重点任务", "'引号", "a" * 31, "汇总"]),
    st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="[]:*?/\\'"),
            min_size=1, max_size=31).filter(lambda s: s.strip() and s.lower() != "history"),
)


@st.composite
def workbook_spec(draw, *, rich: bool = True, max_sheets: int = 3):
    n = draw(st.integers(1, max_sheets))
    names = draw(st.lists(SHEET_NAME, min_size=n, max_size=n, unique_by=str.lower))
    sheets = [(name, draw(sheet_spec(rich=rich))) for name in names]
    hidden = draw(st.sets(st.integers(0, n - 1), max_size=n - 1))
    return sheets, hidden


# --- writers -----------------------------------------------------------------------------------------

_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_safe(value: object) -> object:
    return _ILLEGAL_XML.sub("", value) if isinstance(value, str) else value


def write_openpyxl(path: Path, spec) -> Path:
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    sheets, hidden = spec
    wb = Workbook()
    wb.remove(wb.active)
    for i, (name, (rows, merges, hidden_rows, hidden_cols)) in enumerate(sheets):
        ws = wb.create_sheet(name)
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row, start=1):
                if value is None:
                    continue
                cell = ws.cell(r, c, _xml_safe(value))
                if isinstance(value, datetime):
                    cell.number_format = "yyyy-mm-dd hh:mm"
                elif isinstance(value, date):
                    cell.number_format = "yyyy-mm-dd"
        for t, l, b, rr in merges:
            ws.merge_cells(start_row=t + 1, start_column=l + 1, end_row=b + 1, end_column=rr + 1)
        for r in hidden_rows:
            ws.row_dimensions[r + 1].hidden = True
        for c in hidden_cols:
            ws.column_dimensions[get_column_letter(c + 1)].hidden = True
        if i in hidden:
            ws.sheet_state = "hidden"
    wb.save(path)
    return path


def write_xlwt(path: Path, spec) -> Path:
    import xlwt

    sheets, hidden = spec
    wb = xlwt.Workbook(encoding="utf-8")
    date_style = xlwt.easyxf(num_format_str="yyyy-mm-dd")
    plain = xlwt.easyxf("align: wrap on")
    for i, (name, (rows, merges, hidden_rows, hidden_cols)) in enumerate(sheets):
        ws = wb.add_sheet(name, cell_overwrite_ok=True)
        anchors = {(t, l): (t, l, b, r) for t, l, b, r in merges}
        covered = {(y, x) for t, l, b, r in merges for y in range(t, b + 1) for x in range(l, r + 1)} - set(anchors)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if (r, c) in covered or (value is None and (r, c) not in anchors):
                    continue
                if isinstance(value, str) and value.startswith("=") and len(value) > 1:
                    with contextlib.suppress(Exception):  # xlwt parses few formulas: keep the text then
                        value = xlwt.Formula(value[1:])
                if isinstance(value, str):
                    value = value[:32767]
                style = date_style if isinstance(value, (date, datetime)) else plain
                if (r, c) in anchors:
                    t, l, b, rr = anchors[r, c]
                    ws.write_merge(t, b, l, rr, value, style)
                else:
                    ws.write(r, c, value, style)
        for r in hidden_rows:
            ws.row(r).hidden = True
        for c in hidden_cols:
            ws.col(c).hidden = True
        if i in hidden:
            ws.visibility = 1
    wb.save(str(path))
    return path


def _xls_value(value: object) -> object:
    if isinstance(value, (dtime, timedelta)):
        return str(value)
    if isinstance(value, float) and abs(value) > 1e300:
        return 1e300
    return value


def write_grid_format(path: Path, spec, writer) -> Path:
    """.ods and .docx through the test builders (one sheet, plain values)."""
    _, (rows, merges, _, _) = spec[0][0]
    width = max(len(r) for r in rows)
    plain = [[_plain(v) for v in row] + [None] * (width - len(row)) for row in rows]
    for t, l, b, r in merges:  # the builders keep the anchor's value and skip the covered cells
        for y in range(t, b + 1):
            for x in range(l, r + 1):
                if (y, x) != (t, l) and y < len(plain) and x < width:
                    plain[y][x] = None
    merges = [(t, l, min(b, len(plain) - 1), min(r, width - 1)) for t, l, b, r in merges
              if t < len(plain) and l < width]
    merges = [m for m in merges if (m[0], m[1]) != (m[2], m[3])]
    return writer(path, plain, merges)


def _plain(value: object) -> object:
    if value is None:
        return None
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, (dtime, timedelta)):
        return str(value)
    if isinstance(value, str):
        return _ILLEGAL_XML.sub("", value)[:5000]
    return value


# --- .xlsx written by hand ------------------------------------------------------------------------

_CONTROL_CHARS = st.sampled_from(["\x00", "\x01", "\x07", "\x08", "\x0b", "\x0c", "\x1b", "\x1f", "\x7f", "\x85"])


@st.composite
def raw_cell(draw):
    """(attributes, inner XML) of a <c> element: inline strings with _xHHHH_ escapes (control
    characters openpyxl will not write), rich text runs, shared strings, cached formula values,
    errors, booleans, ISO dates, odd numbers."""
    kind = draw(st.sampled_from(["inline", "escaped", "rich", "shared", "formula", "error", "bool", "date",
                                 "number", "empty", "str"]))
    text = draw(st.one_of(st.sampled_from(CONTENTS + UNITS + HEADER_WORDS[:30] + DEADLINES), CJK_TEXT))
    text = str(text)
    if kind == "escaped":
        ctrl = draw(_CONTROL_CHARS)
        at = draw(st.integers(0, len(text)))
        text = text[:at] + ctrl + text[at:]
        body = "".join(f"_x{ord(ch):04X}_" if ord(ch) < 32 or ord(ch) == 0x7F else escape(ch) for ch in text)
        return 't="inlineStr"', f'<is><t xml:space="preserve">{body}</t></is>'
    if kind == "inline":
        return 't="inlineStr"', f"<is><t>{escape(_xml_safe(text))}</t></is>"
    if kind == "rich":
        half = len(text) // 2
        return 't="inlineStr"', (f"<is><r><rPr><b/></rPr><t>{escape(_xml_safe(text[:half]))}</t></r>"
                                 f'<r><t xml:space="preserve">{escape(_xml_safe(text[half:]))}</t></r></is>')
    if kind == "shared":
        return "shared", _xml_safe(text)
    if kind == "formula":
        cached = draw(st.sampled_from(["<v>3</v>", "", "<v></v>", "<v>县民政局</v>"]))
        t = ' t="str"' if "县" in cached else ""
        return t.strip(), f"<f>{escape(draw(FORMULAS)[1:])}</f>{cached}"
    if kind == "error":
        return 't="e"', f"<v>{draw(st.sampled_from(['#DIV/0!', '#N/A', '#REF!', '#VALUE!', '#NAME?']))}</v>"
    if kind == "bool":
        return 't="b"', f"<v>{draw(st.sampled_from(['0', '1']))}</v>"
    if kind == "date":
        return 't="d"', f"<v>{draw(st.sampled_from(['2023-12-31', '2023-06-30T00:00:00', '1900-01-01', '9999-12-31T23:59:59']))}</v>"
    if kind == "number":
        return "", f"<v>{draw(st.sampled_from(['1', '-0', '1E+308', '4.9E-324', '45291', '2023', '1.5', '007', '1e3']))}</v>"
    if kind == "str":
        return 't="str"', f"<v>{escape(_xml_safe(text))}</v>"
    return "", ""


@st.composite
def raw_xlsx_spec(draw):
    width = draw(st.integers(1, 7))
    header = draw(st.lists(st.sampled_from(HEADER_WORDS), min_size=width, max_size=width))
    header[draw(st.integers(0, width - 1))] = draw(st.sampled_from(["工作任务", "重点任务", "具体内容"]))
    body = draw(st.lists(st.lists(raw_cell(), min_size=width, max_size=width), max_size=10))
    corners = draw(st.lists(st.tuples(st.integers(0, len(body)), st.integers(0, width - 1), st.integers(0, 3),
                                      st.integers(0, 2)), max_size=4))
    merges = _disjoint([(t, l, t + dt, l + dl) for t, l, dt, dl in corners if dt or dl])
    refs = draw(st.sampled_from(["all", "none", "some"]))  # cells written without r="…" (calamine counts on)
    dimension = draw(st.sampled_from(["A1", "A1:XFD1048576", None, "B2:C3"]))
    return header, body, merges, refs, dimension


def write_raw_xlsx(path: Path, spec) -> Path:
    from openpyxl.utils import get_column_letter

    header, body, merges, refs, dimension = spec
    shared: list[str] = []
    rows_xml = []
    all_rows = [[('t="inlineStr"', f"<is><t>{escape(str(h))}</t></is>") for h in header]] + body
    for r, row in enumerate(all_rows, start=1):
        cells = []
        for c, (attrs, inner) in enumerate(row, start=1):
            if attrs == "shared":
                shared.append(inner)
                attrs, inner = 't="s"', f"<v>{len(shared) - 1}</v>"
            ref = f' r="{get_column_letter(c)}{r}"' if refs == "all" or (refs == "some" and c % 2) else ""
            cells.append(f"<c{ref}{' ' + attrs if attrs else ''}>{inner}</c>")
        row_ref = f' r="{r}"' if refs != "none" else ""
        rows_xml.append(f"<row{row_ref}>{''.join(cells)}</row>")
    merge_xml = ""
    if merges:
        merge_xml = f'<mergeCells count="{len(merges)}">' + "".join(
            f'<mergeCell ref="{get_column_letter(l + 1)}{t + 1}:{get_column_letter(r + 1)}{b + 1}"/>'
            for t, l, b, r in merges) + "</mergeCells>"
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    sheet = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
             '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
             'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
             f"{dim}<sheetData>{''.join(rows_xml)}</sheetData>{merge_xml}</worksheet>")
    sst = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
           f'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="{len(shared)}" '
           f'uniqueCount="{len(shared)}">' + "".join(f'<si><t xml:space="preserve">{escape(s)}</t></si>' for s in shared)
           + "</sst>")
    parts = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            '<Override PartName="/xl/sharedStrings.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
            "</Types>"),
        "_rels/.rels": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            'officeDocument" Target="xl/workbook.xml"/></Relationships>'),
        "xl/workbook.xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            '<sheets><sheet name="分工表" sheetId="1" r:id="rId1"/></sheets></workbook>'),
        "xl/_rels/workbook.xml.rels": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            'worksheet" Target="worksheets/sheet1.xml"/>'
            '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            'sharedStrings" Target="sharedStrings.xml"/></Relationships>'),
        "xl/worksheets/sheet1.xml": sheet,
        "xl/sharedStrings.xml": sst,
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in parts.items():
            z.writestr(name, text.encode("utf-8"))
    return path


# --- CSV -------------------------------------------------------------------------------------------

@st.composite
def csv_bytes(draw):
    rows, _, _, _ = draw(sheet_spec(rich=False))
    cells = [["" if v is None else _csv_text(v) for v in row] for row in rows]
    delimiter = draw(st.sampled_from([",", ",", "\t", ";", "|"]))
    lineterminator = draw(st.sampled_from(["\r\n", "\n", "\r"]))
    out = io.StringIO(newline="")
    if draw(st.integers(0, 4)):
        quoting = draw(st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL, csv.QUOTE_NONNUMERIC]))
        csv.writer(out, delimiter=delimiter, lineterminator=lineterminator, quoting=quoting).writerows(cells)
    else:  # written by hand: stray and unbalanced quotes, ragged rows
        for row in cells:
            row = row[: draw(st.integers(0, len(row)))]
            out.write(delimiter.join(draw(st.sampled_from(["{}", '"{}"', '"{}', '{}"', "'{}'"])).format(c)
                                     for c in row) + lineterminator)
    text = out.getvalue()
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "gbk", "gb18030", "utf-16"]))
    return text.encode(encoding, errors="replace")


def _csv_text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return _no_surrogates(str(value)).replace("\x00", "")


# --- pasted rosters and duties ----------------------------------------------------------------------

ROLE_LABELS = ["组长", "组 长", "组　　长", "副组长", "副 组 长", "常务副组长", "成员", "成    员", "组员", "联络员",
               "联 络 员", "办公室主任", "办公室常务副主任", "办公室副主任", "顾问", "秘书长", "第一组长"]
NAMES = ["庄一鸣", "赵立东", "詹才勇", "王  宇", "刘\u3000琛", "欧阳娜娜", "买买提·艾力", "高晨瑶", "林金辉", "张三", "李四",
         "王", "陈宗忠", "司马相如"]
UNIT_TITLES = ["区人民政府副区长", "市府办副主任", "市民政局局长", "区卫健局党组书记", "区政府办副主任、三级主任科员",
               "区医保分中心主任", "市委老干部局办公室", "市文化广电旅游体育局公共服务和艺", "术科", "南埔镇副镇长",
               "界山镇党委组织委员", "（兼）", "(女)", "区卫健局", "县长", "13800000000", "电话：0591-1234567", ""]
OTHER_LINES = ["二、组织机构", "三、工作职责", "办公室主任由区卫健局局长林金辉兼任，办公室常务副主任由陈宗忠兼任。",
               "组长由区长张三担任。", "其组成人员如下：", "(一) 区委宣传部(融媒体中心)职责:制定综合宣传方案。",
               "（三）区委史志室职责：负责编纂。", "（二）县委宣传部职责：负责宣传。", "（四）县委宣传部(融媒体中心)职责：负责融媒体。", "县卫计局：负责卫生。", "县卫生健康局：负责健康。", "市政府办：负责统筹协调。", "区民政局：牵头落实。", "附件", "---",
               "| 组长 | 张三 | 县长 |", "# 名单", "- **副组长:** 肖坚松 区政府办副主任"]
SPACES = st.sampled_from(["", " ", "  ", "\u3000", "\u00a0", "\t", " \u3000 "])


@st.composite
def roster_line(draw):
    kind = draw(st.sampled_from(["role"] * 4 + ["person"] * 3 + ["tail", "other", "junk", "blank", "sentence"]))
    def sp() -> str:
        return draw(SPACES)

    def person() -> str:
        return f"{draw(st.sampled_from(NAMES))}{sp() or ' '}{draw(st.sampled_from(UNIT_TITLES))}"

    if kind == "role":
        colon = draw(st.sampled_from(["：", ":", " ：", "", "： ", "∶"]))
        prefix = draw(st.sampled_from(["", "", "- **", "1. ", "（一）", "领导小组"]))
        persons = draw(st.lists(st.builds(lambda: person()), min_size=draw(st.sampled_from([0, 1, 1, 1])), max_size=3))
        sep = draw(st.sampled_from(["；", "，", "  ", "、", ";"]))
        return f"{sp()}{prefix}{draw(st.sampled_from(ROLE_LABELS))}{colon}{sp()}{sep.join(persons)}{sp()}"
    if kind == "person":
        return f"{sp()}{person()}{sp()}"
    if kind == "tail":
        return draw(st.sampled_from(["术科", "和福利保障科", "办公室", "副主任", "（兼）"]))
    if kind == "other":
        return draw(st.sampled_from(OTHER_LINES))
    if kind == "junk":
        return draw(st.one_of(ANY_TEXT, CJK_TEXT, ANY_TEXT, CJK_TEXT, HUGE_TEXT))
    if kind == "sentence":
        role = draw(st.sampled_from(["办公室主任", "办公室常务副主任", "组长", "副组长", "领导小组办公室主任"]))
        who = f"{draw(st.sampled_from(UNIT_TITLES))}{draw(st.sampled_from(NAMES))}"
        return draw(st.sampled_from([f"{role}由{who}兼任", f"由{who}同志兼任{role}", f"{role}为{who}"])) + draw(
            st.sampled_from(["。", "，", "", "；其余由各单位分管领导担任。"]))
    return ""


@st.composite
def roster_text_bytes(draw):
    lines = draw(st.lists(roster_line(), min_size=1, max_size=25))
    newline = draw(st.sampled_from(["\n", "\r\n", "\r", "\u2028"]))
    text = _no_surrogates(newline.join(lines))
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "gbk", "gb18030", "utf-16"]))
    return text.encode(encoding, errors="replace")


# --- the tests ---------------------------------------------------------------------------------------

KINDS = st.sampled_from([None] * 6 + ["tasks", "roster", "duties"])
BASES = st.sampled_from(["empty", "filled"])
GROUPS = st.sampled_from(["领导小组", "新的小组"])


def _run(data: bytes | None, suffix: str, kind, base, group, writer=None, spec=None, sheet=None) -> None:
    with tempfile.TemporaryDirectory(prefix="taizhang-fuzz-") as folder:
        path = Path(folder) / f"分工表{suffix}"
        if writer is not None:
            try:
                writer(path, spec)
            except Exception as exc:  # noqa: BLE001 — a spec the writer library cannot write is no test of ours
                note(f"writer failed: {exc!r}")
                return
        else:
            path.write_bytes(data)
        outcome = check_import(path, kind, base, group, sheet)
        note(f"{path.name} {kind} {base} {group}: {outcome}")
        if not outcome.startswith("refused"):
            event(re.sub(r"\d+", "N", outcome) if "N" not in outcome else outcome)


@fuzz(300)
@given(spec=workbook_spec(), kind=KINDS, base=BASES, group=GROUPS, data=st.data())
def test_fuzz_xlsx_openpyxl(spec, kind, base, group, data):
    names = [name for name, _ in spec[0]]
    sheet = data.draw(st.one_of(st.none(), st.none(), st.none(), st.sampled_from(names), SHEET_NAME), label="sheet")
    _run(None, ".xlsx", kind, base, group, write_openpyxl, spec, sheet)


@fuzz(150)
@given(spec=raw_xlsx_spec(), kind=KINDS, base=BASES, group=GROUPS)
def test_fuzz_xlsx_raw_xml(spec, kind, base, group):
    _run(None, ".xlsx", kind, base, group, write_raw_xlsx, spec)


@fuzz(200)
@given(spec=workbook_spec(rich=False), kind=KINDS, base=BASES, group=GROUPS)
def test_fuzz_xls(spec, kind, base, group):
    sheets, hidden = spec
    sheets = [(name, ([[_xls_value(v) for v in row] for row in rows], merges, hr, hc))
              for name, (rows, merges, hr, hc) in sheets]
    _run(None, ".xls", kind, base, group, write_xlwt, (sheets, hidden))


@fuzz(100)
@given(spec=workbook_spec(rich=False, max_sheets=1), kind=KINDS, base=BASES, group=GROUPS,
       fmt=st.sampled_from([".ods", ".docx"]))
def test_fuzz_ods_and_docx(spec, kind, base, group, fmt):
    writer = write_ods if fmt == ".ods" else write_docx
    _run(None, fmt, kind, base, group, lambda p, s: write_grid_format(p, s, writer), spec)


@fuzz(250)
@given(data=csv_bytes(), kind=KINDS, base=BASES, group=GROUPS)
def test_fuzz_csv(data, kind, base, group):
    _run(data, ".csv", kind, base, group)


@fuzz(400)
@given(data=roster_text_bytes(), kind=st.sampled_from([None, None, "roster", "duties"]), base=BASES, group=GROUPS)
def test_fuzz_pasted_roster_text(data, kind, base, group):
    _run(data, ".txt", kind, base, group)


# --- the command line, as a user runs it -------------------------------------------------------------

_STEMS = ["任务表", "a b", "表（1）", "分工表.v2", " 名单 ", "x'y", "分工表".encode("gbk"), "成员名单".encode("gbk"),
          b"\xff\xfe"]
_CLI_FILES = st.one_of(
    workbook_spec(max_sheets=2).map(lambda s: (".xlsx", s)),
    csv_bytes().map(lambda b: (".csv", b)),
    roster_text_bytes().map(lambda b: (".txt", b)),
)


@fuzz(12)
@given(file=_CLI_FILES, kind=st.sampled_from([None, None, "tasks", "roster", "duties"]),
       dry_run=st.booleans(), base=BASES, stem=st.sampled_from(_STEMS))
def test_fuzz_cli_exits_0_or_1_without_traceback(file, kind, dry_run, base, stem):
    suffix, payload = file
    with tempfile.TemporaryDirectory(prefix="taizhang-fuzz-") as folder:
        if isinstance(stem, bytes):  # a GBK name from a Windows zip, on a system whose names are UTF-8
            path = Path(os.fsdecode(os.fsencode(folder) + b"/" + stem + suffix.encode()))
        else:
            path = Path(folder) / f"{stem}{suffix}"
        if suffix == ".xlsx":
            try:
                write_openpyxl(path, payload)
            except Exception:  # noqa: BLE001
                return
        else:
            path.write_bytes(payload)
        db = Path(folder) / "ledger.db"
        shutil.copy(template(base), db)
        before = table_rows(db)
        args = [sys.executable, "-m", "taizhang", "--db", str(db), "import", str(path)]
        args += ["--as", kind] if kind else []
        args += ["--group", "领导小组"] if base == "filled" else []
        args += ["--dry-run"] if dry_run else []
        env = {**os.environ, "TAIZHANG_TODAY": TODAY}
        try:  # forked from a warm interpreter (tests/warm_cli.py): the command's own process without the imports
            done = warm_cli.run(args[3:], env=env, cwd=ROOT, timeout=TIME_BOX)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"taizhang import {path.name} hangs (still running after {TIME_BOX} s)") from None
        note(f"exit {done.returncode}\n{done.stdout[-500:]}\n{done.stderr[-2000:]}")
        assert done.returncode in (0, 1), done.stderr[-2000:]
        assert "Traceback" not in done.stderr
        if done.returncode == 1:
            assert _CJK.search(done.stderr) and display_name(path) in done.stderr, done.stderr
            assert not _CATCH_ALL.search(done.stderr), done.stderr
        if done.returncode == 1 or dry_run:
            assert table_rows(db) == before
        assert integrity(db) == "ok"


# --- a revised file, then the same file again ---------------------------------------------------------

@st.composite
def revised(draw):
    """A one-sheet workbook and a revision of it: cells changed, rows dropped or swapped."""
    (name, (rows, merges, hidden_rows, hidden_cols)), = draw(workbook_spec(max_sheets=1))[0]
    new_rows = [list(row) for row in rows]
    for _ in range(draw(st.integers(0, 6))):
        r, c = draw(st.integers(0, len(new_rows) - 1)), draw(st.integers(0, len(new_rows[0]) - 1))
        new_rows[r][c] = draw(st.one_of(st.sampled_from(UNITS + CONTENTS + PERSONS + DEADLINES), any_value()))
    if len(new_rows) > 2 and draw(st.booleans()):
        i, j = draw(st.integers(0, len(new_rows) - 1)), draw(st.integers(0, len(new_rows) - 1))
        new_rows[i], new_rows[j] = new_rows[j], new_rows[i]
    if len(new_rows) > 2 and draw(st.booleans()):
        del new_rows[draw(st.integers(1, len(new_rows) - 1))]
        merges = [m for m in merges if m[2] < len(new_rows)]
    first = ([(name, (rows, merges, hidden_rows, hidden_cols))], set())
    second = ([(name, (new_rows, merges, hidden_rows, hidden_cols))], set())
    return first, second


@fuzz(120)
@given(pair=revised(), kind=st.sampled_from([None, None, None, "roster", "duties"]), base=BASES)
def test_fuzz_revised_file_then_the_same_again(pair, kind, base):
    """Import a table, then its revision (updates, tasks no longer present), then the revision
    again: the last import changes nothing; every step is whole or refused."""
    with tempfile.TemporaryDirectory(prefix="taizhang-fuzz-") as folder:
        db = Path(folder) / "ledger.db"
        shutil.copy(template(base), db)
        for i, spec in enumerate(pair):
            path = Path(folder) / f"分工表{i}.xlsx"
            try:
                write_openpyxl(path, spec)
            except Exception:  # noqa: BLE001
                return
            before = table_rows(db)
            with time_box():
                try:
                    record = read_file(path, kind=kind)
                except ImportRefused as exc:
                    assert_clean_refusal(exc, path)
                    continue
                check_record(record)
                report = load(db, record, "领导小组")
                note(f"step {i}: added {report.added}, updated {report.updated}, missing {len(report.missing)}")
                after = table_rows(db)
                assert integrity(db) == "ok"
                if i == 1:
                    again = load(db, read_file(path, kind=kind), "领导小组")
                    assert (again.added, again.updated) == (0, 0), (again.added, again.updated)
                    assert table_rows(db) == after
            assert after != before or not report.changed


# --- a plain table: nothing is dropped -------------------------------------------------------------------

_STARTS = "推进建设完善健全加强落实开展组织实施制定深化提升打造做好"
_PLAIN_UNITS = ["县民政局", "县财政局", "各镇（园区、街道）", "县卫健局", "县医保局", "区委宣传部（融媒体中心）"]


@st.composite
def plain_table(draw):
    """(rows, contents, [(lead units, co units)]): a title, a header of synonyms, rows that are each a task."""
    content_h = draw(st.sampled_from(["工作任务", "重点任务", "任务内容", "具体任务", "具体措施", "工作内容", "具体内容"]))
    lead_h = draw(st.sampled_from(["牵头单位", "主责单位", "主办单位", "牵头部门", "责任单位"]))
    due_h = draw(st.sampled_from(["完成时限", "时间节点", "完成时间", "时限"]))
    contents, leads, rows = [], [], []
    for i in range(draw(st.integers(1, 12))):
        content = draw(st.text(alphabet=_STARTS, min_size=2, max_size=3)) + draw(CJK_TEXT)
        units = draw(st.lists(st.sampled_from(_PLAIN_UNITS), min_size=1, max_size=3, unique=True))
        contents.append(content)
        leads.append(units)
        rows.append([i + 1, content, draw(st.sampled_from(["、", "，", "；", "\n", "/"])).join(units),
                     draw(st.one_of(st.sampled_from(DEADLINES), DATES))])
    header = [["序号", content_h, lead_h, due_h]]
    title = [[draw(st.sampled_from(["附件1", "2023年重点任务分工表", "填报单位：（盖章）"]))]] * draw(st.integers(0, 2))
    if lead_h == "责任单位":  # the first listed leads, the others co-operate
        return title + header + rows, contents, [(u[:1], u[1:]) for u in leads]
    return title + header + rows, contents, [(u, []) for u in leads]


@fuzz(100)
@given(table=plain_table(), fmt=st.sampled_from([".xlsx", ".xls", ".csv", ".ods", ".docx"]))
def test_fuzz_plain_table_keeps_every_task(table, fmt):
    from importers.normalize import clean_sentence

    rows, contents, leads = table
    with tempfile.TemporaryDirectory(prefix="taizhang-fuzz-") as folder:
        path = Path(folder) / f"分工表{fmt}"
        width = max(map(len, rows))
        rows = [row + [None] * (width - len(row)) for row in rows]
        spec = ([("Sheet1", (rows, [], [], []))], set())
        if fmt == ".xlsx":
            write_openpyxl(path, spec)
        elif fmt == ".xls":
            write_xlwt(path, spec)
        elif fmt == ".csv":
            text = io.StringIO(newline="")
            csv.writer(text).writerows([["" if v is None else _plain_text(v) for v in row] for row in rows])
            path.write_bytes(text.getvalue().encode("utf-8-sig"))
        else:
            write_grid_format(path, spec, write_ods if fmt == ".ods" else write_docx)
        with time_box():
            table = read_file(path)
    assert isinstance(table, TaskTable)
    assert [t.content for t in table.tasks] == [clean_sentence(c) for c in contents]
    assert [([ref.unit for ref in t.lead], [ref.unit for ref in t.co]) for t in table.tasks] == leads


def _plain_text(value: object) -> str:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return str(value)


# --- a plain roster: every person, in order, with the role above -----------------------------------

_CLEAR_NAMES = ["张伟", "王芳", "李娜", "刘洋", "陈静", "杨帆", "赵磊", "黄丽", "周杰", "吴敏", "徐涛", "孙悦", "马超", "朱琳",
                "胡斌", "郭峰", "林辉", "何平", "罗勇", "庄一鸣", "詹才勇", "欧阳娜娜", "王  宇", "刘\u3000琛"]
_PLAIN_UNIT_TITLES = ["区人民政府副区长", "市府办副主任", "市民政局局长", "区卫健局党组书记", "区政府办副主任、三级主任科员",
                      "区医保分中心主任", "南埔镇副镇长", "区财政局副局长", "县委组织部副部长"]
_ROLES = {"组长": "组长", "组 长": "组长", "组　　长": "组长", "副组长": "副组长", "副 组 长": "副组长", "成员": "成员",
          "成    员": "成员", "组员": "成员", "联络员": "联络员", "联 络 员": "联络员", "常务副组长": "常务副组长"}


@st.composite
def plain_roster(draw):
    """(text, [(role, name)]): role lines and continuation lines, odd spaces and colons."""
    names = draw(st.lists(st.sampled_from(_CLEAR_NAMES), min_size=1, max_size=12, unique=True))
    lines, expected, role = [], [], None
    for name in names:
        unit_title = draw(st.sampled_from(_PLAIN_UNIT_TITLES))
        space = draw(st.sampled_from([" ", "  ", "\u3000", "\t", " \u3000"]))
        if role is None or draw(st.booleans()):
            label = draw(st.sampled_from(sorted(_ROLES)))
            role = _ROLES[label]
            colon = draw(st.sampled_from(["：", ":", " ：", "： "]))
            lines.append(f"{label}{colon}{name}{space}{unit_title}")
        else:
            lines.append(f"{draw(st.sampled_from(['', ' ', '　']))}{name}{space}{unit_title}")
        expected.append((role, re.sub(r"\s", "", name)))
        if draw(st.integers(0, 4)) == 0:
            lines.append("")
    return "\n".join(lines), expected


@fuzz(150)
@given(roster=plain_roster(), encoding=st.sampled_from(["utf-8", "utf-8-sig", "gbk", "utf-16"]))
def test_fuzz_plain_roster_keeps_every_person(roster, encoding):
    text, expected = roster
    with tempfile.TemporaryDirectory(prefix="taizhang-fuzz-") as folder:
        path = Path(folder) / "名单.txt"
        path.write_bytes(text.encode(encoding))
        with time_box():
            record = read_file(path)
    assert isinstance(record, Roster)
    assert [(m.role, m.name) for m in record.members] == expected
    assert all(m.unit and m.title for m in record.members), record.members
