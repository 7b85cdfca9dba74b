"""Notification channels at run time: who takes which message, how each kind sends, one tick.

``open_channels`` turns the config into the channels that can send now (every variable they
name is set; values come from the caller, which reads them through ``settings``) and the ones
that are disabled, with the variables they lack. ``notify`` records the tick's alerts in the
log and the queue of every channel whose route takes them, then gives each enabled channel a
delivery pass; the passes run side by side, so a channel that times out does not hold up the
others (each is bounded by ``DeliveryPolicy.tick_budget_s``).
"""

from __future__ import annotations

import functools
import smtplib
import ssl
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate

from trading_platform.config.notifications import (
    Channel,
    EmailChannel,
    Notifications,
    SlackChannel,
)
from trading_platform.domain.alert_messages import email_text, slack_payload, title
from trading_platform.domain.alerts import Alert, at_least
from trading_platform.resources.alerts import AlertLog
from trading_platform.resources.delivery import (
    DeliveryError,
    DeliveryPolicy,
    DeliveryReport,
    Send,
    post_json,
)

Lookup = Callable[[str], str | None]  # environment variable name -> value, None when unset
MESSAGE_ID_DOMAIN = "trading-platform.alerts"


@dataclass(frozen=True)
class OpenChannel:
    """A channel that can send now."""

    config: Channel
    send: Send


@dataclass(frozen=True)
class Channels:
    """The configured channels, in config order: enabled ones, and disabled ones with the
    variables they lack."""

    enabled: tuple[OpenChannel, ...]
    disabled: dict[str, tuple[str, ...]]
    order: tuple[str, ...]


@dataclass(frozen=True)
class NotifyOutcome:
    """What one tick recorded, and each enabled channel's delivery pass."""

    written: tuple[Alert, ...]
    deliveries: dict[str, DeliveryReport]


def takes(channel: Channel, alert: Alert) -> bool:
    """Whether ``channel`` gets ``alert``: a summary when it lists ``summary``, any other alert
    when it lists ``alerts`` and the severity reaches ``min_severity``."""
    if alert.is_summary:
        return "summary" in channel.messages
    return "alerts" in channel.messages and at_least(alert.severity, channel.min_severity)


def open_channels(config: Notifications, lookup: Lookup) -> Channels:
    """Split the configured channels into those whose variables are all set and the rest."""
    enabled: list[OpenChannel] = []
    disabled: dict[str, tuple[str, ...]] = {}
    for channel in config.channels:
        values = {name: lookup(name) for name in channel.env_names()}
        missing = tuple(name for name, value in values.items() if value is None)
        if missing:
            disabled[channel.name] = missing
        else:
            enabled.append(OpenChannel(channel, _sender(channel, values)))
    return Channels(tuple(enabled), disabled, tuple(c.name for c in config.channels))


def notify(log: AlertLog, alerts: Iterable[Alert], channels: Channels,
           policy: DeliveryPolicy | None = None) -> NotifyOutcome:
    """Record the new alerts (log, then every taking channel's queue), then deliver what waits
    in each enabled channel's queue, the channels side by side."""
    routes = {open_.config.name: functools.partial(takes, open_.config)
              for open_ in channels.enabled}
    written = log.record(alerts, routes=routes)
    if not channels.enabled:
        return NotifyOutcome(tuple(written), {})
    with ThreadPoolExecutor(max_workers=len(channels.enabled)) as pool:
        passes = {open_.config.name: pool.submit(log.queue(open_.config.name).deliver,
                                                 open_.send, policy)
                  for open_ in channels.enabled}
    return NotifyOutcome(tuple(written), {name: done.result() for name, done in passes.items()})


def _sender(channel: Channel, values: dict[str, str | None]) -> Send:
    if isinstance(channel, EmailChannel):
        username = values.get(channel.username_env or "")
        password = values.get(channel.password_env or "")
        return functools.partial(send_email, channel, username, password)
    url = values[channel.url_env] or ""
    if isinstance(channel, SlackChannel):
        return functools.partial(post_slack, url)
    return functools.partial(post_alert, url)


def post_alert(url: str, alert: Alert, timeout: float) -> None:
    """The ``webhook`` kind: the alert's own JSON, with its id as ``Idempotency-Key``."""
    post_json(url, alert.to_dict(), timeout)


def post_slack(url: str, alert: Alert, timeout: float) -> None:
    """The ``slack`` kind: a Slack incoming-webhook payload (``text`` and ``blocks``)."""
    post_json(url, slack_payload(alert), timeout)


def email_message(channel: EmailChannel, alert: Alert) -> EmailMessage:
    """The e-mail of one alert. Its Message-ID derives from the alert id and the channel, so a
    copy sent again after a crash is recognisably the same message."""
    message = EmailMessage()
    message["Subject"] = title(alert)
    message["From"] = channel.sender
    message["To"] = ", ".join(channel.to)
    message["Date"] = formatdate(usegmt=True)
    local = "".join(c if c.isalnum() or c in "-_." else "." for c in alert.id)
    message["Message-ID"] = f"<{local}.{channel.name}@{MESSAGE_ID_DOMAIN}>"
    message["X-Alert-Id"] = alert.id
    message.set_content(email_text(alert))
    return message


def send_email(channel: EmailChannel, username: str | None, password: str | None,
               alert: Alert, timeout: float) -> None:
    """The ``email`` kind: one message over SMTP; STARTTLS is required when the channel says so
    (never falls back to sending in clear), login only when the channel names credentials."""
    where = f"SMTP {channel.host}:{channel.port}"
    try:
        with smtplib.SMTP(channel.host, channel.port, timeout=timeout) as smtp:
            if channel.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if username is not None and password is not None:
                smtp.login(username, password)
            refused = smtp.send_message(email_message(channel, alert))
    except (OSError, smtplib.SMTPException) as error:
        raise DeliveryError(f"{where} failed: {type(error).__name__}: {error}") from error
    if refused:
        raise DeliveryError(f"{where} refused recipients {sorted(refused)}")
