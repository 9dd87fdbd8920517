"""A category's colour: the palette's next one by default, chosen on the category form, refused
with its reason when it is not #rrggbb, and printed: the band of its badges, its mark on the door list."""

import pytest
from sqlalchemy import select

from community.core.audit import AuditEntry
from community.core.errors import DomainError
from community.core.extensions import db
from community.tickets import services
from community.tickets.models import PALETTE, Category
from community.tickets.services import CategoryData
from tests.conftest import login, post_form
from tests.paper.conftest import add_category, drawn, seat

FORM = {"name_fr": "Presse", "name_en": "Press", "admits": "event", "listed": "y"}


def colours(event_id):
    db.session.expire_all()
    return list(
        db.session.scalars(select(Category.colour).where(Category.event_id == event_id).order_by(Category.position))
    )


def test_each_new_category_takes_the_palettes_next_colour(english_client, event, organizer):
    login(english_client, organizer)
    path = f"/events/{event.slug}/categories"
    page = english_client.get(path).get_data(as_text=True)
    assert f'type="color" value="{PALETTE[1]}"' in page  # the add form offers the next one
    assert post_form(english_client, path, FORM, token_from=path).status_code == 302  # a form without the field
    assert (
        post_form(
            english_client, path, FORM | {"name_fr": "Orateurs", "name_en": "Speakers"}, token_from=path
        ).status_code
        == 302
    )
    assert colours(event.id) == list(PALETTE[:3])


def test_an_organizer_chooses_a_colour_and_a_bad_one_is_refused(english_client, event, organizer):
    login(english_client, organizer)
    path = f"/events/{event.slug}/categories"
    for bad in ("red", "#12345", "#12345g", "#1234567", "javascript:1"):
        response = post_form(english_client, path, FORM | {"colour": bad}, token_from=path)
        assert response.status_code == 400, bad
        assert "Write the colour as # and six hexadecimal digits, like #1f6feb." in response.get_data(as_text=True)
    assert colours(event.id) == [PALETTE[0]]
    assert post_form(english_client, path, FORM | {"colour": "#ABCDEF"}, token_from=path).status_code == 302
    assert colours(event.id) == [PALETTE[0], "#abcdef"]
    press = db.session.scalar(select(Category).where(Category.name_fr == "Presse"))
    edit = f"/events/{event.slug}/categories/{press.id}"
    assert 'value="#abcdef"' in english_client.get(edit).get_data(as_text=True)
    assert post_form(english_client, edit, FORM | {"colour": "#123456"}, token_from=edit).status_code == 302
    assert colours(event.id)[1] == "#123456"
    entry = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert entry.action == "category.changed" and entry.changes["colour"] == ["#abcdef", "#123456"]
    assert post_form(english_client, edit, FORM, token_from=edit).status_code == 302  # no field: it stays
    assert colours(event.id)[1] == "#123456"


def test_the_rule_refuses_a_bad_colour_too(app, event, organizer):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        with pytest.raises(DomainError, match="six hexadecimal digits"):
            services.add_category(organizer, event, CategoryData(name_fr="Presse", colour="blue"))
        db.session.rollback()
        category = services.add_category(organizer, event, CategoryData(name_fr="Presse", colour="#D55E00"))
        db.session.commit()
        assert category.colour == "#d55e00"


def test_the_badge_band_and_the_door_list_mark_are_in_the_categorys_colour(client, event, organizer):
    press = add_category(event, "Presse", "Press", colour="#d55e00")
    seat(event, [("Nellie Bly", "New York World")], category=press)
    login(client, organizer)
    page = drawn(client, f"/events/{event.slug}/badges.pdf?layout=single", "badge-single-colour", dpi=72, mode="RGB")
    # The band's left end, under its text: 31 mm from the left, 20 mm from the top (the single layout).
    assert page.getpixel((round(33 * 72 / 25.4), round(21.5 * 72 / 25.4))) == (213, 94, 0)
    door = drawn(client, f"/events/{event.slug}/door-list.pdf", "door-list-colour", dpi=150, mode="RGB")
    counts = {colour: count for count, colour in door.crop((0, 0, door.width, door.height // 3)).getcolors(1 << 20)}
    assert counts.get((213, 94, 0), 0) > 50  # the swatch before the category's name
