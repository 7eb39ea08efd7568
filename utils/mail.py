"""The text of an HTML email as the customer wrote it: what each mail client adds to an
answer (the quoted message, its attribution, the signature) taken away before reading."""
from lxml import etree, html as lxml_html

from odoo.tools import html2plaintext, is_html_empty

# where a client's quote of the message answered starts: this node and all that follows
QUOTE_STARTS = " | ".join([
    "//*[contains(concat(' ', normalize-space(@class), ' '), ' gmail_quote ')]",    # Gmail
    "//*[contains(concat(' ', normalize-space(@class), ' '), ' gmail_attr ')]",
    "//*[contains(concat(' ', normalize-space(@class), ' '), ' moz-cite-prefix ')]",  # Thunderbird
    "//*[@id='appendonsend' or @id='divRplyFwdMsg' or @name='divRplyFwdMsg']",        # Outlook on the web
    "//div[contains(translate(@style, ' ', ''), 'border-top:solid')]",               # Outlook desktop
    "//blockquote[@type='cite']",                                                     # Apple Mail
    "//*[contains(concat(' ', normalize-space(@class), ' '), ' yahoo_quoted ')]",
])
# quoted or added parts removed where they stand (an answer may go on after them)
QUOTED = ("//*[@data-o-mail-quote or @data-o-mail-quote-node] | //blockquote"
          " | //*[contains(@class, 'gmail_signature') or contains(@class, 'moz-signature')]")


def mail_text(body):
    """An HTML mail body as plain text."""
    return "" if is_html_empty(body) else html2plaintext(body).strip()


def _cut_from(node):
    """Remove `node` and everything after it in the document."""
    current = node
    while current.getparent() is not None:
        parent = current.getparent()
        for sibling in list(current.itersiblings()):
            parent.remove(sibling)
        if current is not node:
            current.tail = None
        current = parent
    if node.getparent() is not None:
        node.getparent().remove(node)  # with its tail: text after it


def customer_words(body):
    """The customer's own words of an HTML mail: the quoted message (Gmail, Outlook desktop
    and on the web, Apple Mail, Thunderbird, Yahoo, Odoo) and the signature dropped."""
    if is_html_empty(body):
        return ""
    try:
        tree = lxml_html.fromstring(body)
        starts = tree.xpath(QUOTE_STARTS)
        if starts:
            _cut_from(starts[0])
        for node in tree.xpath(QUOTED):
            if node.getparent() is not None:
                node.drop_tree()
        body = lxml_html.tostring(tree, encoding="unicode")
    except (ValueError, etree.ParserError):
        pass
    return mail_text(body)
