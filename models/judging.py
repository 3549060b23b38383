"""Judging the work (PRODUCT §9): per-year milestones, overdue, on time or late, the lights 红/黄/绿.
Pure functions over plain facts — no I/O — so the TUI, every export and the JSON dump judge a task
the same way, and a count in the bulletin and a colour on screen never disagree.

Decisions:

* A task's due date is the one parsed from its deadline text; with none but yearly targets, it is
  the last target year's end. An extension (延期) replaces it; the original is kept for display.
* Each yearly target is a milestone due at that year's end (or the task's due date when that falls
  in the same year, earlier). A past milestone whose actual value is missing is 未报 and makes the
  task overdue ("2019年目标未报完成值"); an actual recorded as not met (未完成, 未达到 …) is 未达标
  and overdue too ("2019年目标未完成").
* An extension in force (its date not yet passed) covers the yearly targets still owed: they are
  not red until the extended date passes.
* A done task is 按时完成 or 逾期完成 by its completion date against the (extended) due date (the
  issue's rule). A past year's target it never reported, or did not meet, does not change that,
  but is not forgotten either: the task's reasons name it ("绿 按时完成：2019年目标未报完成值" on
  the task page) and the assessment counts it per unit (目标缺报), outside the score.
* Closing on review: a unit's claim (待销号) is judged by the date it claims — on time, the task is
  黄 until the office confirms it; a claim later than the due date is 红. A returned claim leaves the
  task open.
* Lights: 红 overdue (or a missed milestone); 黄 due within ``soon_days`` days, not reported in the
  current round, behind 序时进度 (start and due known, reported percentage below the share of time
  elapsed), or waiting for 销号; 绿 otherwise, and every confirmed done task.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

RED, YELLOW, GREEN = "红", "黄", "绿"
LIGHTS = (RED, YELLOW, GREEN)
NOT_STARTED, IN_PROGRESS, DONE = "未启动", "推进中", "已完成"
CLAIMED, CONFIRMED, RETURNED = "claimed", "confirmed", "returned"
PENDING = "待销号"
ON_TIME, LATE = "按时完成", "逾期完成"
MET, MISSING, NOT_MET, UPCOMING = "已完成", "未报", "未达标", "未到期"
SOON_DAYS = 7

_NOT_MET = re.compile(r"未完成|未达到|未达标|没有完成|未实现|不达标|^否$|^无$")
_PERCENT = re.compile(r"(\d{1,3}(?:\.\d+)?)\s*[%％]")


@dataclass(frozen=True, slots=True)
class TargetFact:
    year: int
    target: str
    actual: str | None = None


@dataclass(slots=True)
class TaskFacts:
    """What the office knows of a task, as the judgement needs it."""

    status: str
    due: date | None = None
    done_on: date | None = None
    targets: tuple[TargetFact, ...] = ()
    extended_due: date | None = None  # the newest extension's deadline
    closing: str | None = None  # newest closing step: claimed / confirmed / returned (None: no review step)
    claimed_done_on: date | None = None
    reported: bool | None = None  # in the current round: True, False (owed, not reported), None (not asked)
    start: date | None = None
    percent: float | None = None  # the latest reported percentage, 0–100


@dataclass(frozen=True, slots=True)
class Milestone:
    year: int
    target: str
    actual: str | None
    due: date
    state: str  # 已完成 / 未报 / 未达标 / 未到期

    @property
    def missed(self) -> bool:
        return self.state in (MISSING, NOT_MET)

    def reason(self) -> str:
        return f"{self.year}年目标未报完成值" if self.state == MISSING else f"{self.year}年目标未完成"


@dataclass(slots=True)
class Judgement:
    light: str
    state: str  # 未启动 / 推进中 / 待销号 / 按时完成 / 逾期完成
    due: date | None  # the due date judged against (extended where extended)
    original_due: date | None
    extended: bool
    overdue: bool  # open (or claimed late) past its due date, or a missed milestone
    overdue_days: int
    done: bool  # confirmed done (counts as 已办结)
    on_time: bool | None  # for done tasks
    milestones: list[Milestone] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)

    @property
    def missed_targets(self) -> list[Milestone]:
        """A done task's yearly targets never reported or not met (its reasons name them; the task
        stays 按时完成 or 逾期完成 by its completion date). Open tasks: see ``overdue``."""
        return [m for m in self.milestones if m.missed] if self.done else []

    @property
    def label(self) -> str:
        """The light with its word, for screens and documents: "红 逾期12天"."""
        return f"{self.light} {self.reasons[0]}" if self.reasons else self.light


def _year_end(year: int) -> date:
    return date(year, 12, 31)


def milestones(targets: tuple[TargetFact, ...] | list[TargetFact], due: date | None, today: date) -> list[Milestone]:
    """One milestone per yearly target, judged on ``today``."""
    out = []
    for t in sorted(targets, key=lambda x: x.year):
        m_due = due if due is not None and due.year == t.year else _year_end(t.year)
        actual = (t.actual or "").strip() or None
        if actual is not None:
            state = NOT_MET if _NOT_MET.search(actual) else MET
        elif m_due < today:
            state = MISSING
        else:
            state = UPCOMING
        out.append(Milestone(t.year, t.target, actual, m_due, state))
    return out


def base_due(due: date | None, targets) -> date | None:
    """The due date before extensions: the parsed one, else the last target year's end."""
    if due is not None:
        return due
    years = [t.year for t in targets]
    return _year_end(max(years)) if years else None


