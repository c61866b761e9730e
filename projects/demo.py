"""The article's open-door deeds: the "十个一" and the visit to 40 needy party members.

Units and deadlines follow the article (机关党委及各支部, all done by the end of
June 2021); the leads are invented people, marked “演示” (demo). The "十个一" round
holds the article's ten projects; the "七一" visit is a separate activity of the
office and sits in a round of its own.
"""

import datetime
from decimal import Decimal

from .models import ProgressStatus, ProgressUpdate, Project, Round

D = datetime.date
C = Project.Category
S = Project.DemandSource
FIRST_ROUND = "2021年第一批（“十个一”开门办实事）"
NEXT_ROUND = "2021年新一轮为群众办实事"
# A year-long round of visits is the demo's choice (the article dates only the visit):
# starting before the "十个一" round, it never displaces it on the dashboard.
VISIT_ROUND = "2021年走访慰问困难党员"

# title, category, unit, deadline, source, beneficiaries, (count), budget, spent, lead, [(date, percent, note)]
TEN_ONES = [
    (
        "修建一座风雨桥",
        C.INFRASTRUCTURE,
        "机关党委",
        D(2021, 6, 30),
        S.VISIT,
        "联点村村民及过往群众",
        None,
        None,
        None,
        "演示·周建国",
        [
            (D(2021, 5, 20), 30, "完成选址和设计，材料进场。"),
            (D(2021, 6, 10), 70, "桥身主体完工。"),
            (D(2021, 6, 28), 100, "风雨桥建成，市民可在桥上休憩纳凉。"),
        ],
    ),
    (
        "捐赠一批农业实用书籍",
        C.DONATION,
        "第一党支部",
        D(2021, 6, 15),
        S.LETTER,
        "关爱农村图书屋",
        None,
        None,
        None,
        "演示·李晓梅",
        [(D(2021, 5, 25), 50, "征集农业实用书籍。"), (D(2021, 6, 12), 100, "书籍送到农村图书屋。")],
    ),
    (
        "为留守儿童捐赠一批学习用品",
        C.DONATION,
        "第二党支部",
        D(2021, 6, 1),
        S.FORUM,
        "联点村留守儿童",
        None,
        None,
        None,
        "演示·王芳",
        [
            (D(2021, 5, 18), 40, "统计留守儿童需求。"),
            (D(2021, 5, 31), 100, "“六一”前将新书包和文具送到孩子手中。"),
        ],
    ),
    (
        "组织一次义务劳动",
        C.VOLUNTEERING,
        "第三党支部",
        D(2021, 6, 20),
        S.VISIT,
        "社区居民",
        None,
        None,
        None,
        "演示·张强",
        [(D(2021, 6, 19), 100, "组织党员干部到社区开展义务劳动。")],
    ),
    (
        "开展一次无偿献血",
        C.HEALTH,
        "第四党支部",
        D(2021, 6, 14),
        S.FORUM,
        "临床用血患者",
        None,
        None,
        None,
        "演示·刘洋",
        [(D(2021, 6, 14), 100, "世界献血者日组织无偿献血。")],
    ),
    (
        "开展一次儿童白血病调查",
        C.HEALTH,
        "第五党支部",
        D(2021, 6, 30),
        S.LETTER,
        "患病儿童家庭",
        None,
        None,
        None,
        "演示·陈静",
        [(D(2021, 5, 28), 40, "设计调查问卷。"), (D(2021, 6, 25), 100, "完成调查并形成报告。")],
    ),
    (
        "组织一次巡回公益课堂培训",
        C.EDUCATION,
        "第一党支部",
        D(2021, 6, 25),
        S.VISIT,
        "村居群众",
        None,
        None,
        None,
        "演示·赵磊",
        [(D(2021, 6, 8), 50, "第一站课堂开讲。"), (D(2021, 6, 24), 100, "完成巡回公益课堂。")],
    ),
    (
        "建立一个垃圾分类示范小区",
        C.ENVIRONMENT,
        "第二党支部",
        D(2021, 6, 30),
        S.CITIZEN,
        "示范小区居民",
        None,
        None,
        None,
        "演示·孙丽",
        [
            (D(2021, 5, 22), 20, "选定示范小区。"),
            (D(2021, 6, 15), 60, "分类垃圾桶安装到位。"),
            (D(2021, 6, 29), 100, "垃圾分类示范小区建成。"),
        ],
    ),
    (
        "帮助一批困难群众采茶锄草",
        C.VOLUNTEERING,
        "第三党支部",
        D(2021, 5, 31),
        S.VISIT,
        "联点村困难群众",
        None,
        None,
        None,
        "演示·黄勇",
        [(D(2021, 5, 15), 50, "组织党员帮助采茶。"), (D(2021, 5, 29), 100, "完成采茶锄草。")],
    ),
    (
        "在市民广场建立一个集中吸烟点",
        C.INFRASTRUCTURE,
        "机关党委",
        D(2021, 6, 30),
        S.CITIZEN,
        "市民广场游客与市民",
        None,
        None,
        None,
        "演示·吴敏",
        [(D(2021, 6, 5), 40, "确定选址。"), (D(2021, 6, 26), 100, "能遮阳避雨的集中吸烟点投入使用。")],
    ),
]

