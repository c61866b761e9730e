"""The article's approval-reform catalogue (深化简政放权), as demo items whose figures are the article's.

The article: 32 村(社区)"就近办" high-frequency items, 老年人优待证 and 生育服务登记证
among those issued in the village with "一枚公章"; six batches, 297 "一件事一次办"
items, all landed; "市本级20家单位243个事项实现一窗通办, 事项入驻率提升至93%".

The last sentence is read as: 20 city-level units (市直单位, kept as ``Unit`` rows of
kind department) have 243 items that belong in the one-window hall, and the
entry rate is items entered ÷ those 243. 226 entered gives 93.00%, the article's
93% (225 would give 92.59%, 227 93.42%).

Only the two certificates are named by the article; every other item name is
plausible, not real, and every item is marked ``is_demo``. The three reforms'
items are kept apart so each figure can be checked on its own.
"""

import datetime

from units.models import Unit

from .models import ServiceItem

T, L = ServiceItem.Type, ServiceItem.Level
REGION = "43080000"  # the city's region code in the item codes

# name, department code, the domain of its one-window items
CITY_UNITS = [
    ("市发展和改革委员会", "FG", ["固定资产投资项目", "企业投资项目"]),
    ("市教育局", "JY", ["民办学校", "教师资格"]),
    ("市公安局", "GA", ["户籍", "机动车"]),
    ("市民政局", "MZ", ["社会团体", "民办非企业单位"]),
    ("市司法局", "SF", ["律师事务所", "基层法律服务所"]),
    ("市财政局", "CZ", ["代理记账机构", "政府采购"]),
    ("市人力资源和社会保障局", "RS", ["人力资源服务机构", "社会保险"]),
    ("市自然资源和规划局", "ZR", ["建设用地", "不动产"]),
    ("市生态环境局", "HB", ["排污", "建设项目环境影响"]),
    ("市住房和城乡建设局", "ZJ", ["建筑工程施工", "房地产开发企业"]),
    ("市交通运输局", "JT", ["道路运输", "出租汽车"]),
    ("市水利局", "SL", ["取水", "河道管理范围内建设项目"]),
    ("市农业农村局", "NY", ["农药经营", "兽药经营"]),
    ("市商务局", "SW", ["对外贸易经营者", "单用途商业预付卡"]),
    ("市文化旅游广电体育局", "WL", ["旅行社", "娱乐场所"]),
    ("市卫生健康委员会", "WJ", ["医疗机构", "公共场所卫生"]),
    ("市退役军人事务局", "TY", ["退役士兵", "优抚对象"]),
    ("市应急管理局", "YJ", ["危险化学品经营", "烟花爆竹经营"]),
    ("市市场监督管理局", "SC", ["食品经营", "特种设备"]),
    ("市医疗保障局", "YB", ["定点医药机构", "医疗保障待遇"]),
]
WINDOW_ACTIONS = [
    ("设立许可", T.LICENSING),
    ("变更许可", T.LICENSING),
    ("延续许可", T.LICENSING),
    ("注销", T.OTHER_POWER),
    ("备案", T.FILING),
    ("信息变更备案", T.FILING),
    ("资格确认", T.CONFIRMATION),
]
WINDOW_ITEMS, WINDOW_ENTERED = 243, 226

