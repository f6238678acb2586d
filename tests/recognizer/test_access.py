"""Roles from Django's permissions: reviewers, auditors, and staff with no role at all."""

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.db.models import ProtectedError

from recognizer.core import access
from recognizer.models import Drawing, LabelChange
from recognizer.review.admin import ERROR_LABEL_CLEARED
from tests.conftest import api_as, member
from tests.factories import DrawingFactory, UserFactory
from tests.helpers import PREDICT

pytestmark = pytest.mark.django_db
CHANGELIST = "/admin/recognizer/drawing/"


@pytest.fixture
def bare_staff():
    return member("sam", None)


def act(client, action, drawings):
    pks = [d.pk for d in drawings]
    return client.post(CHANGELIST, {"action": action, "_selected_action": pks})


def review(client, drawing, do):
    url = f"{CHANGELIST}{drawing.pk}/review/"
    return client.post(url, {"do": do, "next": CHANGELIST})


def test_grant_role_puts_the_user_in_the_group(reviewer, auditor):
    assert access.can(reviewer, access.RELABEL) and access.can(reviewer, access.EXCLUDE)
    assert access.can(auditor, access.VIEW) and access.can(auditor, access.EXPORT)
    assert not access.can(auditor, access.RELABEL) and not access.can(auditor, access.EXCLUDE)
    with pytest.raises(CommandError, match="no user called"):
        call_command("grant_role", "nobody", "reviewer")


def test_grant_role_create_makes_an_account_that_needs_a_password(db):
    call_command("grant_role", "alice", "reviewer", "--create")
    alice = get_user_model().objects.get(username="alice")
    assert access.can(alice, access.RELABEL) and alice.is_staff
    assert not alice.has_usable_password()
    call_command("grant_role", "alice", "auditor", "--create")  # an existing account is kept
    assert get_user_model().objects.filter(username="alice").count() == 1


@pytest.mark.parametrize(("role", "said"), [("reviewer", "a reviewer"), ("auditor", "an auditor")])
def test_grant_role_says_the_role_in_plain_words(db, role, said):
    from io import StringIO

    UserFactory(username="alice")
    out = StringIO()
    call_command("grant_role", "alice", role, stdout=out)
    assert out.getvalue().strip() == f"alice is now {said}."


def test_staff_without_permissions_cannot_relabel_and_sees_only_their_own(bare_staff):
    theirs = DrawingFactory(user=bare_staff)
    others = DrawingFactory(session_key="someone")
    client = api_as(bare_staff)
    response = client.patch(f"{PREDICT}{others.pk}/", {"label": 9}, format="json")
    assert response.status_code == 403
    assert "may not relabel" in response.json()["error"]["message"]
    assert Drawing.objects.get(pk=others.pk).label is None
    assert not LabelChange.objects.exists()
    assert [d["id"] for d in client.get(PREDICT).json()["results"]] == [theirs.pk]
    assert client.get("/api/stats/").json()["total"] == 1
    assert client.get(f"{PREDICT}{others.pk}/history/").status_code == 403


def test_staff_without_permissions_sees_only_their_own_history_page(client, bare_staff):
    theirs = DrawingFactory(user=bare_staff)
    others = DrawingFactory(session_key="someone")
    client.force_login(bare_staff)
    html = client.get("/history/").content.decode()
    assert f'data-id="{theirs.pk}"' in html and f'data-id="{others.pk}"' not in html
    assert "Your drawings" in html


def test_staff_without_permissions_is_kept_out_of_the_review_pages(client, bare_staff):
    client.force_login(bare_staff)
    assert client.get(CHANGELIST).status_code == 403
    assert client.get(f"{CHANGELIST}dashboard/").status_code == 403


def test_auditor_sees_everything_but_changes_nothing(client, auditor):
    drawing = DrawingFactory(session_key="someone", prediction__digit=1)
    client.force_login(auditor)
    html = client.get(CHANGELIST).content.decode()
    assert "export_csv" in html and "relabel_as_9" not in html and "exclude_from" not in html
    assert 'form="review-form"' not in html  # no one-click review buttons either
    # Forged requests: the action, the row button, the change form and the API.
    act(client, "relabel_as_9", [drawing])
    act(client, "exclude_from_training", [drawing])
    assert review(client, drawing, "label:9").status_code == 403
    change = client.post(f"{CHANGELIST}{drawing.pk}/change/", {"label": 9})
    assert change.status_code == 403
    patch = api_as(auditor).patch(f"{PREDICT}{drawing.pk}/", {"label": 9}, format="json")
    assert patch.status_code == 403
    drawing.refresh_from_db()
    assert drawing.label is None and not drawing.excluded_from_training
    assert not LabelChange.objects.exists()
    assert api_as(auditor).get(f"{PREDICT}{drawing.pk}/history/").status_code == 200
    export = act(client, "export_csv", [DrawingFactory(label=3)])
    assert export["Content-Type"].startswith("text/csv")