VISIT = (
    "“七一”前夕走访慰问联点村困难党员",
    C.VISITS,
    "机关党委",
    D(2021, 6, 30),
    S.VISIT,
    "乡村振兴联点村困难党员",
    40,
    Decimal("20000"),
    Decimal("20000"),
    "演示·周建国",
    [(D(2021, 6, 29), 100, "统筹安排2万元，走访慰问联点村40名困难党员。")],
)


def load(units: dict) -> None:
    first, _ = Round.objects.update_or_create(
        name=FIRST_ROUND,
        defaults={
            "start_date": D(2021, 5, 1),
            "end_date": D(2021, 6, 30),
            "description": "5月份通过座谈会、征求意见函、走访调研征求群众意见，确定10个开门办实事项目。",
        },
    )
    visits, _ = Round.objects.update_or_create(
        name=VISIT_ROUND,
        defaults={
            "start_date": D(2021, 1, 1),
            "end_date": D(2021, 12, 31),
            "description": "“七一”前夕统筹安排2万元，走访慰问乡村振兴联点村40名困难党员（演示：按年度建台账）。",
        },
    )
    Round.objects.update_or_create(
        name=NEXT_ROUND,
        defaults={"start_date": D(2021, 7, 5), "description": "7月5日党组会议细化完善的新一轮具体清单。"},
    )
    _move_visit_out_of_the_ten_ones(first, visits)
    for row in TEN_ONES:
        _load_project(first, units, *row)
    _load_project(visits, units, *VISIT)


def _move_visit_out_of_the_ten_ones(ten_ones: Round, visits: Round) -> None:
    """Earlier demo data filed the visit as an eleventh "十个一" project: move it, with its history."""
    misfiled = Project.objects.filter(round=ten_ones, title=VISIT[0], is_demo=True).first()
    if misfiled is not None:
        misfiled.round = visits
        misfiled.save(update_fields=["round", "version", "updated_at"])


def _load_project(
    round_,
    units,
    title,
    category,
    unit,
    deadline,
    source,
    beneficiaries,
    count,
    budget,
    spent,
    lead,
    progress,
) -> None:
    project, _ = Project.objects.update_or_create(
        round=round_,
        title=title,
        defaults={
            "category": category,
            "unit": units[unit],
            "deadline": deadline,
            "demand_source": source,
            "beneficiaries": beneficiaries,
            "beneficiary_count": count,
            "budget": budget,
            "spent": spent,
            "lead_name": lead,
            "is_public": True,
            "is_demo": True,
        },
    )
    for date, percent, note in progress:
        status = ProgressStatus.COMPLETED if percent == 100 else ProgressStatus.IN_PROGRESS
        ProgressUpdate.objects.update_or_create(
            project=project, date=date, defaults={"percent": percent, "status": status, "note": note}
        )