# 村(社区)"就近办": name, type, department, issued in the village with one seal (一枚公章)
NEARBY = [
    ("老年人优待证办理", T.PUBLIC_SERVICE, "市民政局", True),
    ("生育服务登记证办理", T.PUBLIC_SERVICE, "市卫生健康委员会", True),
    ("高龄津贴申领", T.PAYMENT, "市民政局", False),
    ("城乡居民最低生活保障申请受理", T.PAYMENT, "市民政局", False),
    ("特困人员救助供养申请受理", T.PAYMENT, "市民政局", False),
    ("临时救助申请受理", T.PAYMENT, "市民政局", False),
    ("困难残疾人生活补贴申请受理", T.PAYMENT, "市民政局", False),
    ("重度残疾人护理补贴申请受理", T.PAYMENT, "市民政局", False),
    ("居民身份证申领受理", T.PUBLIC_SERVICE, "市公安局", False),
    ("居住证申领受理", T.PUBLIC_SERVICE, "市公安局", False),
    ("城乡居民基本养老保险参保登记", T.PUBLIC_SERVICE, "市人力资源和社会保障局", False),
    ("城乡居民基本养老保险待遇领取资格认证", T.CONFIRMATION, "市人力资源和社会保障局", False),
    ("城乡居民基本医疗保险参保登记", T.PUBLIC_SERVICE, "市医疗保障局", False),
    ("城乡居民医疗保险缴费", T.PUBLIC_SERVICE, "市医疗保障局", False),
    ("医疗费用零星报销申请受理", T.PAYMENT, "市医疗保障局", False),
    ("就业困难人员认定申请受理", T.CONFIRMATION, "市人力资源和社会保障局", False),
    ("失业登记", T.PUBLIC_SERVICE, "市人力资源和社会保障局", False),
    ("就业创业证申领", T.PUBLIC_SERVICE, "市人力资源和社会保障局", False),
    ("农村宅基地申请受理", T.LICENSING, "市自然资源和规划局", False),
    ("计划生育家庭奖励扶助申请受理", T.PAYMENT, "市卫生健康委员会", False),
    ("计划生育特别扶助申请受理", T.PAYMENT, "市卫生健康委员会", False),
    ("预防接种证办理", T.PUBLIC_SERVICE, "市卫生健康委员会", False),
    ("退役军人优待证申领受理", T.PUBLIC_SERVICE, "市退役军人事务局", False),
    ("优抚对象定期抚恤补助申请受理", T.PAYMENT, "市退役军人事务局", False),
    ("耕地地力保护补贴申报", T.PAYMENT, "市农业农村局", False),
    ("农机购置补贴申请受理", T.PAYMENT, "市农业农村局", False),
    ("学生资助申请受理", T.PAYMENT, "市教育局", False),
    ("法律援助申请受理", T.PUBLIC_SERVICE, "市司法局", False),
    ("人民调解申请", T.PUBLIC_SERVICE, "市司法局", False),
    ("农村危房改造申请受理", T.PAYMENT, "市住房和城乡建设局", False),
    ("公租房保障申请受理", T.PAYMENT, "市住房和城乡建设局", False),
    ("个体工商户登记申请代办", T.PUBLIC_SERVICE, "市市场监督管理局", False),
]

# "一件事一次办": an action on a kind of shop or business, e.g. 开办餐饮店一件事.
ONE_GO_ACTIONS = ["开办", "变更", "延续", "迁址", "扩建", "转让", "歇业", "复业", "注销"]
ONE_GO_BUSINESSES = (
    "餐饮店 便利店 药店 美容美发店 书店 农家乐 民宿 旅馆 酒吧 网吧 歌舞厅 健身房 游泳馆 "
    "培训机构 托育机构 养老机构 诊所 眼镜店 烟酒店 加油站 汽车修理厂 洗车店 驾校 "
    "物流企业 快递网点 建材店 五金店 面包店 茶叶店 农资店 宠物店 干洗店 印刷厂"
).split()
# Six batches (第1批 … 第6批) of 50, 50, 50, 50, 50 and 47 items and the day each landed.
ONE_GO_BATCHES = [
    (1, 50, datetime.date(2020, 6, 30)),
    (2, 50, datetime.date(2020, 9, 30)),
    (3, 50, datetime.date(2020, 12, 31)),
    (4, 50, datetime.date(2021, 3, 31)),
    (5, 50, datetime.date(2021, 5, 31)),
    (6, 47, datetime.date(2021, 6, 30)),
]
ONE_GO_DEPARTMENT = "市市场监督管理局"
TYPE_CODES = {
    T.LICENSING: "XK",
    T.CONFIRMATION: "QR",
    T.PAYMENT: "GF",
    T.FILING: "BA",
    T.AWARD: "JL",
    T.RULING: "CJ",
    T.OTHER_POWER: "QT",
    T.PUBLIC_SERVICE: "GG",
}


