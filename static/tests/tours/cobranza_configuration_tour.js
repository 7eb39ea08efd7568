import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_service/tour_utils";

registry.category("web_tour.tours").add("account_cobranza_configuration", {
    url: "/odoo",
    steps: () => [
        ...stepUtils.goToAppSteps("account_cobranza.menu_cobranza_root", "Open Collections"),
        {
            content: "Open the configuration menu",
            trigger: '.o_main_navbar [data-menu-xmlid="account_cobranza.menu_cobranza_config"]',
            run: "click",
        },
        {
            content: "Open the policies",
            trigger: '.dropdown-item[data-menu-xmlid="account_cobranza.menu_cobranza_config_policies"]',
            run: "click",
        },
        {
            content: "Open the default policy",
            trigger: '.o_data_row td.o_data_cell:contains("Standard collection")',
            run: "click",
        },
        {
            content: "Its ladder starts three days before the due date",
            trigger: '.o_field_one2many[name=level_ids] .o_data_row:first:contains("Friendly reminder"):contains("-3")',
        },
        {
            content: "and ends with the legal hand-off",
            trigger: '.o_field_one2many[name=level_ids] .o_data_row:last:contains("Hand-off to legal"):contains("90")',
        },
        {
            content: "Open the configuration menu again",
            trigger: '.o_main_navbar [data-menu-xmlid="account_cobranza.menu_cobranza_config"]',
            run: "click",
        },
        {
            content: "Open the segments",
            trigger: '.dropdown-item[data-menu-xmlid="account_cobranza.menu_cobranza_config_segments"]',
            run: "click",
        },
        {
            content: "The five default segments are listed",
            trigger: '.o_list_view .o_data_row:contains("High risk")',
        },
    ],
});
