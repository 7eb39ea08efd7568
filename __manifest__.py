{
    "name": "Collections (Cobranza)",
    "summary": "Accounts-receivable collections: segments, dunning ladders, daily run, "
    "payment plans, promises, disputes, customer portal and KPIs",
    "version": "18.0.1.0.0",
    "category": "Accounting/Accounting",
    "website": "https://github.com/account-cobranza/account_cobranza",
    "author": "account_cobranza contributors",
    "license": "LGPL-3",
    "application": True,
    "depends": ["account", "account_payment", "sms", "portal", "mail"],
    "external_dependencies": {"python": ["phonenumbers", "requests"]},
    "data": [
        "security/cobranza_security.xml",
        "security/ir.model.access.csv",
        "data/mail_template_layout.xml",
        "data/mail_template_data.xml",
        "data/sms_template_data.xml",
        "data/cobranza_policy_data.xml",
        "data/cobranza_segment_data.xml",
        "views/cobranza_policy_views.xml",
        "views/cobranza_policy_level_views.xml",
        "views/cobranza_segment_views.xml",
        "views/res_partner_views.xml",
        "views/account_move_views.xml",
        "views/res_config_settings_views.xml",
        "views/cobranza_menus.xml",
    ],
    "demo": [
        "demo/cobranza_demo.xml",
    ],
    "assets": {
        "web.assets_tests": [
            "account_cobranza/static/tests/tours/**/*",
        ],
    },
    "installable": True,
}