def test_reviewer_does_it_all_and_every_write_is_audited(client, reviewer):
    a, b, c = (DrawingFactory(session_key="someone", prediction__digit=1) for _ in range(3))
    client.force_login(reviewer)
    act(client, "relabel_as_7", [a])
    assert review(client, b, "confirm").status_code == 302
    assert review(client, c, "exclude").status_code == 302
    patch = api_as(reviewer).patch(f"{PREDICT}{c.pk}/", {"label": 4}, format="json")
    assert patch.status_code == 200
    trail = LabelChange.objects.order_by("id").values_list("drawing", "new_label", "changed_by")
    assert list(trail) == [(a.pk, 7, reviewer.pk), (b.pk, 1, reviewer.pk), (c.pk, 4, reviewer.pk)]
    assert Drawing.objects.get(pk=c.pk).excluded_from_training
    excluded = LogEntry.objects.get(object_id=str(c.pk))
    assert excluded.user == reviewer and "Excluded" in excluded.get_change_message()


def test_review_button_refuses_unknown_actions(client, reviewer):
    drawing = DrawingFactory()
    client.force_login(reviewer)
    response = client.post(
        f"{CHANGELIST}{drawing.pk}/review/", {"do": "label:12", "next": CHANGELIST}, follow=True
    )
    assert "Unknown review action." in response.content.decode()
    assert client.get(f"{CHANGELIST}{drawing.pk}/review/").status_code == 405
    assert Drawing.objects.get(pk=drawing.pk).label is None


def test_review_button_goes_back_only_to_this_site(client, reviewer):
    drawing = DrawingFactory()
    client.force_login(reviewer)
    url = f"{CHANGELIST}{drawing.pk}/review/"
    response = client.post(url, {"do": "confirm", "next": "https://evil.example/"})
    assert response["Location"] == CHANGELIST


def test_commands_by_a_user_without_the_model_permission_are_refused(reviewer):
    with pytest.raises(CommandError, match="may not retrain, promote or roll back"):
        call_command("rollback", "--by", reviewer.username)


def test_a_drawing_with_label_history_cannot_be_deleted(client, staff_user):
    drawing = DrawingFactory()
    client.force_login(staff_user)  # a superuser
    review(client, drawing, "label:3")
    review(client, drawing, "label:5")
    assert client.get(f"{CHANGELIST}{drawing.pk}/delete/").status_code == 403
    client.post(
        CHANGELIST, {"action": "delete_selected", "_selected_action": [drawing.pk], "post": "yes"}
    )
    with pytest.raises(ProtectedError):
        drawing.delete()
    assert Drawing.objects.filter(pk=drawing.pk).exists()
    assert LabelChange.objects.filter(drawing=drawing).count() == 2
    unlabelled = DrawingFactory()
    assert client.post(f"{CHANGELIST}{unlabelled.pk}/delete/", {"post": "yes"}).status_code == 302
    assert not Drawing.objects.filter(pk=unlabelled.pk).exists()


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the database-level guard is PostgreSQL's"
)
def test_the_database_refuses_to_edit_or_delete_label_changes(staff_user):
    drawing = DrawingFactory()
    from recognizer.drawings import labelling

    labelling.drawing_relabel(drawing=drawing, label=3, reviewer=staff_user)
    for statement in (
        "UPDATE recognizer_labelchange SET new_label = 9",
        "DELETE FROM recognizer_labelchange",
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            connection.cursor().execute(statement)
    assert list(LabelChange.objects.values_list("new_label", flat=True)) == [3]


def test_admin_change_form_refuses_to_clear_a_label(client, reviewer):
    drawing = DrawingFactory()
    client.force_login(reviewer)
    review(client, drawing, "label:4")
    response = client.post(f"{CHANGELIST}{drawing.pk}/change/", {"label": ""})
    assert response.status_code == 200 and ERROR_LABEL_CLEARED in response.content.decode()
    assert Drawing.objects.get(pk=drawing.pk).label == 4


def test_admin_search_finds_exactly_one_id(client, reviewer):
    drawings = [DrawingFactory(prediction__model_version=f"cnn-{n}4") for n in range(6)]
    client.force_login(reviewer)
    html = client.get(f"{CHANGELIST}?q={drawings[3].pk}").content.decode()
    shown = [d.pk for d in drawings if f'name="_selected_action" value="{d.pk}"' in html]
    assert shown == [drawings[3].pk]
    assert client.get(f"{CHANGELIST}?q=abc").status_code == 200
