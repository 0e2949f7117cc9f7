"""The writer the kill test SIGKILLs: logs status updates through the services, printing each acknowledged one.

Started once by the test as ``python kill_writer.py DATABASE SCRATCH``; it imports everything, then for each
``go RUN SEED`` line on stdin forks a child that opens the database the way the app does and logs updates (every
fourth one with 佐证材料, and a backup every 10) until it is killed. After ``log_update`` returns, i.e. after the
commit, the child prints ``ack ID TOKEN``. The parent of the children prints ``child PID`` when one starts and
``exit PID STATUS`` once it has been reaped, so every ``ack`` of a child comes before its ``exit``. Each line is one
``os.write`` (shorter than PIPE_BUF), so a kill never leaves half a line.

Forking from this pre-loaded process makes a kill cost milliseconds instead of an interpreter start; the child
is still a separate process with its own database connections, opened after the fork.
"""

import os
import random
import sys
import traceback
from pathlib import Path

from zzdesk.domain.vocabulary import Status
from zzdesk.services import backups, updates
from zzdesk.services.context import ServiceContext
from zzdesk.store.database import open_database
from zzdesk.store.engine import resolve_target

CODES = [f"{group}.{measure}" for group in range(1, 4) for measure in range(1, 3)]


def say(line: str) -> None:
    os.write(1, (line + "\n").encode("utf-8"))


def write_until_killed(database: str, scratch: Path, run: int, seed: int) -> None:
    rng = random.Random(seed)
    ctx = ServiceContext(database=open_database(resolve_target(database)), actor="杀进程测试")
    say(f"ready {os.getpid()}")
    count = 0
    while True:
        count += 1
        token = f"kill-{run}-{count}"
        update = updates.UpdateInput(status=Status.ON_TRACK, progress=rng.randint(1, 99), text=token)
        code = rng.choice(CODES)
        if count % 4 == 0:
            evidence = scratch / f"佐证-{run}-{count}.bin"
            evidence.write_bytes(rng.randbytes(rng.randint(1_000, 16_000)))
            view = updates.log_update_with_attachments(ctx, code, update, [evidence])
        else:
            view = updates.log_update(ctx, code, update)
        say(f"ack {view.id} {token}")
        if count % 10 == 0:
            backups.backup_now(ctx)


def main() -> None:
    database, scratch = sys.argv[1], Path(sys.argv[2])
    for line in sys.stdin:
        words = line.split()
        if words[:1] != ["go"]:
            continue
        run, seed = int(words[1]), int(words[2])
        pid = os.fork()
        if pid == 0:
            os.close(0)
            try:
                write_until_killed(database, scratch, run, seed)
            except BaseException:
                say("error " + traceback.format_exc().replace("\n", " | "))
                os._exit(1)
        say(f"child {pid}")
        _, status = os.waitpid(pid, 0)
        say(f"exit {pid} {status}")


if __name__ == "__main__":
    main()
