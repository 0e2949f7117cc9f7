"""One of several writers in the concurrency test: logs N updates through the services and prints each one it
got back, so the test can check that every acknowledged update is in the database.

Run as ``python concurrent_writer.py DATABASE_URL_OR_PATH WRITER COUNT``.
"""

import sys

from zzdesk.domain.vocabulary import Status
from zzdesk.services import updates
from zzdesk.services.context import ServiceContext
from zzdesk.store.database import open_database
from zzdesk.store.engine import resolve_target

CODES = ("1.1", "1.2", "2.1", "2.2")


def main() -> None:
    target, writer, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    ctx = ServiceContext(database=open_database(resolve_target(target)), actor=f"并发测试{writer}")
    for number in range(count):
        token = f"{writer}-{number}"
        view = updates.log_update(ctx, CODES[number % len(CODES)],
                                  updates.UpdateInput(status=Status.ON_TRACK, progress=number % 100, text=token))
        print(f"ack {view.id} {token}", flush=True)


if __name__ == "__main__":
    main()
