from odoo.tests import HttpCase, tagged


@tagged("post_install", "-at_install")
class TestConfigurationTour(HttpCase):
    def test_manager_opens_collections_configuration(self):
        self.start_tour("/odoo", "account_cobranza_configuration", login="admin")
