"""A city-scale ledger, generated with ``bulk_create`` in batches.

30 units, 1,000 projects in 3 rounds (about 90 % published), 20,000 dated
progress updates whose percent never goes down and whose status follows
``ProgressUpdate.clean``: completed <=> 100 %, not started <=> 0 %.
Deterministic for a given seed; progress is never dated after today.
"""

import datetime
import random
import time
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction

from projects.models import ProgressStatus, ProgressUpdate, Project, ProjectStatus, Round
from units.dates import today
from units.models import Unit

D = datetime.date
C = Project.Category
S = Project.DemandSource

NUMERALS = "一二三四五六七八九十"
DEPARTMENTS = (
    "办公室 综合科 秘书科 督查科 信息科 法规科 财务科 人事科 机要科 接待科 "
    "政务公开科 信访科 建议提案科 研究室 应急值班室 档案科 后勤服务中心"
).split()
# name, start, end, first deadline, last deadline, projects
ROUNDS = [
    ("2021年第一批为群众办实事项目", D(2021, 3, 1), D(2022, 6, 30), D(2021, 5, 31), D(2022, 6, 30), 300),
    ("2023年第二批为群众办实事项目", D(2023, 2, 1), D(2024, 12, 31), D(2023, 6, 30), D(2024, 12, 31), 330),
    (
        "2025—2026年新一轮为群众办实事项目",
        D(2025, 3, 1),
        D(2026, 12, 31),
        D(2026, 3, 31),
        D(2026, 12, 31),
        370,
    ),
]
PLACES = (
    "城东街道 城西街道 南湖社区 桂花社区 新华路 人民路 青石村 柳溪村 东门小区 "
    "江滨小区 石门镇 白沙镇 火车站片区 老城区 经开区 高新区 河西片区 龙泉村 枫林社区 "
    "解放路 和平里 中山路 北站社区 滨江公园 城北农贸市场 第一中学 实验小学 市民广场 "
    "锦绣社区 幸福里小区 茶园村 梅岭社区 金沙街道 红星村 凤凰山片区 西湖路 文昌社区 "
    "水口镇 建设路 桃源村"
).split()
DEEDS = [
    ("老旧小区雨污管网改造", C.INFRASTRUCTURE),
    ("老旧住宅加装电梯", C.INFRASTRUCTURE),
    ("建设社区老年食堂", C.INFRASTRUCTURE),
    ("新增停车泊位", C.INFRASTRUCTURE),
    ("修缮背街小巷路面", C.INFRASTRUCTURE),
    ("安装太阳能路灯", C.INFRASTRUCTURE),
    ("建设口袋公园", C.ENVIRONMENT),
    ("开展义诊活动", C.HEALTH),
    ("开设“四点半课堂”", C.EDUCATION),
    ("建设电动自行车充电棚", C.INFRASTRUCTURE),
    ("改造公共厕所", C.INFRASTRUCTURE),
    ("整治河道环境", C.ENVIRONMENT),
    ("新建健身步道", C.INFRASTRUCTURE),
    ("建设垃圾分类示范点", C.ENVIRONMENT),
    ("开展防范电信诈骗宣传", C.EDUCATION),
    ("设立便民服务站", C.OTHER),
    ("修建风雨连廊", C.INFRASTRUCTURE),
    ("改造农贸市场", C.INFRASTRUCTURE),
    ("建设养老服务驿站", C.INFRASTRUCTURE),
    ("走访慰问困难群众", C.VISITS),
    ("疏通下水管道", C.INFRASTRUCTURE),
    ("维修屋面漏水", C.INFRASTRUCTURE),
    ("增设公交候车亭", C.INFRASTRUCTURE),
    ("建设儿童游乐场", C.INFRASTRUCTURE),
    ("改造供水管网", C.INFRASTRUCTURE),
    ("开展就业技能培训", C.EDUCATION),
    ("组织老年人免费体检", C.HEALTH),
    ("建设文化活动室", C.OTHER),
    ("实施夜景亮化工程", C.INFRASTRUCTURE),
    ("设立爱心驿站", C.VOLUNTEERING),
    ("捐赠一批图书", C.DONATION),
    ("为留守儿童捐赠学习用品", C.DONATION),
    ("组织义务劳动", C.VOLUNTEERING),
    ("开展无偿献血", C.HEALTH),
    ("清理卫生死角", C.ENVIRONMENT),
    ("补植行道树", C.ENVIRONMENT),
    ("走访慰问老党员", C.VISITS),
    ("开展法律援助进社区", C.VOLUNTEERING),
    ("建设智慧安防小区", C.INFRASTRUCTURE),
    ("整治违规广告牌", C.ENVIRONMENT),
    ("开展困难学生助学", C.DONATION),
    ("建设母婴室", C.INFRASTRUCTURE),
    ("修缮村级道路", C.INFRASTRUCTURE),
    ("开展适老化改造", C.INFRASTRUCTURE),
    ("组织志愿者助农采茶", C.VOLUNTEERING),
]
PROBLEMS = ("出行不便 排水不畅 停车难 就医难 老人吃饭难 孩子放学无人看管 环境脏乱 夜间照明不足").split()
BENEFICIARIES = ("辖区居民 老年人 留守儿童 困难群众 学生及家长 过往群众 残疾人 新就业群体").split()
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾萧田董袁潘蒋蔡余杜叶程苏魏吕丁任沈"
)
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国志红玉兰文斌晓梅海波宁鹏飞"
NOTES = {
    0: ["完成前期摸底调研。", "召开居民座谈会征求意见。", "梳理群众诉求,形成工作方案。"],
    30: ["完成方案设计。", "完成招标采购。", "材料进场,开始施工。", "协调相关部门落实资金。"],
    70: ["主体工程施工中。", "完成过半工程量。", "组织党员志愿者参与。", "完成第一阶段任务。"],
    99: ["进入收尾阶段。", "组织初步验收。", "整改验收发现的问题。"],
    100: ["项目完工并通过验收,群众满意。", "全面完成,移交日常管护。", "任务完成,群众点赞。"],
}


