"""Messages exchanged between the provider and its server child process."""

from pydantic import BaseModel, Field


class ServerConfig(BaseModel):
    """Sent as the first line on the child's stdin, keeping the API key out of `ps`."""

    model_path: str
    alias: str
    n_ctx: int = Field(gt=0)
    n_parallel: int = Field(gt=0)
    threads: int = Field(gt=0)
    api_key: str
    parent_pid: int


class ReadyMessage(BaseModel):
    """Printed by the child on stdout once the model is loaded and listening."""

    url: str
