"""Baseline of the TUI's startup: a bare Textual app with a Header, an empty DataTable and a
Footer. Its title, BAREAPP, on the terminal marks its first frame."""

from textual.app import App
from textual.widgets import DataTable, Footer, Header


class Bare(App):
    TITLE = "BAREAPP"

    def compose(self):
        yield Header()
        yield DataTable()
        yield Footer()


Bare().run()
