"""Full-width punctuation for what people read; the stored plan text stays as published."""

from conftest import SEED_PLAN
from zzdesk.domain.plan_parser import parse_plan
from zzdesk.domain.typeset import chinese_punctuation


def test_ascii_marks_inside_chinese_become_full_width():
    assert chinese_punctuation("着力扩需求稳增长,力争完成目标") == "着力扩需求稳增长，力争完成目标"
    assert chinese_punctuation("总体考虑:坚持以人民为中心;推动发展") == "总体考虑：坚持以人民为中心；推动发展"
    assert chinese_punctuation("打造钻石(超硬材料)之城") == "打造钻石（超硬材料）之城"
    assert chinese_punctuation("“稳楼市15条”,提振市场信心") == "“稳楼市15条”，提振市场信心"


def test_numbers_and_latin_text_keep_their_marks():
    assert chinese_punctuation("1,000 items (v2.4): ok; done?") == "1,000 items (v2.4): ok; done?"
    assert chinese_punctuation("用好RCEP贸易协定") == "用好RCEP贸易协定"
    assert chinese_punctuation("2.4.1") == "2.4.1"


def test_the_whole_plan_section_reads_with_chinese_marks_and_loses_nothing():
    plan = parse_plan(SEED_PLAN.read_text(encoding="utf-8"))
    for group in plan.groups:
        for measure in group.measures:
            shown = chinese_punctuation(measure.text)
            assert len(shown) == len(measure.text)
            assert "," not in shown.replace("1,000", "")
            assert shown.replace("，", ",").replace("：", ":").replace("；", ";").replace("（", "(").replace(
                "）", ")") == measure.text