@dataclass
class Generated:
    seconds: float = 0.0
    build_seconds: float = 0.0
    insert_seconds: float = 0.0
    counts: dict = field(default_factory=dict)
    published: int = 0
    created: dict = field(default_factory=dict)  # model label -> pks

    def as_dict(self) -> dict:
        return {
            "seconds": round(self.seconds, 3),
            "build_seconds": round(self.build_seconds, 3),
            "insert_seconds": round(self.insert_seconds, 3),
            "counts": self.counts,
            "published_projects": self.published,
        }


def _note(rng: random.Random, percent: int) -> str:
    for bound in (0, 30, 70, 99, 100):
        if percent <= bound:
            return rng.choice(NOTES[bound])
    raise AssertionError(percent)


def _status(percent: int) -> str:
    if percent == 100:
        return ProgressStatus.COMPLETED
    if percent == 0:
        return ProgressStatus.NOT_STARTED
    return ProgressStatus.IN_PROGRESS


def _random_date(rng: random.Random, first: datetime.date, last: datetime.date) -> datetime.date:
    if last <= first:
        return first
    return first + datetime.timedelta(days=rng.randint(0, (last - first).days))


def _update_counts(rng: random.Random, projects: int, total: int) -> list[int]:
    """Updates per project: varied (2..38), summing exactly to ``total``."""
    counts = [rng.randint(2, 38) for _ in range(projects)]
    while (diff := total - sum(counts)) != 0:
        i = rng.randrange(projects)
        step = 1 if diff > 0 else -1
        if 1 <= counts[i] + step <= 60:
            counts[i] += step
    return counts


def _history(rng, project: Project, start: datetime.date, n: int, on: datetime.date):
    """``n`` updates from ``start``: dates ascending, percent non-decreasing, status from percent."""
    deadline = project.deadline
    if deadline < on:
        completed = rng.random() < 0.9
        final = 100 if completed else rng.choice([0, *range(10, 96, 5)])
        # completed around the deadline; overdue ones kept reporting after it
        end = (
            deadline + datetime.timedelta(days=rng.randint(-30, 10))
            if completed
            else min(on, deadline + datetime.timedelta(days=rng.randint(30, 400)))
        )
    else:
        final = rng.choice([0, 0, *range(5, 96, 5)])
        end = on
    end = max(start, min(end, on))
    dates = sorted(_random_date(rng, start, end) for _ in range(n))
    dates[-1] = end
    if final == 0:
        percents = [0] * n
    elif final == 100:
        percents = [*sorted(rng.randint(0, 99) for _ in range(n - 1)), 100]
    else:
        percents = [*sorted(rng.randint(0, final) for _ in range(n - 1)), final]
    return [
        ProgressUpdate(
            project=project, date=date, percent=percent, status=_status(percent), note=_note(rng, percent)
        )
        for date, percent in zip(dates, percents, strict=True)
    ]


def _money(rng: random.Random, low: int, high: int) -> Decimal:
    return Decimal(rng.randint(low * 100, high * 100)) / 100


