"""At most N fetches at once per host, on top of the overall bound.

Many feeds often live on one server (a publisher's section feeds, a blog host); polling all of them
at the same moment would look like an attack to it. The poller asks for a slot before it claims a
feed and skips (leaves due) a feed whose host is full, so one busy host never holds the slots that
other hosts' feeds could use. Pure bookkeeping: the poller calls it from its single event loop.
"""

from __future__ import annotations

from urllib.parse import urlsplit

__all__ = ["HostSlots", "host_of"]


def host_of(url: str) -> str:
    """The lower-case host name of a URL (no port: one machine is one host); ``""`` if none."""
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


class HostSlots:
    def __init__(self, per_host: int) -> None:
        if per_host < 1:
            raise ValueError("per_host must be at least 1")
        self.per_host = per_host
        self._busy: dict[str, int] = {}

    def acquire(self, host: str) -> bool:
        """Take a slot for ``host``; False (nothing taken) when it already has ``per_host`` fetches."""
        count = self._busy.get(host, 0)
        if count >= self.per_host:
            return False
        self._busy[host] = count + 1
        return True

    def release(self, host: str) -> None:
        count = self._busy.get(host, 0) - 1
        if count > 0:
            self._busy[host] = count
        else:
            self._busy.pop(host, None)

    def in_use(self, host: str) -> int:
        return self._busy.get(host, 0)

    def full(self, host: str) -> bool:
        return self._busy.get(host, 0) >= self.per_host
