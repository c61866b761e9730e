"""The day before a shift, each booked volunteer who gave an e-mail address gets one reminder."""

import datetime

import time_machine
from django.core import mail
from django.core.management import call_command

from volunteers.links import SelfServiceRules

from .factories import book, make_shift, make_volunteer

D = datetime.date


@time_machine.travel("2021-05-10T10:00:00+08:00", tick=False)
def test_tomorrows_booked_volunteers_with_an_address_get_one_reminder(post_a, unit_a, volunteer_a):
    SelfServiceRules.objects.create(unit=unit_a, cancel_hours_before=12)
    volunteer_a.email = "zhangsan@example.cn"
    volunteer_a.save()
    tomorrow = make_shift(post_a, D(2021, 5, 11), "07:30", "09:00")
    book(volunteer_a, tomorrow)
    book(make_volunteer(unit_a, name="无邮箱"), tomorrow)  # gave no address
    book(make_volunteer(unit_a, name="已停用", email="old@example.cn", is_active=False), tomorrow)
    book(volunteer_a, make_shift(post_a, D(2021, 5, 12)))  # not tomorrow
    book(
        make_volunteer(unit_a, email="off@example.cn"),
        make_shift(post_a, D(2021, 5, 11), "10:00", "11:00", is_cancelled=True),
    )

    call_command("send_shift_reminders")
    call_command("send_shift_reminders")  # a second run sends nothing again

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["zhangsan@example.cn"]
    assert message.subject == "志愿服务提醒：2021-05-11 07:30–09:00 大庸路与机场路交叉路口（三导）"
    assert "张三 您好" in message.body and "请从 07:00 起" in message.body
    assert "在 2021-05-10 19:30 前在您的个人页面上取消报名" in message.body
    assert "/volunteers/me/" not in message.body  # the personal link is never mailed
