import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_service/tour_utils";

registry.category("web_tour.tours").add("account_cobranza_worklist", {
    url: "/odoo",
    steps: () => [
        ...stepUtils.goToAppSteps("account_cobranza.menu_cobranza_root", "Open Collections"),
        {
            content: "Open the worklist menu",
            trigger: '.o_main_navbar [data-menu-xmlid="account_cobranza.menu_cobranza_worklist"]',
            run: "click",
        },
        {
            content: "Open my worklist",
            trigger: '.dropdown-item[data-menu-xmlid="account_cobranza.menu_cobranza_worklist_mine"]',
            run: "click",
        },
        {
            content: "The most urgent customer comes first",
            trigger: '.o_list_view .o_data_row:first:contains("Ferretería Urgente")',
        },
        {
            content: "then the other one",
            trigger: '.o_list_view .o_data_row:last:contains("Bazar Tranquilo")',
        },
        {
            content: "Log a call with the first customer",
            trigger: '.o_data_row:first button[name="action_cobranza_log_call"]',
            run: "click",
        },
        {
            content: "The dialog lists the customer's overdue invoice",
            trigger: '.modal .o_field_widget[name="move_ids"] .o_data_row',
        },
        {
            content: "Nobody answered",
            trigger: '.modal .o_field_widget[name="outcome"] input[data-value="no_answer"]',
            run: "click",
        },
        {
            content: "Write a note",
            trigger: '.modal .o_field_widget[name="note"] textarea',
            run: "edit Buzón de voz, se deja mensaje",
        },
        {
            content: "Log the call",
            trigger: '.modal-footer button[name="action_confirm"]',
            run: "click",
        },
        {
            content: "The customer leaves today's worklist",
            trigger: '.o_list_view:not(:has(.o_data_row:contains("Ferretería Urgente")))',
        },
        {
            content: "and the other one stays",
            trigger: '.o_list_view .o_data_row:contains("Bazar Tranquilo")',
        },
    ],
});
