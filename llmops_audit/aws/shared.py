"""Answers of account-global reads, shared by the scopes (Regions, workloads) of one account.

IAM, Organizations, Budgets and Cost Explorer answer the same whichever Region asks, so in a run over
several Regions of an account each such read is made once, by whichever scope asks first; the others wait
for that answer (or its error) instead of asking again. Thread-safe: scopes run on a thread pool.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable
from typing import Any

# Services whose answers do not depend on the Region of the client (global endpoints, or account-wide data).
GLOBAL_SERVICES = frozenset({"iam", "organizations", "budgets", "ce", "account"})


class SharedAnswers:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._keys: dict[str, threading.Lock] = {}
        self._answers: dict[str, Any] = {}

    def get(self, key: str, compute: Callable[[], Any]) -> Any:
        """The answer under `key`: computed once (its exception too), copied out to each caller."""
        with self._lock:
            lock = self._keys.setdefault(key, threading.Lock())
        with lock:
            if key in self._answers:
                known = self._answers[key]
            else:
                try:
                    known = compute()
                except Exception as exc:  # an AwsCallError: the other scopes get the same answer
                    known = copy.copy(exc)  # never raised itself: it holds no frames of the scope that asked
                self._answers[key] = known
        if isinstance(known, BaseException):
            raise copy.copy(known)
        return copy.deepcopy(known)

    def serialize(self, key: str, compute: Callable[[], Any]) -> Any:
        """compute() under `key`'s lock, so concurrent callers with one key run it one after the other (the
        caller's own cache then answers the second); nothing is kept here."""
        with self._lock:
            lock = self._keys.setdefault(key, threading.Lock())
        with lock:
            return compute()
