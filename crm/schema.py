"""drf-spectacular postprocessing: the API-wide conventions every operation shares, documented once.

- Every 4xx is ``{"message", "errors"}`` (crm/api.py): a documented 4xx without a body schema
  gets the ``ApiError`` schema, so clients (and the schema fuzzer) can rely on it.
- Every operation of /api/v1 is rate limited (the default throttles, or a webhook's own rate):
  each documents 429 (api.md "Errors"; docs/security.md "Throttling").
"""

API_ERROR = {
    "type": "object",
    "description": "Every 4xx: a sentence in the workspace language and the reasons per field (may be empty).",
    "properties": {
        "message": {"type": "string"},
        "errors": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}},
    },
    "required": ["message", "errors"],
}
ERROR_REF = {"$ref": "#/components/schemas/ApiError"}
TOO_MANY = "Too many requests: the rate limit of this token, user, channel or integration. Retry after `Retry-After` seconds."


def postprocess_api_conventions(result, generator, request, public):
    result.setdefault("components", {}).setdefault("schemas", {}).setdefault("ApiError", API_ERROR)
    for path, operations in result.get("paths", {}).items():
        if not path.startswith("/api/v1/"):
            continue
        for operation in operations.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses = operation["responses"]
            responses.setdefault("429", {"description": TOO_MANY})
            for code, response in responses.items():
                if code.startswith("4") and "content" not in response:
                    response["content"] = {"application/json": {"schema": ERROR_REF}}
    return result
