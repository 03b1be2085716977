"""Schemathesis hooks for Vigil's API test (tests/e2e/schemathesis.rs).

A client makes a new Idempotency-Key for each new request; the generator, left to itself,
sends the same few keys with different bodies, which Vigil rightly refuses (422: the key was
used for another request; tests/e2e/cases.rs tests that refusal). So every key sent is made
unique, as a client would make it, just before the call. Nothing else of a request is touched.
"""

import uuid

import schemathesis


@schemathesis.hook
def before_call(context, case, kwargs):
    if case.headers and "Idempotency-Key" in case.headers:
        case.headers["Idempotency-Key"] = f"st-{uuid.uuid4()}"
