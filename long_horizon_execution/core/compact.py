"""Records written without what can be read back from elsewhere.

Inspect writes a sample's store into its log several times (the store itself, the solver's
state changes and its store changes), each copy far from the others, so every byte of a
per-turn record is paid several times per turn. A :class:`CompactRecord` leaves out fields
at their default and fields that repeat another field, and reads both back as they were.
"""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel, SerializerFunctionWrapHandler, model_serializer, model_validator


class CompactRecord(BaseModel):
    """A pydantic model serialized without default-valued or repeated fields."""

    copies: ClassVar[dict[str, str]] = {}
    """Field -> the field it usually repeats; left out when equal, restored when missing."""

    @model_validator(mode="before")
    @classmethod
    def _restore_copies(cls, data: Any) -> Any:
        if isinstance(data, dict) and any(name not in data for name in cls.copies):
            data = dict(data)
            for name, source in cls.copies.items():
                if name not in data and source in data:
                    data[name] = data[source]
        return data

    @model_serializer(mode="wrap")
    def _compact(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        data: dict[str, Any] = handler(self)
        fields = type(self).model_fields
        kept: dict[str, Any] = {}
        for name, value in data.items():
            field = fields.get(name)
            source = self.copies.get(name)
            if source is not None and getattr(self, name) == getattr(self, source):
                continue
            if field is not None and not field.is_required():
                if getattr(self, name) == field.get_default(call_default_factory=True):
                    continue
            kept[name] = value
        return kept
