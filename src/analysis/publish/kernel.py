"""The process of the project's Jupyter kernel: ipykernel, without one start-up notice.

ipykernel warns, once per kernel and so once per run, that its ZeroMQ sockets are not encrypted.
Papermill starts each kernel for one run, on this machine, bound to 127.0.0.1: the notice says
nothing a reader of the build output can act on. Only that message is dropped; every other
warning of the kernel still shows.
"""

from __future__ import annotations

import logging

TCP_NOTICE = "Kernel is running over TCP without encryption"


class WithoutTcpNotice(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith(TCP_NOTICE)


def main() -> None:
    # traitlets names the application's logger after its class.
    logging.getLogger("IPKernelApp").addFilter(WithoutTcpNotice())
    from ipykernel.kernelapp import launch_new_instance

    launch_new_instance()


if __name__ == "__main__":
    main()
