"""The command line: the same services as the GUI, for scripts and the Windows Task Scheduler.

Exit codes: 0 success, 1 a refusal with a one-line Chinese message on stderr, 2 a usage error.
"""

import argparse
import getpass
import logging
import os
import sys
import traceback
from collections.abc import Sequence

from zzdesk.domain.errors import DomainError
from zzdesk.locations import use_persistent_matplotlib_dir, user_data_dir

EXIT_OK, EXIT_REFUSED, EXIT_USAGE, EXIT_BUG = 0, 1, 2, 3


def _actor(explicit: str | None) -> str:
    name = (explicit or os.environ.get("ZZDESK_USER") or "").strip()
    if name:
        return name
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return "unknown"


def _log_unexpected() -> str:
    log_dir = user_data_dir() / "logs"
    try:
        log_dir.mkdir(parents=True, exist_ok=True)
        log_file = log_dir / "zzdesk-cli.log"
        with log_file.open("a", encoding="utf-8") as handle:
            handle.write(traceback.format_exc() + "\n")
        return str(log_file)
    except OSError:
        logging.exception("unexpected error")
        return "（日志无法写入）"


def window_request(argv: Sequence[str]) -> argparse.Namespace | None:
    """``--db``/``--user`` when the arguments only open the window (``zzdesk``, ``zzdesk --db X gui``…), else None.

    The window is then started before the command line's modules (and the data layer under them) load, so it is
    on screen at once; anything else (a command, --help, --smoke, a typo) goes through the full parser."""
    options = argparse.ArgumentParser(add_help=False)
    options.add_argument("--db")
    options.add_argument("--user")
    try:
        known, rest = options.parse_known_args(list(argv))
    except SystemExit:  # e.g. --db without a value: the full parser explains
        return None
    return known if rest in ([], ["gui"]) else None


def main(argv: Sequence[str] | None = None) -> int:
    use_persistent_matplotlib_dir()  # before any chart code loads matplotlib (the frozen entry does it first)
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="replace")
    wanted = window_request(sys.argv[1:] if argv is None else argv)
    if wanted is not None:
        from zzdesk.ui.launch import run_gui  # Qt only; the data layer loads once the window shows

        return run_gui(wanted.db, _actor(wanted.user))
    from zzdesk.cli.commands import run_command
    from zzdesk.cli.parser import build_parser

    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as stop:
        return int(stop.code or 0)
    try:
        return run_command(args, _actor(args.user), parser)
    except DomainError as error:
        print(f"错误：{error.message}", file=sys.stderr)
        return EXIT_REFUSED
    except BrokenPipeError:  # output piped into a pager or `head` that stopped reading
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except KeyboardInterrupt:
        print("已中断", file=sys.stderr)
        return 130
    except Exception as error:  # a bug, not bad input: log it, say so calmly
        where = _log_unexpected()
        print(f"意外错误（{type(error).__name__}），操作未完成；详细信息已记录到 {where}", file=sys.stderr)
        return EXIT_BUG
