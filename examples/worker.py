#!/usr/bin/env python3
"""A worker's heartbeat loop in Python with redis-py (Debian's python3-redis), no SDK.

Run: python3 examples/worker.py [beats]   (env: REGISTRY_PORT, REGISTRY_HOST, REGISTRY_PASSWORD, WORKER_ID, HIVE_ID,
MODEL, WORKER_URL, INTERVAL_MS). With a number of beats it stops after that many and deregisters; without, it runs
until SIGINT/SIGTERM.
"""

import os
import random
import signal
import sys
import time

import redis

env = os.environ
WORKER_ID = env.get("WORKER_ID", "py-worker")
HIVE_ID = env.get("HIVE_ID", "hive-py")
FULL_STATE = [
    "STATE", "Idle",
    "MODEL", env.get("MODEL", "llama-3-8b"),
    "BACKEND", "cuda",
    "URL", env.get("WORKER_URL", "http://127.0.0.1:8082"),
    "DEVICE", "0",
    "VRAM_TOTAL", str(24 * 10**9),
]

# No retries inside redis-py: a beat is worth sending only now, and the loop below paces the next try.
registry = redis.Redis(
    host=env.get("REGISTRY_HOST", "127.0.0.1"),
    port=int(env.get("REGISTRY_PORT", "6390")),
    password=env.get("REGISTRY_PASSWORD"),
    socket_timeout=5,
    retry_on_timeout=False,
)

stopping = False


def stop(*_):
    global stopping
    stopping = True


signal.signal(signal.SIGINT, stop)
signal.signal(signal.SIGTERM, stop)


def interval_ms():
    if "INTERVAL_MS" in env:
        return int(env["INTERVAL_MS"])
    try:
        # A third of the server's offline window, so two beats can be lost before it calls the worker offline.
        return int(registry.config_get("offline-after")["offline-after"]) // 3
    except redis.RedisError:
        return 10_000


def load():
    return ["VRAM", str(8 * 10**9), "GPU", str(random.randint(0, 30))]


def main():
    beats = int(sys.argv[1]) if len(sys.argv) > 1 else None
    every = interval_ms() / 1000
    send_full = True
    sent = 0
    while not stopping and (beats is None or sent < beats):
        started = time.monotonic()
        try:
            fields = (FULL_STATE if send_full else []) + load()
            registered = registry.execute_command("HBEAT", WORKER_ID, HIVE_ID, *fields)
            if registered == 1 and not send_full:
                # The registry did not know us (restart, eviction): it holds only this beat. Send everything now.
                registry.execute_command("HBEAT", WORKER_ID, HIVE_ID, *FULL_STATE, *load())
            send_full = False
            sent += 1
            print(f"beat {sent} registered={registered}", flush=True)
        except redis.AuthenticationError as e:
            print(f"stopped: {e}", file=sys.stderr)
            return 1
        except redis.ConnectionError as e:
            # Not known to have landed: the next beat carries the full state. One beat per tick, never a burst.
            send_full = True
            print(f"beat failed, will retry: {e}", file=sys.stderr)
        # Jitter of +-10% so a fleet does not beat in step.
        time.sleep(max(0.0, every * random.uniform(0.9, 1.1) - (time.monotonic() - started)))
    try:
        registry.execute_command("WORKER.DEL", WORKER_ID)
    except redis.RedisError:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
