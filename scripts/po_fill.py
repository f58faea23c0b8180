"""Fill Spanish translations into a catalog from a JSON file of {msgid: msgstr}.

Usage: python scripts/po_fill.py <app>/locale/es/LC_MESSAGES/django.po translations.json
Keys may be "context\x04msgid" for pgettext strings. Reports msgids still untranslated.
"""

import json
import sys

import polib


def main(po_path: str, json_path: str) -> int:
    catalog = polib.pofile(po_path)
    with open(json_path, encoding="utf-8") as fh:
        table = json.load(fh)
    missing = []
    for entry in catalog:
        key = f"{entry.msgctxt}\x04{entry.msgid}" if entry.msgctxt else entry.msgid
        if key in table:
            if entry.msgid_plural:
                value = table[key]
                entry.msgstr_plural = {0: value[0], 1: value[1]} if isinstance(value, list) else {0: value, 1: value}
            else:
                entry.msgstr = table[key]
            if "fuzzy" in entry.flags:
                entry.flags.remove("fuzzy")
        elif not entry.msgstr and not entry.obsolete:
            missing.append(entry.msgid)
    catalog.save(po_path)
    for msgid in missing:
        print("untranslated:", msgid)
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
