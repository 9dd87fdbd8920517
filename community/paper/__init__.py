"""Paper for the day of the event: the door list and the name badges, as PDF.

`fonts.py` finds the fonts on the server's disk, `fit.py` fits a text into a box,
`people.py` reads who gets a line or a badge (one query), `door_list.py` and
`badges.py` draw the pages (fpdf2), `views.py` serves them."""
