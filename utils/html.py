"""Customer text in HTML: the one way plain text written by a customer (a reply, a name, a
WhatsApp caption or profile name, a dispute's description) reaches an HTML field, a chatter
note or a task. Everything is escaped: no link, image or style a customer typed survives,
only its words and line breaks."""
from markupsafe import Markup, escape

from odoo.addons.base.models.ir_qweb_fields import nl2br_enclose


def text_html(text, tag="p"):
    """Plain `text` as HTML: escaped, its line breaks kept, in a `tag` element."""
    return nl2br_enclose(text or "", tag)


def html_note(template, **values):
    """A note of ours (`template`, a translated text with ``%(name)s`` placeholders) whose
    values may come from a customer: the template is ours, every value is escaped, and
    the line breaks of the result are kept."""
    body = escape(template) % {name: escape(value) for name, value in values.items()}
    return Markup("<p>%s</p>") % Markup(body.replace("\n", Markup("<br/>")))
