"""taizhang — 领导小组办公室工作台账: the ledger of a leading group's office, in the terminal."""

__version__ = "0.1.0"
