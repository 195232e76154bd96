"""The process of the project's Jupyter kernel: ipykernel, without two messages of its own.

Papermill starts a kernel for each run, on this machine, bound to 127.0.0.1, and stops it when the
run is done. Two messages of ipykernel's come with that and say nothing a reader of the build
output can act on:

- "Kernel is running over TCP without encryption…", once per kernel and so once per run;
- "KeyboardInterrupt caught in kernel", now and then at the end of a run: jupyter_client's
  shutdown interrupts the kernel (SIGINT) before it asks it to stop.

Only these are dropped; every other message of the kernel still shows. An interrupted cell is
still reported by papermill as the cell's error.
"""

from __future__ import annotations

import logging

NOT_FOR_READERS = ("Kernel is running over TCP without encryption", "KeyboardInterrupt caught in kernel")


class WithoutNoise(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith(NOT_FOR_READERS)


def main() -> None:
    # traitlets names the application's logger after its class; the kernel logs through it.
    logging.getLogger("IPKernelApp").addFilter(WithoutNoise())
    from ipykernel.kernelapp import launch_new_instance

    launch_new_instance()


if __name__ == "__main__":
    main()
