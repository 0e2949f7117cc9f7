"""The plan parser on the real Zhengzhou document and on documents it must refuse."""

import pytest

from conftest import SEED_PLAN
from zzdesk.domain.errors import PlanFormatError, ValidationError
from zzdesk.domain.plan_parser import chinese_numeral, parse_plan, suggest_work_items
from zzdesk.exchange.plan_file import decode_plan_bytes

DOCUMENT = SEED_PLAN.read_text(encoding="utf-8")

# Read off the document by hand: every group's measures, in order, as the text opens them.
EXPECTED_TITLES = {
    1: ["紧盯项目扩投资", "提振市场促消费", "大力稳住外资外贸", "发展壮大民营经济", "持续强化招商引资"],
    2: ["全面提升城市竞争力", "引领郑州都市圈高质量发展", "大力推进城市更新", "加强基础设施建设",
        "加强城市精细化管理", "推进乡村全面振兴"],
    3: ["全力构建“三足鼎立”创新发展格局", "培育高水平创新主体", "打造高水平科创平台", "营造一流创新生态",
        "汇聚高水平创新人才"],
    4: ["全面发力制造业高端产业", "大力提升现代服务业竞争力", "促进数字经济和实体经济深度融合",
        "强化开发区主战场主平台作用"],
    5: ["推动改革走深走实", "提升对外开放水平"],
    6: ["加强黄河流域生态保护治理", "积极稳妥实施碳达峰碳中和行动", "深入推进环境污染防治",
        "提升生态系统多样性、稳定性、持续性"],
    7: ["实施就业优先战略", "高质量建设“美好教育”", "加快建设“健康郑州”", "健全社会服务保障体系"],
    8: ["提高公共安全治理水平", "提高社会治理效能", "有效防范化解各类风险"],
}
GROUP_OPENINGS = ["着力扩需求稳增长", "着力转变特大城市发展方式", "着力推动创新驱动发展", "着力推动产业转型升级",
                  "着力深化改革扩大开放", "着力推进绿色低碳发展", "着力增进民生福祉", "着力提升本质安全水平"]


@pytest.fixture(scope="module")
def parsed():
    return parse_plan(DOCUMENT)


def test_finds_the_key_task_section_and_eight_groups(parsed):
    assert parsed.section_title == "进一步推动《纲要》实施的重点任务举措"
    assert parsed.title.startswith("《郑州市国民经济和社会发展第十四个五年规划")
    assert [g.number for g in parsed.groups] == list(range(1, 9))
    for group, opening in zip(parsed.groups, GROUP_OPENINGS, strict=True):
        assert group.title.startswith(opening)
        assert "。" not in group.title


def test_every_measure_of_every_group_with_its_title(parsed):
    titles = {g.number: [m.title for m in g.measures] for g in parsed.groups}
    assert titles == EXPECTED_TITLES
    assert parsed.measure_count == 33


def test_measure_texts_are_the_document_words_with_nothing_lost(parsed):
    for group in parsed.groups:
        section = DOCUMENT[DOCUMENT.index("三、进一步推动"):]
        marker = f"({'一二三四五六七八'[group.number - 1]})"
        heading = next(line for line in section.splitlines() if line.startswith(marker))
        body = heading.split("。", 1)[1]
        assert group.intro + "".join(m.text for m in group.measures) == body.replace("一是", "").replace(
            "二是", "").replace("三是", "").replace("四是", "").replace("五是", "").replace("六是", "")
        for measure in group.measures:
            assert measure.text.startswith(measure.title + "。")
            assert measure.text in DOCUMENT


def test_group_five_is_split_at_its_heading_sentences(parsed):
    reform, opening = parsed.groups[4].measures
    assert reform.text.startswith("推动改革走深走实。加快实现经营性国有资产集中统一监管")
    assert reform.text.endswith("切实维护公平竞争的市场秩序。")
    assert opening.text.endswith("引进境内外证券期货机构总部或区域总部落户郑州。")
    assert parsed.groups[4].intro.startswith("积极推动高水平对外开放")


def test_footer_after_the_section_is_not_part_of_the_last_measure(parsed):
    last = parsed.groups[-1].measures[-1]
    assert last.text.endswith("更好保障困难群众基本生活。")
    assert "主办单位" not in last.text


def test_suggested_work_items_are_the_sentences_and_clauses(parsed):
    measure = parsed.groups[3].measures[0]  # 4.1, whose long sentence lists cities with semicolons
    suggestions = suggest_work_items(measure.text)
    assert suggestions[0].startswith("着重做大储能产业")
    assert "加快推进中原量子谷建设,打造量子之城" in suggestions
    assert all(not s.endswith(("。", ";")) for s in suggestions)
    assert all(s in measure.text for s in suggestions)
    assert measure.title not in suggestions


def test_chinese_numerals():
    assert [chinese_numeral(t) for t in ("一", "八", "十", "十二", "二十", "二十三")] == [1, 8, 10, 12, 20, 23]


def test_full_width_parentheses_and_crlf_are_read_the_same(parsed):
    windows = DOCUMENT.replace("(", "（").replace(")", "）").replace("\n", "\r\n")
    again = parse_plan(windows)
    assert [m.title for g in again.groups for m in g.measures] == [m.title for g in parsed.groups for m in g.measures]


@pytest.mark.parametrize(("text", "message"), [
    ("", "空的"),
    ("   \n\n  ", "空的"),
    ("一、总体情况\n\n今年工作进展顺利。\n", "未找到“重点任务”一节"),
    ("三、重点任务举措\n\n总体考虑:做好工作。\n", "未找到任务组"),
    ("三、重点任务举措\n\n(一)稳增长。一是扩投资。抓项目。\n(三)促创新。一是建平台。抓落实。\n", "编号不连续"),
    ("三、重点任务举措\n\n(一)稳增长。抓好各项工作,推动经济增长,确保完成目标任务。\n", "未找到举措"),
])
def test_documents_without_the_structure_are_refused_with_a_reason(text, message):
    with pytest.raises(PlanFormatError, match=message):
        parse_plan(text)


def test_gbk_file_is_decoded_and_binary_is_refused():
    assert decode_plan_bytes(DOCUMENT.encode("gb18030"), "plan.txt") == DOCUMENT
    assert decode_plan_bytes(DOCUMENT.encode("utf-8-sig"), "plan.txt") == DOCUMENT
    with pytest.raises(ValidationError, match="不是文本文件"):
        decode_plan_bytes(b"%PDF-1.7\x00\x01\x02binary", "plan.pdf")
    with pytest.raises(ValidationError, match="空的"):
        decode_plan_bytes(b"", "empty.txt")
    with pytest.raises(ValidationError, match="编码"):
        decode_plan_bytes(bytes(range(0x80, 0x100)) * 20, "noise.txt")
