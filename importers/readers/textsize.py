"""How much text a workbook unfolds into, judged before python-calamine builds it (issue 13).

calamine gives every cell its own copy of its text. A cell of a shared string (.xlsx ``t="s"``, .xls
LABELSST) is a few bytes in the file however long the string is, so 20,000 cells pointing at one
600 KB string — a 405 KB file that passes every size, ratio and cell limit — ask for 12 GB, and the
Rust runtime aborts the process. A text cell of an .ods repeated across columns
(``number-columns-repeated``) is the same bomb. So the text a workbook will hold is counted first:

- .xlsx: the size of every shared string (bytes of its ``<si>`` element, a bound of its text),
  times the cells that refer to it (every ``<v>N</v>`` counts as a reference: a bound), plus the
  size of a sheet's XML when it holds text of its own (inline strings, formula results);
- .ods: the text between the tags of content.xml (``xml_text``: its markup, some 80 bytes a cell,
  is not text), plus each repeated text cell's text once more for every repeat (``extent``);
- .xls: the size of every string of the SST (in UTF-8: three bytes a character stored in two, one
  a character stored in one) times its references, plus the rest of the workbook stream.

The whole workbook may hold ``MAX_TEXT_BYTES`` of text: with more, reading and loading it would cost
more than twice an ordinary 10,000-task table (measured by ``python -m benchmarks.limits``); such a
table counts about 4 MB. Word documents and CSV files hold their text once (merged Word cells share one string),
so their file size limits already bound it.
"""

from __future__ import annotations

import re
import struct
import zipfile

MAX_TEXT_BYTES = 16 * 1024 * 1024  # UTF-8 bytes of text, all sheets together (~5.5 million Chinese characters)

_SI = re.compile(rb"<(/?)(?:[\w.-]+:)?si(?=[\s>/])")
_SHARED_REF = re.compile(rb'<(?:[\w.-]+:)?c\s[^>]*?\bt\s*=\s*["\']s["\'][^>]*>\s*<(?:[\w.-]+:)?v>\s*([0-9]+)')
_CHUNK = 1 << 20


# A shared strings part up to this size is read whole and measured at C speed (``_plain_sizes``); a
# larger one is streamed. An ordinary 10,000-task table's is about 4 MB.
WHOLE_PART_BYTES = 32 * 1024 * 1024


def shared_string_sizes(archive: zipfile.ZipFile) -> list[int]:
    """The size in bytes of each ``<si>`` of the shared strings part (none: an empty list): from the
    end of its ``<si`` to the start of its ``</si``. A part of up to ``WHOLE_PART_BYTES`` written
    the usual way is measured whole (``_plain_sizes``); else it is read as a stream, tag by tag."""
    names = [n for n in archive.namelist() if n.lower().endswith("sharedstrings.xml")]
    if not names:
        return []
    if archive.getinfo(names[0]).file_size <= WHOLE_PART_BYTES:
        sizes = _plain_sizes(archive.read(names[0]))
        if sizes is not None:
            return sizes
    return _streamed_sizes(archive, names[0])


def _plain_sizes(data: bytes) -> list[int] | None:
    """The sizes ``_streamed_sizes`` gives, found by one split (issue 17: the regular expression's
    match object per tag was 30 ms of a 10,000-task table, this ~15 ms), or None when the part is not
    written the usual way: ``<si>…</si><si>…</si>`` back to back, no prefix, no attribute. The counts
    prove it: when the part holds exactly n ``<si`` and n ``</si`` (so none is ``<x:si``, ``<si …>``
    or ``</si …>`` either) and the split between the first ``<si>`` and the last ``</si>`` at
    ``</si><si>`` gives n pieces, every piece is one string's content, none holding another tag."""
    n = data.count(b"</si")
    if not n or data.count(b"<si") != n or b":si" in data:
        return None
    first, last = data.find(b"<si>"), data.rfind(b"</si>")
    if first < 0 or last < first:
        return None
    pieces = data[first + 4:last].split(b"</si><si>")
    if len(pieces) != n:
        return None
    return [len(piece) + 1 for piece in pieces]  # the ">" of <si> counts, as in the streamed reading


def _streamed_sizes(archive: zipfile.ZipFile, name: str) -> list[int]:
    """The size of each ``<si>`` found by ``_SI`` a chunk at a time: the strings are never held."""
    sizes: list[int] = []
    start = -1
    offset = 0  # stream position of buf[0]
    buf = b""
    with archive.open(name) as stream:
        while True:
            chunk = stream.read(_CHUNK)
            buf += chunk
            limit = len(buf) if not chunk else len(buf) - 16  # a tag cut at the end is taken next time
            last = 0
            for match in _SI.finditer(buf):
                if match.start() >= limit:
                    break
                last = match.end()
                if match[1]:
                    if start >= 0:
                        sizes.append(offset + match.start() - start)
                        start = -1
                else:
                    if start >= 0:  # an <si> never closed: count it up to here
                        sizes.append(offset + match.start() - start)
                    start = offset + match.end()
            if not chunk:
                break
            keep = max(last, limit)
            offset += keep
            buf = buf[keep:]
    return sizes