def percent_in(text: str | None) -> float | None:
    """The last percentage written in a progress text (完成进度60% → 60.0), or None."""
    if not text:
        return None
    found = _PERCENT.findall(text)
    return min(float(found[-1]), 100.0) if found else None


def share_elapsed(start: date, due: date, today: date) -> float:
    """序时进度: the share of the period from ``start`` to ``due`` elapsed on ``today``, 0–100."""
    if due <= start:
        return 100.0
    return max(0.0, min(100.0, (today - start).days * 100.0 / (due - start).days))


def judge(f: TaskFacts, today: date, *, soon_days: int = SOON_DAYS, review: bool = True) -> Judgement:
    """The one judgement of a task on ``today`` (``review``: the group confirms claims)."""
    original = base_due(f.due, f.targets)
    due = f.extended_due or original
    ms = milestones(f.targets, original if f.extended_due is None else due, today)
    missed = [m for m in ms if m.missed]
    if f.extended_due is not None and f.extended_due >= today:
        missed = []  # an extension in force covers the targets still owed
    reasons: list[str] = []
    closing = f.closing if review else None
    if f.status == DONE and closing != CLAIMED:
        on_time = due is None or f.done_on is None or f.done_on <= due
        late_days = (f.done_on - due).days if not on_time else 0
        state = ON_TIME if on_time else LATE
        if not on_time:
            reasons.append(f"逾期{late_days}天完成")
        reasons.extend(m.reason() for m in ms if m.missed)  # shown, not judged: done counts by its date
        return Judgement(GREEN, state, due, original, f.extended_due is not None, False, 0, True, on_time,
                         ms, reasons)
    pending = f.status == DONE and closing == CLAIMED
    state = PENDING if pending else (f.status if f.status in (NOT_STARTED, IN_PROGRESS) else IN_PROGRESS)
    days = 0
    if pending:
        claimed = f.claimed_done_on or f.done_on or today
        overdue = due is not None and claimed > due
        days = (claimed - due).days if overdue else 0
    else:
        overdue = due is not None and due < today
        days = (today - due).days if overdue else 0
    if overdue:
        reasons.append(f"逾期{days}天")
    if not pending:
        reasons.extend(m.reason() for m in missed)
    red = overdue or (bool(missed) and not pending)
    if red:
        return Judgement(RED, state, due, original, f.extended_due is not None, True, days, False, None, ms, reasons)
    if pending:
        reasons.append(PENDING)
    elif due is not None and (due - today).days <= soon_days:
        reasons.append(f"{(due - today).days}天内到期" if due > today else "今天到期")
    if f.reported is False and not pending:
        reasons.append("本轮未报送")
    if (not pending and f.start is not None and due is not None and f.percent is not None
            and f.percent < share_elapsed(f.start, due, today)):
        reasons.append(f"落后序时进度（已报{f.percent:g}%，应达{share_elapsed(f.start, due, today):.0f}%）")
    light = YELLOW if reasons else GREEN
    return Judgement(light, state, due, original, f.extended_due is not None, False, 0, False, None, ms, reasons)


# ---------------------------------------------------------------- counts


