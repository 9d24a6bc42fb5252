"""Reading what students control without trusting it: folders through directory descriptors and
zips member by member; links refused, never followed; every size known and capped before a read."""

from __future__ import annotations

import os
import stat
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import TypeAlias

MAX_TOTAL_BYTES = 512 * 2**20  # everything intake reads for one batch, which is held in memory


class Refused(Exception):
    """An entry that intake will not read; the message is the reason, written for the student."""


@dataclass(frozen=True, slots=True)
class Node:
    name: str
    kind: str  # file, dir, link or other
    size: int = 0
    why: str = ""  # for kind "other"


class Budget:
    """What one batch may read in all: a class of bombs must not add up to an out-of-memory."""

    def __init__(self) -> None:
        self.total = self.left = MAX_TOTAL_BYTES

    def take(self, size: int, where: str) -> None:
        if size > self.left:
            raise Refused(
                f"{where} was not read: this batch already holds {self.total - self.left} of "
                f"the {self.total} bytes one batch may read (grade it in parts)"
            )
        self.left -= size


def refuse_node(node: Node | None, where: str, limit: int | None = None) -> None:
    if node is None:
        raise Refused(f"{where} is missing")
    if node.kind == "link":
        raise Refused(
            f"{where} is a symbolic link; links are not followed (submit the file itself)"
        )
    if limit is not None and node.size > limit:
        raise Refused(f"{where} is {node.size} bytes, over the {limit}-byte limit")
    if node.kind == "other":
        raise Refused(f"{where} {node.why}")
    if limit is not None and node.kind != "file":
        raise Refused(f"{where} is not a file")


def _kind(mode: int) -> tuple[str, str]:
    if stat.S_ISLNK(mode):
        return "link", ""
    if stat.S_ISDIR(mode):
        return "dir", ""
    if stat.S_ISREG(mode):
        return "file", ""
    return "other", "is not a regular file (a pipe, socket or device)"


