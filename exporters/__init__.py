"""Writers of what the office sends upward: the JSON dump and (issue 4) Excel layouts. No Textual here."""
