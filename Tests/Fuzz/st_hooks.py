"""Schemathesis hooks for scripts/fuzz-api (loaded through SCHEMATHESIS_HOOKS=st_hooks).

A request whose line and headers exceed what the HTTP parser (SwiftNIO's) accepts — about 80 KB,
reached when the fuzzer fills every query parameter of /authorize with multi-byte characters — is
refused by the parser itself with a bare `400 Bad Request` (no body, no Content-Type) before any
endpoint sees it. That is a clean refusal, not something docs/openapi.yaml can describe per
endpoint, so its content-type and header "violations" are dropped here. Every other answer is
judged in full, and Tests/Fuzz/malformed_input.py checks oversized request lines and headers
directly.
"""

import schemathesis

#: Request heads larger than this may meet the parser's limit.
PARSER_HEAD_LIMIT = 64 * 1024


@schemathesis.hook
def filter_failure(context, failure, case, response):
    request = response.request
    head = len(request.url or "") + sum(len(k) + len(v) + 4 for k, v in (request.headers or {}).items())
    parser_refusal = (response.status_code == 400 and not response.content
                      and not response.headers.get("content-type") and head > PARSER_HEAD_LIMIT)
    return not parser_refusal
