"""Merge a .pot into .po files (new terms added, vanished ones dropped) and list the work left.

Usage: python tools/po_merge.py i18n/account_cobranza.pot i18n/es.po [...]
"""
import sys

import polib


def main(pot_path, *po_paths):
    pot = polib.pofile(pot_path)
    for path in po_paths:
        po = polib.pofile(path)
        po.merge(pot)
        for entry in po.obsolete_entries():
            po.remove(entry)
        po.save(path)
        todo = [entry for entry in po if not entry.msgstr or "fuzzy" in entry.flags]
        print(f"{path}: {len(todo)} untranslated or fuzzy")
        for entry in todo:
            print("   ", repr(entry.msgid[:100]))


if __name__ == "__main__":
    main(*sys.argv[1:])
