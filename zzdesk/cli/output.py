"""How the CLI prints views: readable text for people, JSON (the documented shape) for scripts."""

import json
import sys
from typing import Any

from zzdesk.domain.plan_parser import numeral_text
from zzdesk.domain.vocabulary import LIGHT_LABELS
from zzdesk.services.views import DepartmentView, PlanView, TaskView, UpdateView


def emit_json(value: Any) -> None:
    sys.stdout.write(json.dumps(value, ensure_ascii=False, indent=2) + "\n")


def task_json(task: TaskView) -> dict[str, Any]:
    return {
        "code": task.code, "title": task.title, "text": task.text, "lead": task.lead, "co": list(task.co),
        "leader": task.leader, "start": task.start.isoformat() if task.start else None,
        "deadline": task.deadline_text, "cycle": task.cycle.value if task.cycle else None,
        "due_day": task.due_day, "status": task.status_label or None, "progress": task.progress,
        "expected_progress": task.expected_progress, "light": task.light.value,
        "light_reasons": list(task.light_reasons), "last_period": task.last_period,
        "original_deadline": task.original_deadline.isoformat() if task.extended and task.original_deadline else None,
        "closed": task.closed, "version_id": task.version_id,
        "items": [task_json(item) for item in task.items],
    }


def plan_json(plan: PlanView) -> dict[str, Any]:
    return {
        "plan": {"title": plan.title, "section": plan.section_title, "source": plan.source_name,
                 "groups": len(plan.groups), "measures": sum(len(g.measures) for g in plan.groups)},
        "groups": [{"code": g.code, "title": g.title, "intro": g.intro,
                    "measures": [task_json(m) for m in g.measures]} for g in plan.groups],
    }


def update_json(update: UpdateView) -> dict[str, Any]:
    return {"id": update.id, "code": update.code, "period": update.period, "status": update.status_label,
            "progress": update.progress, "text": update.text, "problems": update.problems,
            "next": update.next_steps, "reporter": update.reporter,
            "created_at": update.created_at.isoformat(), "review": update.review.value,
            "review_label": update.review_label, "review_note": update.review_note}


def department_json(department: DepartmentView) -> dict[str, Any]:
    return {"name": department.name, "short_name": department.short_name, "kind": department.kind_label,
            "active": department.active}


def print_plan(plan: PlanView) -> None:
    print(plan.title)
    print(plan.section_title)
    for group in plan.groups:
        print(f"\n（{numeral_text(int(group.code))}）{group.title}")
        for measure in group.measures:
            print("  " + task_line(measure))
            for item in measure.items:
                print("      " + task_line(item))


def task_line(task: TaskView) -> str:
    parts = [f"{task.code} {task.title}"]
    if task.lead:
        parts.append(f"牵头：{task.lead}")
    if task.deadline_text:
        parts.append(f"时限：{task.deadline_text}")
    if task.status is not None:
        expected = f"（序时{task.expected_progress}%）" if task.expected_progress is not None else ""
        parts.append(f"{task.status_label} {task.progress}%{expected}")
    parts.append(f"[{LIGHT_LABELS[task.light]}]")
    return "  ".join(parts)


def print_task(task: TaskView) -> None:
    print(task_line(task))
    print(f"  配合单位：{'、'.join(task.co) or '无'}")
    print(f"  责任领导：{task.leader or '未填写'}")
    start = task.start.isoformat() if task.start else "未填写"
    extended = f"（原{task.original_deadline.isoformat()}）" if task.extended and task.original_deadline else ""
    print(f"  开始日期：{start}  完成时限：{task.deadline_text or '未填写'}{extended}"
          f"  报送：{task.cycle_label or '未设置'}"
          + (f"（{task.due_day}日前）" if task.due_day else ""))
    if task.light_reasons:
        print(f"  提示：{'；'.join(task.light_reasons)}")


def print_history(updates: list[UpdateView]) -> None:
    if not updates:
        print("暂无进展报送")
    for update in updates:
        note = f"（{update.review_note}）" if update.review_note else ""
        print(f"#{update.id} {update.period} {update.status_label} {update.progress}%  "
              f"报送人：{update.reporter}  {update.review_label}{note}")
        print(f"    进展情况：{update.text}")
        if update.problems:
            print(f"    存在问题：{update.problems}")
        if update.next_steps:
            print(f"    下步打算：{update.next_steps}")
