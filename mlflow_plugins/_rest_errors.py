"""Errors of the plugin's routes under MLflow's `/api/` prefix, in MLflow's REST shape
(`{"error_code": ..., "message": ...}`), so MLflow's clients and ours read them alike."""

from __future__ import annotations

from typing import Any

from flask import jsonify


def rest_error(status: int, message: str) -> Any:
    """A JSON error response; `message` names the value and the rule it broke."""
    code = "RESOURCE_DOES_NOT_EXIST" if status == 404 else "INVALID_PARAMETER_VALUE"  # MLflow's error codes
    response = jsonify({"error_code": code, "message": message})
    response.status_code = status
    return response