def shared_references(archive: zipfile.ZipFile, part: str, sizes: list[int]) -> int:
    """Bytes of shared-string text the cells of one sheet part refer to. A quick bound first (every
    ``t="s"`` at the longest string's size); the exact sum only when the bound is too large."""
    if not sizes:
        return 0
    longest = max(sizes)
    count = 0
    with archive.open(part) as stream:
        tail = b""
        while True:
            chunk = stream.read(_CHUNK)
            if not chunk:
                break
            window = tail + chunk
            count += window.count(b"v>", max(len(tail) - 2, 0))  # every value tag, <v>, </v>, <x:v> …
            tail = chunk[-2:]
    if count * longest <= MAX_TEXT_BYTES // 4:
        return count * longest
    total = 0
    n = len(sizes)
    with archive.open(part) as stream:
        buf = b""
        while True:
            chunk = stream.read(_CHUNK)
            buf += chunk
            limit = len(buf) if not chunk else len(buf) - 4096
            keep = max(limit, 0)
            for match in _SHARED_REF.finditer(buf):
                if match.end() > limit:
                    keep = min(match.start(), keep)
                    break
                i = int(match[1])
                if i < n:
                    total += sizes[i]
            if not chunk:
                break
            buf = buf[keep:]
    return total


# --- .xls -----------------------------------------------------------------------------------------

_SST, _CONTINUE, _LABELSST = 0x00FC, 0x003C, 0x00FD


def xls_text(book: bytes) -> tuple[int, int]:
    """(bytes of text the cells of an .xls workbook stream hold, the part of it counted once): its
    SST strings times their LABELSST references, plus the stream without the SST (its other
    records: numbers, inline labels, formats). The strings are counted as UTF-8, the budget's unit."""
    sizes, sst = _sst_sizes(book)
    rest = len(book) - sst
    if not sizes:
        return rest, rest
    n = len(sizes)
    total = rest
    pos, end = 0, len(book) - 4
    unpack = struct.unpack_from
    while pos <= end:
        kind, size = unpack("<HH", book, pos)
        if kind == _LABELSST and size >= 10:
            i = unpack("<I", book, pos + 10)[0]
            if i < n:
                total += sizes[i]
        pos += 4 + size
    return total, min(rest + sum(sizes), total)


_TAG = re.compile(rb"<[^>]*>")


def xml_text(stream) -> int:
    """Bytes of an XML stream outside its tags: a bound of the text it holds (entities and the
    blanks between tags count as text), read a chunk at a time."""
    total = 0
    tail = b""
    while True:
        chunk = stream.read(_CHUNK)
        data = tail + chunk
        if chunk:
            cut = data.rfind(b"<")
            if cut > data.rfind(b">"):  # a tag cut by the chunk's end: taken with the next one
                data, tail = data[:cut], data[cut:]
            else:
                tail = b""
        total += len(_TAG.sub(b"", data))
        if not chunk:
            return total


def _sst_sizes(book: bytes) -> tuple[list[int], int]:
    """The length in UTF-8 of each string of the SST (three bytes a character stored in two bytes,
    one a character stored in one: Chinese and ASCII as they are), its CONTINUE records followed;
    and the bytes of the SST's records."""
    pos, end = 0, len(book) - 4
    unpack = struct.unpack_from
    pieces: list[bytes] = []
    records = 0
    while pos <= end:
        kind, size = unpack("<HH", book, pos)
        if kind == _SST:
            pieces.append(book[pos + 4:pos + 4 + size])
            pos += 4 + size
            while pos <= end:
                kind, size = unpack("<HH", book, pos)
                if kind != _CONTINUE:
                    break
                pieces.append(book[pos + 4:pos + 4 + size])
                pos += 4 + size
            records = sum(4 + len(piece) for piece in pieces)
            break
        pos += 4 + size
    if not pieces or len(pieces[0]) < 8:
        return [], records
    count = unpack("<I", pieces[0], 4)[0]
    sizes: list[int] = []
    p, at = 0, 8  # piece, offset in it
    for _ in range(min(count, 10_000_000)):
        if at >= len(pieces[p]):
            p, at = p + 1, 0
            if p >= len(pieces):
                break
        data = pieces[p]
        if at + 3 > len(data):
            break
        chars, flags = unpack("<H", data, at)[0], data[at + 2]
        at += 3
        runs = ext = 0
        if flags & 0x08 and at + 2 <= len(data):
            runs = unpack("<H", data, at)[0]
            at += 2
        if flags & 0x04 and at + 4 <= len(data):
            ext = unpack("<I", data, at)[0]
            at += 4
        wide = flags & 0x01
        left = chars
        utf8 = 0
        while left:  # character data may run on into the next CONTINUE, which starts with a flags byte
            room = (len(data) - at) // (2 if wide else 1)
            take = min(left, room)
            at += take * (2 if wide else 1)
            utf8 += take * (3 if wide else 1)
            left -= take
            if left:
                p += 1
                if p >= len(pieces) or not pieces[p]:
                    sizes.append(utf8 + left * 3)
                    return sizes, records
                data, at = pieces[p], 1
                wide = data[0] & 0x01
        sizes.append(utf8)
        skip = runs * 4 + ext
        while skip:
            room = len(data) - at
            take = min(skip, room)
            at += take
            skip -= take
            if skip:
                p += 1
                if p >= len(pieces):
                    return sizes, records
                data, at = pieces[p], 0
    return sizes, records