@dataclass(slots=True)
class Counts:
    """Counts of a set of judged tasks, as the 总览, the bulletin and the assessment give them."""

    total: int = 0
    done: int = 0
    on_time: int = 0
    late: int = 0
    in_progress: int = 0
    not_started: int = 0
    pending: int = 0
    overdue: int = 0
    extended: int = 0
    lights: dict[str, int] = field(default_factory=lambda: dict.fromkeys(LIGHTS, 0))

    @property
    def done_rate(self) -> float:
        return self.done * 100.0 / self.total if self.total else 0.0

    def add(self, j: Judgement) -> None:
        self.total += 1
        self.lights[j.light] += 1
        if j.done:
            self.done += 1
            self.on_time += bool(j.on_time)
            self.late += not j.on_time
        elif j.state == PENDING:
            self.pending += 1
        elif j.state == NOT_STARTED:
            self.not_started += 1
        else:
            self.in_progress += 1
        self.overdue += j.overdue
        self.extended += j.extended


def count(judgements) -> Counts:
    c = Counts()
    for j in judgements:
        c.add(j)
    return c


# ---------------------------------------------------------------- assessment (考评)

DEFAULT_WEIGHTS = {"done": 40.0, "on_time": 30.0, "reported": 30.0, "overdue_penalty": 5.0}
DEFAULT_NEXT_STEPS = (  # the bulletin's 下步工作要求 until the office writes its own
    "各成员单位要进一步提高思想认识，对照任务分工和时间节点，倒排工期、挂图作战，确保各项任务按期完成。"
    "对已逾期的任务，牵头单位要认真分析原因，制定整改措施，明确完成时限，于下一报送期前报领导小组办公室；"
    "对需延期的任务，须书面说明理由，经批准后方可延期。各单位要严格落实报送制度，按时报送工作进展，"
    "对未按时报送、任务推进不力的单位，领导小组办公室将继续予以通报。")
WEIGHT_LABELS = {"done": "完成率", "on_time": "按时完成率", "reported": "按时报送率", "overdue_penalty": "每项逾期扣分"}


NO_LEAD = "无牵头任务"


@dataclass(slots=True)
class UnitScore:
    unit: str
    led: int
    co: int
    done: int
    on_time: int
    overdue: int
    rounds_owed: int
    rounds_on_time: int
    score: float | None = None  # None: not scored (no led task in the period)
    rank: int | None = None  # None: not ranked
    missed_targets: int = 0  # yearly targets of its done led tasks never reported or not met (not scored)

    @property
    def scored(self) -> bool:
        """Only a unit leading a task in the period is scored and ranked: one that leads none (it
        only co-operates) has no completion to judge, and a score from its reporting alone would
        rank it ahead of units doing the work. It is listed after them as 无牵头任务."""
        return self.led > 0

    @property
    def done_rate(self) -> float | None:
        return self.done / self.led if self.led else None

    @property
    def on_time_rate(self) -> float | None:
        if not self.led:
            return None
        return self.on_time / self.done if self.done else (1.0 if not self.overdue else 0.0)

    @property
    def reported_rate(self) -> float:
        return self.rounds_on_time / self.rounds_owed if self.rounds_owed else 1.0

    @property
    def rank_text(self) -> str:
        return str(self.rank) if self.rank is not None else "—"

    @property
    def score_text(self) -> str:
        return f"{self.score:.1f}" if self.score is not None else NO_LEAD

    @property
    def done_rate_text(self) -> str:
        return f"{self.done_rate:.0%}" if self.done_rate is not None else "—"


def score(u: UnitScore, weights: dict[str, float] | None = None) -> float | None:
    """得分 = 完成率×w完成 + 按时完成率×w按时 + 按时报送率×w报送 − 逾期项数×w扣分, kept within 0–100
    (rates as fractions; no done task: 按时完成率 1 unless overdue; no round owed: 按时报送率 1).
    A unit leading no task in the period is not scored (None; see ``UnitScore.scored``)."""
    if not u.scored:
        return None
    w = {**DEFAULT_WEIGHTS, **(weights or {})}
    value = (u.done_rate * w["done"] + u.on_time_rate * w["on_time"] + u.reported_rate * w["reported"]
             - u.overdue * w["overdue_penalty"])
    return round(max(0.0, min(100.0, value)), 1)


def rank(units: list[UnitScore], weights: dict[str, float] | None = None) -> list[UnitScore]:
    """Units scored and ranked, best first (equal scores share a rank; ties listed by name order);
    units leading no task follow, unscored and unranked, in the order given."""
    for u in units:
        u.score = score(u, weights)
    ordered = sorted((u for u in units if u.scored), key=lambda u: -u.score)
    for i, u in enumerate(ordered):
        u.rank = ordered[i - 1].rank if i and ordered[i - 1].score == u.score else i + 1
    for u in units:
        if not u.scored:
            u.rank = None
    return ordered + [u for u in units if not u.scored]
