"""Just enough of the OLE2 compound file format (the container of .xls and .et files) to take one
stream out of it: the workbook stream whose cell records the extent guard reads before
python-calamine opens the file. Anything malformed gives None; calamine then reports the damage."""

from __future__ import annotations

import struct

SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_FREE = 0xFFFFFFFA  # ids at or above this are markers (end of chain, free, FAT, DIFAT)


def stream(data: bytes, names: tuple[str, ...]) -> bytes | None:
    """The first stream named one of ``names`` (case-insensitive), or None."""
    try:
        return _Container(data).stream({n.lower() for n in names})
    except (struct.error, IndexError, ValueError, UnicodeDecodeError):
        return None


class _Container:
    def __init__(self, data: bytes):
        if len(data) < 512 or not data.startswith(SIGNATURE):
            raise ValueError("not an OLE2 file")
        self.data = data
        shift, mini_shift = struct.unpack_from("<HH", data, 30)
        if shift not in (9, 12) or mini_shift != 6:
            raise ValueError("odd sector sizes")
        self.size = 1 << shift
        self.mini_size = 1 << mini_shift
        self.sectors = (len(data) - 512) // self.size + 1
        (fat_count, self.dir_start, _, self.cutoff, self.minifat_start, minifat_count,
         difat_start, difat_count) = struct.unpack_from("<IIIIIIII", data, 44)
        difat = list(struct.unpack_from("<109I", data, 76))
        per_sector = self.size // 4
        sector = difat_start
        for _ in range(min(difat_count, self.sectors)):
            if sector >= _FREE:
                break
            entries = struct.unpack_from(f"<{per_sector}I", self._sector(sector))
            difat.extend(entries[:-1])
            sector = entries[-1]
        fat_sectors = [s for s in difat if s < _FREE][:fat_count]
        fat_bytes = b"".join(self._sector(s) for s in fat_sectors)
        self.fat = struct.unpack(f"<{len(fat_bytes) // 4}I", fat_bytes)
        self.minifat_count = minifat_count

    def _sector(self, index: int) -> bytes:
        if index >= self.sectors:
            raise ValueError("sector out of range")
        start = (index + 1) * self.size
        return self.data[start:start + self.size]

    def _chain(self, start: int, table: tuple[int, ...]) -> list[int]:
        chain: list[int] = []
        sector = start
        while sector < _FREE:
            if sector >= len(table) or len(chain) > len(table):
                raise ValueError("broken chain")
            chain.append(sector)
            sector = table[sector]
        return chain

    def _read(self, start: int, size: int | None = None) -> bytes:
        data = b"".join(self._sector(s) for s in self._chain(start, self.fat))
        return data if size is None else data[:size]

    def stream(self, names: set[str]) -> bytes | None:
        directory = self._read(self.dir_start)
        entries = []
        for offset in range(0, len(directory) - 127, 128):
            length, kind = struct.unpack_from("<HB", directory, offset + 64)
            name = directory[offset:offset + max(min(length, 64) - 2, 0)].decode("utf-16-le")
            start, size = struct.unpack_from("<II", directory, offset + 116)
            entries.append((name, kind, start, size))
        if not entries:
            return None
        for name, kind, start, size in entries:
            if kind != 2 or name.lower() not in names:
                continue
            if size >= self.cutoff:
                return self._read(start, size)
            root_start, root_size = entries[0][2], entries[0][3]
            mini_stream = self._read(root_start, root_size)
            minifat_bytes = self._read(self.minifat_start)[: self.minifat_count * self.size]
            minifat = struct.unpack(f"<{len(minifat_bytes) // 4}I", minifat_bytes)
            parts = []
            for sector in self._chain(start, minifat):
                parts.append(mini_stream[sector * self.mini_size:(sector + 1) * self.mini_size])
            return b"".join(parts)[:size]
        return None