def _code(department_code: str, item_type: str, serial: int) -> str:
    return f"{REGION}{department_code}-{TYPE_CODES[item_type]}-{serial:04d}"


def catalogue() -> list[dict]:
    """Every demo item as model field values (units by name)."""
    codes = {name: code for name, code, _ in CITY_UNITS}
    items = []
    for serial, (name, item_type, department, one_seal) in enumerate(NEARBY, start=1):
        items.append(
            {
                "name": name,
                "code": _code(codes[department], item_type, serial),
                "item_type": item_type,
                "unit": department,
                "level": L.VILLAGE,
                "time_limit_days": 0 if one_seal else 5,
                "visits": 1,
                "nearby": True,
                "one_seal": one_seal,
            }
        )
    one_go_names = [
        f"{action}{business}一件事" for action in ONE_GO_ACTIONS for business in ONE_GO_BUSINESSES
    ]
    serial = 100
    for number, size, landed_on in ONE_GO_BATCHES:
        for _ in range(size):
            serial += 1
            items.append(
                {
                    "name": one_go_names[serial - 101],
                    "code": _code(codes[ONE_GO_DEPARTMENT], T.PUBLIC_SERVICE, serial),
                    "item_type": T.PUBLIC_SERVICE,
                    "unit": ONE_GO_DEPARTMENT,
                    "level": L.CITY,
                    "time_limit_days": 5,
                    "visits": 1,
                    "online": True,
                    "batch": number,
                    "landed_on": landed_on,
                }
            )
    # 243 one-window items over the 20 units (13 for the first three, 12 for the rest);
    # the 17 not yet entered are the last item of 17 units.
    serial = 1000
    for index, (unit, department_code, domains) in enumerate(CITY_UNITS):
        count = 13 if index < WINDOW_ITEMS - 12 * len(CITY_UNITS) else 12
        for position in range(count):
            domain = domains[position % len(domains)]
            action, item_type = WINDOW_ACTIONS[position // len(domains) % len(WINDOW_ACTIONS)]
            serial += 1
            entered = not (position == count - 1 and index < WINDOW_ITEMS - WINDOW_ENTERED)
            items.append(
                {
                    "name": f"{domain}{action}",
                    "code": _code(department_code, item_type, serial),
                    "item_type": item_type,
                    "unit": unit,
                    "level": L.CITY,
                    "time_limit_days": 10,
                    "visits": 1 if entered else 2,
                    "online": entered,
                    "should_enter": True,
                    "has_entered": entered,
                    # Before the end of June 2021, so June's workbook shows the article's 93%.
                    "entered_on": ENTERED_ON if entered else None,
                }
            )
    return items


ENTERED_ON = datetime.date(2021, 6, 1)


def load(unit_map: dict[str, Unit] | None = None) -> dict[str, Unit]:
    """Create or update the 20 city-level units and the demo items; returns the units by name."""
    unit_map = dict(unit_map or {})
    for order, (name, *_details) in enumerate(CITY_UNITS, start=1):
        unit_map[name], _ = Unit.objects.update_or_create(
            name=name,
            defaults={"kind": Unit.Kind.DEPARTMENT, "sort_order": 200 + order, "is_active": True},
        )
    existing = {item.code: item for item in ServiceItem.objects.filter(is_demo=True)}
    for values in catalogue():
        values = dict(values)
        unit = unit_map[values.pop("unit")]
        values.update(competent_department=unit, implementing_unit=unit, is_demo=True)
        item = existing.get(values["code"]) or ServiceItem(code=values["code"])
        changed = item.pk is None or any(
            getattr(item, f"{key}_id" if key in ("competent_department", "implementing_unit") else key)
            != (value.pk if isinstance(value, Unit) else value)
            for key, value in values.items()
        )
        if changed:
            for key, value in values.items():
                setattr(item, key, value)
            item.save()
    return unit_map
