"""The OpenAPI schema documents the API-wide conventions on every operation (crm/schema.py)."""

from drf_spectacular.generators import SchemaGenerator


def test_every_operation_documents_its_errors_and_429():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    problems = []
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            if "429" not in responses:
                problems.append(f"{method.upper()} {path}: no 429")
            if not any(code.startswith("4") and code != "429" for code in responses):
                problems.append(f"{method.upper()} {path}: no 4xx documented")
            for code, response in responses.items():
                if code.startswith("4") and "content" not in response:
                    problems.append(f"{method.upper()} {path}: {code} without a body schema")
            if not operation.get("operationId") or not operation.get("summary"):
                problems.append(f"{method.upper()} {path}: no operationId or summary")
    assert not problems, problems
    error = schema["components"]["schemas"]["ApiError"]
    assert error["required"] == ["message", "errors"]
