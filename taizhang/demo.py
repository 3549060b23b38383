"""`taizhang demo`: load every file of sample_data/ into its own group, through the importers.
Running it twice adds nothing: the second time every file is found unchanged."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from models.db import Database


@dataclass(frozen=True)
class DemoGroup:
    name: str
    files: tuple[tuple[str, str], ...]  # (file in sample_data/, kind)
    doc_number: str | None = None
    host_unit: str | None = None


DEMO_GROUPS = (
    DemoGroup("闽清县老龄工作领导小组", (("闽清县老龄事业重点任务分工表.xlsx", "tasks"),)),
    DemoGroup("临海市老有康养专项工作组",
              (("临海市老有康养专项工作组成员名单.txt", "roster"), ("临海市老有康养专项实施方案通知.txt", "tasks")),
              host_unit="市民政局"),
    DemoGroup("泉港区长寿之乡回头看及助推寿乡发展工作领导小组",
              (("泉港区长寿之乡领导小组成员名单.txt", "roster"), ("泉港区长寿之乡成员单位职责.txt", "duties")),
              host_unit="区卫健局"),
    DemoGroup("启东市省健康县（区）建设领导小组", (("启东市省健康县区建设任务分工表.xlsx", "tasks"),),
              doc_number="启政办发〔2023〕32号", host_unit="市卫生健康委"),
    DemoGroup("四平市老龄工作委员会", (("四平市老龄工作重点任务.csv", "tasks"),), host_unit="市卫生健康委"),
)


def sample_dir() -> Path:
    """The sample_data/ folder, installed beside the other top-level packages."""
    import sample_data

    return Path(sample_data.__file__).parent


def load_demo(db: Database) -> Iterator[str]:
    """Load the demo groups; yields one line per file for the user to read."""
    from sqlmodel import select

    from importers import read_file
    from importers.load import load
    from models import operations as ops
    from models.tables import Group, Unit

    folder = sample_dir()
    for demo in DEMO_GROUPS:
        with db.session() as s:
            exists = s.exec(select(Group.id).where(Group.name == demo.name)).first() is not None
        if not exists:
            ops.create_group(db, demo.name, doc_number=demo.doc_number, host_unit=demo.host_unit)
        for file_name, kind in demo.files:
            with db.session() as s:
                known = list(s.exec(select(Unit.name)).all())
            record = read_file(folder / file_name, kind=kind, known_units=known)
            report = load(db, record, demo.name)
            total = report.added + report.updated + report.unchanged
            yield (f"{demo.name} ← {file_name}：{total} 条，新增 {report.added}，更新 {report.updated}"
                   + (f"，已在台账中删除、未重新导入 {len(report.deleted_kept)} 条" if report.deleted_kept else "")
                   + (f"，提示 {len(report.warnings)} 条" if report.warnings else ""))
