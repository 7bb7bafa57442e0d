"""The Train tab's HTML views: what they say, not how they look."""

import re

import numpy as np

from digitpad.app.gallery import confusion_html, filters_html, guesses_html, mistakes_html


def captions(html: str) -> list[str]:
    return re.findall(r"<figcaption>(.*?)</figcaption>", html)


def test_guesses_mark_the_wrong_ones():
    images = np.zeros((3, 28, 28), np.uint8)
    probs = np.full((3, 10), 0.01)
    probs[0, 4], probs[1, 9], probs[2, 7] = 0.91, 0.55, 0.91  # the second is a 4 read as 9
    html = guesses_html(images, np.array([4, 4, 7]), probs)
    assert captions(html) == ["4 91%", "9 55% ✗", "7 91%"]
    assert html.count('class="wrong"') == 1 and 'alt="a 4, read as 9"' in html


def test_mistakes_say_true_and_read():
    html = mistakes_html(np.zeros((2, 28, 28), np.uint8), np.array([9, 3]), np.array([4, 5]), np.array([0.97, 0.6]))
    assert captions(html) == ["9 → 4 (97%)", "3 → 5 (60%)"]
    assert "No mistakes" in mistakes_html(np.zeros((0, 28, 28), np.uint8), *(np.zeros(0),) * 3)


def test_filters_are_numbered_images():
    html = filters_html(np.full((6, 5, 5), 0.5, np.float32))
    assert captions(html) == ["1", "2", "3", "4", "5", "6"] and html.count("<img") == 6


def test_confusion_table_counts_and_accuracy():
    matrix = np.diag(np.full(10, 99))
    matrix[9, 4] = 10
    html = confusion_html(matrix)
    assert "Confusion matrix: 99.00% of 1,000 test digits right" in html
    cells = re.findall(r"<td[^>]*>(\d*)</td>", html)
    assert len(cells) == 100 and cells[9 * 10 + 4] == "10" and cells[0] == "99" and cells[1] == ""
    assert html.count('class="miss"') == 1
