"""What Odoo's notification layout (``mail.mail_notification_layout``) reads, for emails the
collection queues by thousands without ``message_post``: the same values Odoo's
``mail.thread._notify_by_email_prepare_rendering_context`` and its recipients' group give it
(a test keeps the keys pinned to Odoo's)."""
from odoo.tools import is_html_empty

# the recipients' group values a customer reading a reminder gets: no access button
RECIPIENT_GROUP = {"has_button_access": False, "button_access": {}}


def website_url(company):
    """The company's website as Odoo's layout links it (``http://`` added when missing)."""
    if not company.website:
        return False
    return company.website if company.website.lower().startswith(("http:", "https:")) else f"http://{company.website}"


def layout_values(message, record, company, lang, author_user):
    """The rendering values of `message`, posted on `record` by `author_user`, in `lang`:
    a discussion message without tracking, signature or footer, the company's header."""
    return {
        # message
        "is_discussion": True, "message": message, "subtype": message.subtype_id, "tracking_values": [],
        # record
        "model_description": False, "record": record, "record_name": record.display_name,
        "subtitles": [record.display_name],
        # user / environment
        "author_user": author_user, "company": company, "email_add_signature": False, "lang": lang,
        "signature": "", "website_url": website_url(company),
        # tools
        "is_html_empty": is_html_empty,
        # display
        "email_notification_force_header": False, "email_notification_force_footer": False,
        "email_notification_allow_header": True, "email_notification_allow_footer": False,
        **RECIPIENT_GROUP,
    }
