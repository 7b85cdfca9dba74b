"""Notification channels: where alerts and the daily summary are sent; frozen.

Three kinds: ``webhook`` (the alert as JSON, with an ``Idempotency-Key`` header), ``slack`` (a
Slack incoming-webhook payload) and ``email`` (SMTP). Secrets and URLs never live in the YAML:
a channel names the environment variables that hold them (``url_env``, ``username_env``,
``password_env``), read through ``trading_platform.settings`` only, and a channel is enabled
when every variable it names is set (an e-mail channel naming none, for a relay without login,
is always on). ``min_severity`` filters alerts (WARN or ERROR); ``messages`` says whether a
channel gets ``alerts``, the daily ``summary`` (INFO, never filtered by severity), or both.
A channel's ``name`` is its identity: its queue file (``pending.<name>.json``) and the name in
the sensor's messages. ``content_hash`` is the config's identity.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from trading_platform.config.loading import load_yaml_config

ChannelName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_-]{0,39}$")]
EnvName = Annotated[str, StringConstraints(pattern=r"^[A-Z_][A-Z0-9_]*$")]
Address = Annotated[str, StringConstraints(pattern=r"^[^@\s<>,]+@[^@\s<>,]+$")]
Host = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9.\-\[\]:]+$")]
MessageKind = Literal["alerts", "summary"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class _Channel(_Frozen):
    name: ChannelName
    min_severity: Literal["WARN", "ERROR"] = "WARN"
    messages: tuple[MessageKind, ...] = ("alerts",)

    @field_validator("messages")
    @classmethod
    def _some_distinct(cls, messages: tuple[str, ...]) -> tuple[str, ...]:
        if not messages or len(set(messages)) != len(messages):
            raise ValueError(f"list alerts, summary or both, each once (got {list(messages)})")
        return messages

    def env_names(self) -> tuple[str, ...]:
        """The environment variables this channel reads; all must be set to enable it."""
        return ()


class WebhookChannel(_Channel):
    """The alert's JSON (``Alert.to_dict``) POSTed to the URL in ``url_env``."""

    kind: Literal["webhook"]
    url_env: EnvName

    def env_names(self) -> tuple[str, ...]:
        return (self.url_env,)


class SlackChannel(_Channel):
    """A Slack incoming-webhook payload (``domain.alert_messages.slack_payload``)."""

    kind: Literal["slack"]
    url_env: EnvName

    def env_names(self) -> tuple[str, ...]:
        return (self.url_env,)


class EmailChannel(_Channel):
    """One plain-text e-mail per message over SMTP, subject ``[ERROR] <asset> <partition>: ...``."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    kind: Literal["email"]
    host: Host
    port: int = Field(default=587, ge=1, le=65535)
    starttls: bool = True  # refuse to send unless the server upgrades the connection to TLS
    sender: Address = Field(alias="from")
    to: tuple[Address, ...] = Field(min_length=1)
    username_env: EnvName | None = None
    password_env: EnvName | None = None

    @model_validator(mode="after")
    def _login_pairs(self) -> EmailChannel:
        if (self.username_env is None) != (self.password_env is None):
            raise ValueError(f"email channel {self.name}: give username_env and password_env "
                             "together (SMTP login needs both), or neither for a relay "
                             "without login")
        return self

    def env_names(self) -> tuple[str, ...]:
        return tuple(name for name in (self.username_env, self.password_env) if name)


Channel = Annotated[WebhookChannel | SlackChannel | EmailChannel, Field(discriminator="kind")]


class Notifications(_Frozen):
    channels: tuple[Channel, ...] = ()

    @model_validator(mode="after")
    def _names_unique(self) -> Notifications:
        names = [channel.name for channel in self.channels]
        repeated = sorted({name for name in names if names.count(name) > 1})
        if repeated:
            raise ValueError(f"channel names {repeated} are used more than once: a name is a "
                             "channel's queue file, give each channel its own")
        return self

    @property
    def content_hash(self) -> str:
        return hashlib.sha256(self.model_dump_json().encode()).hexdigest()[:16]


def default_notifications_path() -> Path:
    return Path(__file__).with_name("notifications.yaml")


def load_notifications(path: Path | str | None = None) -> Notifications:
    """Load the YAML; raise ValueError naming the file and the field on bad config."""
    source = Path(path) if path else default_notifications_path()
    return load_yaml_config(Notifications, source, "notifications")
