"""`corrections list|export|clear|push`: the corrections visitors stored (Teach it)."""

from __future__ import annotations

import argparse
import sys


def add_corrections_command(sub, fmt) -> None:
    c = sub.add_parser("corrections", help="the stored corrections: list, export, clear, push", formatter_class=fmt)
    c.add_argument("action", choices=["list", "export", "clear", "push"], help="what to do")
    c.add_argument("folder", nargs="?", help="for export: the image folder to write")
    c.add_argument("--database", default=None, help="SQLite file (default: $DIGITPAD_HOME/digitpad.sqlite)")
    c.set_defaults(func=cmd_corrections)


def cmd_corrections(args: argparse.Namespace) -> int:
    from digitpad.teach.store import CorrectionStore, default_store

    store = CorrectionStore(args.database) if args.database else default_store()
    if args.action == "list":
        rows = store.corrections()
        for row in rows:
            probs = f"{max(row.probs):.0%}"
            print(
                f"{row.id:6d}  {row.created}  it was {row.label}, read as {row.guess} ({probs})  {row.model}  "
                f"visitor {row.visitor[:8]}"
            )
        visitors = len({row.visitor for row in rows})
        print(f"{len(rows)} corrections from {visitors} visitor{'' if visitors == 1 else 's'} in {store.where}")
    elif args.action == "export":
        if not args.folder:
            print("error: export needs a folder: python -m digitpad corrections export DIR", file=sys.stderr)
            return 2
        count = store.export(args.folder)
        print(f'exported {count} corrections to {args.folder} (an image folder: datasets\' "imagefolder" loads it)')
    elif args.action == "clear":
        print(f"deleted {store.forget()} corrections from {store.where}")
    else:  # push
        from digitpad.teach.hub_sync import hub_target, push_corrections

        target = hub_target()
        if target is None:
            print("error: set DIGITPAD_HUB_REPO (a dataset repository, user/name) to push", file=sys.stderr)
            return 2
        print(f"pushed {push_corrections(store, target)} corrections to the dataset {target.repo}")
    return 0
