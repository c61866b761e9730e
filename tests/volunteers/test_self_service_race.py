"""Two volunteers taking the last place of a shift at the same moment: one gets it, one is told it is full."""

import datetime
import threading
import time

import pytest
from django.db import connection, transaction
from django.utils import timezone

from volunteers import self_service
from volunteers.models import Assignment

from .factories import make_post, make_shift, make_volunteer
from .test_double_booking import needs_postgres


def take_the_place(volunteer, shift, signed_up, outcomes, hold_seconds=1.0):
    try:
        with transaction.atomic():
            self_service.sign_up(volunteer, shift.pk)
            signed_up.set()
            time.sleep(hold_seconds)  # the booking is not committed yet
        outcomes.append("booked")
    except self_service.Refused:
        outcomes.append("refused")
    finally:
        signed_up.set()
        connection.close()


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_the_last_place_goes_to_one_volunteer_only(unit_a):
    day = timezone.localdate() + datetime.timedelta(days=2)
    shift = make_shift(make_post(unit_a), day, "07:30", "09:00", headcount=1)
    first, second = make_volunteer(unit_a), make_volunteer(unit_a)
    signed_up, outcomes = threading.Event(), []
    other = threading.Thread(target=take_the_place, args=(first, shift, signed_up, outcomes))
    other.start()
    assert signed_up.wait(10)
    try:
        self_service.sign_up(second, shift.pk)  # waits for the other sign-up's lock, then counts it
        outcomes.append("booked")
    except self_service.Refused as refusal:
        outcomes.append("refused")
        assert "已满" in refusal.message
    other.join(20)
    assert sorted(outcomes) == ["booked", "refused"]
    assert Assignment.objects.filter(shift=shift).count() == 1
