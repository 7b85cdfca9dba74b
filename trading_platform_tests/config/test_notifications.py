"""The notification channels config: the bundled file, validation naming file and field, hash."""

import pytest

from trading_platform.config.notifications import (
    Notifications,
    SlackChannel,
    WebhookChannel,
    load_notifications,
)
from trading_platform.settings import ALERT_WEBHOOK_ENV

EMAIL = ("  - {name: mail, kind: email, host: smtp.example.com, from: desk@example.com, "
         "to: [risk@example.com]")


def test_load_notifications_given_bundled_file_keeps_the_webhook_and_adds_slack():
    webhook, slack = load_notifications().channels
    # today's single webhook, unchanged: every alert (WARN and up), no summary
    assert webhook == WebhookChannel(name="webhook", kind="webhook", url_env=ALERT_WEBHOOK_ENV,
                                     min_severity="WARN", messages=("alerts",))
    assert slack == SlackChannel(name="slack", kind="slack",
                                 url_env="TRADING_PLATFORM_SLACK_WEBHOOK", min_severity="ERROR",
                                 messages=("alerts", "summary"))


def test_load_notifications_given_email_channel_reads_from_and_defaults(tmp_path):
    source = tmp_path / "notifications.yaml"
    source.write_text(f"channels:\n{EMAIL}}}\n")
    [mail] = load_notifications(source).channels
    assert (mail.sender, mail.to, mail.port, mail.starttls) == (
        "desk@example.com", ("risk@example.com",), 587, True)
    assert mail.env_names() == ()  # a relay without login: nothing to set


@pytest.mark.parametrize(
    ("yaml_text", "field"),
    [
        ("channels:\n  - {name: hook, kind: pager, url_env: HOOK}\n", "kind"),
        ("channels:\n  - {name: hook, kind: webhook}\n", "url_env"),
        ("channels:\n  - {name: hook, kind: webhook, url: 'https://x'}\n", "url"),
        ("channels:\n  - {name: hook, kind: webhook, url_env: 'https://x'}\n", "url_env"),
        ("channels:\n  - {name: Hook/1, kind: webhook, url_env: HOOK}\n", "name"),
        ("channels:\n  - {name: hook, kind: slack, url_env: HOOK, min_severity: INFO}\n",
         "min_severity"),
        ("channels:\n  - {name: hook, kind: slack, url_env: HOOK, messages: []}\n", "messages"),
        ("channels:\n  - {name: hook, kind: slack, url_env: HOOK, messages: [report]}\n",
         "messages"),
        (f"channels:\n{EMAIL}, port: 0}}\n", "port"),
        (f"channels:\n{EMAIL}, to: []}}\n", "to"),
        (f"channels:\n{EMAIL}, to: [risk]}}\n", "to"),
        (f"channels:\n{EMAIL}, from: 'desk at example'}}\n", "from"),
        (f"channels:\n{EMAIL}, password: hunter2}}\n", "password"),
        (f"channels:\n{EMAIL}, password_env: SMTP_PASSWORD}}\n", "username_env"),
        ("channels:\n  - {name: hook, kind: webhook, url_env: A}\n"
         "  - {name: hook, kind: slack, url_env: B}\n", "used more than once"),
    ],
)
def test_load_notifications_given_invalid_value_raises_naming_file_and_field(
    tmp_path, yaml_text, field
):
    source = tmp_path / "notifications.yaml"
    source.write_text(yaml_text)
    with pytest.raises(ValueError, match=rf"(?s)notifications config .*notifications\.yaml.*"
                                         rf"{field}"):
        load_notifications(source)


def test_load_notifications_given_missing_file_raises_naming_it(tmp_path):
    with pytest.raises(ValueError, match=r"notifications config .*absent\.yaml"):
        load_notifications(tmp_path / "absent.yaml")


def test_content_hash_given_changed_channel_changes():
    bundled = load_notifications()
    quieter = Notifications(channels=(bundled.channels[0].model_copy(
        update={"min_severity": "ERROR"}),))
    assert bundled.content_hash == load_notifications().content_hash
    assert quieter.content_hash != bundled.content_hash
