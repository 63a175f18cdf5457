"""Validate every response the tests see against openapi.yaml."""
import json
import re
from pathlib import Path

import yaml
from jsonschema import Draft202012Validator, RefResolver

SPEC_PATH = Path(__file__).resolve().parents[2] / "openapi.yaml"


class Spec:
    def __init__(self, path=SPEC_PATH):
        self.doc = yaml.safe_load(path.read_text())
        self.resolver = RefResolver.from_schema(self.doc)
        self.paths = []
        for template, item in self.doc["paths"].items():
            pattern = "^" + re.sub(r"\\{[^}]+\\}", "[^/]+", re.escape(template)) + "$"
            self.paths.append((re.compile(pattern), template, item))

    def _deref(self, node):
        while isinstance(node, dict) and "$ref" in node:
            _, node = self.resolver.resolve(node["$ref"])
        return node

    def operation(self, method, path):
        path = path.split("?", 1)[0]
        for pattern, template, item in self.paths:
            if pattern.match(path) and method.lower() in item:
                return template, item[method.lower()]
        return None, None

    def path_known(self, path):
        path = path.split("?", 1)[0]
        return any(p.match(path) for p, _, _ in self.paths)

    def check(self, method, path, response):
        """Raise AssertionError when the response is not what the spec says.
        HEAD is checked as the GET of the path without a body; OPTIONS on a
        path of the spec is a 204 with Allow (the API description)."""
        head = method.upper() == "HEAD"
        if head:
            assert response.content == b"", f"HEAD {path} answered a body"
            method = "GET"
        if method.upper() == "OPTIONS" and self.path_known(path):
            assert response.status_code == 204, f"OPTIONS {path}: {response.status_code}"
            assert "allow" in {h.lower() for h in response.headers}
            assert response.content == b""
            return
        template, op = self.operation(method, path)
        if op is None:
            # A method the path lacks, or a path outside the API, still
            # answers a problem.
            if response.status_code == 405 and self.path_known(path):
                assert "allow" in {h.lower() for h in response.headers}
                self._check_body(self._problem_schema(), response, "application/problem+json",
                                 head)
                return
            if response.status_code == 404:
                self._check_body(self._problem_schema(), response, "application/problem+json",
                                 head)
                return
            raise AssertionError(f"{method} {path} is not in openapi.yaml")
        status = str(response.status_code)
        responses = op.get("responses", {})
        declared = responses.get(status) or responses.get(status[0] + "XX") or responses.get("default")
        assert declared is not None, (
            f"{method} {template} answered {status}, which openapi.yaml does not list")
        declared = self._deref(declared)
        for name, header in (declared.get("headers") or {}).items():
            header = self._deref(header)
            value = response.headers.get(name)
            if header.get("required"):
                assert value is not None, f"{method} {template} {status} lacks header {name}"
            if value is not None:
                self._check_header(header, name, value, f"{method} {template} {status}")
        content = declared.get("content")
        if not content:
            assert response.content == b"", (
                f"{method} {template} {status} has a body, which openapi.yaml does not declare")
            return
        ctype = response.headers.get("content-type", "").split(";")[0].strip()
        assert ctype in content, (
            f"{method} {template} {status}: content-type {ctype!r} not in {list(content)}")
        schema = self._deref(content[ctype].get("schema", {}))
        self._check_body(schema, response, ctype, head)

    def _check_header(self, header, name, value, where):
        schema = self._deref(header.get("schema", {}))
        if schema.get("type") == "integer":
            assert re.fullmatch(r"\d+", value), f"{where}: {name} {value!r} is not an integer"
            value = int(value)
        errors = list(Draft202012Validator(schema, resolver=self.resolver).iter_errors(value))
        assert not errors, f"{where}: header {name} {value!r}: {errors[0].message}"

    def _problem_schema(self):
        return self.doc["components"]["schemas"]["Problem"]

    def _check_body(self, schema, response, ctype, head=False):
        if head:
            return  # the GET's headers were checked; a HEAD has no body
        if "json" in ctype:
            body = json.loads(response.content)
        else:
            body = response.text
        validator = Draft202012Validator(schema, resolver=self.resolver)
        errors = sorted(validator.iter_errors(body), key=lambda e: list(e.path))
        assert not errors, "response does not match openapi.yaml: " + "; ".join(
            f"{'/'.join(map(str, e.path))}: {e.message}" for e in errors[:5])