def generate(
    units: int = 30, projects: int = 1000, updates: int = 20000, seed: int = 20210701, batch_size: int = 1000
) -> Generated:
    """Insert the ledger; returns timings, counts and the pks of what was inserted."""
    rng = random.Random(seed)
    on = today()
    out = Generated()
    started = time.perf_counter()
    scale = projects / sum(r[-1] for r in ROUNDS)

    with transaction.atomic():
        t0 = time.perf_counter()
        unit_rows = [Unit(name="机关党委", kind=Unit.Kind.PARTY_COMMITTEE, sort_order=1)]
        branches = min(12, units - 1)
        unit_rows += [
            Unit(name=f"第{_numeral(i)}党支部", kind=Unit.Kind.PARTY_BRANCH, sort_order=10 + i)
            for i in range(1, branches + 1)
        ]
        unit_rows += [
            Unit(name=_department(i), kind=Unit.Kind.DEPARTMENT, sort_order=100 + i)
            for i in range(units - len(unit_rows))
        ]
        round_rows = [
            Round(name=r[0], start_date=r[1], end_date=r[2], description=f"{r[0]}清单。") for r in ROUNDS
        ]
        t_insert = time.perf_counter()
        Unit.objects.bulk_create(unit_rows, batch_size=batch_size)
        Round.objects.bulk_create(round_rows, batch_size=batch_size)
        insert = time.perf_counter() - t_insert

        project_rows, starts = [], []
        per_round = [round(r[-1] * scale) for r in ROUNDS]
        per_round[-1] = projects - sum(per_round[:-1])
        for round_obj, spec, count in zip(round_rows, ROUNDS, per_round, strict=True):
            _name, start, _end, first_deadline, last_deadline, _n = spec
            combos = rng.sample([(p, d) for p in PLACES for d in DEEDS], count)
            for place, (deed, category) in combos:
                unit = rng.choice(unit_rows)
                budget = (
                    None
                    if rng.random() < 0.15
                    else (
                        _money(rng, 50_000, 3_000_000)
                        if category == C.INFRASTRUCTURE
                        else _money(rng, 2_000, 200_000)
                    )
                )
                project_rows.append(
                    Project(
                        round=round_obj,
                        title=f"{place}{deed}",
                        category=category,
                        unit=unit,
                        description=(
                            f"针对{place}群众反映的{rng.choice(PROBLEMS)}问题,由{unit.name}牵头{deed},"
                            "按月报送进展,接受群众监督。"
                        ),
                        lead_name=rng.choice(SURNAMES) + "".join(rng.sample(GIVEN, rng.randint(1, 2))),
                        deadline=_random_date(rng, first_deadline, last_deadline),
                        budget=budget,
                        beneficiary_count=None if rng.random() < 0.2 else rng.randint(30, 20_000),
                        beneficiaries=f"{place}{rng.choice(BENEFICIARIES)}",
                        demand_source=rng.choice([*S.values, ""]),
                        is_public=rng.random() < 0.9,
                    )
                )
                starts.append(_random_date(rng, start, start + datetime.timedelta(days=60)))

        update_rows = []
        for project, start, n in zip(
            project_rows, starts, _update_counts(rng, projects, updates), strict=True
        ):
            history = _history(rng, project, start, n, on)
            update_rows += history
            final = history[-1].percent
            if project.budget is not None and final:
                project.spent = (project.budget * final / 100 * Decimal(rng.uniform(0.8, 1.05))).quantize(
                    Decimal("0.01")
                )
        out.build_seconds = time.perf_counter() - t0 - insert

        t_insert = time.perf_counter()
        Project.objects.bulk_create(project_rows, batch_size=batch_size)
        ProgressUpdate.objects.bulk_create(update_rows, batch_size=batch_size * 2)
        insert += time.perf_counter() - t_insert
    out.insert_seconds = insert
    out.seconds = time.perf_counter() - started
    out.counts = {
        "units": len(unit_rows),
        "rounds": len(round_rows),
        "projects": len(project_rows),
        "progress_updates": len(update_rows),
    }
    out.published = sum(p.is_public for p in project_rows)
    out.created = {
        "units.Unit": [u.pk for u in unit_rows],
        "projects.Round": [r.pk for r in round_rows],
        "projects.Project": [p.pk for p in project_rows],
    }
    return out


def _department(i: int) -> str:
    name = DEPARTMENTS[i % len(DEPARTMENTS)]
    return name if i < len(DEPARTMENTS) else f"{name}{i // len(DEPARTMENTS) + 1}"


def _numeral(n: int) -> str:
    if n <= 10:
        return NUMERALS[n - 1]
    return "十" + NUMERALS[n - 11]


def check_consistency() -> list[str]:
    """Problems with the generated data (an empty list when it obeys the model's rules)."""
    problems = []
    last: dict[int, tuple] = {}
    for pid, date, percent, status in ProgressUpdate.objects.order_by("project_id", "date", "pk").values_list(
        "project_id", "date", "percent", "status"
    ):
        if (status == ProgressStatus.COMPLETED) != (percent == 100) or (
            status == ProgressStatus.NOT_STARTED and percent != 0
        ):
            problems.append(f"update of project {pid} on {date}: {percent}% / {status}")
        previous = last.get(pid)
        if previous and percent < previous[1]:
            problems.append(f"project {pid}: percent goes down on {date}")
        last[pid] = (date, percent)
    return problems[:10]


def status_mix() -> dict:
    """Projects by derived status today (one query through ``ProjectQuerySet.figures``)."""
    figures = Project.objects.figures()
    return {status.value: figures[status.value] for status in ProjectStatus} | {
        "average_percent": round(figures["average_percent"] or 0, 1)
    }
