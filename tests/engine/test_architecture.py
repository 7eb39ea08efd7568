"""The README's Architecture is the map of the code: every Python file of the module's
packages has its line there, under its folder, and every file it lists exists."""
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("engine", "models", "wizards", "controllers", "utils")


def architecture_map():
    """``{folder: {file names listed under it}}`` from the README's *Architecture* section."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Architecture\n", 1)[1].split("\n## ", 1)[0]
    listing = section.split("### Files", 1)[1]
    files, folder = {}, None
    for line in listing.splitlines():
        heading = re.match(r"^(\w+)/", line)
        if heading:
            folder = heading.group(1)
        entry = re.match(r"^  ([\w]+\.py)\b", line)
        if entry and folder:
            files.setdefault(folder, set()).add(entry.group(1))
    return section, files


def test_every_python_file_has_its_line():
    _section, files = architecture_map()
    for package in PACKAGES:
        actual = {path.name for path in (ROOT / package).glob("*.py") if path.name != "__init__.py"}
        listed = files.get(package, set())
        assert actual - listed == set(), f"{package}/ files without their line in the README's Architecture"
        assert listed - actual == set(), f"{package}/ files the README lists but which do not exist"


def test_the_path_of_one_contact_has_at_most_a_dozen_stops_that_exist():
    section, _files = architecture_map()
    path = section.split("### The path of one contact", 1)[1].split("###", 1)[0]
    stops = re.findall(r"^(\d+)\. ", path, flags=re.MULTILINE)
    assert 1 <= len(stops) <= 12
    for name in set(re.findall(r"`((?:engine|models|utils)/\w+\.py)`", path)):
        assert (ROOT / name).is_file(), name


def test_the_methods_the_path_names_exist():
    section, _files = architecture_map()
    path = section.split("### The path of one contact", 1)[1].split("###", 1)[0]
    code = "\n".join(path_.read_text(encoding="utf-8") for package in PACKAGES
                     for path_ in (ROOT / package).glob("*.py"))
    for name in set(re.findall(r"`(?:[\w.]+\.)?(_?[a-z]\w+)`", path)) - {"py"}:
        if not name.endswith(".py"):
            assert re.search(rf"def {name}\(", code), f"the README's path names {name}, which no file defines"
