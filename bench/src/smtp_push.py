"""The bare-SMTP ceiling of `vigil-bench reminders`: Python's smtplib pushing TOTAL messages
of about 1 KB into the sink over CONNECTIONS connections (one thread each); prints messages/s."""

import smtplib
import sys
import threading
import time

host, port, total, connections = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
filler = "This line stands for the reminder's text and its HTML alternative.\r\n" * 13


def message(worker, i):
    return (
        "From: vigil@bench.example\r\nTo: bench-owner@example.org\r\n"
        f"Subject: [Vigil] VG-2026-00001: Reply due\r\nMessage-ID: <{worker}-{i}@bench>\r\n\r\n{filler}"
    )


def push(worker, count):
    client = smtplib.SMTP(host, port)
    for i in range(count):
        client.sendmail("vigil@bench.example", ["bench-owner@example.org"], message(worker, i))
    client.quit()


shares = [total // connections + (1 if k < total % connections else 0) for k in range(connections)]
threads = [threading.Thread(target=push, args=(k, n)) for k, n in enumerate(shares)]
start = time.perf_counter()
for t in threads:
    t.start()
for t in threads:
    t.join()
print(total / (time.perf_counter() - start))