class FolderTree:
    """A folder read through directory descriptors: no component of a path is ever a link that is
    followed, and a file's size and type are known before one byte of it is read."""

    def __init__(self, root: Path, budget: Budget) -> None:
        self.root, self.budget = root, budget

    def _open_dir(self, path: tuple[str, ...]) -> int:
        fd = os.open(self.root, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        try:
            for i, part in enumerate(path):
                where = "/".join(path[: i + 1])
                node = self._lstat(fd, part, where)
                if node.kind != "dir":
                    refuse_node(node, where)
                    raise Refused(f"{where} is not a folder")
                try:  # O_NOFOLLOW: a link swapped in after the lstat is refused too
                    inner = os.open(
                        part, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=fd
                    )
                except OSError as exc:
                    raise Refused(f"{where} cannot be opened ({exc.strerror})") from None
                os.close(fd)
                fd = inner
        except BaseException:
            os.close(fd)
            raise
        return fd

    @staticmethod
    def _lstat(dir_fd: int, name: str, where: str) -> Node:
        try:
            st = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
        except OSError as exc:
            raise Refused(f"{where} cannot be read ({exc.strerror})") from None
        kind, why = _kind(st.st_mode)
        return Node(name, kind, st.st_size, why)

    def children(self, path: tuple[str, ...]) -> list[Node]:
        fd = self._open_dir(path)
        try:
            with os.scandir(fd) as entries:
                names = [entry.name for entry in entries]
            nodes = [self._lstat(fd, name, "/".join((*path, name))) for name in names]
            return sorted(nodes, key=lambda node: node.name)
        finally:
            os.close(fd)

    def read(self, path: tuple[str, ...], limit: int) -> bytes:
        where = "/".join(path)
        fd = self._open_dir(path[:-1])
        try:
            node = self._lstat(fd, path[-1], where)
            refuse_node(node, where, limit)
            self.budget.take(node.size, where)
            try:
                flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
                file = os.open(path[-1], flags, dir_fd=fd)
            except OSError as exc:
                raise Refused(f"{where} cannot be opened ({exc.strerror})") from None
            try:
                if not stat.S_ISREG(os.fstat(file).st_mode):
                    raise Refused(f"{where} changed while it was read")
                chunks, size = [], 0
                while size <= limit:
                    chunk = os.read(file, min(2**20, limit + 1 - size))
                    if not chunk:
                        break
                    chunks.append(chunk)
                    size += len(chunk)
            finally:
                os.close(file)
        finally:
            os.close(fd)
        if size > limit:
            raise Refused(f"{where} grew over the {limit}-byte limit while it was read")
        return b"".join(chunks)


class ZipTree:
    """A zip read member by member, as it streams: links and duplicated names refused, sizes and
    member counts capped, and only stored or deflated members, whose inflation can be bounded."""

    def __init__(
        self, archive: zipfile.ZipFile, budget: Budget, label: str, max_members: int
    ) -> None:
        self.archive, self.budget, self.label = archive, budget, label
        infos = archive.infolist()
        if len(infos) > max_members:
            raise Refused(f"{label} holds {len(infos)} members, over the limit of {max_members}")
        self.dirs: dict[tuple[str, ...], dict[str, Node]] = {(): {}}
        self.infos: dict[tuple[str, ...], zipfile.ZipInfo] = {}
        for info in infos:
            # Some Windows tools write "\\" for "/"; ".." is a name no layout uses.
            name = _member_name(info).replace("\\", "/")
            parts = tuple(p for p in name.split("/") if p not in ("", "."))
            if not parts or ".." in parts:
                continue
            for i in range(1, len(parts)):
                self._add(parts[:i], Node(parts[i - 1], "dir"))
            if info.is_dir():
                self._add(parts, Node(parts[-1], "dir"))
                continue
            # The high bits hold a Unix mode when there is one; only a link's type matters here.
            kind, why = "link" if stat.S_ISLNK(info.external_attr >> 16) else "file", ""
            if parts in self.infos:
                kind, why = "other", f"appears twice in {label}"
            elif info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                kind, why = "other", "is compressed with a method other than deflate (zip it again)"
            elif info.flag_bits & 0x1:
                kind, why = "other", "is encrypted"
            self.infos[parts] = info
            self._add(parts, Node(parts[-1], kind, info.file_size, why))

    def _add(self, parts: tuple[str, ...], node: Node) -> None:
        siblings = self.dirs.setdefault(parts[:-1], {})
        if node.kind == "dir":
            self.dirs.setdefault(parts, {})
            if parts[-1] in siblings:
                return
        siblings[parts[-1]] = node

    def _node(self, path: tuple[str, ...]) -> Node | None:
        return self.dirs.get(path[:-1], {}).get(path[-1]) if path else Node("", "dir")

    def children(self, path: tuple[str, ...]) -> list[Node]:
        node = self._node(path)
        if node is None or node.kind != "dir":
            refuse_node(node, "/".join(path))
            raise Refused(f"{'/'.join(path)} is not a folder")
        return sorted(self.dirs.get(path, {}).values(), key=lambda node: node.name)

    def read(self, path: tuple[str, ...], limit: int) -> bytes:
        where = "/".join(path)
        node = self._node(path)
        refuse_node(node, where, limit)
        assert node is not None  # refuse_node refused a missing one
        self.budget.take(node.size, where)
        try:
            with self.archive.open(self.infos[path]) as member:
                data = member.read(limit + 1)  # deflate inflates at most what is asked for
        except (
            zipfile.BadZipFile,
            OSError,
            EOFError,
            zlib.error,
            ValueError,
            NotImplementedError,
            RuntimeError,
        ) as exc:
            raise Refused(f"{where} cannot be unpacked ({exc})") from None
        if len(data) > limit:
            raise Refused(f"{where} inflates past the {limit}-byte limit")
        return data


def _member_name(info: zipfile.ZipInfo) -> str:
    """The member's name; one written without the UTF-8 flag is tried as UTF-8 before cp437."""
    if info.flag_bits & 0x800:
        return info.filename
    try:
        return info.filename.encode("cp437").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return info.filename


Tree: TypeAlias = FolderTree | ZipTree
