"""fit(): the largest size on one line, then two lines, then the smallest size cut with an
ellipsis; whatever the text, every line is within the box's width and the lines within its height."""

import pytest
from fpdf import FPDF

from community.paper import fonts
from community.paper.fit import ELLIPSIS, fit

WIDTH, HEIGHT, BIGGEST, SMALLEST = 60.0, 20.0, 24.0, 12.0


@pytest.fixture
def pdf(app):
    with app.app_context():
        document = FPDF()
        fonts.add_to(document)
        document.add_page()
        document.set_font(fonts.FAMILY, "B", BIGGEST)
        yield document
        fonts.close(document)


def widths(pdf, fitted):
    pdf.set_font_size(fitted.size)
    return [pdf.get_string_width(line) for line in fitted.lines]


def test_a_short_name_at_the_biggest_size(pdf):
    fitted = fit(pdf, "Ada", WIDTH, HEIGHT, BIGGEST, SMALLEST)
    assert fitted.size == BIGGEST and fitted.lines == ("Ada",)


def test_a_longer_name_shrinks_on_one_line(pdf):
    fitted = fit(pdf, "Élodie Ørsted-Nguyễn", WIDTH, HEIGHT, BIGGEST, SMALLEST)
    assert SMALLEST <= fitted.size < BIGGEST and fitted.lines == ("Élodie Ørsted-Nguyễn",)
    assert max(widths(pdf, fitted)) <= WIDTH
    # Half a point more would not fit: the largest size that does.
    pdf.set_font_size(fitted.size + 0.5)
    assert pdf.get_string_width("Élodie Ørsted-Nguyễn") > WIDTH


def test_past_the_smallest_size_two_balanced_lines(pdf):
    name, width = "Marie-Françoise Delacroix-Beaumont de Saint-Exupéry", 80.0
    pdf.set_font_size(SMALLEST)
    assert pdf.get_string_width(name) > width  # too wide on one line, even at the smallest size
    fitted = fit(pdf, name, width, HEIGHT, BIGGEST, SMALLEST)
    assert len(fitted.lines) == 2 and fitted.size >= SMALLEST
    assert " ".join(fitted.lines).replace("- ", "-") == name
    first, second = widths(pdf, fitted)
    assert max(first, second) <= width and fitted.height <= HEIGHT
    assert abs(first - second) < width / 3  # balanced, not one word left alone


def test_one_long_word_breaks_between_letters(pdf):
    word = "Wolfeschlegelsteinhausenbergerdorff"
    fitted = fit(pdf, word, WIDTH, HEIGHT, BIGGEST, SMALLEST)
    assert "".join(fitted.lines) == word and len(fitted.lines) == 2
    assert max(widths(pdf, fitted)) <= WIDTH


def test_too_long_for_two_lines_ends_with_an_ellipsis(pdf):
    text = " ".join(["Internationale"] * 20)
    fitted = fit(pdf, text, WIDTH, HEIGHT, BIGGEST, SMALLEST)
    assert fitted.size == SMALLEST and len(fitted.lines) == 2 and fitted.lines[-1].endswith(ELLIPSIS)
    assert max(widths(pdf, fitted)) <= WIDTH and fitted.height <= HEIGHT


def test_one_line_only_is_cut_instead_of_wrapped(pdf):
    fitted = fit(pdf, "Deutsches Forschungszentrum für Künstliche Intelligenz", WIDTH, HEIGHT, 12, 9, lines=1)
    assert len(fitted.lines) == 1 and fitted.size == 9 and fitted.lines[0].endswith(ELLIPSIS)
    assert max(widths(pdf, fitted)) <= WIDTH


def test_a_low_box_lowers_the_size(pdf):
    fitted = fit(pdf, "Ada", WIDTH, 6.0, BIGGEST, 8)
    assert fitted.height <= 6.0 and fitted.size < BIGGEST


def test_empty_and_blank_text(pdf):
    assert fit(pdf, "", WIDTH, HEIGHT, BIGGEST, SMALLEST).lines == ("",)
    assert fit(pdf, "  Ada \n Lovelace ", WIDTH, HEIGHT, BIGGEST, SMALLEST).lines == ("Ada Lovelace",)
