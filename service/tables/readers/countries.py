"""``countries.yaml``: country aliases and named groups (EU, USMCA, ...)."""
from __future__ import annotations

import re

from service.model import countries as iso
from service.model.errors import TableError
from service.tables import fields as f
from service.tables.fields import Keys
from service.tables.reader import Reader
from service.tables.yamlsrc import Located

COUNTRIES = Keys({"groups"}, {"aliases"})
GROUP = Keys({"members", "cite"}, {"description", "url"})
_GROUP_NAME = re.compile(r"^[A-Z][A-Z_]+$")


def read_countries(reader: Reader) -> tuple[dict[str, str], dict[str, frozenset[str]]]:
    """Aliases and groups; the groups are kept on the reader for the files read after this one."""
    node = reader.read_mapping(reader.dir / "countries.yaml")
    f.check_keys(node, COUNTRIES)
    _read_aliases(reader, node)
    groups = f.expect_map(node["groups"], node.where("groups"))
    for name, gnode in groups.items():
        reader.groups[name] = _read_group(reader, groups, name, gnode)
    return dict(reader.aliases), dict(reader.groups)


def _read_aliases(reader: Reader, node: Located) -> None:
    aliases = node.get("aliases") or {}
    if not isinstance(aliases, Located):
        raise TableError(node.where("aliases"), "'aliases' must be a mapping")
    for alias, target in aliases.items():
        try:
            reader.aliases[alias] = iso.normalize(target)
        except ValueError as exc:
            raise TableError(aliases.where(alias), str(exc)) from None


def _read_group(reader: Reader, groups: Located, name: str, gnode) -> frozenset[str]:
    gnode = f.expect_map(gnode, groups.where(name))
    f.check_keys(gnode, GROUP)
    f.text(gnode, "cite")
    if not _GROUP_NAME.match(name) or name in iso.iso_codes():
        raise TableError(groups.where(name), f"group name {name!r} must be capital letters and "
                                             "must not be an ISO 3166 country code")
    members = reader.country_set(gnode, "members")
    if not members:
        raise TableError(gnode.where("members"), "a group needs members")
    return members
