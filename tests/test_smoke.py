"""``zzdesk --smoke`` proves a build without a person: run as a separate program, exactly as a build script would."""

import os
import subprocess
import sys
from pathlib import Path


def test_smoke_shows_the_window_and_makes_a_bulletin_in_its_own_folder(tmp_path: Path):
    data = tmp_path / "本机数据"
    env = {**os.environ, "ZZDESK_DATA_DIR": str(data), "QT_QPA_PLATFORM": "offscreen"}
    env.pop("ZZDESK_DB", None)

    done = subprocess.run([sys.executable, "-m", "zzdesk", "--smoke"], capture_output=True, text=True,
                          encoding="utf-8", env=env, timeout=240, cwd=tmp_path)

    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "规划：8 个任务组、33 项举措；演示台账 42 行"
    assert lines[1].startswith("主窗口：已显示")
    assert lines[2].startswith("督查通报：督查通报 ") and " 页，SHA-256 " in lines[2]
    assert lines[3] == "任务分解表：导出 42 行并读回，未修改 42 行"
    assert lines[4].startswith("Qt 中文翻译：已载入 ") and lines[4].endswith("qtbase_zh_CN.qm")
    assert lines[5].startswith("图表字体：") and "matplotlib 缓存" in lines[5]
    assert lines[6].startswith("PDF 字体：FangSong") and ".tt" in lines[6]
    assert lines[-1].startswith("自检通过")
    assert "Traceback" not in done.stderr
    assert not data.exists() and list(tmp_path.iterdir()) == []  # nothing left behind, the user's folder untouched


def test_smoke_fails_when_qt_has_no_chinese_translation(tmp_path: Path):
    """A frozen build that lost qtbase_zh_CN.qm (Qt's folder and the resources copy) must not pass."""
    code = ("import sys, zzdesk.ui.qt_assets as assets\n"
            "assets.translation_folders = lambda: []\n"
            "from zzdesk.cli import main; sys.exit(main(['--smoke']))")
    env = {**os.environ, "ZZDESK_DATA_DIR": str(tmp_path / "data"), "QT_QPA_PLATFORM": "offscreen"}

    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, encoding="utf-8", env=env,
                          timeout=240, cwd=tmp_path)

    assert done.returncode == 1
    assert "未载入 Qt 中文翻译" in done.stderr
