"""`taizhang demo` loads every sample file into its own group through the importers; twice adds nothing."""

from __future__ import annotations

import json

from conftest import run_cli

from taizhang.demo import DEMO_GROUPS, sample_dir


def test_every_sample_file_is_in_the_demo():
    listed = {name for group in DEMO_GROUPS for name, _ in group.files}
    on_disk = {p.name for p in sample_dir().iterdir() if p.suffix in {".xlsx", ".xls", ".csv", ".txt", ".docx", ".ods"}}
    assert listed == on_disk


def test_demo_twice_leaves_the_same_database(tmp_path):
    db = tmp_path / "demo.db"
    first = run_cli("--db", str(db), "demo", "--no-tui")
    assert first.returncode == 0, first.stderr
    assert run_cli("--db", str(db), "export", str(tmp_path / "1.json")).returncode == 0
    second = run_cli("--db", str(db), "demo", "--no-tui")
    assert second.returncode == 0, second.stderr
    assert "新增 0，更新 0" in second.stdout and "新增 27" not in second.stdout
    assert run_cli("--db", str(db), "export", str(tmp_path / "2.json")).returncode == 0
    one = json.loads((tmp_path / "1.json").read_text(encoding="utf-8"))
    two = json.loads((tmp_path / "2.json").read_text(encoding="utf-8"))
    assert one == two
    groups = {g["name"]: g for g in one["groups"]}
    assert set(groups) == {g.name for g in DEMO_GROUPS}
    assert len(groups["闽清县老龄工作领导小组"]["tasks"]) == 27
    assert len(groups["临海市老有康养专项工作组"]["tasks"]) == 94
    assert groups["临海市老有康养专项工作组"]["members"][0]["name"] == "宋江涌"
    assert len(groups["泉港区长寿之乡回头看及助推寿乡发展工作领导小组"]["duties"]) == 17
    assert groups["启东市省健康县（区）建设领导小组"]["doc_number"] == "启政办发〔2023〕32号"
    assert len(groups["四平市老龄工作委员会"]["tasks"]) == 24
