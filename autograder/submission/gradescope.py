"""Gradescope's export: `submission_metadata.yml` says whose each `submission_<id>/` is and when it
was made; the folders hold the files."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import yaml

from autograder.errors import UsageError
from autograder.submission.core import student_id
from autograder.submission.member import Found, from_folder, refused
from autograder.submission.reader import Refused, Tree

GRADESCOPE_METADATA = "submission_metadata.yml"
MAX_METADATA_BYTES = 16 * 2**20


class _MetadataLoader(yaml.SafeLoader):
    """Gradescope's metadata, written by Ruby: every plain scalar stays a string (an id `0123` is
    not the number 83) except times, and Ruby's tags are read as plain data, never constructed."""


_MetadataLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag.endswith((":timestamp", ":null"))]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _untagged(loader: yaml.SafeLoader, _suffix: str, node: yaml.Node) -> Any:
    if isinstance(node, yaml.MappingNode):
        return loader.construct_mapping(node, deep=True)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    return loader.construct_scalar(node)  # type: ignore[arg-type]


_MetadataLoader.add_multi_constructor("!", _untagged)


def _field(entry: Any, name: str) -> Any:
    """A field of the metadata, whose keys are Ruby symbols (':sid') or, in some exports, plain."""
    if not isinstance(entry, dict):
        return None
    return entry.get(f":{name}", entry.get(name))


def from_gradescope(tree: Tree, root: tuple[str, ...], hw: str) -> list[Found]:
    """Gradescope's export: submission_metadata.yml maps `submission_<id>` to its submitters (the
    ids) and its `:created_at:` (the time); each submission_<id>/ folder holds the files."""
    where = "/".join((*root, GRADESCOPE_METADATA))
    try:
        metadata = yaml.load(
            tree.read((*root, GRADESCOPE_METADATA), MAX_METADATA_BYTES), _MetadataLoader
        )
    except (Refused, yaml.YAMLError) as exc:
        raise UsageError(
            f"{where} cannot be read: {exc}",
            hint="download the submissions from Gradescope again and grade the export as it is",
        ) from None
    if not isinstance(metadata, dict):
        raise UsageError(f"{where} is not a mapping of submission_<id> to its submitters")
    folders = {
        n.name
        for n in tree.children(root)
        if n.name.startswith("submission_") and n.name != GRADESCOPE_METADATA
    }
    found = []
    for key, entry in metadata.items():
        name = str(key)
        number = name.removeprefix("submission_")
        order = int(number) if number.isdigit() else 0
        created = _field(entry, "created_at")
        when = created.astimezone(UTC) if isinstance(created, datetime) and created.tzinfo else None
        submitters = _field(entry, "submitters")
        ids = [
            student_id(str(_field(person, "sid") or _field(person, "email")))
            for person in (submitters if isinstance(submitters, list) else [])
            if _field(person, "sid") or _field(person, "email")
        ]
        origin = "/".join((*root, name))
        has_folder = name in folders
        folders.discard(name)
        if not ids:
            why = f"{where} names no submitter with an :sid: or :email: for {name}"
            found.append(Found(refused(student_id(name), origin, why), order))
            continue
        if has_folder:
            sub = from_folder(tree, (*root, name), ids[0], hw, trust_timestamp=False)
        else:
            sub = refused(ids[0], origin, f"{origin}/ is missing from the Gradescope export")
        sub = replace(sub, submitted_at=when, time_source="gradescope" if when else "")
        found.extend(Found(replace(sub, student=student), order) for student in ids)
    for name in sorted(folders):  # folders the metadata does not name: recorded, never dropped
        why = f"{name}/ is not listed in {where}, so nothing says whose it is"
        found.append(Found(refused(student_id(name), "/".join((*root, name)), why)))
    return found
